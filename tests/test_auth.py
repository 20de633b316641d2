"""Accounts: login, logout, sessions, throttling, guards, CSRF, safe redirects."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from starrating.extensions import db
from starrating.models import LoginAttempt, LoginSession
from tests.conftest import Actor, csrf_from
from tests.factories import PASSWORD


def login(client, username, password=PASSWORD, remember=False, next_url=None, school=None):
    token = csrf_from(client.get("/login").get_data(as_text=True))
    data = {"username": username, "password": password, "csrf_token": token}
    if school is not None:
        data["school"] = school
    if remember:
        data["remember"] = "y"
    url = "/login" + (f"?next={next_url}" if next_url else "")
    return client.post(url, data=data)


def test_anonymous_is_sent_to_login(client, school):
    for url in ("/", "/teacher/", "/student/", "/admin/", "/password"):
        response = client.get(url)
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/login?next=")


def test_login_with_the_form_lands_on_the_role_home(client, school):
    response = login(client, "teacher_a")
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    assert client.get("/").headers["Location"] == "/teacher/"
    page = client.get("/teacher/").get_data(as_text=True)
    assert "24机电1班" in page
    assert "24机电2班" not in page  # not this teacher's class


def test_wrong_password_is_refused_with_a_message_and_counted(client, school):
    response = login(client, "teacher_a", "wrong-password1")
    assert response.status_code == 400
    assert "用户名或密码错误" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(LoginAttempt.id))) == 1


def test_login_is_throttled_after_repeated_failures(client, school):
    for _ in range(5):
        assert login(client, "teacher_a", "wrong-password1").status_code == 400
    response = login(client, "teacher_a")  # right password, but locked for now
    assert response.status_code == 429
    assert "登录失败次数过多" in response.get_data(as_text=True)


def test_successful_login_clears_earlier_failures(client, school):
    login(client, "teacher_a", "wrong-password1")
    assert login(client, "teacher_a").status_code == 302
    assert db.session.scalar(sa.select(sa.func.count(LoginAttempt.id))) == 0


@pytest.mark.parametrize("target", [
    "https://evil.example/", "//evil.example/", "http:evil.example", "/\\evil.example",
    "https:/evil.example",
])
def test_next_never_leaves_the_site(client, school, target):
    response = login(client, "teacher_a", next_url=target)
    assert response.status_code == 302
    location = response.headers["Location"]
    assert location == "/"
    assert "evil" not in location


def test_next_on_the_site_is_followed(client, school):
    response = login(client, "teacher_a", next_url="/password")
    assert response.headers["Location"] == "/password"


def test_cookie_saved_before_logout_no_longer_authenticates(app, school):
    client = app.test_client()
    login(client, "teacher_a", remember=True)
    saved = {c.key: c.value for c in client._cookies.values()}
    assert client.get("/teacher/").status_code == 200
    token = csrf_from(client.get("/teacher/").get_data(as_text=True))
    assert client.post("/logout", data={"csrf_token": token}).status_code == 302

    thief = app.test_client()
    for key, value in saved.items():
        thief.set_cookie(key, value)
    response = thief.get("/teacher/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert db.session.scalar(sa.select(sa.func.count(LoginSession.id))) == 0


def test_password_change_kills_other_sessions_and_keeps_this_one(app, school):
    phone, laptop = app.test_client(), app.test_client()
    login(phone, "teacher_a")
    login(laptop, "teacher_a")
    saved = {c.key: c.value for c in laptop._cookies.values()}
    token = csrf_from(laptop.get("/password").get_data(as_text=True))
    response = laptop.post("/password", data={
        "csrf_token": token, "old_password": PASSWORD, "new_password": "NewPassw0rd9",
        "confirm": "NewPassw0rd9"})
    assert response.status_code == 302
    assert laptop.get("/teacher/").status_code == 200  # this browser stays in
    assert phone.get("/teacher/").status_code == 302  # the other device is out
    stale = app.test_client()
    for key, value in saved.items():
        stale.set_cookie(key, value)
    assert stale.get("/teacher/").status_code == 302  # the pre-change cookie is dead
    assert login(app.test_client(), "teacher_a", "NewPassw0rd9").status_code == 302


def test_password_policy_is_enforced_with_clear_messages(act, school):
    teacher = act(school.teacher)
    response = teacher.post("/password", {
        "old_password": PASSWORD, "new_password": "short", "confirm": "short"})
    assert response.status_code == 400
    text = response.get_data(as_text=True)
    assert "至少 8 个字符" in text and "须同时包含字母和数字" in text


def test_every_post_without_csrf_token_is_refused(app, school, act):
    teacher = act(school.teacher)
    posts = [r for r in app.url_map.iter_rules() if "POST" in r.methods]
    assert posts
    for rule in posts:
        url = re.sub(r"<(?:\w+:)?(\w+)>", "1", rule.rule)
        for actor in (Actor(app.test_client()), teacher):
            response = actor.post(url, {"x": "1"}, csrf=False)
            assert response.status_code == 400, (rule.rule, response.status_code)


def test_roles_are_guarded(act, school):
    student, teacher, admin = act(school.student_user), act(school.teacher), act(school.admin)
    assert student.get("/teacher/").status_code == 403
    assert student.get("/admin/").status_code == 403
    assert teacher.get("/admin/").status_code == 403
    assert teacher.get("/student/").status_code == 403
    assert admin.get("/admin/").status_code == 200
    forbidden = student.get("/admin/").get_data(as_text=True)
    assert "无权访问" in forbidden  # the friendly page, not a bare error


def test_inactive_user_cannot_log_in(client, school):
    school.teacher.active = False
    db.session.commit()
    assert login(client, "teacher_a").status_code == 400


def test_security_headers_are_set(client, school):
    response = client.get("/login")
    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "unsafe-inline" not in csp
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"]


def test_pages_have_no_inline_script_or_style(act, school):
    for actor, url in ((act(None), "/login"), (act(school.teacher), "/teacher/"),
                       (act(school.admin), "/admin/"), (act(school.student_user), "/student/")):
        html = actor.get(url).get_data(as_text=True)
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), url
        assert " style=" not in html and "<style" not in html, url
        assert " onclick=" not in html.lower()


# ---- headers on every kind of response ------------------------------------------------------

def _assert_security_headers(response, what):
    csp = response.headers.get("Content-Security-Policy", "")
    assert "default-src 'self'" in csp and "unsafe-inline" not in csp, what
    assert "unsafe-eval" not in csp and "frame-ancestors 'none'" in csp, what
    assert response.headers.get("X-Frame-Options") == "DENY", what
    assert response.headers.get("X-Content-Type-Options") == "nosniff", what
    assert response.headers.get("Referrer-Policy") in ("same-origin", "no-referrer",
                                                       "strict-origin-when-cross-origin"), what


def test_security_headers_on_every_kind_of_response(app, act, school, make):
    from starrating.services import evidence
    from tests.security.helpers import TINY_PNG

    entry = make.entry(school.term, school.students[0], author=school.teacher)
    attachment = evidence.store(school.teacher, evidence.check_file(TINY_PNG, "a.png"),
                                entry=entry)
    db.session.commit()
    anon, teacher = act(None), act(school.teacher)
    admin, student = act(school.admin), act(school.student_user)
    responses = {
        "login page": anon.get("/login"),
        "redirect": anon.get("/teacher/"),
        "teacher page": teacher.get("/teacher/"),
        "admin page": admin.get("/admin/"),
        "student page": student.get("/student/"),
        "404 page": teacher.get("/no/such/page"),
        "403 page": student.get("/admin/"),
        "405 page": teacher.get("/logout"),
        "CSRF refusal": teacher.post("/logout", csrf=False),
        "JSON": anon.get("/healthz"),
        "evidence file": teacher.get(f"/teacher/evidence/{attachment.id}"),
        "xlsx download": teacher.get(f"/teacher/class/{school.class_a.id}/import/template.xlsx"),
        "static file": anon.get("/static/css/app.css"),
        "failed login": anon.post("/login", {"username": "teacher_a", "password": "wrong1xx"}),
    }
    for what, response in responses.items():
        _assert_security_headers(response, what)
        if what != "static file":
            assert "no-store" in response.headers.get("Cache-Control", ""), what
    assert responses["evidence file"].headers["Content-Disposition"].startswith("attachment")


def test_503_page_has_the_headers_too(tmp_path):
    from starrating import create_app
    from tests.conftest import _config_dict

    app = create_app({**_config_dict(),
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'no' / 'db.sqlite3'}"})
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    _assert_security_headers(response, "503")


# ---- cookies ------------------------------------------------------------------------------------

def _set_cookies(response) -> dict[str, str]:
    return {h.split("=", 1)[0]: h for h in response.headers.getlist("Set-Cookie")}


def test_cookies_are_httponly_and_lax(client, school):
    response = login(client, "teacher_a", remember=True)
    cookies = _set_cookies(response)
    assert "session" in cookies and "remember_token" in cookies
    for name, header in cookies.items():
        assert "HttpOnly" in header, name
        assert "SameSite=Lax" in header, name
        assert "Secure" not in header  # development over plain http


def test_cookies_are_secure_in_production(tmp_path, make):
    from config import ProductionConfig
    from starrating import create_app

    class Production(ProductionConfig):
        SECRET_KEY = "p" * 48
        SQLALCHEMY_DATABASE_URI = f"sqlite:///{tmp_path / 'prod.sqlite3'}"
        STARRATING_FILES_DIR = str(tmp_path / "files")

    app = create_app(Production)
    with app.app_context():
        db.create_all()
        make.school_setup()
        client = app.test_client()
        response = login(client, "teacher_a", remember=True)
        assert response.status_code == 302
        cookies = _set_cookies(response)
        for header in cookies.values():
            assert "Secure" in header and "HttpOnly" in header and "SameSite=Lax" in header, \
                header
        assert "max-age" in response.headers["Strict-Transport-Security"]
        db.session.remove()


def test_production_refuses_the_default_secret_key(monkeypatch):
    from config import DEFAULT_SECRET_KEY, ProductionConfig

    monkeypatch.setattr(ProductionConfig, "SECRET_KEY", DEFAULT_SECRET_KEY)
    with pytest.raises(RuntimeError):
        ProductionConfig.check()


# ---- the session at login -----------------------------------------------------------------------

def test_session_is_rotated_at_login_and_the_old_one_is_not_reused(app, school):
    client = app.test_client()
    token = csrf_from(client.get("/login").get_data(as_text=True))
    before = client.get_cookie("session").value
    response = client.post("/login", data={"username": "teacher_a", "password": PASSWORD,
                                           "csrf_token": token})
    assert response.status_code == 302
    after = client.get_cookie("session").value
    assert after != before
    assert client.get("/teacher/").status_code == 200
    # An attacker who planted (or saw) the pre-login cookie is not logged in by it.
    fixated = app.test_client()
    fixated.set_cookie("session", before)
    response = fixated.get("/teacher/")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    # Logging in twice gives two different login sessions (the token is per login).
    other = app.test_client()
    login(other, "teacher_a")
    assert db.session.scalar(sa.select(sa.func.count(sa.distinct(LoginSession.token)))) == 2


def test_forged_session_cookie_is_ignored(app, school):
    client = app.test_client()
    client.set_cookie("session", "eyJfdXNlcl9pZCI6IjEifQ.forged.signature")
    response = client.get("/teacher/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_remember_cookie_alone_dies_with_logout(app, school):
    client = app.test_client()
    login(client, "teacher_a", remember=True)
    remember = client.get_cookie("remember_token").value
    token = csrf_from(client.get("/teacher/").get_data(as_text=True))
    client.post("/logout", data={"csrf_token": token})
    thief = app.test_client()
    thief.set_cookie("remember_token", remember)
    assert thief.get("/teacher/").status_code == 302


# ---- passwords ----------------------------------------------------------------------------------

@pytest.mark.parametrize("password,ok", [
    ("Passw0rd2026", True), ("abcdefg1", True), ("abc123", False), ("abcdefgh", False),
    ("12345678", False), ("teacher_a1", True), ("x1" * 65, False), ("中文密码abc12345", True),
])
def test_password_policy(password, ok):
    from starrating.auth.services import password_problems

    assert (password_problems(password, "teacher_a") == []) is ok


def test_password_equal_to_username_is_refused():
    from starrating.auth.services import password_problems

    assert password_problems("Teacher2026", "teacher2026")


def test_admin_reset_password_kills_the_old_one_and_forces_a_change(app, act, school):
    admin = act(school.admin)
    victim = app.test_client()
    login(victim, "teacher_a")
    response = admin.post(f"/admin/teachers/{school.teacher.id}/reset")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    db.session.expire_all()
    from starrating.models import User

    user = db.session.get(User, school.teacher.id)
    assert user.must_change_password
    new = next(p for p in re.findall(r"\b[a-z]{6}[2-9]{4}\b", html) if user.check_password(p))
    assert victim.get("/teacher/").status_code == 302  # signed out everywhere
    assert login(app.test_client(), "teacher_a", PASSWORD).status_code == 400  # old one dead
    client = app.test_client()
    response = login(client, "teacher_a", new)
    assert response.status_code == 302 and response.headers["Location"] == "/password"
    # Until a new password is chosen, every page sends them back to the password form.
    for url in ("/", "/teacher/", f"/teacher/class/{school.class_a.id}"):
        response = client.get(url)
        assert response.status_code == 302 and response.headers["Location"] == "/password", url
    token = csrf_from(client.get("/password").get_data(as_text=True))
    response = client.post("/password", data={"csrf_token": token, "old_password": new,
                                              "new_password": "Mine2026abc",
                                              "confirm": "Mine2026abc"})
    assert response.status_code == 302
    assert client.get("/teacher/").status_code == 200


def test_admin_of_another_school_cannot_reset_a_password(act, school, make):
    from starrating.models import Role

    other_school = make.school()
    other_admin = make.user(Role.ADMIN, other_school.id)
    db.session.commit()
    response = act(other_admin).post(f"/admin/teachers/{school.teacher.id}/reset")
    assert response.status_code in (403, 404)
    db.session.expire_all()
    assert login(act(None).client, "teacher_a",
                 school=school.school.code).status_code == 302  # unchanged


def test_lockout_expires_and_counts_per_ip_too(app, client, school, make):
    from datetime import timedelta

    from starrating.models import Role, utcnow

    for _ in range(5):
        login(client, "teacher_a", "wrong-password1")
    assert login(client, "teacher_a").status_code == 429
    db.session.execute(sa.update(LoginAttempt).values(at=utcnow() - timedelta(minutes=16)))
    db.session.commit()
    assert login(client, "teacher_a").status_code == 302  # the lock lasts 15 minutes
    # Many usernames from one address: the address is locked after 30 failures.
    for n in range(30):
        make.user(Role.TEACHER, school.school.id, username=f"spray{n}")
    db.session.commit()
    spray = app.test_client()
    for n in range(30):
        assert login(spray, f"spray{n}", "wrong-password1").status_code == 400
    assert login(spray, "teacher_b").status_code == 429


def test_unknown_username_costs_a_hash_like_a_known_one(client, school, monkeypatch):
    """No user enumeration by response time: an unknown name is hashed too."""
    import starrating.auth.services as services

    calls = []
    real = services.check_password_hash
    monkeypatch.setattr(services, "check_password_hash",
                        lambda h, p: calls.append(1) or real(h, p))
    assert login(client, "nobody_here", "wrong-password1").status_code == 400
    assert calls == [1]
