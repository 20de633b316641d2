"""The school's setting on graduates' logins, both ways: on (the default), a graduate logs
in and reads their pages but cannot appeal or write a self-statement; off, login is refused
with a message and sessions already open stop working. Suspended, withdrawn and transferred
students never log in, even with an account left active."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from starrating.extensions import db
from starrating.models import (
    Appeal,
    LoginSession,
    School,
    Student,
    StudentStatus,
    StudentTermNote,
    User,
)
from tests.conftest import csrf_from, login_as
from tests.factories import PASSWORD
from tests.rollover.helpers import speaking, tables


def login(client, username):
    token = csrf_from(client.get("/login").get_data(as_text=True))
    return client.post("/login", data={"username": username, "password": PASSWORD,
                                       "csrf_token": token})


def set_status(school, status):
    db.session.get(Student, school.students[0].id).status = status
    db.session.commit()


def allow_graduates(school, allowed: bool):
    db.session.get(School, school.school.id).graduates_can_log_in = allowed
    db.session.commit()


def test_the_setting_is_on_by_default(school):
    assert db.session.get(School, school.school.id).graduates_can_log_in is True


def test_graduate_logs_in_and_reads_their_pages(client, school):
    set_status(school, StudentStatus.GRADUATED)
    response = login(client, school.students[0].student_no)
    assert response.status_code == 302
    for url in ("/student/", "/student/entries", "/student/appeals"):
        page = client.get(url)
        assert page.status_code == 200
        assert "这些页面仅供查看" in page.get_data(as_text=True)
    assert "保存我的自我陈述" not in client.get("/student/").get_data(as_text=True)


def test_graduate_can_neither_appeal_nor_write_a_statement(app, school):
    set_status(school, StudentStatus.GRADUATED)
    actor = login_as(app.test_client(), school.student_user)
    before = tables()
    statement = actor.post("/student/statement", {"statement": "我毕业了"})
    assert statement.status_code == 403
    assert "不能提交申诉或自我陈述" in statement.get_data(as_text=True)
    appeal = actor.post("/student/appeals", {"indicator": "moral.service", "text": "漏记"})
    assert appeal.status_code == 403
    assert "不能提交申诉或自我陈述" in appeal.get_data(as_text=True)
    assert tables() == before
    assert db.session.scalar(sa.select(sa.func.count()).select_from(StudentTermNote)) == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Appeal)) == 0


def test_an_enrolled_student_still_writes_a_statement(app, school):
    actor = login_as(app.test_client(), school.student_user)
    assert actor.post("/student/statement", {"statement": "我在读"}).status_code == 302
    assert db.session.scalar(sa.select(StudentTermNote.self_statement)) == "我在读"


def test_with_the_setting_off_a_graduate_is_refused_with_a_message(client, school):
    set_status(school, StudentStatus.GRADUATED)
    allow_graduates(school, False)
    response = login(client, school.students[0].student_no)
    assert response.status_code == 400
    assert "本校毕业生已不能登录" in response.get_data(as_text=True)
    assert client.get("/student/").status_code == 302  # not signed in


def test_with_the_setting_off_an_open_session_stops_working(app, school):
    actor = login_as(app.test_client(), school.student_user)
    set_status(school, StudentStatus.GRADUATED)
    assert actor.get("/student/").status_code == 200
    allow_graduates(school, False)
    response = actor.get("/student/")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")


def test_turning_the_setting_off_on_the_page_signs_graduates_out(app, school, act):
    set_status(school, StudentStatus.GRADUATED)
    graduate = login_as(app.test_client(), school.student_user)
    enrolled = login_as(app.test_client(), school.other_student_user)
    admin = speaking(act, school.admin)
    page = admin.get("/admin/settings").get_data(as_text=True)
    assert re.search(r'<input checked[^>]*name="graduates_can_log_in"', page)
    assert admin.post("/admin/settings", {}).status_code == 302
    assert db.session.get(School, school.school.id).graduates_can_log_in is False
    users = set(db.session.scalars(sa.select(LoginSession.user_id)))
    assert school.student_user.id not in users and school.other_student_user.id in users
    assert graduate.get("/student/").status_code == 302
    assert enrolled.get("/student/").status_code == 200
    assert admin.post("/admin/settings", {"graduates_can_log_in": "y"}).status_code == 302
    db.session.expire_all()
    assert db.session.get(School, school.school.id).graduates_can_log_in is True


def test_another_schools_setting_is_not_changed(school, make, act):
    from starrating.models import Role

    other = make.school()
    other_admin = make.user(Role.ADMIN, other.id)
    db.session.commit()
    assert speaking(act, other_admin).post("/admin/settings", {}).status_code == 302
    db.session.expire_all()
    assert db.session.get(School, school.school.id).graduates_can_log_in is True
    assert db.session.get(School, other.id).graduates_can_log_in is False


@pytest.mark.parametrize("status", [StudentStatus.SUSPENDED, StudentStatus.WITHDRAWN,
                                    StudentStatus.TRANSFERRED])
def test_students_who_left_never_log_in(client, app, school, status):
    set_status(school, status)  # the account is left active on purpose
    assert db.session.get(User, school.student_user.id).active is True
    response = login(client, school.students[0].student_no)
    assert response.status_code == 400
    assert "你已不在读，此账号不能登录" in response.get_data(as_text=True)
    stale = login_as(app.test_client(), school.student_user)
    assert stale.get("/student/").status_code == 302


def test_editing_a_student_to_graduated_keeps_the_account_for_read_only_login(
        client, school, act):
    student = school.students[0]
    admin = speaking(act, school.admin)
    response = admin.post(f"/admin/students/{student.id}", {
        "student_no": student.student_no, "name": student.name, "gender": student.gender.value,
        "class_id": str(student.class_id), "status": "graduated"})
    assert response.status_code == 302
    assert db.session.get(User, school.student_user.id).active is True
    assert login(client, student.student_no).status_code == 302
