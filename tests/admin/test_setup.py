"""Setting up a school: validation, ownership, no orphaned rows, audit."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from starrating.errors import NotFound, PermissionDenied, ValidationFailed
from starrating.extensions import db
from starrating.models import (
    AuditLog,
    ClassAssignment,
    ClassState,
    ClassTermStatus,
    Club,
    Department,
    LoginSession,
    Major,
    Role,
    SchoolClass,
    Student,
    Term,
    TermStatus,
    User,
)
from starrating.services import setup


def term_data(**kw):
    data = {"name": "2027春", "start_date": date(2027, 2, 20), "end_date": date(2027, 7, 10),
            "notice_days": 5, "status": "planning", "rule_version_id": None,
            "club_indicator": "club.membership"}
    data.update(kw)
    return data


def test_term_dates_are_validated(school):
    with pytest.raises(ValidationFailed) as caught:
        setup.create_term(school.admin, term_data(end_date=date(2027, 1, 1)))
    assert "end_date" in caught.value.errors
    with pytest.raises(ValidationFailed) as caught:
        setup.create_term(school.admin, term_data(notice_days=99, name=school.term.name))
    assert set(caught.value.errors) == {"notice_days", "name"}


def test_term_club_indicator_must_exist_in_its_rules(school):
    with pytest.raises(ValidationFailed) as caught:
        setup.create_term(school.admin, term_data(rule_version_id=school.term.rule_version_id,
                                                  club_indicator="club.nothing"))
    assert "club_indicator" in caught.value.errors
    term = setup.create_term(school.admin, term_data(rule_version_id=school.term.rule_version_id))
    assert term.status == TermStatus.PLANNING
    assert db.session.scalar(sa.select(AuditLog.id).where(
        AuditLog.object_type == "term", AuditLog.object_id == term.id))


def test_term_rules_cannot_change_after_publication(make, school):
    other = make.rules(school.school)
    db.session.add(ClassTermStatus(term_id=school.term.id, class_id=school.class_a.id,
                                   state=ClassState.FINAL))
    db.session.flush()
    data = term_data(name=school.term.name, status="open", rule_version_id=other.id)
    with pytest.raises(ValidationFailed):
        setup.update_term(school.admin, school.term, data)
    # Other fields may still change.
    setup.update_term(school.admin, school.term, {
        **data, "rule_version_id": school.term.rule_version_id, "notice_days": 7})
    assert school.term.notice_days == 7


def test_no_orphans_department_major_class(school):
    with pytest.raises(ValidationFailed):
        setup.delete_department(school.admin, school.department.id)
    with pytest.raises(ValidationFailed):
        setup.delete_major(school.admin, school.major.id)
    with pytest.raises(ValidationFailed):
        setup.delete_class(school.admin, school.class_a.id)
    empty = setup.save_class(school.admin, {"name": "空班", "grade": 2025,
                                            "major_id": school.major.id})
    setup.delete_class(school.admin, empty.id)
    assert db.session.get(SchoolClass, empty.id) is None
    dept = setup.save_department(school.admin, "信息系")
    major = setup.save_major(school.admin, dept.id, "软件")
    setup.delete_major(school.admin, major.id)
    setup.delete_department(school.admin, dept.id)
    assert db.session.get(Department, dept.id) is None


def test_another_schools_rows_are_not_found(make, school):
    other = make.school()
    dept = make.department(other)
    major = make.major(dept)
    with pytest.raises(NotFound):
        setup.delete_major(school.admin, major.id)
    with pytest.raises(ValidationFailed):  # cannot hang a class under another school's major
        setup.save_class(school.admin, {"name": "X班", "grade": 2025, "major_id": major.id})
    assert db.session.get(Major, major.id) is not None


def test_only_admins_set_up(school):
    with pytest.raises(PermissionDenied):
        setup.save_department(school.teacher, "信息系")


def test_class_teacher_assignment(school):
    setup.set_class_teacher(school.admin, school.term.id, school.class_a.id,
                            school.other_teacher.id)
    row = db.session.scalar(sa.select(ClassAssignment).where(
        ClassAssignment.term_id == school.term.id, ClassAssignment.class_id == school.class_a.id))
    assert row.teacher_id == school.other_teacher.id
    with pytest.raises(NotFound):  # a student is no teacher
        setup.set_class_teacher(school.admin, school.term.id, school.class_a.id, 10**6)
    with pytest.raises(ValidationFailed):
        setup.set_class_teacher(school.admin, school.term.id, school.class_a.id,
                                school.student_user.id)
    setup.set_class_teacher(school.admin, school.term.id, school.class_a.id, None)
    assert db.session.get(ClassAssignment, row.id) is None


def test_teacher_accounts_reset_and_deactivate(act, school):
    user, password = setup.create_teacher(school.admin, "zhang_t", "张老师")
    assert user.must_change_password and user.check_password(password)
    with pytest.raises(ValidationFailed):
        setup.create_teacher(school.admin, "zhang_t", "张老师")
    db.session.commit()
    actor = act(school.teacher)
    assert actor.get("/teacher/").status_code == 200
    html = act(school.admin).post(f"/admin/teachers/{school.teacher.id}/reset"
                                  ).get_data(as_text=True)
    db.session.expire_all()
    teacher = db.session.get(User, school.teacher.id)
    assert teacher.must_change_password
    shown = html.split('<code class="secret">')[1].split("<")[0]
    assert teacher.check_password(shown)
    act(school.admin).post(f"/admin/teachers/{school.teacher.id}/active", {"active": "0"})
    db.session.expire_all()
    assert db.session.get(User, school.teacher.id).active is False
    assert not db.session.scalar(sa.select(LoginSession.id).where(
        LoginSession.user_id == school.teacher.id))


def test_teacher_page_shows_a_new_password_once(act, school):
    admin = act(school.admin)
    html = admin.post("/admin/teachers", {"username": "li_t", "display_name": "李四"}
                      ).get_data(as_text=True)
    password = html.split('<code class="secret">')[1].split("<")[0]
    user = db.session.scalar(sa.select(User).where(User.username == "li_t"))
    assert user.role == Role.TEACHER and user.check_password(password)
    assert password not in admin.get("/admin/teachers").get_data(as_text=True)


def test_student_edit_moves_class_and_keeps_account_in_step(act, school):
    student = school.students[0]
    response = act(school.admin).post(f"/admin/students/{student.id}", {
        "student_no": student.student_no, "name": "新名字", "gender": "female",
        "class_id": school.class_b.id, "status": "withdrawn"})
    assert response.status_code == 302
    db.session.expire_all()
    student = db.session.get(Student, student.id)
    assert (student.name, student.class_id) == ("新名字", school.class_b.id)
    account = db.session.scalar(sa.select(User).where(User.student_id == student.id))
    assert account.active is False and account.display_name == "新名字"


def test_student_list_filters_searches_and_paginates(act, make, school, count_queries):
    admin = act(school.admin)
    html = admin.get(f"/admin/students?class_id={school.class_b.id}").get_data(as_text=True)
    assert school.other_students[0].student_no in html
    assert school.students[0].student_no not in html
    html = admin.get("/admin/students?q=" + school.students[1].name).get_data(as_text=True)
    assert school.students[1].student_no in html and school.students[2].student_no not in html
    with count_queries() as small:
        admin.get("/admin/students")
    for _ in range(60):
        make.student(school.class_a)
    db.session.commit()
    with count_queries() as large:
        html = admin.get("/admin/students").get_data(as_text=True)
    assert large.count == small.count
    assert "page=2" in html


def test_pages_do_not_grow_queries_with_data(act, make, school, count_queries):
    admin = act(school.admin)
    urls = ["/admin/classes", "/admin/clubs", "/admin/teachers", "/admin/departments",
            "/admin/terms"]
    before = {}
    for url in urls:
        with count_queries() as q:
            assert admin.get(url).status_code == 200
        before[url] = q.count
    for i in range(5):
        dept = make.department(school.school)
        major = make.major(dept)
        make.school_class(major, school.school)
        make.user(Role.TEACHER, school.school.id)
        db.session.add(Club(school_id=school.school.id, name=f"社{i}"))
        make.term(school.school, start=date(2020 + i, 9, 1), end=date(2021 + i, 1, 20))
    db.session.commit()
    for url in urls:
        with count_queries() as q:
            admin.get(url)
        assert q.count == before[url], url


def test_class_teachers_form_saves_all_at_once(act, school):
    response = act(school.admin).post("/admin/classes/teachers", {
        "term_id": school.term.id, f"teacher_{school.class_a.id}": school.other_teacher.id,
        f"teacher_{school.class_b.id}": ""})
    assert response.status_code == 302
    rows = dict(db.session.execute(sa.select(ClassAssignment.class_id, ClassAssignment.teacher_id)
                                   .where(ClassAssignment.term_id == school.term.id)).all())
    assert rows == {school.class_a.id: school.other_teacher.id}


def test_term_form_round_trip(act, school):
    admin = act(school.admin)
    response = admin.post("/admin/terms/new", {
        "name": "2027春季学期", "start_date": "2027-02-20", "end_date": "2027-01-10",
        "status": "planning", "notice_days": "5", "rule_version_id": "",
        "club_indicator": ""})
    assert response.status_code == 400  # refused by the service: the boundary answers 400
    assert "结束日期必须晚于开始日期" in response.get_data(as_text=True)
    response = admin.post("/admin/terms/new", {
        "name": "2027春季学期", "start_date": "2027-02-20", "end_date": "2027-07-10",
        "status": "planning", "notice_days": "5",
        "rule_version_id": str(school.term.rule_version_id), "club_indicator": "club.membership"})
    assert response.status_code == 302
    assert db.session.scalar(sa.select(Term.id).where(Term.name == "2027春季学期"))


def test_copy_class_teachers_from_an_earlier_term(act, make, school):
    new_term = make.term(school.school, start=date(2027, 2, 20), end=date(2027, 7, 10))
    make.assign(new_term, school.class_b, school.teacher)
    db.session.commit()
    act(school.admin).post("/admin/classes/teachers/copy", {
        "term_id": new_term.id, "from_term_id": school.term.id})
    rows = dict(db.session.execute(sa.select(ClassAssignment.class_id, ClassAssignment.teacher_id)
                                   .where(ClassAssignment.term_id == new_term.id)).all())
    # class_b keeps the teacher given in the new term; class_a gets last term's.
    assert rows == {school.class_a.id: school.teacher.id, school.class_b.id: school.teacher.id}


def test_rule_set_page_queries_do_not_grow_with_terms(act, make, school, count_queries):
    admin = act(school.admin)
    url = f"/admin/rules/{school.term.rule_version.rule_set_id}"
    with count_queries() as small:
        admin.get(url)
    for year in range(2015, 2020):
        make.term(school.school, rules=school.term.rule_version, start=date(year, 9, 1),
                  end=date(year + 1, 1, 20))
    db.session.commit()
    with count_queries() as large:
        admin.get(url)
    assert large.count == small.count
