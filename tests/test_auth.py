"""Accounts: login, logout, sessions, throttling, guards, CSRF, safe redirects."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from starrating.extensions import db
from starrating.models import LoginAttempt, LoginSession
from tests.conftest import Actor, csrf_from
from tests.factories import PASSWORD


def login(client, username, password=PASSWORD, remember=False, next_url=None):
    token = csrf_from(client.get("/login").get_data(as_text=True))
    data = {"username": username, "password": password, "csrf_token": token}
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
