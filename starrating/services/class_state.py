"""Class-term states and editability: where a class is in open → submitted → published →
final, and whether its entries or the term's rules may change now.

A published class whose notice period has ended with no appeal open *is* final: it reads as
final here (`class_states`) before `flask stars finalize-due` (cron, the worker's periodic
task) writes its row, so no page has to write to show it.

Read by entries, results, appeals and the workflow; it imports none of them (this is what
keeps `results` and `workflow` free of an import cycle)."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from ..errors import DomainError, ValidationFailed
from ..extensions import db
from ..models import (
    Appeal,
    AppealStatus,
    ClassAssignment,
    ClassState,
    ClassTermStatus,
    SchoolClass,
    Student,
    Term,
    TermStatus,
    utcnow,
)


class Frozen(DomainError):
    """Entries cannot change now (class submitted, published or final; term not open)."""

    status = 409


def due_clause(now: datetime):
    """The status rows that are due to become final: published, notice period over, and no
    undecided appeal of a student now in the class."""
    pending = (sa.select(Appeal.id).join(Student, Student.id == Appeal.student_id)
               .where(Appeal.term_id == ClassTermStatus.term_id,
                      Student.class_id == ClassTermStatus.class_id,
                      Appeal.status == AppealStatus.PENDING))
    return sa.and_(ClassTermStatus.state == ClassState.PUBLISHED,
                   ClassTermStatus.notice_ends_at <= now, ~pending.exists())


def class_states(term: Term, class_ids, now: datetime | None = None) -> dict[int, ClassState]:
    """State per class as it stands `now` (OPEN when no row exists yet; FINAL for a class due
    to be finalized), in one query."""
    class_ids = list(class_ids)
    states = {cid: ClassState.OPEN for cid in class_ids}
    if class_ids:
        rows = db.session.execute(
            sa.select(ClassTermStatus.class_id, ClassTermStatus.state,
                      due_clause(now or utcnow()).label("due")).where(
                ClassTermStatus.term_id == term.id, ClassTermStatus.class_id.in_(class_ids))
        )
        states.update({cid: ClassState.FINAL if due else state for cid, state, due in rows})
    return states


def class_state(term: Term, class_id: int, now: datetime | None = None) -> ClassState:
    return class_states(term, [class_id], now)[class_id]


def state_and_row(term: Term, class_id: int, now: datetime | None = None
                  ) -> tuple[ClassTermStatus | None, ClassState]:
    """A class's status row (None: open) and its state as it stands now, in one statement
    (status_rows and class_state read the same row twice)."""
    found = db.session.execute(
        sa.select(ClassTermStatus, due_clause(now or utcnow()).label("due")).where(
            ClassTermStatus.term_id == term.id, ClassTermStatus.class_id == class_id)).first()
    if found is None:
        return None, ClassState.OPEN
    row, due = found
    return row, ClassState.FINAL if due else row.state


LOCKED_BECAUSE = {
    ClassState.SUBMITTED: _l("The class has been submitted to the student affairs office, so "
                             "its entries are locked. To change one, ask the office to return "
                             "the class to you."),
    ClassState.PUBLISHED: _l("The class's results are in their notice period, so its entries "
                             "are locked. Students may appeal until it ends; for any other "
                             "change, ask the student affairs office."),
    ClassState.FINAL: _l("The class's results are final, so its entries can no longer change. "
                         "If something is wrong, ask the student affairs office."),
}


STATEMENT_LOCKED_BECAUSE = {
    ClassState.SUBMITTED: _l("Your class has been submitted, so the self-statement can no "
                             "longer change."),
    ClassState.PUBLISHED: _l("Your class's results are in their notice period, so the "
                             "self-statement can no longer change."),
    ClassState.FINAL: _l("Your class's results are final, so the self-statement can no longer "
                         "change."),
}


def lock_reason(term: Term, class_ids, reasons=LOCKED_BECAUSE,
                states: dict[int, ClassState] | None = None) -> object | None:
    """Why entries of these classes cannot change now, in words naming the state and who to
    ask (`reasons`: the words per state for the reader); None while the term is open and every
    class is open for entries. `states`: the classes' states when already read."""
    if term.status != TermStatus.OPEN:
        return _l("This term is not open for entries.")
    if states is None:
        states = class_states(term, class_ids)
    locked = [state for state in states.values() if state != ClassState.OPEN]
    return reasons[locked[0]] if locked else None


def ensure_editable(term: Term, class_ids, reasons=LOCKED_BECAUSE,
                    states: dict[int, ClassState] | None = None) -> None:
    """Raise Frozen unless the term is open and every class is still open for entries."""
    reason = lock_reason(term, class_ids, reasons, states)
    if reason is not None:
        raise Frozen(reason)


class RulesLocked(ValidationFailed):
    """The term's rules are fixed: some class is published or final."""

    status = 409


def ensure_rules_changeable(term: Term) -> None:
    """Refuse a change to the term's rules once any class is published or final."""
    locked = db.session.scalar(sa.select(sa.exists().where(
        ClassTermStatus.term_id == term.id,
        ClassTermStatus.state.in_([ClassState.PUBLISHED, ClassState.FINAL]))))
    if locked:
        raise RulesLocked(
            _l("The rules of this term cannot change: some classes are already published "
               "or final."),
            errors={"rule_version_id": [_l("Some classes of this term are published or final.")]})


# ---- which classes take part in a term ----------------------------------------------------

def term_class_ids(term: Term) -> list[int]:
    """Classes of the term: those with a class teacher in it, or already in its workflow."""
    assigned = sa.select(ClassAssignment.class_id).where(ClassAssignment.term_id == term.id)
    in_flow = sa.select(ClassTermStatus.class_id).where(ClassTermStatus.term_id == term.id)
    return list(db.session.scalars(
        sa.select(SchoolClass.id).where(SchoolClass.school_id == term.school_id,
                                        sa.or_(SchoolClass.id.in_(assigned),
                                               SchoolClass.id.in_(in_flow)))
        .order_by(SchoolClass.grade.desc(), SchoolClass.name)))


def status_rows(term: Term, class_ids) -> dict[int, ClassTermStatus]:
    """The existing status rows of these classes, in one query (missing = open)."""
    ids = list(class_ids)
    if not ids:
        return {}
    return {row.class_id: row for row in db.session.scalars(
        sa.select(ClassTermStatus).where(ClassTermStatus.term_id == term.id,
                                         ClassTermStatus.class_id.in_(ids)))}


def is_editable(term: Term, class_id: int) -> bool:
    """For showing the write buttons (the services call ensure_editable again on POST)."""
    return lock_reason(term, [class_id]) is None
