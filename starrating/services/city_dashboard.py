"""What the city office sees across its schools: each school's star distribution (by grade
and by major) from the STORED results of the school's term in force, its teachers' entry
activity, how far its classes are in publishing, and the trend across terms.

Read-only, and a fixed number of statements however many schools: every figure comes from
one GROUP BY across all schools (tests/city/test_dashboard.py counts them with 1 and with 3
schools). Nothing is computed here: a school whose term has no stored results shows none.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from ..extensions import db
from ..models import (
    ClassAssignment,
    ClassState,
    ClassTermStatus,
    Department,
    Entry,
    Major,
    RuleSetVersion,
    School,
    SchoolClass,
    StarResult,
    Student,
    StudentStatus,
    Term,
    User,
    utcnow,
)
from .class_state import due_clause
from .clock import DEFAULT_ZONE
from .rule_names import shown
from .schools import ensure_city
from .scoring import rules_from_version
from .terms import in_force

ACTIVITY_DAYS = (7, 30)
# The trend's measure: the share of a term's rated students with at least this many stars.
TREND_STARS = 4
DEFAULT_MAX_STARS = 5
STATES = (ClassState.OPEN, ClassState.SUBMITTED, ClassState.PUBLISHED, ClassState.FINAL)


@dataclass
class TermPoint:
    """One term of a school in the trend (stored results only)."""

    term_id: int
    name: str
    start_date: date
    students: int
    at_least: int  # students with ≥ TREND_STARS overall stars
    average: float

    @property
    def share(self) -> float:
        return self.at_least / self.students if self.students else 0.0


@dataclass
class SchoolFigures:
    """One school's row on the dashboard (and its sheet in the city workbook)."""

    id: int
    code: str
    name: str
    name_en: str
    active: bool
    term_id: int | None = None
    term_name: str = ""
    max_stars: int = DEFAULT_MAX_STARS
    enrolled: int = 0  # students 在读 now
    classes: int = 0  # classes taking part in the term in force
    overall: list[int] = field(default_factory=list)  # stored results per star level
    by_grade: list[tuple[str, list[int]]] = field(default_factory=list)
    by_major: list[tuple[str, list[int]]] = field(default_factory=list)
    progress: dict[ClassState, int] = field(default_factory=dict)
    entries: dict[int, int] = field(default_factory=dict)  # days → entries recorded
    by_dimension: dict[str, dict[int, int]] = field(default_factory=dict)  # key → days → n
    trend: list[TermPoint] = field(default_factory=list)

    @property
    def rated(self) -> int:
        """Students with a stored result in the term in force."""
        return sum(self.overall)

    @property
    def published_share(self) -> float:
        done = self.progress.get(ClassState.PUBLISHED, 0) + self.progress.get(ClassState.FINAL, 0)
        return done / self.classes if self.classes else 0.0


@dataclass
class CityDashboard:
    schools: list[SchoolFigures]
    max_stars: int
    dimensions: list[tuple[str, str]]  # (key, name as this page shows it)
    trend_terms: list[str]  # term names in the order they started, across schools
    days: tuple[int, ...] = ACTIVITY_DAYS
    trend_stars: int = TREND_STARS

    @property
    def overall(self) -> list[int]:
        total = [0] * (self.max_stars + 1)
        for school in self.schools:
            for level, n in enumerate(school.overall):
                total[level] += n
        return total

    @property
    def progress(self) -> dict[ClassState, int]:
        return {state: sum(s.progress.get(state, 0) for s in self.schools) for state in STATES}


def term_in_force(terms: list, today: date):
    """The same choice as `terms.current_term`, over one school's already-loaded terms."""
    return in_force(terms, today)


def _school_today(zone: str, now: datetime) -> date:
    """The school's calendar day at `now` (School.timezone; the clock's default zone else)."""
    return now.astimezone(ZoneInfo(zone or DEFAULT_ZONE)).date()


