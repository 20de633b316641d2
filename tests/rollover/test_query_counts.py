"""The rollover and cohort previews and confirmations send a fixed number of SQL statements
whatever the number of classes, clubs, members and students (bulk inserts and updates)."""

from __future__ import annotations

import sqlalchemy as sa

from starrating.extensions import db
from starrating.models import Club, ClubMembership, Role, StudentStatus, User
from tests.rollover.helpers import plan_of, speaking


def add_clubs(make, s, clubs: int, classes: int, students_each: int) -> None:
    """More classes with class teachers and students, and clubs with all of them as members
    (one of whom left and one who graduated, so every branch is taken)."""
    students = []
    for _ in range(classes):
        c = make.school_class(s.major, s.school)
        make.assign(s.term, c, make.user(Role.TEACHER, s.school.id))
        students += [make.student(c, account=True) for _ in range(students_each)]
    for _ in range(clubs):
        club = Club(school_id=s.school.id, name=f"社团{make.n()}")
        db.session.add(club)
        db.session.flush()
        db.session.add_all([ClubMembership(club_id=club.id, student_id=st.id, term_id=s.term.id,
                                           role="成员", joined_on=s.term.start_date)
                            for st in students])
    students[0].status = StudentStatus.GRADUATED
    db.session.commit()


def rollover_counts(actor, count_queries, term, name, start, end) -> tuple[int, int]:
    data = {"source_term_id": str(term.id), "name": name, "start_date": start,
            "end_date": end, "notice_days": "5", "status": "planning",
            "copy_assignments": "y", "copy_memberships": "y", "copy_rules": "y"}
    actor.post("/admin/rollover", {**data, "preview": "1"})  # warm
    with count_queries() as preview:
        html = actor.post("/admin/rollover", {**data, "preview": "1"}).get_data(as_text=True)
    with count_queries() as confirm:
        response = actor.post("/admin/rollover/confirm", {**data, "plan": plan_of(html),
                                                          "confirm": "1"})
    assert response.status_code == 302
    return preview.count, confirm.count


def test_rollover_statements_do_not_grow_with_the_school(school, make, act, count_queries):
    add_clubs(make, school, clubs=1, classes=1, students_each=2)
    actor = speaking(act, school.admin)
    small = rollover_counts(actor, count_queries, school.term, "小", "2027-02-01", "2027-03-01")
    add_clubs(make, school, clubs=6, classes=8, students_each=10)
    large = rollover_counts(actor, count_queries, school.term, "大", "2027-03-02", "2027-04-01")
    assert large == small


def cohort_counts(actor, count_queries, grade: int) -> tuple[int, int]:
    data = {"selection": "cohort", "grade": str(grade), "from_status": "active",
            "to_status": "withdrawn"}
    actor.post("/admin/cohorts", {**data, "preview": "1"})  # warm
    with count_queries() as preview:
        html = actor.post("/admin/cohorts", {**data, "preview": "1"}).get_data(as_text=True)
    with count_queries() as confirm:
        response = actor.post("/admin/cohorts/confirm", {**data, "plan": plan_of(html),
                                                         "confirm": "1"})
    assert response.status_code == 302
    return preview.count, confirm.count


def test_cohort_statements_do_not_grow_with_the_cohort(school, make, act, count_queries):
    actor = speaking(act, school.admin)
    small = cohort_counts(actor, count_queries, 2024)
    for _ in range(5):
        c = make.school_class(school.major, school.school, grade=2023)
        students = [make.student(c, account=True) for _ in range(12)]
        db.session.commit()
        for user in db.session.scalars(sa.select(User).where(
                User.student_id.in_([st.id for st in students]))):
            act(user)  # signed in, so the confirmation has sessions to end
    large = cohort_counts(actor, count_queries, 2023)
    assert large == small
