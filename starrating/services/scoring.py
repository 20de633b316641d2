"""From a term's records to stars: aggregate in SQL, evaluate with the rule engine.

One pass for the whole scope, never a query per student:
  1. entry sums per (student, indicator) — one GROUP BY;
  2. club memberships counted on the term's club indicator — one GROUP BY;
  3. active flags — one query;
  4. the students of the scope with class name and grade — one query.
The term's students are the active students of the term's classes (class_state.
term_class_ids: a class teacher in the term or already in its workflow), never every
student of the school. The quota groups decide the scope: with a grade- or school-wide
quota the whole term is evaluated even when only one class is shown (and the groups are
formed from the term's students only), so an exact star never differs from the one the
full computation would give.
"""

from __future__ import annotations

import gc
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from decimal import Decimal
from functools import lru_cache

import sqlalchemy as sa

from ..extensions import db
from ..models import (
    ClubMembership,
    Entry,
    Flag,
    RuleSetVersion,
    SchoolClass,
    Student,
    StudentStatus,
    Term,
    from_cents,
)
from ..rules import RuleSet, StudentInput, StudentResult, evaluate, load_rules, round_score
from .class_state import term_class_ids

# A membership that ended within this many days of joining does not count (a student who
# tried a club for a week is not a member); one that lasted longer counts for the term.
CLUB_MIN_DAYS = 28


@lru_cache(maxsize=64)
def _parse(version_id: int, source: str, fmt: str) -> RuleSet:
    return load_rules(source, fmt)


def term_rules(term: Term) -> RuleSet | None:
    """The term's validated rule set (parsed once per version and process)."""
    if term.rule_version_id is None:
        return None
    version = term.rule_version or db.session.get(RuleSetVersion, term.rule_version_id)
    return _parse(version.id, version.source, version.format)


def rules_from_version(version: RuleSetVersion) -> RuleSet:
    return _parse(version.id, version.source, version.format)


_class_only: dict[int, tuple[RuleSet, RuleSet]] = {}


def class_only_rules(rules: RuleSet) -> RuleSet:
    """The same rules without grade- or school-wide quotas (class quotas kept).

    For provisional stars on a class page: evaluating a grade-wide quota means evaluating
    every student of the grade (50,000 in a city) on each page view. The official
    computation (services/results.py) always uses the full rules."""
    cached = _class_only.get(id(rules))
    if cached is not None and cached[0] is rules:
        return cached[1]
    dims = tuple(d if d.quota_scope == "class" else replace(d, quota={})
                 for d in rules.dimensions)
    overall = rules.overall
    if overall.quota and overall.quota_scope != "class":
        overall = replace(overall, quota={})
    derived = replace(rules, dimensions=dims, overall=overall)
    if len(_class_only) > 64:  # rule sets are few; keep the cache bounded anyway
        _class_only.clear()
    _class_only[id(rules)] = (rules, derived)  # holding `rules` keeps its id unique
    return derived


def needs_whole_term(rules: RuleSet) -> bool:
    """True when some quota counts students beyond one class."""
    scopes = [d.quota_scope for d in rules.dimensions if d.quota]
    if rules.overall.quota:
        scopes.append(rules.overall.quota_scope)
    return any(scope != "class" for scope in scopes)


def club_points(rules: RuleSet, indicator: str | None) -> Decimal | None:
    """Points one club membership is worth: the indicator's first catalogue item."""
    if not indicator:
        return None
    try:
        items = rules.indicator(indicator).items
    except KeyError:
        return None
    return items[0].points if items else Decimal(1)


_ENTRY = Entry.__table__.c
_STUDENT = Student.__table__.c
#: models.ENTRY_COUNTS on the table's columns (tests/test_scoring.py compares the two)
ENTRY_COUNTS_CORE = sa.or_(_ENTRY.review.is_(None), _ENTRY.review != "pending")


def _entry_totals(term_id: int, class_ids) -> sa.Select:
    # the table's columns, not the mapped ones: a Core statement's rows come straight from
    # the cursor (the ORM's row loading was a tenth of a 50,000-student term's computation)
    return (
        sa.select(_ENTRY.student_id, _ENTRY.indicator, sa.func.sum(_ENTRY.points_cents),
                  sa.func.count(_ENTRY.id))
        # an IN over the classes' students, not a JOIN: SQLite then seeks the (term,
        # student) index per student instead of reading the whole term's entries (30×
        # faster for a class of 30 among 2,000 students)
        .where(_ENTRY.term_id == term_id, _ENTRY.deleted_at.is_(None), ENTRY_COUNTS_CORE,
               _ENTRY.student_id.in_(sa.select(_STUDENT.id).where(_STUDENT.class_id.in_(class_ids))))
        .group_by(_ENTRY.student_id, _ENTRY.indicator)
    )


def _membership_counts(term_id: int, class_ids) -> sa.Select:
    return (sa.select(ClubMembership.student_id, ClubMembership.joined_on,
                      ClubMembership.left_on)
            .join(Student, Student.id == ClubMembership.student_id)
            .where(ClubMembership.term_id == term_id, Student.class_id.in_(class_ids)))


@dataclass
class TermInputs:
    rules: RuleSet
    inputs: list[StudentInput]
    students: dict[int, tuple[str, str, int]]  # id → (学号, 姓名, class id)
    # live entries per student, and the unrevoked flags (Flag rows) per student, read by
    # the same statements (the class page shows both)
    entry_counts: dict[int, int] = field(default_factory=dict)
    flag_rows: dict[int, list] = field(default_factory=dict)


