"""Evaluation rounds (issue 17): 学生自评 → 同学互评 → 班主任评价, and their results as entries.

The 学生处 opens a round for a term with dates, a rating scale, how classmates are chosen
(the whole class, or N drawn per student) and, per dimension, the weights of the three
sources and the indicator the result feeds. While the round is open (its dates contain the
school's today and nobody closed it) each student rates themself and their classmates, and
the class teacher rates each student. Closing it (an admin, or the periodic job once the
end date has passed) computes every student's result and stores it as an entry of source
EVALUATION (评价) on the dimension's indicator, which the engine then counts like any other.

The rule (docs/evaluation.md), exactly, in `Fraction`s:
  peer   = the mean of the classmates' ratings; with more than 2k ratings the k highest and
           the k lowest are left out first (k = the round's drop_k), else all are kept;
  result = Σ weight × source / Σ weight over the sources that are present (a student who did
           not rate themself, or was rated by nobody, or not by the teacher, is scored on
           the others, their weights re-normalised; no source at all: no result, no entry);
  points = lo + (result − scale_min) × (hi − lo) / (scale_max − scale_min), with [lo, hi] the
           indicator's [min, max], rounded half away from zero to cents (rules.round_score).

Peer ratings are anonymous: the functions here return counts and aggregates only; no page,
export or audit row carries a single peer rating or who gave it.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from fractions import Fraction
from io import BytesIO

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from openpyxl import Workbook

from ..errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from ..extensions import db
from ..models import (
    Entry,
    EntrySource,
    EvaluationRound,
    PeerMode,
    Rating,
    RatingKind,
    Role,
    RoundDimension,
    RoundResult,
    SchoolClass,
    Student,
    StudentStatus,
    Term,
    User,
    utcnow,
)
from ..rules import round_score
from . import audit, proposals
from .access import (
    class_for_teacher_now,
    ensure_review_admin,
    ensure_student_may_write,
    round_for_admin,
    round_for_student,
    teacher_class_ids,
)
from .class_state import lock_reason, term_class_ids
from .clock import local_date, school_today
from .entry_input import indicator_labels
from .scoring import term_rules

SCALE_LIMIT = 100
MAX_DIMENSIONS = 6
COMMENT_MAX = 500


# ---- the rule -----------------------------------------------------------------------------

def peer_mean(scores: list[int], k: int) -> tuple[Fraction | None, int]:
    """(the trimmed peer mean, how many ratings it used); (None, 0) without ratings."""
    if not scores:
        return None, 0
    kept = sorted(scores)
    if len(kept) > 2 * k and k > 0:
        kept = kept[k:len(kept) - k]
    return Fraction(sum(kept), len(kept)), len(kept)


def weighted(sources: list[tuple[int, Fraction | None]]) -> Fraction | None:
    """Σ w·v / Σ w over the present sources (v not None) with a positive weight."""
    present = [(w, v) for w, v in sources if v is not None and w > 0]
    total = sum(w for w, _ in present)
    if not total:
        return None
    return sum(w * v for w, v in present) / total


def to_points(value: Fraction, scale_min: int, scale_max: int, lo, hi) -> int:
    """The result on the scale mapped linearly onto the indicator's [lo, hi], in cents."""
    lo, hi = Fraction(str(lo)), Fraction(str(hi))
    points = lo + (value - scale_min) * (hi - lo) / (scale_max - scale_min)
    return int(round_score(points) * 100)


def _text(value: Fraction | None) -> str | None:
    return None if value is None else str(round_score(value))


# ---- who rates whom -------------------------------------------------------------------------

def _order_key(round_id: int, student_id: int) -> str:
    return hashlib.sha256(f"{round_id}:{student_id}".encode()).hexdigest()


def peer_targets(rnd: EvaluationRound, class_student_ids: list[int]) -> dict[int, list[int]]:
    """Each student's classmates to rate. The whole class, or (RANDOM) the next N in an order
    drawn from the round and the students' ids: stable (the same every time for the same
    class) and fair (everyone is rated by exactly N classmates)."""
    ids = sorted(class_student_ids)
    n = len(ids)
    if rnd.peer_mode == PeerMode.CLASS or rnd.peer_count >= n - 1:
        return {sid: [t for t in ids if t != sid] for sid in ids}
    order = sorted(ids, key=lambda sid: _order_key(rnd.id, sid))
    return {sid: sorted(order[(i + j) % n] for j in range(1, rnd.peer_count + 1))
            for i, sid in enumerate(order)}


