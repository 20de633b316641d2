"""The per-class term workflow: open → submitted → published (公示) → final.

Who does what: the class teacher submits; an admin publishes (computing the results first)
for a notice period, may return a submitted class, and finalizes; a published class whose
notice period has ended with no appeal open is final: it reads so at once (class_state) and
its row is written by `finalize_due` (`flask stars finalize-due`, the worker's periodic task).
Entries are frozen from submission on, except through accepted appeals (services/appeals.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from ..errors import NotFound, PermissionDenied, ValidationFailed
from ..extensions import db
from ..models import (
    Appeal,
    AppealStatus,
    ClassAssignment,
    ClassState,
    ClassTermStatus,
    Role,
    SchoolClass,
    Student,
    StudentStatus,
    Term,
    TermStatus,
    User,
    utcnow,
)
from . import audit
from .access import (
    ensure_class_access,
    ensure_term_admin,
    get_class_for,
    same_school,
    teacher_class_ids,
)
from .class_state import class_states, due_clause, status_rows, term_class_ids
from .results import distributions, store_results
from .scoring import term_rules


def _row_for(term: Term, class_id: int) -> ClassTermStatus:
    row = status_rows(term, [class_id]).get(class_id)
    if row is None:
        row = ClassTermStatus(term_id=term.id, class_id=class_id, state=ClassState.OPEN)
        db.session.add(row)
    return row


def _load_class(term: Term, class_id: int) -> SchoolClass:
    school_class = db.session.get(SchoolClass, class_id)
    if school_class is None or school_class.school_id != term.school_id:
        raise NotFound()
    return school_class


def _audit(actor: User | None, row: ClassTermStatus, before: dict | None, action: str) -> None:
    db.session.flush()
    audit.record(actor, action, row, school_id=row.term.school_id if row.term else None,
                 before=before, after=audit.snapshot(row))


STATE_NAMES = {
    ClassState.OPEN: _l("open for entries"),
    ClassState.SUBMITTED: _l("submitted"),
    ClassState.PUBLISHED: _l("published for notice"),
    ClassState.FINAL: _l("final"),
}


def _wrong_state(name: str, state: ClassState, needed: ClassState) -> ValidationFailed:
    return ValidationFailed(_l("%(cls)s is %(state)s; this step needs it %(needed)s.",
                               cls=name, state=STATE_NAMES[state], needed=STATE_NAMES[needed]))


# ---- transitions --------------------------------------------------------------------------

def submit_class(actor: User, term: Term, class_id: int, now: datetime | None = None
                 ) -> ClassTermStatus:
    """The class teacher (or an admin) declares the class's entries complete: open → submitted."""
    school_class = _load_class(term, class_id)
    ensure_class_access(actor, school_class, term)
    if term.status != TermStatus.OPEN:
        raise ValidationFailed(_l("This term is not open."))
    row = _row_for(term, class_id)
    if row.state != ClassState.OPEN:
        raise _wrong_state(school_class.name, row.state, ClassState.OPEN)
    before = audit.snapshot(row) if row.id else None
    row.state = ClassState.SUBMITTED
    row.submitted_at = now or utcnow()
    row.submitted_by_id = actor.id
    _audit(actor, row, before, "submit")
    return row


def return_class(actor: User, term: Term, class_id: int) -> ClassTermStatus:
    """An admin sends a submitted class back to its teacher: submitted → open."""
    ensure_term_admin(actor, term)
    school_class = _load_class(term, class_id)
    row = _row_for(term, class_id)
    if row.state != ClassState.SUBMITTED:
        raise _wrong_state(school_class.name, row.state, ClassState.SUBMITTED)
    before = audit.snapshot(row)
    row.state = ClassState.OPEN
    row.submitted_at = None
    row.submitted_by_id = None
    _audit(actor, row, before, "return")
    return row


def submit_classes(actor: User, term: Term, class_ids) -> list[ClassTermStatus]:
    """An admin submits classes for their teachers (see submit_class)."""
    return [submit_class(actor, term, cid) for cid in _chosen(class_ids)]


def return_classes(actor: User, term: Term, class_ids) -> list[ClassTermStatus]:
    """An admin returns submitted classes to their teachers (see return_class)."""
    return [return_class(actor, term, cid) for cid in _chosen(class_ids)]


