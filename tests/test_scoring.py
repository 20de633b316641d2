"""services/scoring: provisional (class-only) evaluation vs. the exact, term-wide one."""

from __future__ import annotations

from starrating.extensions import db
from starrating.services.scoring import evaluate_term

GRADE_QUOTA_RULES = """
name = "grade quota"
[[dimensions]]
key = "labor"
name = "劳动"
base = 70
max = 100
thresholds = { 5 = 90, 4 = 80, 3 = 70 }
  [[dimensions.indicators]]
  key = "hours"
  name = "劳动学时"
[overall]
method = "weighted"
thresholds = { 5 = 90, 4 = 80, 3 = 70 }
quota = { 5 = 50 }
quota_scope = "grade"
"""


def test_provisional_class_stars_leave_out_the_grade_quota(make, school):
    rules = make.rules(school.school, GRADE_QUOTA_RULES)
    term = make.term(school.school, rules=rules)
    a, b = school.class_a, school.class_b  # the same grade, both the term's classes
    make.assign(term, a, school.teacher)
    make.assign(term, b, school.other_teacher)
    top_a = make.student(a)
    top_b = [make.student(b) for _ in range(8)]
    for s in [top_a, *top_b]:
        make.entry(term, s, "labor.hours", "25")
    db.session.commit()

    exact = evaluate_term(term, [a.id])
    provisional = evaluate_term(term, [a.id], exact=False)
    # only class A's students come back either way
    assert set(exact) == set(provisional) == {s.id for s in a.students}
    # grade: 5 + 1 in class A, 2 + 8 in class B = 16 students, 50 % → 8 places; the 9
    # tied top students do not fit, so exactly they all drop to 4 stars
    assert provisional[top_a.id].overall_stars == 5
    assert exact[top_a.id].overall_stars == 4


def test_the_core_entry_filter_is_the_models_one(app):
    """The whole-term aggregation runs on the table's columns (no ORM row loading); its
    filter of counted entries must stay models.ENTRY_COUNTS."""
    from starrating.models import ENTRY_COUNTS
    from starrating.services import scoring

    assert str(scoring.ENTRY_COUNTS_CORE.compile(db.engine)) == str(ENTRY_COUNTS.compile(db.engine))
    assert not dict(scoring._entry_totals(1, [1])._propagate_attrs)  # a Core statement
