"""Admin pages in headless Chromium: rule upload errors, what-if, imports, dashboard."""

from __future__ import annotations

from datetime import date

import pytest

from starrating.demo import default_rules_source
from starrating.extensions import db
from starrating.models import Club, ClubMembership
from starrating.services.scoring import evaluate_term, summarize  # noqa: F401

BAD_RULES = ('name = "x"\n[[dimensions]]\nkey = "Moral"\nname = "m"\nbase = 80\nmax = 100\n'
             'thresholds = { 5 = 90, 4 = 95 }\n[overall]\nthresholds = { 1 = 0 }\n')
PAGES = ["/admin/", "/admin/dashboard", "/admin/terms", "/admin/departments", "/admin/classes",
         "/admin/students", "/admin/teachers", "/admin/clubs", "/admin/rules",
         "/admin/what-if", "/admin/audit", "/admin/students/import"]


@pytest.fixture
def busy_school(make, school):
    """The small school with a few entries, a club with members and some audit rows."""
    for i, student in enumerate(school.students):
        make.entry(school.term, student, "moral.service", str(2 + 2 * i), author=school.teacher)
    club = Club(school_id=school.school.id, name="机器人社")
    db.session.add(club)
    db.session.flush()
    db.session.add(ClubMembership(club_id=club.id, student_id=school.students[0].id,
                                  term_id=school.term.id, role="社长",
                                  joined_on=date(2026, 9, 10)))
    from starrating.services import setup

    setup.save_department(school.admin, "信息工程系")
    db.session.commit()
    school.club = club
    return school


def test_rule_upload_with_errors_shows_field_paths(page, school, tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text(BAD_RULES, encoding="utf-8")
    page.login(school.admin.username)
    page.go("/admin/rules")
    page.fill("input[name=name]", "有错的细则")
    page.set_input_files("input[name=file]", str(bad))
    page.click("form[enctype] input[type=submit]")
    page.wait_for_load_state()
    errors = page.inner_text("#rule-errors")
    assert "dimensions[0].key" in errors
    assert "dimensions[0].thresholds" in errors
    page.shot("admin-rules-upload-errors-zh-desktop")
    page.set_language("en")
    page.go("/admin/rules")
    page.fill("input[name=name]", "Broken rules")
    page.fill("textarea[name=source]", BAD_RULES)
    page.click("form[enctype] input[type=submit]")
    page.wait_for_load_state()
    assert "dimensions[0].key" in page.inner_text("#rule-errors")
    assert "The rules have" in page.content()
    page.shot("admin-rules-upload-errors-en-desktop")
    assert not page.console_errors, page.console_errors


def test_rule_errors_on_a_phone(phone, school):
    phone.login(school.admin.username)
    phone.go("/admin/rules")
    phone.fill("input[name=name]", "有错的细则")
    phone.fill("textarea[name=source]", BAD_RULES)
    phone.click("form[enctype] input[type=submit]")
    phone.wait_for_load_state()
    assert "dimensions[0].key" in phone.inner_text("#rule-errors")
    phone.shot("admin-rules-upload-errors-zh-phone")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375


def test_what_if_preview_lists_changes(page, busy_school):
    page.login(busy_school.admin.username)
    page.go(f"/admin/what-if?term={busy_school.term.id}")
    draft = default_rules_source().replace("4 = 88, 3 = 80", "4 = 84, 3 = 80")
    page.fill("textarea[name=source]", draft)
    page.click("form input[type=submit]")
    page.wait_for_load_state()
    assert page.is_visible("#what-if-changes")
    page.shot("admin-what-if-zh-desktop")
    assert not page.console_errors, page.console_errors


def test_dashboard_draws_charts_without_console_errors(page, phone, busy_school):
    for p, size in ((page, "desktop"), (phone, "phone")):
        p.login(busy_school.admin.username)
        p.go("/admin/dashboard")
        p.wait_for_function("window.Chart && Object.keys(Chart.instances).length >= 4")
        p.shot(f"admin-dashboard-zh-{size}")
        assert not p.console_errors, p.console_errors
    page.set_language("en")
    page.wait_for_function("window.Chart && Object.keys(Chart.instances).length >= 4")
    page.shot("admin-dashboard-en-desktop")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375


def test_roster_preview_shows_row_errors(page, school, tmp_path):
    sheet = tmp_path / "roster.csv"
    sheet.write_text("学号,姓名,性别,班级\n2025000001,张三,男,24机电1班\n"
                     "2025000002,李四,未知,24机电1班\n2025000003,,女,不存在\n",
                     encoding="utf-8")
    page.login(school.admin.username)
    page.go("/admin/students/import")
    page.set_input_files("input[name=file]", str(sheet))
    page.click("form input[type=submit]")
    page.wait_for_load_state()
    text = page.inner_text(".row-errors")
    assert "性别" in text and "班级" in text and "姓名" in text
    page.shot("admin-roster-errors-zh-desktop")
    sheet.write_text("学号,姓名,性别,班级\n2025000001,张三,男,24机电1班\n", encoding="utf-8")
    page.go("/admin/students/import")
    page.set_input_files("input[name=file]", str(sheet))
    page.click("form input[type=submit]")
    page.wait_for_load_state()
    page.click("form[action*='/admin/students/import/'] button[type=submit]")
    page.wait_for_load_state()
    assert page.is_visible("code.secret")
    page.shot("admin-roster-done-zh-desktop")


def test_every_admin_page_in_both_languages_and_on_a_phone(page, phone, busy_school):
    extra = [f"/admin/clubs/{busy_school.club.id}", f"/admin/terms/{busy_school.term.id}",
             f"/admin/rules/{busy_school.term.rule_version.rule_set_id}"]
    page.login(busy_school.admin.username)
    phone.login(busy_school.admin.username)
    for url in PAGES + extra:
        name = url.strip("/").replace("/", "-") or "admin"
        response = page.go(url)
        assert response.status == 200, url
        page.shot(f"admin-page-{name}-zh-desktop")
        phone.go(url)
        phone.shot(f"admin-page-{name}-zh-phone")
        assert phone.evaluate("document.documentElement.scrollWidth") <= 380, url
    page.set_language("en")
    for url in PAGES + extra:
        name = url.strip("/").replace("/", "-") or "admin"
        page.go(url)
        page.shot(f"admin-page-{name}-en-desktop")
    assert not page.console_errors, page.console_errors
    assert not phone.console_errors, phone.console_errors