def _class_students(class_id: int) -> list[Student]:
    return list(db.session.scalars(
        sa.select(Student).where(Student.class_id == class_id,
                                 Student.status == StudentStatus.ACTIVE)
        .order_by(Student.student_no)))


# ---- states ---------------------------------------------------------------------------------

def state(rnd: EvaluationRound, today: date | None = None) -> str:
    """upcoming | open | ended (the end date passed, results not stored yet) | closed."""
    today = today or school_today(rnd.school_id)
    if rnd.closed_at is not None:
        return "closed"
    if today < rnd.starts_on:
        return "upcoming"
    if today > rnd.ends_on:
        return "ended"
    return "open"


def ensure_open(rnd: EvaluationRound, today: date | None = None) -> None:
    current = state(rnd, today)
    if current == "upcoming":
        raise ValidationFailed(_l("This round opens on %(day)s; ratings are not accepted yet.",
                                  day=local_date(rnd.starts_on)))
    if current != "open":
        raise ValidationFailed(_l("This round closed on %(day)s; ratings are no longer "
                                  "accepted.", day=local_date(rnd.ends_on)))


# ---- the 学生处: opening, closing, the round's page, the export ------------------------------

@dataclass
class DimensionInput:
    name: str = ""
    indicator: str = ""
    weight_self: str = "2"
    weight_peer: str = "3"
    weight_teacher: str = "5"


@dataclass
class RoundInput:
    name: str = ""
    starts_on: date | None = None
    ends_on: date | None = None
    scale_min: str = "1"
    scale_max: str = "5"
    peer_mode: str = "class"
    peer_count: str = ""
    drop_k: str = "1"
    dimensions: list[DimensionInput] = field(default_factory=list)


def _int(text, errors, key, low, high, message):
    try:
        value = int(str(text).strip())
    except (TypeError, ValueError):
        errors.setdefault(key, []).append(message)
        return None
    if not low <= value <= high:
        errors.setdefault(key, []).append(message)
        return None
    return value


def _check_round(term: Term, data: RoundInput) -> tuple[dict, list[dict], dict]:
    errors: dict[str, list] = {}
    name = (data.name or "").strip()
    if not name or len(name) > 80:
        errors["name"] = [_l("Give the round a name of at most 80 characters.")]
    if data.starts_on is None:
        errors["starts_on"] = [_l("Enter the first day.")]
    if data.ends_on is None:
        errors["ends_on"] = [_l("Enter the last day.")]
    if data.starts_on and data.ends_on:
        if data.ends_on < data.starts_on:
            errors["ends_on"] = [_l("The last day cannot be before the first.")]
        elif data.starts_on < term.start_date or data.ends_on > term.end_date:
            errors["ends_on"] = [_l("The round must lie within the term (%(start)s – %(end)s).",
                                    start=local_date(term.start_date),
                                    end=local_date(term.end_date))]
    scale_msg = _l("A whole number from 0 to %(n)d.", n=SCALE_LIMIT)
    low = _int(data.scale_min, errors, "scale_min", 0, SCALE_LIMIT, scale_msg)
    high = _int(data.scale_max, errors, "scale_max", 0, SCALE_LIMIT, scale_msg)
    if low is not None and high is not None and high <= low:
        errors["scale_max"] = [_l("The highest rating must be above the lowest.")]
    mode = data.peer_mode if data.peer_mode in ("class", "random") else None
    if mode is None:
        errors["peer_mode"] = [_l("Choose who rates whom.")]
    count = 0
    if mode == "random":
        count = _int(data.peer_count, errors, "peer_count", 1, 60,
                     _l("How many classmates each student rates: 1 to 60."))
    drop = _int(data.drop_k, errors, "drop_k", 0, 10,
                _l("How many of the highest and lowest peer ratings to leave out: 0 to 10."))
    rules = term_rules(term)
    dims, seen = [], set()
    wanted = [d for d in data.dimensions if (d.indicator or d.name or "").strip()]
    if not wanted:
        errors["dimensions"] = [_l("Add at least one dimension.")]
    if len(wanted) > MAX_DIMENSIONS:
        errors["dimensions"] = [_l("At most %(n)d dimensions.", n=MAX_DIMENSIONS)]
    weight_msg = _l("Weights are whole numbers from 0 to 100.")
    for n, d in enumerate(wanted):
        key = f"dimensions-{n}"
        indicator = (d.indicator or "").strip()
        try:
            ind = rules.indicator(indicator) if rules else None
        except KeyError:
            ind = None
        if ind is None:
            errors.setdefault(key, []).append(
                _l("The indicator %(key)s is not in this term's rules.", key=indicator or "—"))
        elif ind.min is None or ind.max is None or ind.min >= ind.max:
            errors.setdefault(key, []).append(
                _l("The indicator %(key)s needs a min and a max in the rules: the result is "
                   "mapped onto them.", key=indicator))
        elif indicator in seen:
            errors.setdefault(key, []).append(
                _l("Two dimensions cannot feed the same indicator."))
        seen.add(indicator)
        weights = [_int(w, errors, key, 0, 100, weight_msg)
                   for w in (d.weight_self, d.weight_peer, d.weight_teacher)]
        if None not in weights and sum(weights) == 0:
            errors.setdefault(key, []).append(_l("At least one weight must be above 0."))
        dims.append({"position": n, "name": (d.name or "").strip()[:80] or indicator,
                     "indicator": indicator, "weight_self": weights[0] or 0,
                     "weight_peer": weights[1] or 0, "weight_teacher": weights[2] or 0})
    values = {"name": name, "starts_on": data.starts_on, "ends_on": data.ends_on,
              "scale_min": low, "scale_max": high, "peer_mode": PeerMode(mode or "class"),
              "peer_count": count or 0, "drop_k": drop}
    return values, dims, errors


