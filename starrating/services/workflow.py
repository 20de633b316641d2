"""The per-class term workflow: open → submitted → published (公示) → final.

Who does what: the class teacher submits; an admin publishes (computing the results first)
for a notice period, may return a submitted class, and finalizes; a published class whose
notice period has ended with no appeal open is final: it reads so at once (class_state) and
its row is written by `finalize_due` (`flask stars finalize-due`, the worker's periodic task).
Entries are frozen from submission on, except through accepted appeals (services/appeals.py).

An admin runs a step on many classes at once: `plan_step` says what it would do (the
confirmation page), `run_step` does it (finalizing before the notice ends needs a reason).
An admin of the school may reopen a final class with a reason (`reopen_class`): it is
published again for a new notice period, and the results it had stay in the audit row.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from .. import page_cache
from ..errors import NotFound, PermissionDenied, ValidationFailed
from ..extensions import db
from ..models import (
    Appeal,
    AppealStatus,
    AuditLog,
    ClassAssignment,
    ClassState,
    ClassTermStatus,
    Entry,
    Role,
    SchoolClass,
    StarResult,
    Student,
    StudentStatus,
    Term,
    TermStatus,
    User,
    utcnow,
)
from . import audit, notifications
from .access import (
    ensure_class_access,
    ensure_reopen_admin,
    ensure_term_admin,
    get_class_for,
    same_school,
    teacher_class_ids,
)
from .class_state import class_state, class_states, due_clause, status_rows, term_class_ids
from .clock import school_zone
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
    notifications.classes_submitted(term, [row])  # families: the 学生处's inbox
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
    """An admin submits classes for their teachers, all or none (see run_step)."""
    return run_step(actor, term, "submit", class_ids, strict=True).rows


def return_classes(actor: User, term: Term, class_ids) -> list[ClassTermStatus]:
    """An admin returns submitted classes to their teachers, all or none (see run_step)."""
    return run_step(actor, term, "return", class_ids, strict=True).rows


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
REASON_MAX = 1000


def publish_classes(actor: User, term: Term, class_ids, notice_days: int | None = None,
                    now: datetime | None = None) -> list[ClassTermStatus]:
    """Compute and publish submitted classes for a notice period (公示), all or none."""
    return run_step(actor, term, "publish", class_ids, notice_days=notice_days, now=now,
                    strict=True).rows


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


def finalize_classes(actor: User, term: Term, class_ids, reason: str | None = None,
                     now: datetime | None = None) -> list[ClassTermStatus]:
    """An admin confirms published classes before their notice ends, all or none: needs a
    reason (audited); refused while an appeal of the class is undecided."""
    return run_step(actor, term, "finalize", class_ids, reason=reason, now=now,
                    strict=True).rows


def finalize_due(now: datetime | None = None, school_id: int | None = None) -> int:
    """Write FINAL for every published class whose notice period has ended with no appeal open.

    Run by `flask stars finalize-due` and the worker's periodic task (pages only show such a
    class as final); the caller commits. A fixed number of statements, however many classes
    are due.
    """
    now = now or utcnow()
    query = sa.select(ClassTermStatus).where(due_clause(now))
    if school_id is not None:
        query = query.join(Term, Term.id == ClassTermStatus.term_id).where(
            Term.school_id == school_id)
    due = list(db.session.scalars(query))
    schools = dict(db.session.execute(sa.select(Term.id, Term.school_id).where(
        Term.id.in_({row.term_id for row in due} or {-1}))).all())
    _transition(None, "finalize", [(row, audit.snapshot(row)) for row in due],
                lambda row: _mark_final(row, None, now), schools)
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


def one_class_flow(term: Term, school_class: SchoolClass, students: int = 0,
                   now: datetime | None = None) -> ClassFlow:
    """The workflow panel of one class whose access the caller has checked, in one
    statement: its status row, whether it is due to be final, and its pending appeals (the
    class page used to build the panels of all the teacher's classes to show one). The
    teacher's name is left empty and the student count as given: the panel shows neither."""
    pending = (sa.select(sa.func.count(Appeal.id))
               .join(Student, Student.id == Appeal.student_id)
               .where(Appeal.term_id == term.id, Appeal.status == AppealStatus.PENDING,
                      Student.class_id == school_class.id).scalar_subquery())
    found = db.session.execute(
        sa.select(ClassTermStatus, due_clause(now or utcnow()).label("due"),
                  pending.label("pending"))
        .where(ClassTermStatus.term_id == term.id,
               ClassTermStatus.class_id == school_class.id)).first()
    if found is None:
        return ClassFlow(school_class, "", students, ClassState.OPEN, None, 0)
    row, due, waiting = found
    return ClassFlow(school_class, "", students, ClassState.FINAL if due else row.state, row,
                     waiting or 0)


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
    ids = [f.school_class.id for f in flows]
    # evaluating the open classes is most of this page's time (the whole school's students):
    # kept until the next write (page_cache.memo; Distribution holds plain numbers)
    dists = page_cache.memo("distributions", (term.id, tuple(ids), tuple(sorted(stored))),
                            lambda: distributions(term, ids, stored))
    return PublishingPage(flows, dists, term_rules(term))


# ---- bulk steps: a plan for the confirmation page, then the confirmed run -------------------
#
# The publishing page posts the chosen classes to a confirmation page (`plan_step`, reads
# only); only its confirm POST acts (`run_step`), on the classes that may take the step then.
# Either is a fixed number of statements however many classes are chosen.

STEPS = ("submit", "publish", "return", "finalize")
STEP_NEEDS = {"submit": ClassState.OPEN, "publish": ClassState.SUBMITTED,
              "return": ClassState.SUBMITTED, "finalize": ClassState.PUBLISHED}


def days_left(ends: datetime, now: datetime) -> int:
    """Calendar days from today to the notice period's last day, in the school's time zone
    (0: it ends today)."""
    zone = school_zone()
    ends = ends if ends.tzinfo else ends.replace(tzinfo=UTC)
    return max(0, (ends.astimezone(zone).date() - now.astimezone(zone).date()).days)


@dataclass
class PlanRow:
    """One chosen class on a confirmation page."""

    school_class: SchoolClass
    teacher_name: str
    state: ClassState  # as it stands now (a class due to be final reads as final)
    students: int  # active students
    without_entries: int  # active students without any entry this term
    pending_appeals: int
    notice_ends_at: datetime | None
    days_left: int | None  # while its notice period runs (finalize: the reason is required)
    skip: object = None  # why the step leaves this class out (a lazy message), None: it acts


@dataclass
class StepPlan:
    step: str
    term: Term
    rows: list[PlanRow]
    status: dict[int, ClassTermStatus] = field(default_factory=dict, repr=False)

    @property
    def acting(self) -> list[PlanRow]:
        return [r for r in self.rows if r.skip is None]

    @property
    def skipped(self) -> list[PlanRow]:
        return [r for r in self.rows if r.skip is not None]

    @property
    def needs_reason(self) -> bool:
        """Finalizing a class whose notice period still runs needs a reason."""
        return self.step == "finalize" and any(r.days_left is not None for r in self.acting)

    def total(self, name: str) -> int:
        return sum(getattr(r, name) for r in self.acting)


def _skip_reason(step: str, state: ClassState, pending: int):
    needed = STEP_NEEDS[step]
    if state != needed:
        if step == "finalize" and state == ClassState.FINAL:
            return _l("already final")
        return _l("%(state)s: this step needs a class that is %(needed)s",
                  state=STATE_NAMES[state], needed=STATE_NAMES[needed])
    if step == "finalize" and pending:
        return _l("%(n)d undecided appeal(s): decide them first", n=pending)
    return None


def _step_refusal(step: str, term: Term) -> None:
    """Refusals of the whole step, whatever the classes."""
    if step == "submit" and term.status != TermStatus.OPEN:
        raise ValidationFailed(_l("This term is not open."))
    if step == "publish" and term.rule_version_id is None:
        raise ValidationFailed(_l("This term has no rule set: assign one before publishing."))


def plan_step(actor: User, term: Term, step: str, class_ids=(), state: str | None = None,
              now: datetime | None = None) -> StepPlan:
    """What a bulk step would do to the chosen classes (or to every class of the term that is
    in `state`): per class its counts, and which classes it leaves out and why. Reads only."""
    ensure_term_admin(actor, term)
    if step not in STEPS:
        raise NotFound()
    _step_refusal(step, term)
    now = now or utcnow()
    if state is not None:
        try:
            wanted = ClassState(state)
        except ValueError:
            raise NotFound() from None
        every = term_class_ids(term)
        ids = [cid for cid, st in class_states(term, every, now).items() if st == wanted]
        if not ids:
            raise ValidationFailed(_l("No class of this term is %(state)s.",
                                      state=STATE_NAMES[wanted]))
    else:
        ids = _chosen(class_ids)
    classes = {c.id: c for c in db.session.scalars(
        sa.select(SchoolClass).where(SchoolClass.id.in_(ids)))}
    if set(classes) != set(ids) or any(c.school_id != term.school_id for c in classes.values()):
        raise NotFound()
    teachers = dict(db.session.execute(
        sa.select(ClassAssignment.class_id, User.display_name)
        .join(User, User.id == ClassAssignment.teacher_id)
        .where(ClassAssignment.term_id == term.id, ClassAssignment.class_id.in_(ids))).all())
    active = sa.and_(Student.class_id.in_(ids), Student.status == StudentStatus.ACTIVE)
    counts = dict(db.session.execute(
        sa.select(Student.class_id, sa.func.count(Student.id)).where(active)
        .group_by(Student.class_id)).all())
    has_entry = sa.exists().where(Entry.student_id == Student.id, Entry.term_id == term.id,
                                  Entry.deleted_at.is_(None))
    without = dict(db.session.execute(
        sa.select(Student.class_id, sa.func.count(Student.id)).where(active, ~has_entry)
        .group_by(Student.class_id)).all())
    status = status_rows(term, ids)
    states = class_states(term, ids, now)
    pending = pending_appeal_counts(term, ids)
    rows = []
    for c in sorted(classes.values(), key=lambda c: (-c.grade, c.name)):
        row = status.get(c.id)
        ends = row.notice_ends_at if row is not None else None
        in_notice = (states[c.id] == ClassState.PUBLISHED and ends is not None
                     and (ends if ends.tzinfo else ends.replace(tzinfo=UTC)) > now)
        rows.append(PlanRow(c, teachers.get(c.id, ""), states[c.id], counts.get(c.id, 0),
                            without.get(c.id, 0), pending.get(c.id, 0), ends,
                            days_left(ends, now) if in_notice else None,
                            _skip_reason(step, states[c.id], pending.get(c.id, 0))))
    return StepPlan(step, term, rows, status)


@dataclass
class StepOutcome:
    step: str
    rows: list[ClassTermStatus]  # the classes the step changed
    done: list[str]  # their names
    skipped: list[tuple[str, object]]  # (class name, why)

    def summary(self) -> str:
        done = {"submit": _("Submitted for their class teachers: %(names)s."),
                "publish": _("Published for the notice period: %(names)s. Students can now "
                             "see their stars and appeal."),
                "return": _("Returned to their class teachers (entries can change again): "
                            "%(names)s."),
                "finalize": _("Final (these results can no longer change): %(names)s.")}
        text = done[self.step] % {"names": _list(self.done)}
        if self.skipped:
            text += " " + _("Left out: %(names)s.") % {"names": _list(
                _("%(name)s (%(why)s)") % {"name": name, "why": why}
                for name, why in self.skipped)}
        return text


def _list(names) -> str:
    return _(", ").join(str(n) for n in names)


def run_step(actor: User, term: Term, step: str, class_ids, *, reason: str | None = None,
             notice_days: int | None = None, now: datetime | None = None,
             strict: bool = False) -> StepOutcome:
    """Run a confirmed bulk step on the chosen classes that may take it now; the others are
    left out and named (`strict`: refused unless every chosen class may take it).

    Finalizing a class whose notice period still runs needs a `reason`, kept in its audit
    row; publishing computes the classes' results first. A fixed number of statements."""
    now = now or utcnow()
    plan = plan_step(actor, term, step, class_ids, now=now)
    if strict and plan.skipped:
        first = plan.skipped[0]
        raise ValidationFailed(_l("%(cls)s: %(why)s.", cls=first.school_class.name,
                                  why=first.skip))
    if not plan.acting:
        raise ValidationFailed(_l("Nothing was changed: none of the chosen classes can take "
                                  "this step now."))
    extra: dict = {}
    days = None
    if step == "publish":
        days = _notice_days(term, notice_days)
        store_results(term, [r.school_class.id for r in plan.acting], now=now)
    if step == "finalize" and plan.needs_reason:
        extra["reason"] = _reason(reason, _l(
            "The notice period has not ended for %(names)s: enter the reason for finalizing "
            "now.",
            names=_list(r.school_class.name for r in plan.acting if r.days_left is not None)))
    missing = [r.school_class.id for r in plan.acting if r.school_class.id not in plan.status]
    created = _create_rows(term, missing)
    changes = [(plan.status[r.school_class.id], audit.snapshot(plan.status[r.school_class.id]))
               if r.school_class.id in plan.status else (created[r.school_class.id], None)
               for r in plan.acting]
    mutate = {"submit": lambda row: _mark_submitted(row, actor, now),
              "publish": lambda row: _mark_published(row, actor, now, days),
              "return": _mark_returned,
              "finalize": lambda row: _mark_final(row, actor, now)}[step]
    rows = _transition(actor, step, changes, mutate, {term.id: term.school_id}, extra)
    if step == "submit":  # families: the 学生处's inbox; the students' and guardians'
        notifications.classes_submitted(term, rows)
    elif step == "publish":
        notifications.classes_published(term, rows)
    return StepOutcome(step, rows, [r.school_class.name for r in plan.acting],
                       [(r.school_class.name, r.skip) for r in plan.skipped])


def _reason(text: str | None, missing) -> str:
    reason = (text or "").strip()
    if not reason:
        raise ValidationFailed(missing, errors={"reason": [_l("Enter the reason.")]})
    if len(reason) > REASON_MAX:
        raise ValidationFailed(errors={"reason": [_l("At most %(n)d characters.",
                                                     n=REASON_MAX)]})
    return reason


def _mark_submitted(row: ClassTermStatus, actor: User, now: datetime) -> None:
    row.state = ClassState.SUBMITTED
    row.submitted_at = now
    row.submitted_by_id = actor.id


def _mark_returned(row: ClassTermStatus) -> None:
    row.state = ClassState.OPEN
    row.submitted_at = None
    row.submitted_by_id = None


def _mark_published(row: ClassTermStatus, actor: User, now: datetime, days: int) -> None:
    row.state = ClassState.PUBLISHED
    row.published_at = now
    row.published_by_id = actor.id
    row.notice_ends_at = now + timedelta(days=days)


def _mark_final(row: ClassTermStatus, actor: User | None, now: datetime) -> None:
    row.state = ClassState.FINAL
    row.finalized_at = now
    row.finalized_by_id = actor.id if actor else None


def _create_rows(term: Term, class_ids: list[int]) -> dict[int, ClassTermStatus]:
    """Status rows for classes that have none yet (open), in one INSERT and one SELECT."""
    if not class_ids:
        return {}
    db.session.execute(sa.insert(ClassTermStatus), [
        {"term_id": term.id, "class_id": cid, "state": ClassState.OPEN} for cid in class_ids])
    return status_rows(term, class_ids)


def _transition(actor: User | None, action: str, changes, mutate, schools: dict[int, int],
                extra: dict | None = None) -> list[ClassTermStatus]:
    """Change every row, flush once (one batched UPDATE), then one audit row each (one
    batched INSERT): the statements do not grow with the number of classes."""
    for row, _before in changes:
        mutate(row)
    db.session.flush()
    audit.record_many(actor, [
        {"action": action, "object_type": ClassTermStatus.__tablename__, "object_id": row.id,
         "school_id": schools.get(row.term_id), "term_id": row.term_id, "student_id": None,
         "before": before, "after": {**audit.snapshot(row), **(extra or {})}}
        for row, before in changes])
    return [row for row, _before in changes]


# ---- reopening a final class, and a class's workflow history ---------------------------------

def reopen_class(actor: User, term: Term, class_id: int, reason: str | None,
                 notice_days: int | None = None, now: datetime | None = None
                 ) -> ClassTermStatus:
    """An admin of the term's school reopens a final class for a new notice period:
    final → published.

    Back to published, not to open: the students keep seeing their results and may appeal
    again, and every later change goes through an appeal decision, which records the stars
    before and after. The notice period restarts (an ended one would make the class read as
    final at once). The results as they stood are kept in the audit row
    (`before["results"]`), with the reason in `after["reason"]`."""
    ensure_reopen_admin(actor, term)
    school_class = _load_class(term, class_id)
    now = now or utcnow()
    state = class_state(term, class_id, now)
    if state != ClassState.FINAL:
        raise _wrong_state(school_class.name, state, ClassState.FINAL)
    reason = _reason(reason, _l("Say why the class is reopened."))
    days = _notice_days(term, notice_days)
    row = status_rows(term, [class_id])[class_id]
    before = {**audit.snapshot(row), "results": results_snapshot(term, class_id)}
    row.finalized_at = None
    row.finalized_by_id = None
    _mark_published(row, actor, now, days)
    db.session.flush()
    audit.record(actor, "reopen", row, school_id=term.school_id, before=before,
                 after={**audit.snapshot(row), "reason": reason})
    db.session.flush()
    return row


def _notice_days(term: Term, notice_days: int | None) -> int:
    days = term.notice_days if notice_days is None else notice_days
    if days is None or not NOTICE_MIN <= int(days) <= NOTICE_MAX:
        raise ValidationFailed(
            _l("The notice period must be %(a)d to %(b)d days.", a=NOTICE_MIN, b=NOTICE_MAX),
            errors={"notice_days": [_l("Enter %(a)d to %(b)d days.", a=NOTICE_MIN,
                                       b=NOTICE_MAX)]})
    return int(days)


def results_snapshot(term: Term, class_id: int) -> list[dict]:
    """The class's stored results as they stand (for the audit row of a reopening)."""
    return [{"student_id": sid, "student_no": no, "name": name, "overall_stars": stars,
             "overall_score": score,
             "dimensions": {k: {"score": v.get("score"), "stars": v.get("stars")}
                            for k, v in (dims or {}).items()}}
            for sid, no, name, stars, score, dims in db.session.execute(
                sa.select(StarResult.student_id, Student.student_no, Student.name,
                          StarResult.overall_stars, StarResult.overall_score,
                          StarResult.dimensions)
                .join(Student, Student.id == StarResult.student_id)
                .where(StarResult.term_id == term.id, StarResult.class_id == class_id)
                .order_by(Student.student_no))]


@dataclass
class ReopenPage:
    flow: ClassFlow
    results: int  # stored results kept in the audit row
    notice_days: int | None


def reopen_page(actor: User, term: Term, class_id: int) -> ReopenPage:
    """What the reopen form shows: the class as it stands and how many results it keeps."""
    ensure_reopen_admin(actor, term)
    flow = class_flow(actor, term, class_id)
    kept = db.session.scalar(sa.select(sa.func.count(StarResult.id)).where(
        StarResult.term_id == term.id, StarResult.class_id == class_id)) or 0
    return ReopenPage(flow, kept, term.notice_days)


@dataclass
class HistoryItem:
    at: datetime
    action: str
    actor_name: str
    reason: str | None
    results: list[dict] | None  # a reopening: the results as they stood then


@dataclass
class ClassHistory:
    school_class: SchoolClass
    items: list[HistoryItem]
    current: dict[int, dict]  # student id → the stored result now (stars, score)


def class_history(actor: User, term: Term, class_id: int) -> ClassHistory:
    """A class's workflow steps in the term (who, when, why) and, for each reopening, the
    results as they stood next to the results now. Three statements."""
    ensure_term_admin(actor, term)
    school_class = _load_class(term, class_id)
    row = status_rows(term, [class_id]).get(class_id)
    logs = [] if row is None else list(db.session.execute(
        sa.select(AuditLog.at, AuditLog.action, User.display_name, AuditLog.before,
                  AuditLog.after)
        .outerjoin(User, User.id == AuditLog.actor_id)
        .where(AuditLog.object_type == ClassTermStatus.__tablename__,
               AuditLog.object_id == row.id)
        .order_by(AuditLog.at, AuditLog.id)))
    items = [HistoryItem(at, action, name or "", (after or {}).get("reason"),
                         (before or {}).get("results") if action == "reopen" else None)
             for at, action, name, before, after in logs]
    current = {sid: {"overall_stars": stars, "overall_score": score}
               for sid, stars, score in db.session.execute(
                   sa.select(StarResult.student_id, StarResult.overall_stars,
                             StarResult.overall_score)
                   .where(StarResult.term_id == term.id, StarResult.class_id == class_id))}
    return ClassHistory(school_class, items, current)
