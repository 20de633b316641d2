"""Chinese by default, English when switched, remembered."""

from __future__ import annotations

from starrating.extensions import db
from tests.conftest import csrf_from


def test_login_page_is_chinese_by_default(client, school):
    html = client.get("/login", headers={"Accept-Language": "en-US"}).get_data(as_text=True)
    assert "登录" in html and "用户名" in html and "密码" in html
    assert "Username" not in html


def test_language_switch_is_remembered_across_requests(client, school):
    token = csrf_from(client.get("/login").get_data(as_text=True))
    response = client.post("/lang/en", data={"csrf_token": token, "next": "/login"})
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    html = client.get("/login").get_data(as_text=True)
    assert "Username" in html and "Log in" in html and "用户名" not in html


def test_each_role_home_renders_in_both_languages(act, school):
    expectations = {
        "teacher": (school.teacher, "/teacher/", "我的班级", "My classes"),
        "admin": (school.admin, "/admin/", "学生处概览", "Student affairs overview"),
        "student": (school.student_user, "/student/", "学号", "Student number"),
    }
    for user, url, zh, en in expectations.values():
        actor = act(user)
        assert zh in actor.get(url).get_data(as_text=True)
        assert actor.post("/lang/en", {"next": url}).status_code == 302
        html = actor.get(url).get_data(as_text=True)
        assert en in html and zh not in html
        db.session.refresh(user)
        assert user.locale == "en"  # remembered on the account, not only the browser
        actor.post("/lang/zh_Hans_CN", {"next": url})
        assert zh in actor.get(url).get_data(as_text=True)


def test_unknown_language_falls_back_to_chinese(act, school):
    actor = act(None)
    actor.post("/lang/xx", {"next": "/login"})
    assert "用户名" in actor.get("/login").get_data(as_text=True)


def test_every_source_string_has_a_chinese_translation():
    """English is the source; a string with no Chinese would show English to students."""
    import subprocess
    import sys
    import tempfile
    from pathlib import Path

    from babel.messages.pofile import read_po

    from starrating.i18n import SOURCE_DIR

    root = Path(__file__).resolve().parent.parent
    with tempfile.TemporaryDirectory() as tmp:
        pot = Path(tmp) / "messages.pot"
        subprocess.run([sys.executable, "-m", "babel.messages.frontend", "extract", "-F",
                        str(root / "babel.cfg"), "-k", "_l", "-k", "lazy_gettext",
                        "--ignore-dirs=.venv .git tests bench", "-o", str(pot), str(root)],
                       check=True, capture_output=True)
        with pot.open("rb") as fh:
            wanted = {m.id for m in read_po(fh) if m.id}
    have = set()
    for po in (SOURCE_DIR / "zh_Hans_CN").glob("*.po"):
        with po.open("rb") as fh:
            have |= {m.id for m in read_po(fh) if m.id and m.string}
    missing = sorted(str(m) for m in wanted - have)
    assert not missing, f"{len(missing)} strings lack Chinese: {missing[:20]}"
