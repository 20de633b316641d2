"""班干部 and their proposals (issue 17): a class teacher names class officers among their
students and the indicators each may propose entries on (值日, 考勤 …); an officer proposes
an entry for classmates; it waits for the class teacher, who accepts it (one by one or all
at once: then it becomes an entry, which may still wait for the 学生处 under the term's 审核
rule, services/review.py) or rejects it with a reason the officer sees. A proposal is not an
entry: it counts for nothing until accepted.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from ..errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from ..extensions import db
from ..models import (
    ClassOfficer,
    Entry,
    EntrySource,
    Proposal,
    ProposalStatus,
    Role,
    SchoolClass,
    Student,
    StudentStatus,
    Term,
    User,
    utcnow,
)
from ..rules import RuleSet
from . import audit, review
from .access import class_for_teacher_now, ensure_student_may_write
from .class_state import ensure_editable
from .clock import school_today
from .entry_input import EntryInput, indicator_labels, rules_for, validate_event
from .scoring import term_rules
from .terms import is_current

REASON_MAX = 500
TITLE_MAX = 40


def _class_students(class_id: int) -> list[Student]:
    return list(db.session.scalars(
        sa.select(Student).where(Student.class_id == class_id,
                                 Student.status == StudentStatus.ACTIVE)
        .order_by(Student.student_no)))


# ---- officers (the class teacher) -----------------------------------------------------------

@dataclass
class OfficersPage:
    term: Term
    school_class: SchoolClass
    students: list[Student]
    officers: list[ClassOfficer]
    labels: dict[str, str]
    pending: int


def officers_page(actor: User, term: Term, class_id: int) -> OfficersPage:
    school_class = class_for_teacher_now(actor, term, class_id)
    officers = list(db.session.scalars(sa.select(ClassOfficer).where(
        ClassOfficer.term_id == term.id, ClassOfficer.class_id == class_id)
        .options(selectinload(ClassOfficer.student)).order_by(ClassOfficer.id)))
    pending = db.session.scalar(sa.select(sa.func.count(Proposal.id)).where(
        Proposal.term_id == term.id, Proposal.class_id == class_id,
        Proposal.status == ProposalStatus.PENDING)) or 0
    return OfficersPage(term, school_class, _class_students(class_id), officers,
                        indicator_labels(term_rules(term)), pending)


def save_officer(actor: User, term: Term, class_id: int, student_id: int | str, title: str,
                 indicators: list[str]) -> ClassOfficer:
    """Name (or change) a class officer of the teacher's class and what they may propose on."""
    class_for_teacher_now(actor, term, class_id)
    raw = str(student_id or "").strip()
    student_id = int(raw) if raw.isascii() and raw.isdigit() and len(raw) < 10 else None
    if not student_id:
        raise ValidationFailed(_l("Choose a student."), errors={"student": [_l("Choose a student.")]})
    student = db.session.get(Student, student_id)
    if student is None or student.class_id != class_id or student.status != StudentStatus.ACTIVE:
        raise NotFound()
    known = set(rules_for(term).indicator_keys())
    chosen = sorted(set(indicators or []))
    errors = {}
    if not chosen:
        errors["indicators"] = [_l("Choose at least one indicator the officer may propose on.")]
    elif any(i not in known for i in chosen):
        errors["indicators"] = [_l("Choose indicators from the list.")]
    title = (title or "").strip()
    if len(title) > TITLE_MAX:
        errors["title"] = [_l("At most %(n)d characters.", n=TITLE_MAX)]
    if errors:
        raise ValidationFailed(_l("Please correct the marked fields."), errors=errors)
    officer = db.session.scalar(sa.select(ClassOfficer).where(
        ClassOfficer.term_id == term.id, ClassOfficer.student_id == student_id))
    action = "update" if officer else "create"
    if officer is None:
        officer = ClassOfficer(term_id=term.id, class_id=class_id, student_id=student_id,
                               created_by_id=actor.id, indicators=[])
        db.session.add(officer)
    with audit.recorded(actor, action, officer):
        officer.title = title
        officer.indicators = chosen
    return officer


def remove_officer(actor: User, term: Term, officer_id: int) -> ClassOfficer:
    officer = db.session.get(ClassOfficer, officer_id)
    if officer is None or officer.term_id != term.id:
        raise NotFound()
    class_for_teacher_now(actor, term, officer.class_id)
    with audit.recorded(actor, "delete", officer):
        db.session.delete(officer)
    return officer


def class_counts(term: Term, class_ids: list[int]) -> tuple[dict[int, int], dict[int, int]]:
    """(class → proposals waiting, class → officers) in two statements."""
    pending = dict(db.session.execute(
        sa.select(Proposal.class_id, sa.func.count()).where(
            Proposal.term_id == term.id, Proposal.class_id.in_(class_ids),
            Proposal.status == ProposalStatus.PENDING).group_by(Proposal.class_id)).all())
    officers = dict(db.session.execute(
        sa.select(ClassOfficer.class_id, sa.func.count()).where(
            ClassOfficer.term_id == term.id, ClassOfficer.class_id.in_(class_ids))
        .group_by(ClassOfficer.class_id)).all())
    return pending, officers


