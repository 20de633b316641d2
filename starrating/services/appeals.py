"""申诉: a student disputes one of their entries, or a missing one, during the notice period.

The class teacher (or an admin of the school) accepts — the entry is corrected, deleted or
added (source "appeal"), audited, the class recomputed and the student's stars before and
after kept on the appeal — or rejects with a reason. Nothing here commits.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from ..errors import NotFound, PermissionDenied, ValidationFailed
from ..extensions import db
from ..models import (
    Appeal,
    AppealStatus,
    Attachment,
    ClassState,
    Entry,
    EntrySource,
    Role,
    Student,
    Term,
    User,
    to_cents,
    utcnow,
)
from . import audit, evidence, notifications
from .access import (
    ensure_student_access,
    ensure_student_may_write,
    get_appeal_for,
    get_appeal_to_decide,
    same_school,
    teacher_class_ids,
)
from .class_state import class_state, state_and_row
from .clock import local_time, school_zone
from .entry_input import EntryInput, rules_for, validate_event
from .results import dimension_names, indicator_labels, stars_snapshot, store_results, stored_result
from .scoring import term_rules
from .workflow import class_flows

TEXT_MAX = 2000
REASON_MAX = 2000
MAX_FILES = 3
AUDIT_EXCLUDE = ("updated_at",)


# ---- the notice period -----------------------------------------------------------------------

def _aware(value: datetime | None) -> datetime | None:
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


@dataclass
class Window:
    """Whether the student's class is in its notice period, and until when."""

    state: ClassState
    ends_at: datetime | None
    open: bool


def appeal_window(term: Term, student: Student, now: datetime | None = None) -> Window:
    now = now or utcnow()
    # the row and its state now (final once the notice is over), in one statement
    row, state = state_and_row(term, student.class_id, now)
    ends = _aware(row.notice_ends_at) if row else None
    return Window(state, ends, state == ClassState.PUBLISHED and ends is not None and now < ends)


def _ensure_window(term: Term, student: Student, now: datetime) -> None:
    window = appeal_window(term, student, now)
    if window.open:
        return
    if window.state == ClassState.PUBLISHED or window.state == ClassState.FINAL:
        if window.ends_at is not None:
            raise ValidationFailed(_l(
                "The notice period ended on %(when)s: appeals are no longer accepted.",
                when=local_time(window.ends_at)))
        raise ValidationFailed(_l("The results are final: appeals are no longer accepted."))
    raise ValidationFailed(_l("Appeals open when your class's results are published."))


# ---- evidence files --------------------------------------------------------------------------

@dataclass
class Upload:
    filename: str
    data: bytes


# ---- the student's side ----------------------------------------------------------------------

@dataclass
class AppealInput:
    entry_id: int | None = None
    indicator: str = ""  # for a missing entry
    text: str = ""
    files: list[Upload] = field(default_factory=list)


def _own_student(actor: User) -> Student:
    if actor.role != Role.STUDENT or actor.student_id is None:
        raise PermissionDenied()
    student = db.session.get(Student, actor.student_id)
    if student is None:
        raise NotFound()
    return student


def create_appeal(actor: User, term: Term, data: AppealInput,
                  now: datetime | None = None) -> Appeal:
    """A student appeals one of their entries, or a missing one, while the notice runs."""
    now = now or utcnow()
    student = _own_student(actor)
    if term.school_id != student.school_id:
        raise NotFound()
    ensure_student_may_write(student)
    _ensure_window(term, student, now)
    errors: dict[str, list] = {}
    entry = None
    indicator = None
    if data.entry_id:
        entry = db.session.get(Entry, int(data.entry_id))
        if entry is None or entry.student_id != student.id or entry.term_id != term.id \
                or entry.deleted_at is not None:
            raise NotFound()
        if _pending_exists(Appeal.entry_id == entry.id):
            errors["entry_id"] = [_l("You already have an undecided appeal about this entry.")]
    else:
        indicator = (data.indicator or "").strip()
        rules = term_rules(term)
        if rules is None or indicator not in rules.indicator_keys():
            errors["indicator"] = [_l("Choose the indicator the missing entry belongs to.")]
        elif _pending_exists(Appeal.student_id == student.id, Appeal.term_id == term.id,
                             Appeal.entry_id.is_(None), Appeal.indicator == indicator):
            errors["indicator"] = [_l("You already have an undecided appeal about this "
                                      "indicator.")]
    text = (data.text or "").strip()
    if not text:
        errors["text"] = [_l("Say what is wrong and what it should be.")]
    elif len(text) > TEXT_MAX:
        errors["text"] = [_l("At most %(n)d characters.", n=TEXT_MAX)]
    files = [f for f in data.files if f.data]
    checked = []
    if len(files) > MAX_FILES:
        errors["evidence"] = [_l("At most %(n)d files.", n=MAX_FILES)]
    for upload in files:
        try:
            checked.append(evidence.check_file(upload.data, upload.filename))
        except ValueError as e:
            errors.setdefault("evidence", []).append(e.args[0])
    if errors:
        raise ValidationFailed(_l("Please correct the marked fields."), errors=errors)
    appeal = Appeal(term_id=term.id, student_id=student.id,
                    entry_id=entry.id if entry else None, indicator=indicator, text=text,
                    points_appealed_cents=entry.points_cents if entry else None,
                    status=AppealStatus.PENDING, created_at=now)
    db.session.add(appeal)
    db.session.flush()
    for one in checked:
        evidence.store(actor, one, appeal=appeal)
    audit.record(actor, "create", appeal, school_id=term.school_id,
                 after=audit.snapshot(appeal))
    db.session.flush()
    notifications.appeal_filed(term, appeal)  # families: the class teacher's inbox
    return appeal