def _chosen(class_ids) -> list[int]:
    ids = sorted({int(c) for c in class_ids})
    if not ids:
        raise ValidationFailed(_l("Choose at least one class."))
    return ids


def require_term(term: Term | None) -> Term:
    """The term a workflow step is about (a school without any term yet: refused)."""
    if term is None:
        raise ValidationFailed(_l("No term has been set up yet."))
    return term


NOTICE_MIN, NOTICE_MAX = 1, 30


def publish_classes(actor: User, term: Term, class_ids, notice_days: int | None = None,
                    now: datetime | None = None) -> list[ClassTermStatus]:
    """Compute and publish submitted classes for a notice period (公示): submitted → published."""
    ensure_term_admin(actor, term)
    ids = _chosen(class_ids)
    days = term.notice_days if notice_days is None else notice_days
    if days is None or not NOTICE_MIN <= int(days) <= NOTICE_MAX:
        raise ValidationFailed(
            _l("The notice period must be %(a)d to %(b)d days.", a=NOTICE_MIN, b=NOTICE_MAX),
            errors={"notice_days": [_l("Enter %(a)d to %(b)d days.", a=NOTICE_MIN,
                                       b=NOTICE_MAX)]})
    if term.rule_version_id is None:
        raise ValidationFailed(_l("This term has no rule set: assign one before publishing."))
    classes = {c.id: c for c in db.session.scalars(
        sa.select(SchoolClass).where(SchoolClass.id.in_(ids)))}
    if set(classes) != set(ids) or any(c.school_id != term.school_id for c in classes.values()):
        raise NotFound()
    rows = status_rows(term, ids)
    for cid in ids:
        state = rows[cid].state if cid in rows else ClassState.OPEN
        if state != ClassState.SUBMITTED:
            raise _wrong_state(classes[cid].name, state, ClassState.SUBMITTED)
    now = now or utcnow()
    store_results(term, ids, now=now)
    out = []
    for cid in ids:
        row = rows[cid]
        before = audit.snapshot(row)
        row.state = ClassState.PUBLISHED
        row.published_at = now
        row.published_by_id = actor.id
        row.notice_ends_at = now + timedelta(days=int(days))
        _audit(actor, row, before, "publish")
        out.append(row)
    return out


def pending_appeal_counts(term: Term, class_ids) -> dict[int, int]:
    """Pending appeals per class (the student's current class), in one query."""
    ids = list(class_ids)
    if not ids:
        return {}
    return dict(db.session.execute(
        sa.select(Student.class_id, sa.func.count(Appeal.id))
        .join(Student, Student.id == Appeal.student_id)
        .where(Appeal.term_id == term.id, Appeal.status == AppealStatus.PENDING,
               Student.class_id.in_(ids))
        .group_by(Student.class_id)).all())


def finalize_classes(actor: User, term: Term, class_ids, now: datetime | None = None
                     ) -> list[ClassTermStatus]:
    """An admin confirms published classes (also before the notice ends): published → final.

    Refused while an appeal of the class is undecided: a student's appeal is never lost.
    """
    ensure_term_admin(actor, term)
    ids = _chosen(class_ids)
    classes = {c.id: c for c in db.session.scalars(
        sa.select(SchoolClass).where(SchoolClass.id.in_(ids)))}
    if set(classes) != set(ids) or any(c.school_id != term.school_id for c in classes.values()):
        raise NotFound()
    now = now or utcnow()
    rows = status_rows(term, ids)
    states = class_states(term, ids, now)  # a class due to be final already reads as final
    pending = pending_appeal_counts(term, ids)
    for cid in ids:
        state = states[cid]
        if state != ClassState.PUBLISHED:
            raise _wrong_state(classes[cid].name, state, ClassState.PUBLISHED)
        if pending.get(cid):
            raise ValidationFailed(_l("%(cls)s has %(n)d undecided appeal(s): decide them first.",
                                      cls=classes[cid].name, n=pending[cid]))
    return [_finalize(actor, rows[cid], now) for cid in ids]


def _finalize(actor: User | None, row: ClassTermStatus, now: datetime) -> ClassTermStatus:
    before = audit.snapshot(row)
    row.state = ClassState.FINAL
    row.finalized_at = now
    row.finalized_by_id = actor.id if actor else None
    _audit(actor, row, before, "finalize")
    return row