# ---- the officer ----------------------------------------------------------------------------

def officer_of(actor: User, term: Term | None) -> ClassOfficer | None:
    """The actor's officer role in the term (None: not an officer)."""
    if term is None or actor.role != Role.STUDENT or actor.student_id is None:
        return None
    officer = db.session.scalar(sa.select(ClassOfficer).where(
        ClassOfficer.term_id == term.id, ClassOfficer.student_id == actor.student_id))
    if officer is None or officer.class_id != actor.student.class_id:
        return None  # moved to another class: the role stays with the old one
    return officer


def _require_officer(actor: User, term: Term | None) -> ClassOfficer:
    officer = officer_of(actor, term)
    if officer is None:
        raise PermissionDenied(_l("Only class officers may propose entries."))
    return officer


@dataclass
class OfficerPage:
    term: Term
    officer: ClassOfficer
    classmates: list[Student]
    rules: RuleSet | None
    allowed: dict[str, str]  # indicator → label
    proposals: list[Proposal]
    names: dict[int, str]
    labels: dict[str, str]


def officer_page(actor: User, term: Term | None) -> OfficerPage:
    officer = _require_officer(actor, term)
    labels = indicator_labels(term_rules(term))
    mates = [s for s in _class_students(officer.class_id) if s.id != officer.student_id]
    proposals = list(db.session.scalars(sa.select(Proposal).where(
        Proposal.term_id == term.id, Proposal.officer_id == officer.student_id)
        .order_by(Proposal.created_at.desc(), Proposal.id.desc()).limit(200)))
    names = {s.id: s.name for s in mates}
    missing = {p.student_id for p in proposals} - set(names)
    if missing:
        names.update(dict(db.session.execute(sa.select(Student.id, Student.name)
                                             .where(Student.id.in_(missing))).all()))
    return OfficerPage(term, officer, mates, term_rules(term),
                       {k: labels.get(k, k) for k in officer.indicators if k in labels},
                       proposals, names, labels)


@dataclass
class ProposalInput:
    student_ids: list[int] = field(default_factory=list)
    indicator: str = ""
    item: str = ""
    points: str = ""
    occurred_on: date | None = None
    note: str = ""


def propose(actor: User, term: Term | None, data: ProposalInput,
            today: date | None = None) -> list[Proposal]:
    """An officer proposes one event for classmates; nothing counts until it is accepted."""
    officer = _require_officer(actor, term)
    ensure_student_may_write(actor.student)
    if not is_current(term):
        raise PermissionDenied()
    today = today or school_today(term.school_id)
    ids = sorted({int(i) for i in data.student_ids})
    mates = {s.id for s in _class_students(officer.class_id)} - {officer.student_id}
    errors: dict[str, list] = {}
    if not ids:
        errors["students"] = [_l("Choose at least one student.")]
    elif any(i not in mates for i in ids):
        raise PermissionDenied()
    if data.indicator not in officer.indicators:
        errors["indicator"] = [_l("You may propose entries on the indicators your class "
                                  "teacher chose only.")]
    indicator, points, item_name, note, _files, problems = validate_event(
        term, rules_for(term), EntryInput(indicator=data.indicator, points=data.points,
                                          occurred_on=data.occurred_on, note=data.note,
                                          item=data.item), today)
    for key, messages in problems.items():
        errors.setdefault(key, []).extend(messages)
    if len(note) > REASON_MAX:
        errors.setdefault("note", []).append(_l("At most %(n)d characters.", n=REASON_MAX))
    if errors:
        raise ValidationFailed(_l("Please correct the marked fields."), errors=errors)
    made = []
    for sid in ids:
        proposal = Proposal(term_id=term.id, class_id=officer.class_id,
                            officer_id=officer.student_id, student_id=sid, indicator=indicator,
                            item_name=item_name[:120], points_cents=int(points * 100),
                            occurred_on=data.occurred_on, note=note)
        db.session.add(proposal)
        made.append(proposal)
    db.session.flush()
    for proposal in made:
        audit.record(actor, "propose", proposal, school_id=term.school_id,
                     after=audit.snapshot(proposal))
    db.session.flush()
    return made


# ---- the class teacher's queue ----------------------------------------------------------------

@dataclass
class QueuePage:
    term: Term
    school_class: SchoolClass
    pending: list[Proposal]
    decided: list[Proposal]
    names: dict[int, str]
    labels: dict[str, str]