def open_round(actor: User, term: Term, data: RoundInput) -> EvaluationRound:
    """Open a round for the term (an admin of its school); its indicators must be the term's."""
    ensure_review_admin(actor, term)
    if term.rule_version_id is None:
        raise ValidationFailed(_l("This term has no rule set: assign one first."))
    values, dims, errors = _check_round(term, data)
    if errors:
        raise ValidationFailed(_l("Please correct the marked fields."), errors=errors)
    rnd = EvaluationRound(school_id=term.school_id, term_id=term.id, created_by_id=actor.id,
                          **values)
    db.session.add(rnd)
    db.session.flush()
    for d in dims:
        db.session.add(RoundDimension(round_id=rnd.id, **d))
    db.session.flush()
    audit.record(actor, "create", rnd, school_id=rnd.school_id,
                 after={**audit.snapshot(rnd), "dimensions": dims and [
                     {k: v for k, v in d.items() if k != "position"} for d in dims]})
    db.session.flush()
    return rnd


@dataclass
class RoundSummary:
    round: EvaluationRound
    state: str
    students: int = 0
    self_done: int = 0
    peer_ratings: int = 0
    teacher_done: int = 0


def rounds_page(actor: User, term: Term) -> list[RoundSummary]:
    """The term's rounds with counts of participation (an admin of the school)."""
    ensure_review_admin(actor, term)
    rounds = list(db.session.scalars(sa.select(EvaluationRound).where(
        EvaluationRound.term_id == term.id).order_by(EvaluationRound.starts_on.desc(),
                                                     EvaluationRound.id.desc())))
    counts = _kind_counts([r.id for r in rounds])
    students = _term_student_count(term)
    return [RoundSummary(r, state(r), students, *counts.get(r.id, (0, 0, 0))) for r in rounds]


@dataclass
class AdminRoundsPage:
    term: Term
    rounds: list[RoundSummary]
    labels: dict[str, str]  # the term's indicators a round may feed


def admin_rounds_page(actor: User, term: Term) -> AdminRoundsPage:
    """The term's rounds and the indicators a new one may feed (those with a min and max)."""
    rounds = rounds_page(actor, term)
    rules = term_rules(term)
    labels = indicator_labels(rules)
    bounded = {f"{d.key}.{i.key}" for d in rules.dimensions for i in d.indicators
               if i.min is not None and i.max is not None and i.min < i.max} if rules else set()
    return AdminRoundsPage(term, rounds, {k: v for k, v in labels.items() if k in bounded})


def _kind_counts(round_ids) -> dict[int, tuple[int, int, int]]:
    """round → (students who rated themselves, peer ratings, students rated by a teacher)."""
    if not round_ids:
        return {}
    out = {}
    rows = db.session.execute(
        sa.select(Rating.round_id, Rating.kind,
                  sa.func.count(sa.distinct(Rating.target_id)), sa.func.count())
        .where(Rating.round_id.in_(round_ids)).group_by(Rating.round_id, Rating.kind))
    tmp: dict[int, dict] = defaultdict(dict)
    for rid, kind, targets, total in rows:
        tmp[rid][RatingKind(kind)] = (targets, total)
    for rid, kinds in tmp.items():
        out[rid] = (kinds.get(RatingKind.SELF, (0, 0))[0], kinds.get(RatingKind.PEER, (0, 0))[1],
                    kinds.get(RatingKind.TEACHER, (0, 0))[0])
    return out


