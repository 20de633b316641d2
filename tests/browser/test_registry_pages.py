"""Every registry page in headless Chromium, Chinese and English, desktop and 375 px: no
console errors, nothing wider than the phone; screenshots under /tmp/shots-registry/."""

from __future__ import annotations

from pathlib import Path

import pytest

from starrating.extensions import db
from starrating.services import registry
from starrating.services.results import compute_term
from tests.registry.helpers import cert_input, competition, xlsx
from tests.security.helpers import TINY_PNG

pytestmark = pytest.mark.browser
SHOTS = Path("/tmp/shots-registry")


def _data(school):
    s = school.students
    comp = competition(school.admin)
    registry.add_result(school.admin, comp.id, s[0].student_no, "third")
    registry.add_result(school.admin, comp.id, s[0].student_no, "second")
    registry.add_result(school.admin, comp.id, s[1].student_no, "first")
    city = competition(school.admin, name="市职业技能大赛（数控车工）", level="city")
    registry.add_result(school.admin, city.id, s[2].student_no, "merit")
    registry.add_certificate(school.admin, s[1].student_no, cert_input(level="level3"))
    registry.claim_certificate(school.student_user, cert_input(name="焊工职业技能等级证书",
                                                               number="HG-2026-0001"),
                               ("cert.png", TINY_PNG))
    db.session.commit()
    compute_term(None, school.term)
    db.session.commit()
    return comp


def _look(p, name, phone):
    SHOTS.mkdir(parents=True, exist_ok=True)
    p.page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)
    assert not p.console_errors, (name, p.console_errors)
    if phone:
        width = p.evaluate("document.documentElement.scrollWidth")
        assert width <= 375, (name, width)


def _as(p, username, lang):
    """Sign in afresh as `username`, reading in `lang` (the menu may be folded on a phone)."""
    p.page.context.clear_cookies()
    p.page.context.add_cookies([{"name": "lang", "value": lang, "url": p.base}])
    p.login(username)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_registry_pages_in_chromium(page, phone, school, lang, tmp_path):
    comp = _data(school)
    sheet = tmp_path / "results.xlsx"
    sheet.write_bytes(xlsx([["比赛名称", "级别", "日期", "主办单位", "学号", "奖项"],
                            ["全国职业院校技能大赛", "国家级", "2026-11-20", "教育部",
                             school.students[3].student_no, "二等奖"]]))
    admin_pages = {
        "admin-registry": "/admin/registry",
        "admin-competition": f"/admin/registry/competitions/{comp.id}",
        "admin-certificates": "/admin/registry/certificates",
        "admin-claims": "/admin/registry/claims",
        "admin-settings": "/admin/registry/settings",
        "admin-ranking": "/admin/ranking?scope=grade:2024",
    }
    for p, size in ((page, "desktop"), (phone, "phone")):
        _as(p, school.admin.username, lang)
        for name, url in admin_pages.items():
            p.go(url)
            _look(p, f"{name}-{lang}-{size}", size == "phone")
        p.go("/admin/registry/import")
        p.set_input_files("input[name='registry-file']", str(sheet))
        p.click("form[action$='/admin/registry/import'] input[type=submit]")
        p.wait_for_load_state()
        assert "全国职业院校技能大赛" in p.inner_text(".preview-table")
        _look(p, f"admin-import-preview-{lang}-{size}", size == "phone")
        _as(p, school.teacher.username, lang)
        for name, url in (("teacher-claims", "/admin/registry/claims"),
                          ("teacher-ranking", f"/admin/ranking?scope=class:{school.class_a.id}"),
                          ("teacher-student", f"/teacher/student/{school.students[0].id}")):
            p.go(url)
            _look(p, f"{name}-{lang}-{size}", size == "phone")
        _as(p, school.student_user.username, lang)
        p.go("/student/certificates")
        _look(p, f"student-certificates-{lang}-{size}", size == "phone")
    _as(page, school.teacher.username, lang)
    page.go("/admin/registry/claims")
    page.click("form[action$='/approve'] button")
    page.wait_for_load_state()
    _look(page, f"teacher-claims-approved-{lang}-desktop", False)
