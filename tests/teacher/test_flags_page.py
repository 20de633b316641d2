"""The admin sanctions page (处分) and what the class teacher sees of it."""

from __future__ import annotations

from starrating.extensions import db
from starrating.models import Flag
from tests.teacher.conftest import audit_rows, text


def test_admin_records_and_revokes_a_sanction_the_teacher_sees_it(act, school):
    admin = act(school.admin)
    student = school.students[2]
    assert admin.get("/admin/flags").status_code == 200
    response = admin.post("/admin/flags", {"student_no": student.student_no,
                                           "key": "sanction.serious_warning",
                                           "start_date": "2026-10-01", "end_date": "",
                                           "note": "打架"})
    assert response.status_code == 302
    flag = db.session.query(Flag).one()
    assert flag.key == "sanction.serious_warning" and flag.created_by_id == school.admin.id
    page = act(school.teacher).get(f"/teacher/class/{school.class_a.id}")
    row = text(page).split(student.name, 1)[1][:600]
    assert "flag-badge" in row and "严重警告" in row
    assert admin.post(f"/admin/flags/{flag.id}/revoke").status_code == 302
    db.session.expire_all()
    assert db.session.get(Flag, flag.id).revoked_at is not None
    assert [r.action for r in audit_rows(object_type="flag")] == ["create", "revoke"]


def test_bad_sanction_input_is_shown_on_the_form(act, school):
    response = act(school.admin).post("/admin/flags", {"student_no": "nobody", "key": "",
                                                       "start_date": "", "end_date": ""})
    assert response.status_code == 400
    assert response.get_data(as_text=True).count('class="errors"') >= 3
    assert db.session.query(Flag).count() == 0


def test_teachers_cannot_use_the_sanctions_page(act, school):
    teacher = act(school.teacher)
    assert teacher.get("/admin/flags").status_code == 403
    assert teacher.post("/admin/flags", {"student_no": school.students[0].student_no,
                                         "key": "sanction.warning",
                                         "start_date": "2026-10-01"}).status_code == 403
