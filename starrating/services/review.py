"""审核: entries the 学生处 must approve before they count.

A term's ReviewSetting names a points threshold (an entry of *more* than that many points,
i.e. a large addition) and indicators (any entry on them). An entry a teacher writes that
meets the setting is stored with `Entry.review = "pending"` (待审核): every page shows it as
such, and the computation leaves it out (`COUNTS`, used where entries are summed for the
engine, services/scoring.py, and for cards). An admin approves it (`"approved"`: it counts)
or rejects it with a reason (`"rejected"`, and the entry is deleted: it never counts).
Entries an admin writes, club memberships and evaluation results are not held: the 学生处
itself wrote or computed them. An edit of a held or approved entry is held again when the
new values meet the setting.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from ..errors import Conflict, NotFound, ValidationFailed
from ..extensions import db
from ..models import (
    ENTRY_COUNTS,
    AuditLog,
    Entry,
    EntrySource,
    ReviewSetting,
    Role,
    SchoolClass,
    Student,
    Term,
    User,
    utcnow,
)
from . import audit
from .access import ensure_review_admin
from .entry_input import indicator_labels, parse_points, rules_for
from .scoring import term_rules

PENDING, APPROVED, REJECTED = "pending", "approved", "rejected"

#: The entries that count: not waiting for approval (a rejected entry is also deleted).
COUNTS = ENTRY_COUNTS

REASON_MAX = 500


@dataclass(frozen=True)
class Setting:
    """A term's review setting as read with other rows (needs_review reads these two)."""

    threshold_cents: int | None
    indicators: list | None

    @classmethod
    def of(cls, row) -> Setting | None:
        """From a row with setting_id, threshold_cents and indicators (None: no setting)."""
        if row.setting_id is None:
            return None
        return cls(row.threshold_cents, row.indicators)


_UNREAD = object()


def setting_for(term_id: int) -> ReviewSetting | None:
    return db.session.scalar(sa.select(ReviewSetting).where(ReviewSetting.term_id == term_id))


def needs_review(setting: ReviewSetting | None, indicator: str, points_cents: int) -> bool:
    """Whether an entry with these values waits for the 学生处 under the setting."""
    if setting is None:
        return False
    if setting.threshold_cents is not None and points_cents > setting.threshold_cents:
        return True
    return indicator in (setting.indicators or [])


def held_by(actor: User | None, term: Term, setting=_UNREAD):
    """A function (indicator, points_cents) → the review value a new entry of `actor` gets:
    "pending" or None. One query for the setting (unless given), however many entries
    follow."""
    if actor is None or actor.role == Role.ADMIN:
        return lambda indicator, cents: None
    if setting is _UNREAD:
        setting = setting_for(term.id)
    return lambda indicator, cents: PENDING if needs_review(setting, indicator, cents) else None


def hold_entries(actor: User | None, term: Term, entries: list[Entry], setting=_UNREAD) -> None:
    """Mark the actor's new or changed entries that meet the term's setting as 待审核
    (`setting`: the term's, when already read — None for no setting)."""
    hold = held_by(actor, term, setting)
    for entry in entries:
        if entry.source in (EntrySource.CLUB, EntrySource.EVALUATION):
            continue
        value = hold(entry.indicator, entry.points_cents)
        if value is not None:
            entry.review = value


def hold_changed(actor: User | None, entry: Entry) -> None:
    """An edited entry: held again when its new values meet the setting; a held one whose
    new values no longer do counts at once (an approved one stays approved)."""
    # no autoflush: the entry's versioned UPDATE must wait for entries._flush_versioned,
    # which turns a concurrent writer's change into a Conflict
    with db.session.no_autoflush:
        value = held_by(actor, entry.term)(entry.indicator, entry.points_cents)
    if value is not None:
        entry.review = value
    elif entry.review == PENDING:
        entry.review = None


def hold_rows(actor: User | None, term: Term, rows: list[dict]) -> None:
    """The same for entry rows about to be inserted in bulk."""
    hold = held_by(actor, term)
    for row in rows:
        row["review"] = hold(row["indicator"], row["points_cents"])


# ---- the setting ----------------------------------------------------------------------------

@dataclass
class SettingInput:
    threshold: str = ""  # points, "" = no threshold
    indicators: list[str] | None = None


