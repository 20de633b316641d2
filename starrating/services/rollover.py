"""Rollover: start a new term from a previous one in one step.

`preview` checks the new term's values and lists what would be copied from the source term
— class teachers (ClassAssignment), clubs' memberships (ClubMembership, roles kept), the rule
set (`rule_version_id`, `club_indicator`) — and what is skipped and why; it writes nothing.
`confirm` builds the same plan again, refuses it if it differs from the one previewed (its
fingerprint), and writes the term, the copies (bulk inserts) and one audit row, flushed in
the request's one transaction. Both run a fixed number of statements whatever the size of
the school.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from ..errors import Conflict, ValidationFailed
from ..extensions import db
from ..models import (
    ClassAssignment,
    Club,
    ClubMembership,
    Role,
    RuleSet,
    RuleSetVersion,
    SchoolClass,
    Student,
    StudentStatus,
    Term,
    TermStatus,
    User,
)
from . import audit
from .access import admin_school, owned
from .clock import local_date

NOTICE_DAYS_MAX = 30
EXAMPLES = 10  # rows shown of each list in the preview
SKIPPED_SHOWN = 50  # skipped rows shown per reason
NEW_TERM_STATUSES = (TermStatus.PLANNING, TermStatus.OPEN)
COPY_KINDS = ("assignments", "memberships", "rules")

# Why a row is not copied (the preview groups the skipped rows by these).
TEACHER_INACTIVE = "teacher_inactive"
CLASS_EMPTY = "class_empty"
MEMBER_LEFT = "member_left"
STUDENT_NOT_ENROLLED = "student_not_enrolled"
SKIP_REASONS = {
    TEACHER_INACTIVE: _l("the teacher's account is deactivated"),
    CLASS_EMPTY: _l("the class has no enrolled students"),
    MEMBER_LEFT: _l("the student left the club"),
    STUDENT_NOT_ENROLLED: _l("the student is no longer enrolled"),
}


@dataclass
class Part:
    """One kind of copy: the rows to write and the rows skipped, by reason."""

    chosen: bool
    rows: list[dict] = field(default_factory=list)  # what is inserted (without term_id)
    shown: list[tuple] = field(default_factory=list)  # how each row reads in the preview
    skipped: dict[str, list[tuple]] = field(default_factory=dict)

    @property
    def count(self) -> int:
        return len(self.rows)

    @property
    def examples(self) -> list[tuple]:
        return self.shown[:EXAMPLES]

    @property
    def skipped_count(self) -> int:
        return sum(len(v) for v in self.skipped.values())

    def skip(self, reason: str, shown: tuple) -> None:
        self.skipped.setdefault(reason, []).append(shown)


@dataclass
class RolloverPlan:
    source: Term
    values: dict  # the new term's columns
    assignments: Part
    memberships: Part
    rules: bool
    rule_label: str | None
    fingerprint: str = ""


def _errors_add(errors: dict, name: str, message) -> None:
    errors.setdefault(name, []).append(message)


def _values(actor: User, data: dict, school_id: int) -> dict:
    """The new term's name, dates, notice period and status, checked (ValidationFailed)."""
    errors: dict = {}
    name = (data.get("name") or "").strip()
    if not name:
        _errors_add(errors, "name", _l("This field is required."))
    elif len(name) > 80:
        _errors_add(errors, "name", _l("At most %(n)d characters.", n=80))
    start, end = data.get("start_date"), data.get("end_date")
    if not isinstance(start, date):
        _errors_add(errors, "start_date", _l("Enter a date."))
    if not isinstance(end, date):
        _errors_add(errors, "end_date", _l("Enter a date."))
    dates_ok = isinstance(start, date) and isinstance(end, date)
    if dates_ok and end <= start:
        _errors_add(errors, "end_date", _l("The end must be after the start."))
        dates_ok = False
    notice = data.get("notice_days")
    if not isinstance(notice, int) or not 0 <= notice <= NOTICE_DAYS_MAX:
        _errors_add(errors, "notice_days", _l("Between 0 and %(n)d days.", n=NOTICE_DAYS_MAX))
    try:
        status = TermStatus(data.get("status") or TermStatus.PLANNING)
        if status not in NEW_TERM_STATUSES:
            raise ValueError(status)
    except ValueError:
        _errors_add(errors, "status", _l("Not a valid choice."))
        status = None
    if name and db.session.scalar(sa.select(sa.exists().where(
            Term.school_id == school_id, Term.name == name))):
        _errors_add(errors, "name", _l("A term with this name exists."))
    if dates_ok:
        overlap = db.session.scalars(
            sa.select(Term).where(Term.school_id == school_id, Term.start_date <= end,
                                  Term.end_date >= start).order_by(Term.start_date)).first()
        if overlap is not None:
            _errors_add(errors, "start_date", _l(
                "These dates overlap the term %(name)s (%(start)s – %(end)s): terms may not "
                "overlap.", name=overlap.name, start=local_date(overlap.start_date),
                end=local_date(overlap.end_date)))
    if errors:
        raise ValidationFailed(_l("Please correct the marked fields."), errors=errors)
    return {"name": name, "start_date": start, "end_date": end, "notice_days": notice,
            "status": status}


def _source(actor: User, data: dict) -> Term:
    term_id = data.get("source_term_id")
    if not str(term_id or "").isdigit():
        raise ValidationFailed(_l("Please correct the marked fields."),
                               errors={"source_term_id": [_l("Not a valid choice.")]})
    return owned(actor, Term, int(term_id))