def queue_page(actor: User, term: Term, class_id: int) -> QueuePage:
    """The class's proposals: waiting ones first, then the latest decided (a fixed number of
    statements for any class size)."""
    school_class = class_for_teacher_now(actor, term, class_id)
    base = sa.select(Proposal).where(Proposal.term_id == term.id, Proposal.class_id == class_id)
    pending = list(db.session.scalars(base.where(Proposal.status == ProposalStatus.PENDING)
                                      .order_by(Proposal.created_at, Proposal.id)))
    decided = list(db.session.scalars(base.where(Proposal.status != ProposalStatus.PENDING)
                                      .order_by(Proposal.decided_at.desc(), Proposal.id.desc())
                                      .limit(50)))
    ids = {p.student_id for p in pending + decided} | {p.officer_id for p in pending + decided}
    names = dict(db.session.execute(sa.select(Student.id, Student.name)
                                    .where(Student.id.in_(ids))).all()) if ids else {}
    return QueuePage(term, school_class, pending, decided, names,
                     indicator_labels(term_rules(term)))


def _pending(actor: User, term: Term, proposal_id: int) -> Proposal:
    proposal = db.session.get(Proposal, proposal_id)
    if proposal is None or proposal.term_id != term.id:
        raise NotFound()
    class_for_teacher_now(actor, term, proposal.class_id)
    if proposal.status != ProposalStatus.PENDING:
        raise Conflict(_l("This proposal has already been decided."))
    return proposal


def _accept(actor: User, term: Term, proposals: list[Proposal], today: date) -> list[Entry]:
    if not proposals:
        raise ValidationFailed(_l("No proposals are waiting."))
    ensure_editable(term, {p.class_id for p in proposals})
    rules = rules_for(term)
    students = {s.id: s for s in db.session.scalars(
        sa.select(Student).where(Student.id.in_({p.student_id for p in proposals})))}
    entries = []
    for p in proposals:
        student = students.get(p.student_id)
        if student is None or student.class_id != p.class_id \
                or student.status != StudentStatus.ACTIVE:
            raise ValidationFailed(_l("%(name)s is no longer in this class; reject the "
                                      "proposal instead.", name=student.name if student else "—"))
        *_, problems = validate_event(term, rules, EntryInput(
            indicator=p.indicator, points=f"{p.points_cents / 100:.2f}",
            occurred_on=p.occurred_on, note=p.note), today)
        if problems:
            first = next(iter(problems.values()))[0]
            raise ValidationFailed(_l("The proposal for %(name)s cannot become an entry: "
                                      "%(why)s", name=student.name, why=first))
        entry = Entry(term_id=term.id, student_id=p.student_id, indicator=p.indicator,
                      points_cents=p.points_cents, occurred_on=p.occurred_on,
                      item_name=p.item_name, note=p.note, source=EntrySource.FORM,
                      author_id=actor.id)
        db.session.add(entry)
        entries.append(entry)
    review.hold_entries(actor, term, entries)
    db.session.flush()
    now = utcnow()
    for p, entry in zip(proposals, entries, strict=True):
        before = audit.snapshot(p)
        p.status, p.decided_at, p.decided_by_id, p.entry_id = (
            ProposalStatus.ACCEPTED, now, actor.id, entry.id)
        audit.record(actor, "create", entry, school_id=term.school_id,
                     after=audit.snapshot(entry, ("updated_at",)))
        audit.record(actor, "accept", p, school_id=term.school_id, before=before,
                     after=audit.snapshot(p))
    db.session.flush()
    return entries


def accept(actor: User, term: Term, proposal_id: int, today: date | None = None) -> Entry:
    """Accept one proposal: it becomes an entry written by the teacher."""
    proposal = _pending(actor, term, proposal_id)
    return _accept(actor, term, [proposal], today or school_today(term.school_id))[0]


def accept_all(actor: User, term: Term, class_id: int, today: date | None = None
               ) -> list[Entry]:
    """Accept every waiting proposal of the class, all or nothing."""
    class_for_teacher_now(actor, term, class_id)
    proposals = list(db.session.scalars(sa.select(Proposal).where(
        Proposal.term_id == term.id, Proposal.class_id == class_id,
        Proposal.status == ProposalStatus.PENDING).order_by(Proposal.id)))
    return _accept(actor, term, proposals, today or school_today(term.school_id))


def reject(actor: User, term: Term, proposal_id: int, reason: str) -> Proposal:
    """Reject one proposal with a reason the officer sees."""
    proposal = _pending(actor, term, proposal_id)
    reason = (reason or "").strip()
    if not reason or len(reason) > REASON_MAX:
        message = _l("Say why (at most %(n)d characters).", n=REASON_MAX)
        raise ValidationFailed(message, errors={"reason": [message]})
    with audit.recorded(actor, "reject", proposal):
        proposal.status, proposal.reason = ProposalStatus.REJECTED, reason
        proposal.decided_at, proposal.decided_by_id = utcnow(), actor.id
    return proposal