def save_setting(actor: User, term: Term, data: SettingInput) -> ReviewSetting:
    """The term's 审核 rule (an admin of the term's school). Entries already written keep
    their state; the rule applies to entries written from now on."""
    ensure_review_admin(actor, term)
    errors: dict[str, list] = {}
    threshold = None
    if (data.threshold or "").strip():
        try:
            points = parse_points(data.threshold)
            if points < 0:
                raise ValueError(_l("Enter a threshold of 0 or more points."))
            threshold = int(points * 100)
        except ValueError as e:
            errors["threshold"] = [e.args[0]]
    known = set(rules_for(term).indicator_keys())
    indicators = sorted(set(data.indicators or []))
    if any(i not in known for i in indicators):
        errors["indicators"] = [_l("Choose indicators from the list.")]
    if errors:
        raise ValidationFailed(_l("Please correct the marked fields."), errors=errors)
    setting = setting_for(term.id)
    if setting is None:
        setting = ReviewSetting(term_id=term.id, indicators=[])
        db.session.add(setting)
        db.session.flush()
    with audit.recorded(actor, "update", setting, exclude=("updated_at",)):
        setting.threshold_cents = threshold
        setting.indicators = indicators
    return setting


# ---- deciding ---------------------------------------------------------------------------------

def _pending_entry(actor: User, entry_id: int) -> Entry:
    entry = db.session.get(Entry, entry_id)
    if entry is None:
        raise NotFound()
    ensure_review_admin(actor, entry.term)
    if entry.review != PENDING or entry.deleted_at is not None:
        raise Conflict(_l("This entry is not waiting for approval any more."))
    return entry


def approve(actor: User, entry_id: int) -> Entry:
    """The 学生处 approves a held entry: it counts from now on."""
    entry = _pending_entry(actor, entry_id)
    with audit.recorded(actor, "approve", entry, exclude=("updated_at",)):
        entry.review = APPROVED
    return entry


def reject(actor: User, entry_id: int, reason: str) -> Entry:
    """The 学生处 rejects a held entry with a reason: it is deleted and never counts."""
    entry = _pending_entry(actor, entry_id)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(_l("Say why the entry is rejected."),
                               errors={"reason": [_l("Say why the entry is rejected.")]})
    if len(reason) > REASON_MAX:
        raise ValidationFailed(_l("At most %(n)d characters.", n=REASON_MAX),
                               errors={"reason": [_l("At most %(n)d characters.", n=REASON_MAX)]})
    before = audit.snapshot(entry, ("updated_at",))
    entry.review = REJECTED
    entry.deleted_at = utcnow()
    db.session.flush()
    after = {**audit.snapshot(entry, ("updated_at",)), "reason": reason}
    audit.record(actor, "reject", entry, before=before, after=after,
                 school_id=entry.term.school_id)
    db.session.flush()
    return entry


# ---- the queue --------------------------------------------------------------------------------

@dataclass
class QueueRow:
    entry: Entry
    student: Student
    class_name: str
    author: str
    label: str


@dataclass
class QueuePage:
    term: Term
    rows: list[QueueRow]
    setting: ReviewSetting | None
    labels: dict[str, str]


def queue(actor: User, term: Term) -> QueuePage:
    """The entries of the term waiting for the 学生处, with evidence (a fixed number of
    statements however many there are)."""
    ensure_review_admin(actor, term)
    entries = list(db.session.scalars(
        sa.select(Entry).where(Entry.term_id == term.id, Entry.review == PENDING,
                               Entry.deleted_at.is_(None))
        .options(selectinload(Entry.evidence), selectinload(Entry.student))
        .order_by(Entry.created_at, Entry.id)))
    class_ids = {e.student.class_id for e in entries}
    classes = dict(db.session.execute(sa.select(SchoolClass.id, SchoolClass.name)
                                      .where(SchoolClass.id.in_(class_ids))).all()) if class_ids else {}
    author_ids = {e.author_id for e in entries if e.author_id}
    authors = dict(db.session.execute(sa.select(User.id, User.display_name)
                                      .where(User.id.in_(author_ids))).all()) if author_ids else {}
    labels = indicator_labels(term_rules(term))
    rows = [QueueRow(e, e.student, classes.get(e.student.class_id, ""),
                     authors.get(e.author_id, ""), labels.get(e.indicator, e.indicator))
            for e in entries]
    return QueuePage(term=term, rows=rows, setting=setting_for(term.id), labels=labels)


def rejection_reasons(entry_ids) -> dict[int, str]:
    """Why the 学生处 rejected these entries (from the audit rows), for the pages showing them."""
    ids = list(entry_ids)
    if not ids:
        return {}
    rows = db.session.execute(sa.select(AuditLog.object_id, AuditLog.after).where(
        AuditLog.object_type == "entry", AuditLog.action == "reject",
        AuditLog.object_id.in_(ids)))
    return {oid: (after or {}).get("reason", "") for oid, after in rows}


def threshold_points(setting: ReviewSetting | None) -> Decimal | None:
    if setting is None or setting.threshold_cents is None:
        return None
    return Decimal(setting.threshold_cents) / 100