def _assignments(source: Term, chosen: bool) -> Part:
    """The source term's class teachers: copied unless the teacher's account is deactivated
    or the class has no enrolled student left (a graduated cohort's class). One query."""
    part = Part(chosen)
    if not chosen:
        return part
    enrolled = (sa.select(Student.class_id, sa.func.count().label("n"))
                .where(Student.status == StudentStatus.ACTIVE)
                .group_by(Student.class_id).subquery())
    rows = db.session.execute(
        sa.select(ClassAssignment.class_id, ClassAssignment.teacher_id, SchoolClass.name,
                  User.display_name, User.active, User.role, enrolled.c.n)
        .join(SchoolClass, SchoolClass.id == ClassAssignment.class_id)
        .join(User, User.id == ClassAssignment.teacher_id)
        .outerjoin(enrolled, enrolled.c.class_id == ClassAssignment.class_id)
        .where(ClassAssignment.term_id == source.id)
        .order_by(SchoolClass.grade.desc(), SchoolClass.name))
    for class_id, teacher_id, class_name, teacher_name, active, role, n in rows:
        shown = (class_name, teacher_name)
        if not active or role != Role.TEACHER:
            part.skip(TEACHER_INACTIVE, shown)
        elif not n:
            part.skip(CLASS_EMPTY, shown)
        else:
            part.rows.append({"class_id": class_id, "teacher_id": teacher_id})
            part.shown.append(shown)
    return part


def _memberships(source: Term, chosen: bool) -> Part:
    """The source term's club memberships: copied with their role unless the student left
    the club (`left_on` set) or is no longer enrolled. One query."""
    part = Part(chosen)
    if not chosen:
        return part
    rows = db.session.execute(
        sa.select(ClubMembership.club_id, ClubMembership.student_id, ClubMembership.role,
                  ClubMembership.left_on, Club.name, Student.student_no, Student.name,
                  Student.status)
        .join(Club, Club.id == ClubMembership.club_id)
        .join(Student, Student.id == ClubMembership.student_id)
        .where(ClubMembership.term_id == source.id)
        .order_by(Club.name, Student.student_no))
    for club_id, student_id, role, left_on, club_name, student_no, name, status in rows:
        shown = (club_name, student_no, name, role)
        if left_on is not None:
            part.skip(MEMBER_LEFT, shown)
        elif status != StudentStatus.ACTIVE:
            part.skip(STUDENT_NOT_ENROLLED, shown)
        else:
            part.rows.append({"club_id": club_id, "student_id": student_id, "role": role})
            part.shown.append(shown)
    return part


def _rule_label(source: Term) -> str | None:
    if source.rule_version_id is None:
        return None
    row = db.session.execute(
        sa.select(RuleSet.name, RuleSetVersion.version).join(RuleSetVersion.rule_set)
        .where(RuleSetVersion.id == source.rule_version_id)).one()
    return f"{row[0]} · v{row[1]}"


def _fingerprint(plan: RolloverPlan) -> str:
    """What the plan would write, hashed: confirm refuses when it changed since the preview."""
    body = {"source": plan.source.id, "values": plan.values,
            "assignments": plan.assignments.rows, "memberships": plan.memberships.rows,
            "rules": [plan.values.get("rule_version_id"), plan.values.get("club_indicator")]}
    text = json.dumps(body, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def preview(actor: User, data: dict) -> RolloverPlan:
    """What starting the new term would write; nothing is written."""
    school_id = admin_school(actor)
    source = _source(actor, data)
    values = _values(actor, data, school_id)
    rules = bool(data.get("copy_rules"))
    values["rule_version_id"] = source.rule_version_id if rules else None
    values["club_indicator"] = source.club_indicator if rules else None
    plan = RolloverPlan(source=source, values=values,
                        assignments=_assignments(source, bool(data.get("copy_assignments"))),
                        memberships=_memberships(source, bool(data.get("copy_memberships"))),
                        rules=rules, rule_label=_rule_label(source) if rules else None)
    plan.fingerprint = _fingerprint(plan)
    return plan


def confirm(actor: User, data: dict) -> RolloverPlan:
    """Start the new term as previewed: the term, its copies and one audit row, or nothing
    (Conflict when what would be copied changed since the preview)."""
    plan = preview(actor, data)
    if (data.get("plan") or "") != plan.fingerprint:
        raise Conflict(_l("What would be copied changed since the preview. Check the new "
                          "preview and confirm again."))
    term = Term(school_id=plan.source.school_id, **plan.values)
    db.session.add(term)
    db.session.flush()
    if plan.assignments.rows:
        db.session.execute(sa.insert(ClassAssignment),
                           [{"term_id": term.id, **row} for row in plan.assignments.rows])
    if plan.memberships.rows:
        db.session.execute(sa.insert(ClubMembership), [
            {"term_id": term.id, "joined_on": term.start_date, "left_on": None, **row}
            for row in plan.memberships.rows])
    audit.record(actor, "rollover", term, term_id=term.id, school_id=term.school_id,
                 after={**audit.snapshot(term), "from_term_id": plan.source.id,
                        "class_assignments": plan.assignments.count,
                        "club_memberships": plan.memberships.count,
                        "rules_copied": plan.rules,
                        "skipped": {"class_assignments": _skip_counts(plan.assignments),
                                    "club_memberships": _skip_counts(plan.memberships)}})
    db.session.flush()
    plan.values["id"] = term.id
    return plan


def _skip_counts(part: Part) -> dict[str, int]:
    return {reason: len(rows) for reason, rows in part.skipped.items()}


def default_values(actor: User) -> dict:
    """The form's first values: the latest term as the source, its notice period."""
    school_id = admin_school(actor)
    latest = db.session.scalars(sa.select(Term).where(Term.school_id == school_id)
                                .order_by(Term.start_date.desc()).limit(1)).first()
    if latest is None:
        return {}
    return {"source_term_id": str(latest.id), "notice_days": latest.notice_days}