def finalize_due(now: datetime | None = None, school_id: int | None = None) -> int:
    """Write FINAL for every published class whose notice period has ended with no appeal open.

    Run by `flask stars finalize-due` and the worker's periodic task (pages only show such a
    class as final); the caller commits. A fixed number of queries per term, however many
    classes are due.
    """
    now = now or utcnow()
    query = sa.select(ClassTermStatus).where(due_clause(now))
    if school_id is not None:
        query = query.join(Term, Term.id == ClassTermStatus.term_id).where(
            Term.school_id == school_id)
    due = list(db.session.scalars(query))
    for row in due:
        _finalize(None, row, now)
    return len(due)


def next_step(state: ClassState, row: ClassTermStatus | None = None):
    """What comes next for a class in this state (a sentence for the pages)."""
    if state == ClassState.OPEN:
        return _l("The class teacher records entries, then submits the class.")
    if state == ClassState.SUBMITTED:
        return _l("An administrator checks the star distribution and publishes the results "
                  "for a notice period, or returns the class to its teacher.")
    if state == ClassState.PUBLISHED:
        return _l("Students may appeal until the notice period ends; then the results become "
                  "final.")
    return _l("The results are final and archived; nothing can change any more.")


# ---- overview for the pages ---------------------------------------------------------------

@dataclass
class ClassFlow:
    school_class: SchoolClass
    teacher_name: str
    students: int
    state: ClassState  # as it stands now (a class due to be final reads as final)
    row: ClassTermStatus | None
    pending_appeals: int

    @property
    def finalized_at(self) -> datetime | None:
        """When the class became final (for one not yet written: when its notice ended)."""
        if self.row is None or self.state != ClassState.FINAL:
            return None
        return self.row.finalized_at or self.row.notice_ends_at


def class_flows(actor: User, term: Term) -> list[ClassFlow]:
    """The actor's classes in the term (an admin: all of the school) with their workflow state.

    A fixed number of queries whatever the number of classes.
    """
    if actor.role == Role.ADMIN:
        if not same_school(actor, term.school_id):
            raise PermissionDenied()
        ids = term_class_ids(term)
    elif actor.role == Role.TEACHER:
        ids = sorted(teacher_class_ids(actor, term))
    else:
        raise PermissionDenied()
    if not ids:
        return []
    classes = {c.id: c for c in db.session.scalars(
        sa.select(SchoolClass).where(SchoolClass.id.in_(ids)))}
    teachers = dict(db.session.execute(
        sa.select(ClassAssignment.class_id, User.display_name)
        .join(User, User.id == ClassAssignment.teacher_id)
        .where(ClassAssignment.term_id == term.id, ClassAssignment.class_id.in_(ids))).all())
    counts = dict(db.session.execute(
        sa.select(Student.class_id, sa.func.count(Student.id))
        .where(Student.class_id.in_(ids), Student.status == StudentStatus.ACTIVE)
        .group_by(Student.class_id)).all())
    rows = status_rows(term, ids)
    states = class_states(term, ids)
    pending = pending_appeal_counts(term, ids)
    ordered = sorted(classes.values(), key=lambda c: (-c.grade, c.name))
    return [ClassFlow(c, teachers.get(c.id, ""), counts.get(c.id, 0), states[c.id],
                      rows.get(c.id), pending.get(c.id, 0)) for c in ordered]


def class_flow(actor: User, term: Term, class_id: int) -> ClassFlow:
    """One class's workflow state, for its class teacher or an admin (NotFound otherwise)."""
    get_class_for(actor, class_id, term)
    flow = next((f for f in class_flows(actor, term) if f.school_class.id == class_id), None)
    if flow is None:
        raise NotFound()
    return flow


@dataclass
class PublishingPage:
    flows: list[ClassFlow]
    dists: dict
    rules: object  # RuleSet or None


def publishing_page(actor: User, term: Term | None) -> PublishingPage:
    """The admin's publishing page: every class's state, and its star distribution (stored
    for published and final classes, evaluated now for the others)."""
    if term is None:
        return PublishingPage([], {}, None)
    flows = class_flows(actor, term)
    stored = {f.school_class.id for f in flows
              if f.state in (ClassState.PUBLISHED, ClassState.FINAL)}
    return PublishingPage(flows, distributions(term, [f.school_class.id for f in flows], stored),
                          term_rules(term))