def _term_student_count(term: Term) -> int:
    class_ids = term_class_ids(term)
    if not class_ids:
        return 0
    return db.session.scalar(sa.select(sa.func.count(Student.id)).where(
        Student.class_id.in_(class_ids), Student.status == StudentStatus.ACTIVE)) or 0


@dataclass
class ClassProgress:
    class_id: int
    name: str
    students: int
    self_done: int
    teacher_done: int
    peer_ratings: int


@dataclass
class AdminRoundPage:
    round: EvaluationRound
    term: Term
    state: str
    dimensions: list[RoundDimension]
    labels: dict[str, str]
    classes: list[ClassProgress]
    results: dict[int, list]  # class id → [(student, {dimension id: RoundResult})]


def admin_round_page(actor: User, round_id: int) -> AdminRoundPage:
    """A round for the 学生处: participation per class (counts) and, once closed, each
    student's aggregates. A fixed number of statements however many classes and students."""
    rnd = round_for_admin(actor, round_id)
    term = db.session.get(Term, rnd.term_id)
    class_ids = term_class_ids(term)
    names = dict(db.session.execute(sa.select(SchoolClass.id, SchoolClass.name)
                                    .where(SchoolClass.id.in_(class_ids))).all()) if class_ids else {}
    sizes = dict(db.session.execute(
        sa.select(Student.class_id, sa.func.count()).where(
            Student.class_id.in_(class_ids), Student.status == StudentStatus.ACTIVE)
        .group_by(Student.class_id)).all()) if class_ids else {}
    per: dict[int, dict] = defaultdict(lambda: defaultdict(int))
    for cid, kind, targets, total in db.session.execute(
            sa.select(Student.class_id, Rating.kind, sa.func.count(sa.distinct(Rating.target_id)),
                      sa.func.count())
            .join(Student, Student.id == Rating.target_id)
            .where(Rating.round_id == rnd.id).group_by(Student.class_id, Rating.kind)):
        per[cid][RatingKind(kind)] = targets if kind != RatingKind.PEER else total
    classes = [ClassProgress(cid, names.get(cid, ""), sizes.get(cid, 0),
                             per[cid][RatingKind.SELF], per[cid][RatingKind.TEACHER],
                             per[cid][RatingKind.PEER])
               for cid in sorted(class_ids, key=lambda c: names.get(c, ""))]
    results: dict[int, list] = {}
    if rnd.closed_at is not None:
        by_student: dict[int, dict] = defaultdict(dict)
        students = {}
        for row, student in db.session.execute(
                sa.select(RoundResult, Student).join(Student, Student.id == RoundResult.student_id)
                .where(RoundResult.round_id == rnd.id)
                .order_by(Student.class_id, Student.student_no)).tuples():
            by_student[student.id][row.dimension_id] = row
            students[student.id] = student
        for sid, student in students.items():
            results.setdefault(student.class_id, []).append((student, by_student[sid]))
    return AdminRoundPage(rnd, term, state(rnd), list(rnd.dimensions),
                          indicator_labels(term_rules(term)), classes, results)


def close_round(actor: User | None, round_id: int, now: datetime | None = None) -> int:
    """Close the round and store every student's results as EVALUATION entries; returns how
    many entries were written. An admin of the school (None: the periodic job)."""
    rnd = round_for_admin(actor, round_id) if actor is not None \
        else db.session.get(EvaluationRound, round_id)
    if rnd is None:
        raise NotFound()
    if rnd.closed_at is not None:
        raise Conflict(_l("This round is already closed."))
    term = db.session.get(Term, rnd.term_id)
    class_ids = term_class_ids(term)
    locked = lock_reason(term, class_ids)
    if locked is not None:
        raise ValidationFailed(_l("The results cannot be stored while a class's entries are "
                                  "locked: %(why)s", why=locked))
    return _store_results(actor, rnd, term, class_ids, now or utcnow())