def _pending_exists(*conditions) -> bool:
    return bool(db.session.scalar(sa.select(sa.exists().where(
        Appeal.status == AppealStatus.PENDING, *conditions))))


def student_appeals(actor: User, student: Student, term: Term | None = None) -> list[Appeal]:
    """The student's appeals (all terms, or one), newest first, with entries and files."""
    ensure_student_access(actor, student, term)
    query = (sa.select(Appeal).where(Appeal.student_id == student.id)
             .options(selectinload(Appeal.student))
             .order_by(Appeal.created_at.desc(), Appeal.id.desc()))
    if term is not None:
        query = query.where(Appeal.term_id == term.id)
    return list(db.session.scalars(query))


def related(appeals: list[Appeal]) -> tuple[dict[int, Entry], dict[int, list[Attachment]]]:
    """Entries (by id) and attachments (by appeal id) of these appeals, in two queries."""
    entry_ids = {a.entry_id for a in appeals if a.entry_id}
    entries = {e.id: e for e in db.session.scalars(
        sa.select(Entry).where(Entry.id.in_(entry_ids)))} if entry_ids else {}
    files: dict[int, list[Attachment]] = {}
    ids = [a.id for a in appeals]
    if ids:
        for att in db.session.scalars(sa.select(Attachment).where(Attachment.appeal_id.in_(ids))
                                      .order_by(Attachment.id)):
            files.setdefault(att.appeal_id, []).append(att)
    return entries, files


# ---- the teacher's side ----------------------------------------------------------------------

def appeals_to_decide(actor: User, term: Term) -> list[Appeal]:
    """The term's appeals the actor may decide (class teacher: their classes; admin: all)."""
    query = (sa.select(Appeal).join(Student, Student.id == Appeal.student_id)
             .where(Appeal.term_id == term.id)
             .options(selectinload(Appeal.student).selectinload(Student.school_class))
             .order_by(Appeal.status != AppealStatus.PENDING, Appeal.created_at.desc()))
    if actor.role == Role.ADMIN and same_school(actor, term.school_id):
        pass
    elif actor.role == Role.TEACHER:
        query = query.where(Student.class_id.in_(teacher_class_ids(actor, term)))
    else:
        raise PermissionDenied()
    return list(db.session.scalars(query))


def appeal_page(actor: User, appeal_id: int) -> dict:
    """What the page of one appeal shows: the appeal, its entry and files, the notice period."""
    appeal = get_appeal_for(actor, appeal_id)
    term = db.session.get(Term, appeal.term_id)
    entries, files = related([appeal])
    return {"appeal": appeal, "term": term,
            "entry": entries.get(appeal.entry_id) if appeal.entry_id else None,
            "files": files.get(appeal.id, []), "window": appeal_window(term, appeal.student),
            "labels": indicator_labels(term), "dim_names": dimension_names(term)}


def appeals_overview(actor: User, term: Term) -> dict:
    """The appeals page: the term's appeals the actor decides, their entries, the classes."""
    rows = appeals_to_decide(actor, term)
    return {"term": term, "appeals": rows, "entries": related(rows)[0],
            "flows": class_flows(actor, term), "labels": indicator_labels(term)}


def _decidable(actor: User, appeal_id: int, now: datetime) -> tuple[Appeal, Term]:
    """The appeal, if the actor may decide it and it is still open to a decision."""
    appeal = get_appeal_to_decide(actor, appeal_id)
    term = db.session.get(Term, appeal.term_id)
    if appeal.status != AppealStatus.PENDING:
        raise ValidationFailed(_l("This appeal has already been decided."))
    if class_state(term, appeal.student.class_id, now) != ClassState.PUBLISHED:
        raise ValidationFailed(_l("Appeals can be decided only while the class's results are "
                                  "published."))
    return appeal, term


@dataclass
class Decision:
    action: str = ""  # change (entry's points) / delete (entry) / add (missing entry)
    points: str = ""
    reason: str = ""


