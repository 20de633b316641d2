"""Fixtures for the exports: a school with stored results and notes."""

from __future__ import annotations

from datetime import date
from types import SimpleNamespace

import pytest

from starrating.extensions import db
from starrating.models import ClassState, ClassTermStatus, Role, StarResult, StudentTermNote
from starrating.services.scoring import evaluate_term, summarize

RARE_NAME = "㛃堃喆犇赟"
FORMULA_NAME = '=HYPERLINK("http://x","y")'


def store_results(term) -> dict[int, StarResult]:
    """Stored results for every active student of the term (as the results service does)."""
    stored = {}
    for student_id, result in evaluate_term(term).items():
        s = summarize(result)
        row = StarResult(term_id=term.id, student_id=student_id,
                         class_id=_class_of(student_id), rule_version_id=term.rule_version_id,
                         overall_score=s["overall"]["score"], overall_stars=s["overall"]["stars"],
                         dimensions=s["dimensions"], titles=s["titles"], explain={})
        db.session.add(row)
        stored[student_id] = row
    db.session.flush()
    return stored


def _class_of(student_id: int) -> int:
    from starrating.models import Student

    return db.session.get(Student, student_id).class_id


@pytest.fixture
def demo(make, school):
    """The `school` fixture plus a third class, varied entries, notes, stored results;
    one student has rare name characters, one a formula-looking name."""
    class_c = make.school_class(school.major, school.school, "24数控3班")
    # one of the term's classes: it has a class teacher in the term
    make.assign(school.term, class_c, make.user(Role.TEACHER, school.school.id))
    extra = [make.student(class_c) for _ in range(4)]
    rare = make.student(school.class_a, name=RARE_NAME, student_no="2024999001",
                        account=True)
    formula = make.student(class_c, name=FORMULA_NAME, student_no="2024999002")
    teacher = school.teacher
    make.entry(school.term, rare, "moral.service", "6", author=teacher,
               item_name="社区志愿服务", occurred_on=date(2026, 10, 12))
    make.entry(school.term, rare, "moral.service", "2", author=teacher,
               item_name="图书馆整理", occurred_on=date(2026, 11, 2))
    make.entry(school.term, rare, "skill.competition", "10", author=teacher,
               item_name="市级技能大赛二等奖", occurred_on=date(2026, 11, 20))
    make.entry(school.term, rare, "moral.attendance", "-2", author=teacher,
               item_name="旷课（每节）", occurred_on=date(2026, 9, 15))
    for n, student in enumerate(school.students + extra):
        make.entry(school.term, student, "moral.service", str(2 * (n % 4)), author=teacher)
        make.entry(school.term, student, "skill.competition", str(3 * (n % 3)), author=teacher)
    db.session.add(StudentTermNote(
        term_id=school.term.id, student_id=rare.id,
        teacher_comment="该生学习认真，积极参加志愿服务，技能大赛表现突出。",
        self_statement="本学期我参加了技能大赛，也坚持志愿服务，今后继续努力。"))
    results = store_results(school.term)
    # Class A's results are published (students may see their cards); B's and C's are not.
    db.session.add(ClassTermStatus(term_id=school.term.id, class_id=school.class_a.id,
                                   state=ClassState.PUBLISHED))
    db.session.commit()
    return SimpleNamespace(**vars(school), class_c=class_c, extra=extra, rare=rare,
                           formula=formula, results=results)