def _scope(term: Term, class_ids: list[int] | None, rules: RuleSet) -> list[int]:
    """The classes to evaluate: the term's classes (None, or a quota wider than a class),
    else the classes asked for. A class asked for outside the term is kept in the scope."""
    if class_ids is not None and not needs_whole_term(rules):
        return sorted(set(class_ids))
    scope = term_class_ids(term)
    return scope + sorted(set(class_ids or ()) - set(scope))


def collect_inputs(term: Term, class_ids: list[int] | None = None,
                   rules: RuleSet | None = None) -> TermInputs:
    """The engine's inputs for the term's active students (all, or those classes)."""
    rules = rules or term_rules(term)
    if rules is None:
        raise ValueError("the term has no rule set")
    class_ids = _scope(term, class_ids, rules)
    totals: dict[int, dict[str, Decimal]] = {}
    counts: dict[int, int] = {}
    points: dict[int, Decimal] = {}  # cents → points: a term has few distinct sums
    for student_id, indicator, cents, n in db.session.execute(_entry_totals(term.id, class_ids)).all():
        value = points.get(cents)
        if value is None:
            value = points[cents] = from_cents(cents)
        bucket = totals.get(student_id)
        if bucket is None:
            bucket = totals[student_id] = {}
            counts[student_id] = n
        else:
            counts[student_id] += n
        bucket[indicator] = value

    per_membership = club_points(rules, term.club_indicator)
    if per_membership is not None:
        for student_id, joined, left in db.session.execute(_membership_counts(term.id, class_ids)):
            if left is not None and (left - joined).days < CLUB_MIN_DAYS:
                continue
            bucket = totals.setdefault(student_id, {})
            bucket[term.club_indicator] = bucket.get(term.club_indicator, Decimal(0)) + per_membership

    # the flags of these classes' students only (a class page read the whole term's)
    flag_query = (sa.select(Flag).join(Student, Student.id == Flag.student_id)
                  .where(Flag.term_id == term.id, Flag.revoked_at.is_(None),
                         Student.class_id.in_(class_ids))
                  .order_by(Flag.start_date, Flag.id))
    flags: dict[int, set[str]] = {}
    flag_rows: dict[int, list] = {}
    for flag in db.session.scalars(flag_query):
        flags.setdefault(flag.student_id, set()).add(flag.key)
        flag_rows.setdefault(flag.student_id, []).append(flag)

    student_query = (
        sa.select(Student.id, Student.student_no, Student.name, Student.class_id,
                  SchoolClass.name, SchoolClass.grade)
        .join(SchoolClass, SchoolClass.id == Student.class_id)
        .where(Student.school_id == term.school_id, Student.status == StudentStatus.ACTIVE,
               Student.class_id.in_(class_ids))
        .order_by(SchoolClass.name, Student.student_no)
    )
    inputs, students = [], {}
    for sid, no, name, class_id, class_name, grade in db.session.execute(student_query):
        inputs.append(StudentInput(id=str(sid), class_=f"{class_id}:{class_name}",
                                   grade=str(grade), flags=frozenset(flags.get(sid, ())),
                                   totals=totals.get(sid, {})))
        students[sid] = (no, name, class_id)
    return TermInputs(rules=rules, inputs=inputs, students=students, entry_counts=counts,
                      flag_rows=flag_rows)


@contextmanager
def gc_paused():
    """No cyclic garbage collection while a whole term is computed: it builds a few hundred
    thousand objects (rows, inputs, results) that live until it ends, and the collector,
    triggered by the allocations, traversed them again and again (more than half of the
    evaluation's time for 50,000 students). Nothing is leaked: reference counting frees as
    usual, and cycles are collected once the collector runs again. Restores the collector
    only if it was on (another thread's pause, or a process that turned it off, is kept)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def evaluate_term(term: Term, class_ids: list[int] | None = None,
                  rules: RuleSet | None = None, *, exact: bool = True) -> dict[int, StudentResult]:
    """Evaluate the term's students (or those of the classes) now: student id → result.

    exact=False (provisional pages) evaluates only the classes asked for, leaving out
    grade- and school-wide quotas; exact=True widens to the term's classes when they exist."""
    return evaluate_with_inputs(term, class_ids, rules, exact=exact)[0]


def evaluate_with_inputs(term: Term, class_ids: list[int] | None = None,
                         rules: RuleSet | None = None, *, exact: bool = True
                         ) -> tuple[dict[int, StudentResult], TermInputs]:
    """evaluate_term's results and the inputs they came from (students, entry counts and
    flags: the class page shows them without reading them again)."""
    if not exact and class_ids is not None:
        rules = class_only_rules(rules or term_rules(term))
    collected = collect_inputs(term, class_ids, rules)
    results = evaluate(collected.rules, collected.inputs)
    wanted = set(class_ids) if class_ids is not None else None
    return {
        int(r.id): r for r in results
        if wanted is None or collected.students[int(r.id)][2] in wanted
    }, collected


def summarize(result: StudentResult) -> dict:
    """The stored/serialisable form: exact scores as strings."""
    return {
        "dimensions": {k: {"score": str(round_score(d.score)), "stars": d.stars}
                       for k, d in result.dimensions.items()},
        "overall": {"score": None if result.overall_score is None
                    else str(round_score(result.overall_score)),
                    "stars": result.overall_stars},
        "titles": list(result.titles),
    }