def _store_results(actor, rnd, term, class_ids, now) -> int:
    rules = term_rules(term)
    dims = list(rnd.dimensions)
    students = list(db.session.execute(
        sa.select(Student.id, Student.class_id).where(
            Student.class_id.in_(class_ids), Student.status == StudentStatus.ACTIVE))) \
        if class_ids else []
    scores: dict[tuple, list[int]] = defaultdict(list)
    for dim_id, target, kind, score in db.session.execute(
            sa.select(Rating.dimension_id, Rating.target_id, Rating.kind, Rating.score)
            .where(Rating.round_id == rnd.id)):
        scores[(dim_id, target, RatingKind(kind))].append(score)
    day = min(max(rnd.ends_on, term.start_date), term.end_date)
    results, entries = [], []
    for dim in dims:
        ind = rules.indicator(dim.indicator)
        for sid, _cid in students:
            own = scores.get((dim.id, sid, RatingKind.SELF))
            teacher = scores.get((dim.id, sid, RatingKind.TEACHER))
            peers = scores.get((dim.id, sid, RatingKind.PEER), [])
            self_v = Fraction(own[0]) if own else None
            teacher_v = Fraction(sum(teacher), len(teacher)) if teacher else None
            peer_v, used = peer_mean(peers, rnd.drop_k)
            value = weighted([(dim.weight_self, self_v), (dim.weight_peer, peer_v),
                              (dim.weight_teacher, teacher_v)])
            cents = None if value is None else to_points(value, rnd.scale_min, rnd.scale_max,
                                                         ind.min, ind.max)
            results.append({"round_id": rnd.id, "dimension_id": dim.id, "student_id": sid,
                            "self_score": _text(self_v), "peer_mean": _text(peer_v),
                            "peer_count": len(peers), "peer_used": used,
                            "teacher_score": _text(teacher_v), "weighted": _text(value),
                            "points_cents": cents})
            if cents is not None:
                note = " · ".join(part for part in (
                    f"自评 {_text(self_v)}" if self_v is not None else "",
                    f"互评 {_text(peer_v)} ({len(peers)})" if peer_v is not None else "",
                    f"师评 {_text(teacher_v)}" if teacher_v is not None else "") if part)
                entries.append({"term_id": term.id, "student_id": sid,
                                "indicator": dim.indicator, "points_cents": cents,
                                "occurred_on": day, "item_name": rnd.name[:120],
                                "note": f"{note} → {_text(value)}",
                                "source": EntrySource.EVALUATION,
                                "author_id": actor.id if actor else None, "created_at": now,
                                "updated_at": now, "version": 1, "review": None})
    ids = {}
    if entries:
        table = Entry.__table__
        stored = db.session.execute(table.insert().returning(*table.c), entries).mappings().all()
        ids = {(row["student_id"], row["indicator"]): row["id"] for row in stored}
        audit.record_many(actor, [
            {"action": "create", "object_type": "entry", "object_id": row["id"],
             "term_id": term.id, "student_id": row["student_id"], "school_id": term.school_id,
             "before": None,
             "after": {k: audit._jsonable(v) for k, v in row.items() if k != "updated_at"}}
            for row in stored])
    indicator_of = {d.id: d.indicator for d in dims}
    for row in results:
        row["entry_id"] = ids.get((row["student_id"], indicator_of[row["dimension_id"]]))
    if results:
        db.session.execute(sa.insert(RoundResult), results)
    rnd.closed_at = now
    rnd.closed_by_id = actor.id if actor else None
    db.session.flush()
    audit.record(actor, "close", rnd, school_id=rnd.school_id, term_id=term.id,
                 after={"name": rnd.name, "students": len(students), "count": len(entries)})
    db.session.flush()
    return len(entries)


def close_due(today: date | None = None) -> int:
    """Close every round whose end date has passed (the periodic job); a round whose classes
    are locked stays ended, for an admin to close. Returns the rounds closed."""
    closed = 0
    for rnd in db.session.scalars(sa.select(EvaluationRound).where(
            EvaluationRound.closed_at.is_(None))).all():
        if state(rnd, today) != "ended":
            continue
        try:
            with db.session.begin_nested():
                close_round(None, rnd.id)
            closed += 1
        except ValidationFailed:
            continue
    return closed


def export_round(actor: User, round_id: int) -> tuple[bytes, str]:
    """The round's results as a workbook: aggregates per student and dimension only."""
    page = admin_round_page(actor, round_id)
    if page.round.closed_at is None:
        raise ValidationFailed(_l("The round is not closed yet: there are no results to export."))
    book = Workbook()
    sheet = book.active
    sheet.title = "评价结果"
    sheet.append([str(_l("Class")), str(_l("Student number")), str(_l("Name")),
                  str(_l("Dimension")), str(_l("Self rating")), str(_l("Peer mean")),
                  str(_l("Peer ratings")), str(_l("Peer ratings used")),
                  str(_l("Teacher rating")), str(_l("Result")), str(_l("Points"))])
    names = {c.class_id: c.name for c in page.classes}
    for cid, rows in page.results.items():
        for student, by_dim in rows:
            for dim in page.dimensions:
                r = by_dim.get(dim.id)
                if r is None:
                    continue
                sheet.append([names.get(cid, ""), student.student_no, student.name, dim.name,
                              r.self_score or "", r.peer_mean or "", r.peer_count, r.peer_used,
                              r.teacher_score or "", r.weighted or "",
                              "" if r.points_cents is None else f"{r.points_cents / 100:.2f}"])
    out = BytesIO()
    book.save(out)
    return out.getvalue(), f"evaluation-{page.round.id}.xlsx"


