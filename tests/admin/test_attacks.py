"""Found by an outside attack: a suspended student's old cookie came back when the student
was set active again. Losing the right to log in must end every login session."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from starrating.extensions import db
from starrating.models import LoginSession, StudentStatus
from starrating.services import roster
from tests.admin.test_roster import HEADER
from tests.test_auth import login


def _student_form(student, status: str) -> dict:
    return {"student_no": student.student_no, "name": student.name,
            "gender": student.gender.value, "class_id": str(student.class_id),
            "status": status}


@pytest.mark.parametrize("gone", ["suspended", "graduated", "withdrawn"])
def test_old_cookie_does_not_come_back_when_the_student_is_active_again(
        client, act, school, gone):
    student, user = school.students[0], school.student_user
    assert login(client, user.username).status_code == 302
    assert client.get("/student/").status_code == 200
    admin = act(school.admin)
    url = f"/admin/students/{student.id}"
    assert admin.post(url, _student_form(student, gone)).status_code == 302
    assert not db.session.scalar(sa.select(LoginSession.id).where(
        LoginSession.user_id == user.id))
    assert admin.post(url, _student_form(student, "active")).status_code == 302
    db.session.expire_all()
    assert db.session.get(type(student), student.id).status == StudentStatus.ACTIVE
    response = client.get("/student/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_deactivated_teacher_cookie_does_not_come_back(client, act, school):
    assert login(client, school.teacher.username).status_code == 302
    assert client.get("/teacher/").status_code == 200
    admin = act(school.admin)
    url = f"/admin/teachers/{school.teacher.id}/active"
    assert admin.post(url, {"active": "0"}).status_code == 302
    assert admin.post(url, {"active": "1"}).status_code == 302
    response = client.get("/teacher/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_a_roster_that_suspends_a_student_ends_their_sessions(client, school):
    """The roster import takes the right to log in too: the same rule as the student form."""
    student, user = school.students[0], school.student_user
    assert login(client, user.username).status_code == 302
    rows = [HEADER, [student.student_no, student.name, student.gender.value,
                     student.school_class.name, "休学"]]
    roster.import_roster(school.admin, "\n".join(",".join(str(c) for c in r)
                                                 for r in rows).encode("utf-8"), "r.csv")
    db.session.commit()
    assert not db.session.scalar(sa.select(LoginSession.id).where(
        LoginSession.user_id == user.id))
    response = client.get("/student/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
