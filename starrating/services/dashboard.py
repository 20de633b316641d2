"""What the admin overview shows: star distributions, class teachers' activity, the trend
across terms, and the audit log search. Read-only; each in a fixed number of queries."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from ..extensions import db
from ..models import (
    AuditLog,
    ClassAssignment,
    Department,
    Entry,
    Major,
    SchoolClass,
    StarResult,
    Student,
    Term,
    User,
    utcnow,
)
from .access import admin_school as school_of
from .scoring import evaluate_term, term_rules

IDLE_DAYS = 30


@dataclass
class Distribution:
    max_stars: int
    provisional: bool
    total: int
    by_class: list[tuple[str, list[int]]] = field(default_factory=list)
    by_major: list[tuple[str, list[int]]] = field(default_factory=list)
    by_grade: list[tuple[str, list[int]]] = field(default_factory=list)
    overall: list[int] = field(default_factory=list)


def _class_stars(term: Term) -> tuple[Counter, int, bool]:
    """(class id, stars) → students: stored results, else provisional ones computed now."""
    stored = db.session.execute(
        sa.select(StarResult.class_id, StarResult.overall_stars, sa.func.count())
        .where(StarResult.term_id == term.id)
        .group_by(StarResult.class_id, StarResult.overall_stars)).all()
    rules = term_rules(term)
    max_stars = rules.max_stars if rules else 5
    if stored:
        return Counter({(c, s): n for c, s, n in stored}), max_stars, False
    if rules is None:
        return Counter(), max_stars, True
    counts: Counter = Counter()
    for result in evaluate_term(term).values():
        counts[(int(result.class_.split(":", 1)[0]), result.overall_stars)] += 1
    return counts, max_stars, True


def star_distribution(actor: User, term: Term) -> Distribution:
    school_of(actor)
    counts, max_stars, provisional = _class_stars(term)
    classes = db.session.execute(
        sa.select(SchoolClass.id, SchoolClass.name, SchoolClass.grade, Major.name,
                  Department.name)
        .join(Major, Major.id == SchoolClass.major_id)
        .join(Department, Department.id == Major.department_id)
        .where(SchoolClass.school_id == term.school_id)
        .order_by(SchoolClass.grade.desc(), SchoolClass.name)).all()
    levels = max_stars + 1
    by_class: dict[str, list[int]] = {}
    by_major: dict[str, list[int]] = {}
    by_grade: dict[str, list[int]] = {}
    overall = [0] * levels
    info = {cid: (name, str(grade), f"{dept} · {major}") for cid, name, grade, major, dept
            in classes}
    for (class_id, stars), n in counts.items():
        if class_id not in info or stars >= levels:
            continue
        name, grade, major = info[class_id]
        for bucket, key in ((by_class, name), (by_major, major), (by_grade, grade)):
            bucket.setdefault(key, [0] * levels)[stars] += n
        overall[stars] += n
    order = [info[c][0] for c, *_ in classes]
    return Distribution(
        max_stars=max_stars, provisional=provisional, total=sum(overall),
        by_class=[(k, by_class[k]) for k in order if k in by_class],
        by_major=sorted(by_major.items()),
        by_grade=sorted(by_grade.items(), reverse=True),
        overall=overall)


@dataclass
class TeacherActivity:
    teacher_id: int
    name: str
    classes: list[str]
    entries_recent: int
    last_entry: datetime | None

    @property
    def idle(self) -> bool:
        return self.entries_recent == 0


def teacher_activity(actor: User, term: Term, now: datetime | None = None
                     ) -> list[TeacherActivity]:
    """Class teachers of the term, with entries in the last 30 days; idle ones first."""
    school_of(actor)
    now = now or utcnow()
    since = now - timedelta(days=IDLE_DAYS)
    assigned = db.session.execute(
        sa.select(User.id, User.display_name, SchoolClass.name)
        .join(ClassAssignment, ClassAssignment.teacher_id == User.id)
        .join(SchoolClass, SchoolClass.id == ClassAssignment.class_id)
        .where(ClassAssignment.term_id == term.id)
        .order_by(User.display_name, SchoolClass.name)).all()
    stats = {author: (recent, last) for author, recent, last in db.session.execute(
        sa.select(Entry.author_id,
                  sa.func.count().filter(Entry.created_at >= since),
                  sa.func.max(Entry.created_at))
        .where(Entry.term_id == term.id, Entry.deleted_at.is_(None),
               Entry.author_id.is_not(None))
        .group_by(Entry.author_id))}
    teachers: dict[int, TeacherActivity] = {}
    for uid, name, class_name in assigned:
        if uid not in teachers:
            recent, last = stats.get(uid, (0, None))
            if last is not None and last.tzinfo is None:
                last = last.replace(tzinfo=ZoneInfo("UTC"))
            teachers[uid] = TeacherActivity(uid, name, [], recent or 0, last)
        teachers[uid].classes.append(class_name)
    return sorted(teachers.values(), key=lambda t: (not t.idle, t.name))


@dataclass
class TrendPoint:
    term_id: int
    name: str
    average: float | None
    students: int
    provisional: bool = False


def star_trend(actor: User, current: Term | None = None,
               current_dist: Distribution | None = None) -> list[TrendPoint]:
    """Average overall stars per term from stored results (oldest first); the current term
    is added from its provisional distribution when it has no stored results yet."""
    school_id = school_of(actor)
    rows = db.session.execute(
        sa.select(Term.id, Term.name, sa.func.avg(StarResult.overall_stars), sa.func.count())
        .join(StarResult, StarResult.term_id == Term.id)
        .where(Term.school_id == school_id)
        .group_by(Term.id, Term.name, Term.start_date).order_by(Term.start_date)).all()
    points = [TrendPoint(tid, name, round(float(avg), 2), n) for tid, name, avg, n in rows]
    if (current is not None and current_dist is not None and current_dist.provisional
            and current_dist.total and all(p.term_id != current.id for p in points)):
        total = current_dist.total
        avg = sum(level * n for level, n in enumerate(current_dist.overall)) / total
        points.append(TrendPoint(current.id, current.name, round(avg, 2), total, True))
    return points


# ---- audit log ---------------------------------------------------------------------------

@dataclass
class AuditFilters:
    actor_id: int | None = None
    action: str | None = None
    object_type: str | None = None
    date_from: date | None = None
    date_to: date | None = None
    student: str | None = None  # 学号 or name
    term_id: int | None = None


def audit_query(actor: User, filters: AuditFilters, tz: str = "Asia/Shanghai") -> sa.Select:
    """The school's audit rows matching the filters, newest first."""
    school_id = school_of(actor)
    query = sa.select(AuditLog).where(AuditLog.school_id == school_id)
    if filters.actor_id:
        query = query.where(AuditLog.actor_id == filters.actor_id)
    if filters.action:
        query = query.where(AuditLog.action == filters.action)
    if filters.object_type:
        query = query.where(AuditLog.object_type == filters.object_type)
    if filters.term_id:
        query = query.where(AuditLog.term_id == filters.term_id)
    zone = ZoneInfo(tz)
    if filters.date_from:
        query = query.where(AuditLog.at >= datetime.combine(filters.date_from,
                                                            datetime.min.time(), zone))
    if filters.date_to:
        query = query.where(AuditLog.at < datetime.combine(
            filters.date_to + timedelta(days=1), datetime.min.time(), zone))
    if filters.student:
        text = filters.student.strip()
        like = f"%{text.replace('%', '').replace('_', '')}%"
        ids = sa.select(Student.id).where(Student.school_id == school_id, sa.or_(
            Student.student_no == text, Student.name.like(like)))
        query = query.where(AuditLog.student_id.in_(ids))
    return query.order_by(AuditLog.at.desc(), AuditLog.id.desc())


def audit_page(actor: User, filters: AuditFilters, page: int, per_page: int,
               tz: str = "Asia/Shanghai"):
    """One page of `audit_query`, with the total count."""
    return db.paginate(audit_query(actor, filters, tz), page=page, per_page=per_page,
                       max_per_page=per_page, count=True)


def audit_choices(actor: User) -> dict:
    """The actions, object types and people that occur in the school's log (3 queries)."""
    school_id = school_of(actor)
    base = sa.select(AuditLog).where(AuditLog.school_id == school_id).subquery()
    actions = db.session.scalars(sa.select(base.c.action).distinct().order_by(base.c.action))
    types = db.session.scalars(sa.select(base.c.object_type).distinct()
                               .order_by(base.c.object_type))
    people = db.session.execute(
        sa.select(User.id, User.display_name, User.username)
        .where(User.id.in_(sa.select(base.c.actor_id).distinct()))
        .order_by(User.display_name)).all()
    return {"actions": [a for a in actions if a], "object_types": [t for t in types if t],
            "people": people}