# ---- the student --------------------------------------------------------------------------

@dataclass
class StudentRound:
    round: EvaluationRound
    state: str
    done: int
    total: int


def student_rounds(actor: User, term: Term | None) -> list[StudentRound]:
    """The term's rounds for the student, with how many of their ratings are done."""
    if actor.student is None:
        raise PermissionDenied()
    if term is None:
        return []
    student = actor.student
    rounds = list(db.session.scalars(sa.select(EvaluationRound).where(
        EvaluationRound.term_id == term.id, EvaluationRound.school_id == student.school_id)
        .order_by(EvaluationRound.starts_on.desc(), EvaluationRound.id.desc())))
    if not rounds:
        return []
    classmates = [s.id for s in _class_students(student.class_id)]
    done = dict(db.session.execute(
        sa.select(Rating.round_id, sa.func.count(sa.distinct(Rating.target_id)))
        .where(Rating.round_id.in_([r.id for r in rounds]),
               Rating.rater_key == f"s{student.id}")
        .group_by(Rating.round_id)).all())
    out = []
    for r in rounds:
        total = 1 + len(peer_targets(r, classmates).get(student.id, []))
        out.append(StudentRound(r, state(r), done.get(r.id, 0), total))
    return out


@dataclass
class StudentHome:
    term: Term | None
    rounds: list[StudentRound]
    officer: object | None  # the student's ClassOfficer row in the term, if any


def student_home(actor: User, term: Term | None) -> StudentHome:
    """The student's evaluation page: the term's rounds, and whether they are an officer."""
    return StudentHome(term, student_rounds(actor, term), proposals.officer_of(actor, term))


@dataclass
class Target:
    student: Student
    is_self: bool
    done: bool


@dataclass
class StudentRoundPage:
    round: EvaluationRound
    state: str
    targets: list[Target]
    dimensions: list[RoundDimension]
    teacher_comment: str = ""  # the class teacher's comment on the student, once closed


def student_round_page(actor: User, round_id: int) -> StudentRoundPage:
    """Whom the student rates in the round (themself first) and which are done."""
    rnd = round_for_student(actor, round_id)
    me = actor.student
    mates = _class_students(me.class_id)
    assigned = set(peer_targets(rnd, [s.id for s in mates]).get(me.id, []))
    done = set(db.session.scalars(sa.select(Rating.target_id).distinct().where(
        Rating.round_id == rnd.id, Rating.rater_key == f"s{me.id}")))
    targets = [Target(me, True, me.id in done)]
    targets += [Target(s, False, s.id in done) for s in mates if s.id in assigned]
    comment = ""
    if rnd.closed_at is not None:
        comment = db.session.scalar(sa.select(sa.func.max(Rating.comment)).where(
            Rating.round_id == rnd.id, Rating.kind == RatingKind.TEACHER,
            Rating.target_id == me.id)) or ""
    return StudentRoundPage(rnd, state(rnd), targets, list(rnd.dimensions), comment)


def rate_page(actor: User, round_id: int, target_id: int) -> tuple[StudentRoundPage, Target]:
    page = student_round_page(actor, round_id)
    target = next((t for t in page.targets if t.student.id == target_id), None)
    if target is None:
        raise NotFound()
    return page, target


def submit_rating(actor: User, round_id: int, target_id: int, scores: dict[int, str],
                  comment: str = "", today: date | None = None) -> int:
    """A student's ratings of one classmate (or of themself) on every dimension of the round,
    sent once. Refused outside the round's dates and after its close, with a message."""
    rnd = round_for_student(actor, round_id)
    me = actor.student
    ensure_student_may_write(me)
    ensure_open(rnd, today)
    page, target = rate_page(actor, round_id, target_id)
    if target.done:
        raise Conflict(_l("You have already rated this classmate in this round."))
    kind = RatingKind.SELF if target.is_self else RatingKind.PEER
    values = _check_scores(rnd, page.dimensions, scores)
    comment = (comment or "").strip() if kind == RatingKind.SELF else ""
    if len(comment) > COMMENT_MAX:
        raise ValidationFailed(_l("At most %(n)d characters.", n=COMMENT_MAX),
                               errors={"comment": [_l("At most %(n)d characters.",
                                                      n=COMMENT_MAX)]})
    for dim in page.dimensions:
        db.session.add(Rating(round_id=rnd.id, dimension_id=dim.id, target_id=target_id,
                              kind=kind, rater_key=f"s{me.id}", score=values[dim.id],
                              comment=comment))
    db.session.flush()
    # No target and no score in the audit row: who rated whom is nobody's to read.
    audit.record(actor, "rate", rnd, school_id=rnd.school_id, term_id=rnd.term_id,
                 after={"name": rnd.name, "kind": kind.value, "count": len(page.dimensions)})
    db.session.flush()
    return len(page.dimensions)