def city_dashboard(actor: User, now: datetime | None = None) -> CityDashboard:
    """Every school's figures, in ten statements whatever the number of schools."""
    ensure_city(actor)
    now = now or utcnow()
    # 1. the schools
    schools = [SchoolFigures(id=s.id, code=s.code, name=s.name, name_en=s.name_en,
                             active=s.active)
               for s in db.session.execute(sa.select(
                   School.id, School.code, School.name, School.name_en, School.active,
                   ).order_by(School.code))]
    by_id = {s.id: s for s in schools}
    # 2. every term of every school (a handful each), with the school's zone
    terms_of: dict[int, list] = defaultdict(list)
    for row in db.session.execute(
            sa.select(Term.id, Term.school_id, Term.name, Term.start_date, Term.end_date,
                      Term.rule_version_id, School.timezone)
            .join(School, School.id == Term.school_id)):
        terms_of[row.school_id].append(row)
    current: dict[int, object] = {}
    for school_id, rows in terms_of.items():
        term = term_in_force(rows, _school_today(rows[0].timezone, now))
        if term is not None and school_id in by_id:
            current[school_id] = term
            by_id[school_id].term_id, by_id[school_id].term_name = term.id, term.name
    term_ids = [t.id for t in current.values()]
    school_of_term = {t.id: sid for sid, t in current.items()}
    # 3. the rules of the terms in force (parsed once per version and process)
    rules_of_term = _rules(current)
    dimensions: dict[str, str] = {}
    for school_id, term in current.items():
        rules = rules_of_term.get(term.id)
        if rules is not None:
            by_id[school_id].max_stars = rules.max_stars
            for dim in rules.dimensions:
                dimensions.setdefault(dim.key, shown(dim))
    for school in schools:
        school.overall = [0] * (school.max_stars + 1)
        school.progress = dict.fromkeys(STATES, 0)
        school.entries = dict.fromkeys(ACTIVITY_DAYS, 0)
    if term_ids:
        _distribution(term_ids, school_of_term, by_id)  # 4. and 5.
        _progress(term_ids, school_of_term, by_id, now)  # 6. and 7.
    _enrolled(by_id)  # 8.
    _activity(by_id, now)  # 9.
    trend_terms = _trend(by_id)  # 10.
    return CityDashboard(schools=schools,
                         max_stars=max([s.max_stars for s in schools] or [DEFAULT_MAX_STARS]),
                         dimensions=list(dimensions.items()), trend_terms=trend_terms)


def _rules(current: dict) -> dict:
    ids = {t.rule_version_id for t in current.values() if t.rule_version_id}
    if not ids:
        return {}
    versions = {v.id: v for v in db.session.scalars(
        sa.select(RuleSetVersion).where(RuleSetVersion.id.in_(ids)))}
    out = {}
    for term in current.values():
        version = versions.get(term.rule_version_id)
        if version is not None:
            try:
                out[term.id] = rules_from_version(version)
            except Exception:  # noqa: BLE001 — a broken rule text must not hide the city
                continue
    return out


def _distribution(term_ids, school_of_term, by_id) -> None:
    """Stored results of the terms in force per grade, major and star level: one GROUP BY
    per class and level (from the index ix_star_result_term_class_stars, never the heavy
    rows), and the classes' grades and majors."""
    counts = db.session.execute(
        sa.select(StarResult.term_id, StarResult.class_id, StarResult.overall_stars,
                  sa.func.count())
        .where(StarResult.term_id.in_(term_ids))
        .group_by(StarResult.term_id, StarResult.class_id, StarResult.overall_stars)).all()
    classes = {cid: (str(grade), f"{dept} · {major}") for cid, grade, major, dept in
               db.session.execute(
                   sa.select(SchoolClass.id, SchoolClass.grade, Major.name, Department.name)
                   .join(Major, Major.id == SchoolClass.major_id)
                   .join(Department, Department.id == Major.department_id)
                   .where(SchoolClass.school_id.in_(list(set(school_of_term.values())))))}
    grades: dict[int, dict[str, list[int]]] = defaultdict(dict)
    majors: dict[int, dict[str, list[int]]] = defaultdict(dict)
    for term_id, class_id, stars, n in counts:
        school = by_id[school_of_term[term_id]]
        if class_id not in classes:  # a result of another school's class: never counted
            continue
        grade, major = classes[class_id]
        levels = school.max_stars + 1
        level = min(max(stars, 0), school.max_stars)
        grades[school.id].setdefault(grade, [0] * levels)[level] += n
        majors[school.id].setdefault(major, [0] * levels)[level] += n
        school.overall[level] += n
    for school_id, school in by_id.items():
        school.by_grade = sorted(grades[school_id].items(), reverse=True)
        school.by_major = sorted(majors[school_id].items())