def _reason(text: str, required: bool) -> str:
    text = (text or "").strip()
    if required and not text:
        raise ValidationFailed(_l("Give the student a reason."),
                               errors={"reason": [_l("Give the student a reason.")]})
    if len(text) > REASON_MAX:
        raise ValidationFailed(_l("At most %(n)d characters.", n=REASON_MAX),
                               errors={"reason": [_l("At most %(n)d characters.", n=REASON_MAX)]})
    return text


def _corrected_points(term: Term, appeal: Appeal, text: str, day: date):
    """The decision's points, checked as every entry's are (entry_input.validate_event): a
    number with at most two places, within ±1000, never zero."""
    entry = db.session.get(Entry, appeal.entry_id) if appeal.entry_id else None
    indicator = entry.indicator if entry is not None else appeal.indicator
    on = entry.occurred_on if entry is not None else day
    _, points, _, _, _, errors = validate_event(
        term, rules_for(term), EntryInput(indicator=indicator or "", points=text, occurred_on=on),
        today=max(on, day))
    if errors:
        messages = [m for ms in errors.values() for m in ms]
        raise ValidationFailed(messages[0], errors=errors)
    return points


def accept_appeal(actor: User, appeal_id: int, decision: Decision,
                  now: datetime | None = None, today: date | None = None) -> Appeal:
    """Correct the entry as the appeal asks, recompute the class, keep the stars before/after."""
    now = now or utcnow()
    appeal, term = _decidable(actor, appeal_id, now)
    reason = _reason(decision.reason, required=False)
    student = appeal.student
    allowed = ("change", "delete") if appeal.entry_id else ("add",)
    if decision.action not in allowed:
        raise ValidationFailed(_l("Choose how the entry is corrected."),
                               errors={"action": [_l("Choose how the entry is corrected.")]})
    # the school's day of the decision (at 23:30 UTC Shanghai is already on the next one)
    today = today or now.astimezone(school_zone(term.school_id)).date()
    day = min(max(today, term.start_date), term.end_date)
    points = None
    if decision.action in ("change", "add"):
        points = _corrected_points(term, appeal, decision.points, day)
    before_row = stored_result(term, student)
    if before_row is None:
        store_results(term, [student.class_id], now=now)
        before_row = stored_result(term, student)
    stars_before = stars_snapshot(before_row)
    label = _l("Appeal #%(id)d", id=appeal.id)
    if appeal.entry_id:
        entry = db.session.get(Entry, appeal.entry_id)
        if entry is None or entry.deleted_at is not None:
            raise ValidationFailed(_l("The entry of this appeal was deleted meanwhile."))
        if entry.source == EntrySource.REGISTRY:  # corrected in the registry, not here
            raise ValidationFailed(_l("This entry is computed from the 岗课赛证 registry: it "
                                      "changes when the registry does."))
        before = audit.snapshot(entry, AUDIT_EXCLUDE)
        if decision.action == "delete":
            entry.deleted_at = now
        else:
            entry.points_cents = to_cents(points)
        db.session.flush()
        audit.record(actor, "delete" if decision.action == "delete" else "update", entry,
                     school_id=term.school_id, before=before,
                     after=audit.snapshot(entry, AUDIT_EXCLUDE))
    else:
        entry = Entry(term_id=term.id, student_id=student.id, indicator=appeal.indicator,
                      points_cents=to_cents(points), occurred_on=day,
                      note=f"{label}: {appeal.text}"[:2000], source=EntrySource.APPEAL,
                      author_id=actor.id)
        db.session.add(entry)
        db.session.flush()
        appeal.entry_id = entry.id
        audit.record(actor, "create", entry, school_id=term.school_id,
                     after=audit.snapshot(entry, AUDIT_EXCLUDE))
    store_results(term, [student.class_id], now=now)
    after_row = stored_result(term, student)
    before = audit.snapshot(appeal)
    appeal.status = AppealStatus.ACCEPTED
    appeal.decided_at = now
    appeal.decided_by_id = actor.id
    appeal.decision_reason = reason
    appeal.points_decided_cents = None if points is None else to_cents(points)
    appeal.stars_before = stars_before
    appeal.stars_after = stars_snapshot(after_row)
    db.session.flush()
    audit.record(actor, "accept", appeal, school_id=term.school_id, before=before,
                 after=audit.snapshot(appeal))
    notifications.appeal_decided(term, appeal)  # families: the student and guardians
    return appeal


def reject_appeal(actor: User, appeal_id: int, reason: str,
                  now: datetime | None = None) -> Appeal:
    """Turn the appeal down, with a reason the student will read."""
    appeal, term = _decidable(actor, appeal_id, now or utcnow())
    text = _reason(reason, required=True)
    before = audit.snapshot(appeal)
    appeal.status = AppealStatus.REJECTED
    appeal.decided_at = now or utcnow()
    appeal.decided_by_id = actor.id
    appeal.decision_reason = text
    db.session.flush()
    audit.record(actor, "reject", appeal, school_id=term.school_id, before=before,
                 after=audit.snapshot(appeal))
    notifications.appeal_decided(term, appeal)  # families: the student and guardians
    return appeal
