"""Dashboard (distributions, activity, trend) and the audit log viewer."""

from __future__ import annotations

from datetime import date, timedelta

import sqlalchemy as sa

from starrating.extensions import db
from starrating.models import AuditLog, StarResult, utcnow
from starrating.page_cache import BUMP
from starrating.services import dashboard, setup


def store(term, student, stars):
    db.session.add(StarResult(term_id=term.id, student_id=student.id, class_id=student.class_id,
                              rule_version_id=term.rule_version_id, overall_stars=stars,
                              overall_score="80.00", dimensions={}, titles=[], explain={}))


def test_distribution_is_provisional_until_results_are_stored(school):
    dist = dashboard.star_distribution(school.admin, school.term)
    assert dist.provisional and dist.total == 7
    assert [name for name, _ in dist.by_class] == ["24机电1班", "24机电2班"]
    assert sum(dist.by_class[0][1]) == 5 and dist.by_grade[0][0] == "2024"
    for i, student in enumerate(school.students):
        store(school.term, student, 5 if i < 2 else 3)
    db.session.flush()
    dist = dashboard.star_distribution(school.admin, school.term)
    assert not dist.provisional and dist.total == 5
    assert dist.by_class == [("24机电1班", [0, 0, 0, 3, 0, 2])]
    assert dist.by_major == [("机电工程系 · 机电一体化", [0, 0, 0, 3, 0, 2])]


def test_idle_class_teachers_are_listed_first(make, school):
    make.entry(school.term, school.students[0], author=school.teacher)
    old = make.entry(school.term, school.other_students[0], author=school.other_teacher)
    old.created_at = utcnow() - timedelta(days=45)
    db.session.flush()
    rows = dashboard.teacher_activity(school.admin, school.term)
    assert [(r.name, r.entries_recent, r.idle) for r in rows] == [
        ("李老师", 0, True), ("王老师", 1, False)]
    assert rows[0].last_entry is not None and rows[0].classes == ["24机电2班"]


def test_trend_averages_stored_results_per_term(make, school):
    earlier = make.term(school.school, start=date(2026, 2, 20), end=date(2026, 7, 10))
    for student in school.students:
        store(earlier, student, 2)
        store(school.term, student, 4)
    db.session.flush()
    trend = dashboard.star_trend(school.admin)
    assert [(p.term_id, p.average, p.students) for p in trend] == [
        (earlier.id, 2.0, 5), (school.term.id, 4.0, 5)]


def test_dashboard_page_renders_and_its_queries_do_not_grow(act, make, school, count_queries):
    admin = act(school.admin)
    html = admin.get("/admin/dashboard").get_data(as_text=True)
    assert 'id="dashboard-data"' in html and "chart.umd.min.js" in html
    assert "24机电1班" in html and 'id="teacher-activity"' in html
    db.session.execute(sa.text(BUMP))  # counted as built, not as the page store's copy
    db.session.commit()
    with count_queries() as small:
        admin.get("/admin/dashboard")
    for student in school.students:
        make.entry(school.term, student, author=school.teacher)
    major = make.major(school.department)
    for _ in range(3):
        school_class = make.school_class(major, school.school)
        make.assign(school.term, school_class, school.teacher)
        for _ in range(4):
            make.student(school_class)
    db.session.commit()
    with count_queries() as large:
        assert admin.get("/admin/dashboard").status_code == 200
    assert large.count == small.count


def test_audit_log_filters_and_scoping(act, make, school):
    setup.save_department(school.admin, "信息系")
    setup.update_student(school.admin, school.students[0].id, {
        "student_no": school.students[0].student_no, "name": "改名", "gender": "male",
        "class_id": school.class_a.id, "status": "active"})
    other = make.school()
    db.session.add(AuditLog(action="create", object_type="secret", school_id=other.id))
    db.session.commit()
    admin = act(school.admin)
    html = admin.get("/admin/audit").get_data(as_text=True)
    assert "学生处 新建了系部『信息系』" in html and "secret" not in html
    html = admin.get("/admin/audit?student=" + school.students[0].student_no).get_data(
        as_text=True)
    assert "改名" in html and "信息系" not in html
    html = admin.get("/admin/audit?object_type=department").get_data(as_text=True)
    assert "信息系" in html and "改名" not in html
    html = admin.get(f"/admin/audit?actor={school.admin.id}&action=update").get_data(
        as_text=True)
    assert "改名" in html and "信息系" not in html
    tomorrow = (date.today() + timedelta(days=2)).isoformat()
    html = admin.get(f"/admin/audit?date_from={tomorrow}").get_data(as_text=True)
    assert "改名" not in html


def test_audit_log_paginates_with_fixed_queries(act, school, count_queries):
    admin = act(school.admin)
    db.session.add(AuditLog(action="create", object_type="x", school_id=school.school.id,
                            actor_id=school.admin.id, student_id=school.students[0].id))
    db.session.commit()
    with count_queries() as small:
        admin.get("/admin/audit")
    db.session.execute(sa.insert(AuditLog), [
        {"action": "update", "object_type": "x", "school_id": school.school.id,
         "actor_id": school.teacher.id, "student_id": s.id, "at": utcnow()}
        for s in school.students * 30])
    db.session.commit()
    with count_queries() as large:
        html = admin.get("/admin/audit").get_data(as_text=True)
    assert large.count == small.count
    assert "page=2" in html
    assert admin.get("/admin/audit?page=3").status_code == 200