def _check_scores(rnd: EvaluationRound, dims: list[RoundDimension], scores: dict,
                  required: bool = True) -> dict[int, int | None]:
    errors: dict[str, list] = {}
    values = {}
    message = _l("Choose a rating from %(low)d to %(high)d.", low=rnd.scale_min,
                 high=rnd.scale_max)
    for dim in dims:
        raw = str(scores.get(dim.id, "") or "").strip()
        if not raw and not required:
            values[dim.id] = None
            continue
        try:
            value = int(raw)
        except ValueError:
            value = None
        if value is None or not rnd.scale_min <= value <= rnd.scale_max:
            errors[f"dim-{dim.id}"] = [message]
        values[dim.id] = value
    if errors:
        raise ValidationFailed(message, errors=errors)
    return values


# ---- the class teacher --------------------------------------------------------------------

@dataclass
class TeacherRound:
    round: EvaluationRound
    state: str


@dataclass
class TeacherHome:
    term: Term | None
    classes: list[SchoolClass]
    rounds: list[TeacherRound]
    pending: dict[int, int]  # class id → proposals waiting
    officers: dict[int, int]  # class id → officers


def teacher_home(actor: User, term: Term | None) -> TeacherHome:
    """The class teacher's evaluation page: the term's rounds for their classes, and their
    classes' officers and waiting proposals (counts)."""
    if actor.role != Role.TEACHER:
        raise PermissionDenied()
    ids = sorted(teacher_class_ids(actor, term)) if term is not None else []
    if not ids:
        return TeacherHome(term, [], [], {}, {})
    classes = list(db.session.scalars(sa.select(SchoolClass).where(SchoolClass.id.in_(ids))
                                      .order_by(SchoolClass.name)))
    rounds = db.session.scalars(sa.select(EvaluationRound).where(
        EvaluationRound.term_id == term.id).order_by(EvaluationRound.starts_on.desc(),
                                                     EvaluationRound.id.desc()))
    pending, officers = proposals.class_counts(term, ids)
    return TeacherHome(term, classes, [TeacherRound(r, state(r)) for r in rounds], pending,
                       officers)


@dataclass
class Participation:
    student: Student
    self_done: bool
    peers_given: int
    peers_expected: int
    rated_by: int  # how many classmates rated them (a count only)
    teacher: dict[int, int]  # dimension id → the teacher's own rating
    teacher_comment: str
    self_comment: str = ""  # the student's comment on themself (not anonymous)

    @property
    def took_part(self) -> bool:
        return self.self_done or self.peers_given > 0


@dataclass
class ClassRoundPage:
    round: EvaluationRound
    state: str
    school_class: SchoolClass
    dimensions: list[RoundDimension]
    rows: list[Participation]
    labels: dict[str, str]

    @property
    def absent(self) -> list[Participation]:
        return [r for r in self.rows if not r.took_part]


