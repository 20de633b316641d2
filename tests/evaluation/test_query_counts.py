"""Query discipline (issue 17, acceptance 3): the statement count of the round pages, the
proposal pages and the approval queue does not grow with the class or the school."""

from __future__ import annotations

from datetime import date

import pytest

from starrating.extensions import db
from starrating.models import Role
from starrating.services import entries, evaluation, evidence, proposals, review
from starrating.services.entry_input import EntryInput
from starrating.services.proposals import ProposalInput
from starrating.services.review import SettingInput
from tests.evaluation.helpers import DAY, open_round, user_of
from tests.security.helpers import TINY_PNG

PAGES = {
    "student: rounds": ("student", lambda s: "/student/evaluation"),
    "student: whom to rate": ("student", lambda s: f"/student/evaluation/{s.rnd.id}"),
    "student: rating a classmate": (
        "student", lambda s: f"/student/evaluation/{s.rnd.id}/rate/{s.students[1].id}"),
    "officer: proposals": ("student", lambda s: "/student/proposals"),
    "teacher: evaluation": ("teacher", lambda s: "/teacher/evaluation"),
    "teacher: a class in a round": (
        "teacher", lambda s: f"/teacher/evaluation/{s.rnd.id}/class/{s.class_a.id}"),
    "teacher: officers": ("teacher", lambda s: f"/teacher/class/{s.class_a.id}/officers"),
    "teacher: proposal queue": ("teacher", lambda s: f"/teacher/class/{s.class_a.id}/proposals"),
    "admin: rounds": ("admin", lambda s: "/admin/evaluation"),
    "admin: an open round": ("admin", lambda s: f"/admin/evaluation/{s.rnd.id}"),
    "admin: a closed round": ("admin", lambda s: f"/admin/evaluation/{s.closed.id}"),
    "admin: approval queue": ("admin", lambda s: "/admin/review"),
}


def take_part(s, students, rnd):
    """Every student rates themself and two classmates; the teacher rates everyone; officers'
    proposals and entries waiting for approval (with evidence) for each."""
    dim = rnd.dimensions[0].id
    class_students = [st for st in s.students if st.class_id == s.class_a.id]
    for st in students:
        user = user_of(st)
        evaluation.submit_rating(user, rnd.id, st.id, {dim: "4"}, "好", today=DAY)
        others = [m for m in class_students if m.id != st.id][:2]
        for mate in others:
            if mate.id != st.id:
                evaluation.submit_rating(user, rnd.id, mate.id, {dim: "3"}, today=DAY)
    evaluation.save_teacher_ratings(s.teacher, rnd.id, s.class_a.id,
                                    {(st.id, dim): "5" for st in students}, {}, today=DAY)
    mates = [st for st in students if st.id != s.students[0].id]
    proposals.propose(s.student_user, s.term, ProposalInput(
        student_ids=[m.id for m in mates], indicator="moral.service", points="1",
        occurred_on=date(2026, 11, 2)), today=DAY)
    made = entries.record_entries(s.teacher, s.term, [st.id for st in students], EntryInput(
        indicator="moral.service", points="6", occurred_on=date(2026, 11, 3),
        evidence=[(TINY_PNG, "证明.png")]), today=DAY)
    assert all(e.review == "pending" for e in made)


def closed_round(s, students):
    rnd = open_round(s, name="上一轮")
    dim = rnd.dimensions[0].id
    evaluation.save_teacher_ratings(s.teacher, rnd.id, s.class_a.id,
                                    {(st.id, dim): "4" for st in students}, {}, today=DAY)
    evaluation.close_round(s.admin, rnd.id)
    return rnd


@pytest.mark.parametrize("page", sorted(PAGES))
def test_statement_count_does_not_grow(page, make, school, act, count_queries):
    s = school
    review.save_setting(s.admin, s.term, SettingInput(threshold="5"))
    proposals.save_officer(s.teacher, s.term, s.class_a.id, s.students[0].id, "班长",
                           ["moral.service"])
    proposals.save_officer(s.teacher, s.term, s.class_a.id, s.students[1].id, "劳动委员",
                           ["moral.service"])
    s.closed = closed_round(s, s.students)
    s.rnd = open_round(s)
    take_part(s, s.students, s.rnd)
    db.session.commit()
    who, url_of = PAGES[page]
    user = {"teacher": s.teacher, "student": s.student_user, "admin": s.admin}[who]
    actor = act(user)
    url = url_of(s)
    assert actor.get(url).status_code == 200
    with count_queries() as small:
        assert actor.get(url).status_code == 200

    new = [make.student(s.class_a, account=True) for _ in range(25)]
    extra = make.school_class(s.major, s.school)
    make.assign(s.term, extra, make.user(Role.TEACHER, s.school.id))
    for _ in range(10):
        make.student(extra, account=True)
    s.students = [*s.students, *new]
    proposals.save_officer(s.teacher, s.term, s.class_a.id, new[0].id, "学习委员",
                           ["moral.service"])
    take_part(s, new, s.rnd)
    s.closed = closed_round(s, s.students)  # a closed round of the grown class
    db.session.commit()
    assert evidence is not None
    url = url_of(s)
    actor.get(url)
    with count_queries() as large:
        assert actor.get(url).status_code == 200
    assert large.count == small.count, (page, small.count, large.count)
