"""Each role logs in through the real form in headless Chromium."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize("who,home,marker", [
    ("teacher", "/teacher/", "我的班级"),
    ("admin", "/admin/", "学生处概览"),
    ("student", "/student/", "学号"),
])
def test_each_role_logs_in_and_sees_their_home(page, phone, school, who, home, marker):
    user = {"teacher": school.teacher, "admin": school.admin,
            "student": school.student_user}[who]
    for p, size in ((page, "desktop"), (phone, "phone")):
        p.login(user.username)
        assert p.url.endswith(home)
        assert marker in p.content()
        p.shot(f"foundation-{who}-home-zh-{size}")
        assert not p.console_errors, p.console_errors
    page.set_language("en")
    assert "Student Star Rating" in page.content()
    page.shot(f"foundation-{who}-home-en-desktop")
    page.logout()
    assert "/login" in page.url


def test_login_page_on_a_phone(phone, school):
    phone.go("/login")
    phone.shot("foundation-login-zh-phone")
    # nothing wider than the screen: no sideways scrolling on a 375 px phone
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375
    assert not phone.console_errors, phone.console_errors


def test_phone_menu_opens_without_javascript_handlers(phone, school):
    phone.login(school.teacher.username)
    assert not phone.is_visible("nav.mainnav")
    phone.click("label.nav-toggle-label")
    assert phone.is_visible("nav.mainnav")
    phone.shot("foundation-teacher-menu-phone")