def _progress(term_ids, school_of_term, by_id, now: datetime) -> None:
    """Classes of each term in force (a class teacher in it, or already in its workflow),
    and how many stand in each state (a class due to be final counts as final)."""
    assigned = sa.select(ClassAssignment.term_id.label("term_id"),
                         ClassAssignment.class_id.label("class_id")).where(
        ClassAssignment.term_id.in_(term_ids))
    in_flow = sa.select(ClassTermStatus.term_id.label("term_id"),
                        ClassTermStatus.class_id.label("class_id")).where(
        ClassTermStatus.term_id.in_(term_ids))
    taking_part = sa.union(assigned, in_flow).subquery()
    for term_id, n in db.session.execute(
            sa.select(taking_part.c.term_id, sa.func.count())
            .group_by(taking_part.c.term_id)):
        by_id[school_of_term[term_id]].classes = n
    flow = (sa.select(ClassTermStatus.term_id.label("term_id"),
                      ClassTermStatus.state.label("state"),
                      sa.case((due_clause(now), 1), else_=0).label("due"))
            .where(ClassTermStatus.term_id.in_(term_ids))).subquery()
    moved: dict[int, int] = defaultdict(int)
    for term_id, state, due, n in db.session.execute(
            sa.select(flow.c.term_id, flow.c.state, flow.c.due, sa.func.count())
            .group_by(flow.c.term_id, flow.c.state, flow.c.due)):
        state = ClassState.FINAL if due else ClassState(state)
        if state == ClassState.OPEN:
            continue
        school = by_id[school_of_term[term_id]]
        school.progress[state] += n
        moved[school.id] += n
    for school in by_id.values():
        school.progress[ClassState.OPEN] = max(school.classes - moved[school.id], 0)


def _enrolled(by_id) -> None:
    for school_id, n in db.session.execute(
            sa.select(Student.school_id, sa.func.count())
            .where(Student.status == StudentStatus.ACTIVE).group_by(Student.school_id)):
        if school_id in by_id:
            by_id[school_id].enrolled = n


def _activity(by_id, now: datetime) -> None:
    """Entries recorded (not deleted) in the last 7 and 30 days, per school and indicator
    (summed to dimensions here: an indicator key is "dimension.indicator")."""
    since = {days: now - timedelta(days=days) for days in ACTIVITY_DAYS}
    columns = [sa.func.count().filter(Entry.created_at >= since[days]) for days in ACTIVITY_DAYS]
    rows = db.session.execute(
        sa.select(Term.school_id, Entry.indicator, *columns)
        .join(Term, Term.id == Entry.term_id)
        .where(Entry.deleted_at.is_(None), Entry.created_at >= since[max(ACTIVITY_DAYS)])
        .group_by(Term.school_id, Entry.indicator))
    for school_id, indicator, *counts in rows:
        school = by_id.get(school_id)
        if school is None:
            continue
        dim = school.by_dimension.setdefault(indicator.split(".", 1)[0],
                                             dict.fromkeys(ACTIVITY_DAYS, 0))
        for days, n in zip(ACTIVITY_DAYS, counts, strict=True):
            dim[days] += n or 0
            school.entries[days] += n or 0


def _trend(by_id) -> list[str]:
    """Per school and term with stored results: students, those with ≥ TREND_STARS, the
    average. Returns the terms' names in the order they started (the chart's axis)."""
    rows = db.session.execute(
        sa.select(Term.school_id, Term.id, Term.name, Term.start_date, sa.func.count(),
                  sa.func.sum(sa.case((StarResult.overall_stars >= TREND_STARS, 1), else_=0)),
                  sa.func.avg(StarResult.overall_stars))
        .join(StarResult, StarResult.term_id == Term.id)
        .group_by(Term.school_id, Term.id, Term.name, Term.start_date)
        .order_by(Term.start_date, Term.id))
    names: dict[str, date] = {}
    for school_id, term_id, name, start, n, at_least, average in rows:
        school = by_id.get(school_id)
        if school is None:
            continue
        school.trend.append(TermPoint(term_id, name, start, n, int(at_least or 0),
                                      round(float(average or 0), 2)))
        names.setdefault(name, start)
    return sorted(names, key=lambda name: names[name])
