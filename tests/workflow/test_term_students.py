"""The term's students — the active students of the term's classes — are exactly who the
what-if preview and the computation evaluate, also in the groups of a grade-wide quota.

The school has the term's two classes (a class teacher each) and a third class of the same
grade (entry year) with no class teacher in the term and not in its workflow. Its students
have top scores: counted in the grade's group they would push the term's best students
out of the 5-star places."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal

import pytest
import sqlalchemy as sa

from starrating.extensions import db
from starrating.models import StarResult
from starrating.rules import StudentInput, evaluate, load_rules
from starrating.services import results, rulesets

# 50 % of the grade may have 5 stars; a 25-hour student scores 95 (5 stars), the others 70.
GRADE_QUOTA = """
name = "grade quota"
[[dimensions]]
key = "labor"
name = "劳动"
base = {base}
max = 100
thresholds = {{ 5 = 90, 4 = 80, 3 = 70 }}
  [[dimensions.indicators]]
  key = "hours"
  name = "劳动学时"
[overall]
method = "weighted"
thresholds = {{ 5 = 90, 4 = 80, 3 = 70 }}
quota = {{ 5 = 50 }}
quota_scope = "grade"
"""
DRAFT = GRADE_QUOTA.format(base=70)
CURRENT = GRADE_QUOTA.format(base=0)  # every student below 3 stars: all change in the draft


@pytest.fixture
def setup(make, school):
    term = school.term
    term.rule_version_id = make.rules(school.school, DRAFT).id
    outside = make.school_class(school.major, school.school, "24机电3班",
                                grade=school.class_a.grade)
    outsiders = [make.student(outside) for _ in range(8)]
    top = school.students[:3]  # of the term's 7 students (class A 5, class B 2)
    for s in [*top, *outsiders]:
        make.entry(term, s, "labor.hours", "25")
    db.session.commit()
    term_students = [*school.class_a.students, *school.class_b.students]
    return school, term, term_students, top, outsiders


def _recompute(term_students, top):
    """The rule engine alone over only the term's students: student id → overall stars."""
    tops = {s.id for s in top}
    inputs = [StudentInput(id=str(s.id), class_=f"{s.class_id}:{s.school_class.name}",
                           grade=str(s.school_class.grade),
                           totals={"labor.hours": Decimal(25)} if s.id in tops else {})
              for s in term_students]
    return {int(r.id): r.overall_stars for r in evaluate(load_rules(DRAFT), inputs)}


def test_the_recomputation_keeps_the_terms_best_at_five_stars(setup):
    school, term, term_students, top, outsiders = setup
    expected = _recompute(term_students, top)
    # 7 students, 50 % → 3 places: the 3 tied top students fit. With the 8 outsiders the
    # grade would have 11 tied top students for 7 places and they would all drop to 4.
    assert {expected[s.id] for s in top} == {5}
    assert len(expected) == 7


def test_what_if_evaluates_exactly_the_terms_students(setup, make):
    school, term, term_students, top, outsiders = setup
    term.rule_version_id = make.rules(school.school, CURRENT).id
    db.session.commit()
    preview = rulesets.what_if(school.admin, term.id, DRAFT)
    expected = _recompute(term_students, top)
    assert preview.total == len(term_students) == 7
    # every evaluated student changes (0 → 3 or 5 stars), so the changes name them all
    assert {c.student_id for c in preview.changes} == {s.id for s in term_students}
    assert {c.student_id: c.after["overall"] for c in preview.changes} == expected
    counts = Counter(expected.values())
    assert preview.after == [counts.get(level, 0) for level in range(preview.max_stars + 1)]


def test_compute_stores_exactly_the_terms_students_with_their_stars(setup):
    school, term, term_students, top, outsiders = setup
    summary = results.compute_term(school.admin, term)
    db.session.commit()
    stored = dict(db.session.execute(
        sa.select(StarResult.student_id, StarResult.overall_stars)
        .where(StarResult.term_id == term.id)).all())
    assert summary.students == len(term_students)
    assert set(stored) == {s.id for s in term_students}
    assert not set(stored) & {s.id for s in outsiders}
    assert stored == _recompute(term_students, top)


def test_one_class_computed_alone_gets_the_same_stars(setup):
    """A grade quota widens one class's computation to the term's classes, not the school's."""
    school, term, term_students, top, outsiders = setup
    results.compute_term(school.admin, term, [school.class_a.id])
    db.session.commit()
    stored = dict(db.session.execute(
        sa.select(StarResult.student_id, StarResult.overall_stars)
        .where(StarResult.term_id == term.id)).all())
    expected = _recompute(term_students, top)
    assert stored == {s.id: expected[s.id] for s in school.class_a.students}
