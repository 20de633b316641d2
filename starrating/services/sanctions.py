"""Sanctions (处分): admins record and revoke them per term; class pages show the live ones."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from ..errors import NotFound, ValidationFailed
from ..extensions import db
from ..models import Flag, SchoolClass, Student, Term, User, utcnow
from . import audit
from .access import ensure_school_admin
from .entry_input import NOTE_MAX

SANCTIONS = {
    "sanction.warning": _l("Warning (警告)"),
    "sanction.serious_warning": _l("Serious warning (严重警告)"),
    "sanction.demerit": _l("Demerit (记过)"),
    "sanction.probation": _l("Probation (留校察看)"),
}


def add_flag(actor: User, term: Term, student_no: str, key: str, start: date | None,
             end: date | None, note: str = "") -> Flag:
    """Record a sanction on a student of the admin's school for the term."""
    ensure_school_admin(actor, term)
    errors: dict[str, list] = {}
    student = db.session.scalar(sa.select(Student).where(
        Student.school_id == term.school_id, Student.student_no == (student_no or "").strip()))
    if student is None:
        errors["student_no"] = [_l("No student with this student number in the school.")]
    if key not in SANCTIONS:
        errors["key"] = [_l("Choose a sanction from the list.")]
    if start is None:
        errors["start_date"] = [_l("Enter the first day.")]
    elif end is not None and end < start:
        errors["end_date"] = [_l("The last day cannot be before the first day.")]
    if len(note or "") > NOTE_MAX:
        errors["note"] = [_l("At most %(n)d characters.", n=NOTE_MAX)]
    if errors:
        raise ValidationFailed(_l("Please correct the marked fields."), errors=errors)
    flag = Flag(term_id=term.id, student_id=student.id, key=key, start_date=start,
                end_date=end, note=(note or "").strip(), created_by_id=actor.id)
    db.session.add(flag)
    db.session.flush()
    audit.record(actor, "create", flag, school_id=term.school_id, after=audit.snapshot(flag))
    return flag


def revoke_flag(actor: User, flag_id: int) -> Flag:
    """End a sanction (the row stays, with the time it was revoked)."""
    flag = db.session.get(Flag, flag_id)
    if flag is None:
        raise NotFound()
    term = db.session.get(Term, flag.term_id)
    ensure_school_admin(actor, term)
    if flag.revoked_at is not None:
        return flag
    before = audit.snapshot(flag)
    flag.revoked_at = utcnow()
    db.session.flush()
    audit.record(actor, "revoke", flag, school_id=term.school_id, before=before,
                 after=audit.snapshot(flag))
    return flag


def term_flags(actor: User, term: Term) -> list[tuple[Flag, Student, str, str | None]]:
    """(flag, student, class name, recorded by) of the term, live ones first, in one query."""
    ensure_school_admin(actor, term)
    return [tuple(row) for row in db.session.execute(
        sa.select(Flag, Student, SchoolClass.name, User.display_name)
        .join(Student, Student.id == Flag.student_id)
        .join(SchoolClass, SchoolClass.id == Student.class_id)
        .outerjoin(User, User.id == Flag.created_by_id)
        .where(Flag.term_id == term.id)
        .order_by(Flag.revoked_at.is_not(None), Flag.start_date.desc(), Flag.id.desc()))]


def active_flags(term: Term, student_ids) -> dict[int, list[Flag]]:
    """Unrevoked flags per student, in one query."""
    ids = list(student_ids)
    out: dict[int, list[Flag]] = {}
    if not ids:
        return out
    for flag in db.session.scalars(sa.select(Flag).where(
            Flag.term_id == term.id, Flag.revoked_at.is_(None), Flag.student_id.in_(ids))
            .order_by(Flag.start_date)):
        out.setdefault(flag.student_id, []).append(flag)
    return out