def class_round_page(actor: User, round_id: int, class_id: int) -> ClassRoundPage:
    """The class teacher's page of a round: who took part (counts, never a peer's rating) and
    the teacher's own ratings. A fixed number of statements for any class size."""
    rnd, school_class = _teacher_round(actor, round_id, class_id)
    students = _class_students(class_id)
    ids = [s.id for s in students]
    targets = peer_targets(rnd, ids)
    keys = {f"s{sid}": sid for sid in ids}
    given, self_done, rated_by = defaultdict(int), set(), defaultdict(int)
    for rater_key, kind, target, _count in db.session.execute(
            sa.select(Rating.rater_key, Rating.kind, Rating.target_id,
                      sa.func.count(sa.distinct(Rating.dimension_id)))
            .join(Student, Student.id == Rating.target_id)
            .where(Rating.round_id == rnd.id, Student.class_id == class_id,
                   Rating.kind != RatingKind.TEACHER)
            .group_by(Rating.rater_key, Rating.kind, Rating.target_id)):
        if kind == RatingKind.SELF:
            self_done.add(target)
        elif rater_key in keys:
            given[keys[rater_key]] += 1
            rated_by[target] += 1
    mine: dict[int, dict] = defaultdict(dict)
    comments: dict[int, str] = {}
    for target, dim_id, score, comment in db.session.execute(
            sa.select(Rating.target_id, Rating.dimension_id, Rating.score, Rating.comment)
            .where(Rating.round_id == rnd.id, Rating.kind == RatingKind.TEACHER,
                   Rating.target_id.in_(ids or [-1]))):
        mine[target][dim_id] = score
        comments[target] = comment or comments.get(target, "")
    own = dict(db.session.execute(
        sa.select(Rating.target_id, sa.func.max(Rating.comment))
        .where(Rating.round_id == rnd.id, Rating.kind == RatingKind.SELF,
               Rating.target_id.in_(ids or [-1]), Rating.comment != "")
        .group_by(Rating.target_id)).all())
    rows = [Participation(s, s.id in self_done, given[s.id], len(targets.get(s.id, [])),
                          rated_by[s.id], mine[s.id], comments.get(s.id, ""), own.get(s.id, ""))
            for s in students]
    term = db.session.get(Term, rnd.term_id)
    return ClassRoundPage(rnd, state(rnd), school_class, list(rnd.dimensions), rows,
                          indicator_labels(term_rules(term)))


def _teacher_round(actor: User, round_id: int, class_id: int):
    rnd = db.session.get(EvaluationRound, round_id)
    if rnd is None or (actor.school_id is not None and rnd.school_id != actor.school_id):
        raise NotFound()
    term = db.session.get(Term, rnd.term_id)
    return rnd, class_for_teacher_now(actor, term, class_id)


def save_teacher_ratings(actor: User, round_id: int, class_id: int,
                         scores: dict[tuple[int, int], str], comments: dict[int, str],
                         today: date | None = None) -> int:
    """The class teacher's ratings of their students (empty cells are left as they are;
    a rating may be changed while the round is open). Returns the ratings saved."""
    rnd, _school_class = _teacher_round(actor, round_id, class_id)
    ensure_open(rnd, today)
    ids = {s.id for s in _class_students(class_id)}
    dims = list(rnd.dimensions)
    errors: dict[str, list] = {}
    message = _l("Choose a rating from %(low)d to %(high)d.", low=rnd.scale_min,
                 high=rnd.scale_max)
    wanted: dict[tuple[int, int], int] = {}
    for (sid, dim_id), raw in scores.items():
        if sid not in ids or dim_id not in {d.id for d in dims}:
            raise PermissionDenied()
        raw = str(raw or "").strip()
        if not raw:
            continue
        try:
            value = int(raw)
        except ValueError:
            value = None
        if value is None or not rnd.scale_min <= value <= rnd.scale_max:
            errors[f"cell-{sid}-{dim_id}"] = [message]
            continue
        wanted[(sid, dim_id)] = value
    for sid, text in comments.items():
        if sid not in ids:
            raise PermissionDenied()
        if len((text or "").strip()) > COMMENT_MAX:
            errors[f"comment-{sid}"] = [_l("At most %(n)d characters.", n=COMMENT_MAX)]
    if errors:
        raise ValidationFailed(_l("Nothing was saved. Please correct the marked cells."),
                               errors=errors)
    existing = {(r.target_id, r.dimension_id): r for r in db.session.scalars(
        sa.select(Rating).where(Rating.round_id == rnd.id, Rating.kind == RatingKind.TEACHER,
                                Rating.target_id.in_(ids or [-1])))}
    key = f"u{actor.id}"
    saved = 0
    for (sid, dim_id), value in wanted.items():
        comment = (comments.get(sid) or "").strip()
        row = existing.get((sid, dim_id))
        if row is None:
            db.session.add(Rating(round_id=rnd.id, dimension_id=dim_id, target_id=sid,
                                  kind=RatingKind.TEACHER, rater_key=key, score=value,
                                  comment=comment))
        elif row.score != value or row.comment != comment:
            row.score, row.comment, row.rater_key = value, comment, key
        else:
            continue
        saved += 1
    if saved:
        db.session.flush()
        audit.record(actor, "rate", rnd, school_id=rnd.school_id, term_id=rnd.term_id,
                     after={"name": rnd.name, "kind": "teacher", "count": saved,
                            "class_id": class_id})
        db.session.flush()
    return saved
