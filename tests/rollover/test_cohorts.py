"""Cohort steps: a bulk status change changes exactly the previewed students' status (and
their accounts and sessions as the status says) and nothing else; whole tables are compared.
The preview lists every change and writes nothing."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from starrating.extensions import db
from starrating.models import LoginSession, Role, School, Student, StudentStatus, User
from tests.conftest import csrf_from
from tests.factories import PASSWORD
from tests.rollover.helpers import (
    changed_tables,
    new_rows,
    plan_of,
    preview_then_confirm,
    speaking,
    tables,
)

GRADUATE_2024 = {"selection": "cohort", "grade": "2024", "from_status": "active",
                 "to_status": "graduated"}


@pytest.fixture
def cohorts(school, make, act):
    """The school fixture (cohort 2024: two classes, 7 students with accounts) plus a
    suspended 2024 student, a 2025 class, and another school with its own 2024 class.
    Every student account is signed in once."""
    s = school
    s.suspended = make.student(s.class_b, account=True)
    s.suspended.status = StudentStatus.SUSPENDED
    s.class_2025 = make.school_class(s.major, s.school, "25机电1班", grade=2025)
    s.young = [make.student(s.class_2025, account=True) for _ in range(3)]
    other = make.school()
    other_class = make.school_class(make.major(make.department(other)), other, "24别校1班")
    s.other_students = [make.student(other_class, account=True) for _ in range(2)]
    s.other_admin = make.user(Role.ADMIN, other.id)
    db.session.commit()
    for user in db.session.scalars(sa.select(User).where(User.student_id.is_not(None))):
        act(user)
    return s


def by_id(rows: list[dict]) -> dict[int, dict]:
    return {r["id"]: r for r in rows}


def student_ids(*students) -> set[int]:
    return {s.id for s in students}


def test_graduating_cohort_2024_changes_its_active_students_status_and_nothing_else(
        cohorts, act):
    s = cohorts
    actor = speaking(act, s.admin)
    before = tables()
    response = preview_then_confirm(actor, "/admin/cohorts", GRADUATE_2024)
    assert response.status_code == 302
    after = tables()
    # Accounts stay active (graduates log in again, read-only); their sessions end.
    assert changed_tables(before, after) == {"student", "login_session", "audit_log"}
    graduates = set(db.session.scalars(sa.select(Student.id).where(
        Student.class_id.in_([s.class_a.id, s.class_b.id]), Student.id != s.suspended.id)))
    assert len(graduates) == 7
    expected = {sid: {**row, "status": StudentStatus.GRADUATED} if sid in graduates else row
                for sid, row in by_id(before["student"]).items()}
    assert by_id(after["student"]) == expected
    graduate_users = {u["id"] for u in before["user"] if u["student_id"] in graduates}
    assert after["login_session"] == [r for r in before["login_session"]
                                      if r["user_id"] not in graduate_users]
    [log] = new_rows(before, after, "audit_log")
    assert (log["action"], log["object_type"], log["school_id"], log["actor_id"]) == (
        "bulk_status", "student", s.school.id, s.admin.id)
    assert log["after"]["count"] == 7 and log["after"]["unchanged"] == 1
    assert {row[0] for row in log["after"]["students"]} == graduates
    assert (log["after"]["from"], log["after"]["to"]) == ("active", "graduated")


@pytest.mark.parametrize("allowed, status", [(True, 302), (False, 400)])
def test_graduates_log_in_again_as_the_setting_says(cohorts, act, client, allowed, status):
    s = cohorts
    db.session.get(School, s.school.id).graduates_can_log_in = allowed
    db.session.commit()
    actor = speaking(act, s.admin)
    preview = actor.post("/admin/cohorts", {**GRADUATE_2024, "preview": "1"})
    said = ("graduates may log in again" if allowed else "can no longer log in")
    assert said in preview.get_data(as_text=True)
    assert preview_then_confirm(actor, "/admin/cohorts", GRADUATE_2024).status_code == 302
    token = csrf_from(client.get("/login").get_data(as_text=True))
    response = client.post("/login", data={"username": s.students[0].student_no,
                                           "school": s.school.code,  # the fixture has two
                                           "password": PASSWORD, "csrf_token": token})
    assert response.status_code == status


def test_withdrawing_a_pasted_list_closes_exactly_those_accounts(cohorts, act):
    s = cohorts
    chosen = [s.students[0], s.young[1]]
    actor = speaking(act, s.admin)
    before = tables()
    response = preview_then_confirm(actor, "/admin/cohorts", {
        "selection": "list", "student_nos": f"{chosen[0].student_no}\n {chosen[1].student_no},",
        "from_status": "", "to_status": "withdrawn"})
    assert response.status_code == 302
    after = tables()
    assert changed_tables(before, after) == {"student", "user", "login_session", "audit_log"}
    ids = student_ids(*chosen)
    assert by_id(after["student"]) == {
        sid: {**row, "status": StudentStatus.WITHDRAWN} if sid in ids else row
        for sid, row in by_id(before["student"]).items()}
    closed = {r["id"] for r in before["user"] if r["student_id"] in ids}
    assert by_id(after["user"]) == {uid: {**row, "active": False} if uid in closed else row
                                    for uid, row in by_id(before["user"]).items()}
    assert after["login_session"] == [r for r in before["login_session"]
                                      if r["user_id"] not in closed]


def test_back_to_enrolled_for_a_class_reopens_the_suspended_account(cohorts, act):
    s = cohorts
    account = db.session.scalar(sa.select(User).where(User.student_id == s.suspended.id))
    account.active = False
    db.session.commit()
    actor = speaking(act, s.admin)
    before = tables()
    assert preview_then_confirm(actor, "/admin/cohorts", {
        "selection": "class", "class_id": str(s.class_b.id), "from_status": "",
        "to_status": "active"}).status_code == 302
    after = tables()
    assert changed_tables(before, after) == {"student", "user", "audit_log"}
    assert by_id(after["student"])[s.suspended.id]["status"] == StudentStatus.ACTIVE
    assert by_id(after["user"])[account.id]["active"] is True


def test_transferred_is_a_status(cohorts, act):
    s = cohorts
    actor = speaking(act, s.admin)
    assert preview_then_confirm(actor, "/admin/cohorts", {
        "selection": "list", "student_nos": s.young[0].student_no, "from_status": "active",
        "to_status": "transferred"}).status_code == 302
    db.session.expire_all()
    assert db.session.get(Student, s.young[0].id).status == StudentStatus.TRANSFERRED
    assert "转学" in speaking(act, s.admin, "zh").get(
        f"/admin/students?class_id={s.class_2025.id}").get_data(as_text=True)


def test_preview_lists_every_change_before_and_after_and_writes_nothing(cohorts, act):
    s = cohorts
    actor = speaking(act, s.admin, "zh")
    before = tables()
    response = actor.post("/admin/cohorts", {**GRADUATE_2024, "preview": "1"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert tables() == before
    changing = db.session.scalars(sa.select(Student).where(
        Student.class_id.in_([s.class_a.id, s.class_b.id]),
        Student.status == StudentStatus.ACTIVE)).all()
    assert len(changing) == 7
    for student in changing:
        assert student.student_no in html and student.name in html
    assert html.count("在读</span> → <span class=\"after\">毕业") == 7
    assert s.suspended.student_no not in html
    assert s.young[0].student_no not in html


def test_unknown_or_other_schools_numbers_are_refused_by_name(cohorts, act):
    s = cohorts
    actor = speaking(act, s.admin)
    before = tables()
    response = actor.post("/admin/cohorts", {
        "selection": "list", "from_status": "", "to_status": "withdrawn", "preview": "1",
        "student_nos": f"{s.students[0].student_no} 99999999 {s.other_students[0].student_no}"})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "2 student numbers are not students of this school" in html
    assert "99999999" in html and s.other_students[0].student_no in html
    assert tables() == before


def test_another_schools_class_is_not_found(cohorts, act):
    s = cohorts
    actor = speaking(act, s.other_admin)
    before = tables()
    response = actor.post("/admin/cohorts", {
        "selection": "class", "class_id": str(s.class_a.id), "from_status": "active",
        "to_status": "graduated", "preview": "1"})
    assert response.status_code == 404
    assert actor.post("/admin/cohorts/confirm", {
        "selection": "class", "class_id": str(s.class_a.id), "from_status": "active",
        "to_status": "graduated", "plan": "0", "confirm": "1"}).status_code == 404
    assert tables() == before


def test_another_schools_cohort_2024_is_theirs_only(cohorts, act):
    s = cohorts
    actor = speaking(act, s.other_admin)
    before = tables()
    assert preview_then_confirm(actor, "/admin/cohorts", GRADUATE_2024).status_code == 302
    after = tables()
    ids = student_ids(*s.other_students)
    assert by_id(after["student"]) == {
        sid: {**row, "status": StudentStatus.GRADUATED} if sid in ids else row
        for sid, row in by_id(before["student"]).items()}


def test_teachers_are_refused(cohorts, act):
    assert act(cohorts.teacher).post("/admin/cohorts", {**GRADUATE_2024, "preview": "1"}
                                     ).status_code == 403


def test_a_change_since_the_preview_is_refused(cohorts, act):
    s = cohorts
    actor = speaking(act, s.admin)
    plan = plan_of(actor.post("/admin/cohorts", {**GRADUATE_2024, "preview": "1"}
                              ).get_data(as_text=True))
    db.session.get(Student, s.students[0].id).status = StudentStatus.SUSPENDED
    db.session.commit()
    before = tables()
    response = actor.post("/admin/cohorts/confirm", {**GRADUATE_2024, "plan": plan,
                                                     "confirm": "1"})
    assert response.status_code == 409
    assert "changed since the preview" in response.get_data(as_text=True)
    assert tables() == before


def test_an_entry_year_without_classes_is_refused(cohorts, act):
    response = speaking(act, cohorts.admin).post("/admin/cohorts", {
        **GRADUATE_2024, "grade": "1999", "preview": "1"})
    assert response.status_code == 400
    assert "No class has this entry year." in response.get_data(as_text=True)


def test_sessions_table_has_every_student_signed_in(cohorts):
    """The fixture's own check: the session comparisons above compare something."""
    users = db.session.scalar(sa.select(sa.func.count()).select_from(User).where(
        User.student_id.is_not(None)))
    assert db.session.scalar(sa.select(sa.func.count()).select_from(LoginSession)) == users
