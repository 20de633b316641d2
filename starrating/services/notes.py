"""Teacher notes and self-statements: the class teacher's 评语 and the student's 自我陈述,
one StudentTermNote per student and term."""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from ..errors import PermissionDenied, ValidationFailed
from ..extensions import db
from ..models import Role, Student, StudentTermNote, Term, User, utcnow
from . import audit
from .access import ensure_student_access, ensure_student_may_write
from .class_state import STATEMENT_LOCKED_BECAUSE, ensure_editable
from .entry_input import NOTE_MAX

STATEMENT_MAX = 2000


def get_note(term: Term, student: Student) -> StudentTermNote | None:
    """The student's note of the term, if any was written."""
    return db.session.scalar(sa.select(StudentTermNote).where(
        StudentTermNote.term_id == term.id, StudentTermNote.student_id == student.id))


def save_comment(actor: User, term: Term, student: Student, text: str) -> StudentTermNote:
    """The class teacher's (or an admin's) comment on the student for the term."""
    if actor.role not in (Role.TEACHER, Role.ADMIN):
        raise PermissionDenied()
    ensure_student_access(actor, student, term)
    ensure_editable(term, [student.class_id])
    text = (text or "").strip()
    if len(text) > NOTE_MAX:
        raise ValidationFailed(_l("Please correct the marked fields."),
                               errors={"comment": [_l("At most %(n)d characters.", n=NOTE_MAX)]})
    note = get_note(term, student)
    before = audit.snapshot(note) if note else None
    if note is None:
        note = StudentTermNote(term_id=term.id, student_id=student.id, self_statement="")
        db.session.add(note)
    note.teacher_comment = text
    note.comment_by_id = actor.id
    note.comment_updated_at = utcnow()
    db.session.flush()
    audit.record(actor, "update" if before else "create", note, school_id=term.school_id,
                 before=before, after=audit.snapshot(note))
    return note


def save_self_statement(actor: User, term: Term, text: str) -> StudentTermNote:
    """The student's 自我陈述 for the term, while their class is open."""
    if actor.role != Role.STUDENT or actor.student_id is None:
        raise PermissionDenied()
    student = db.session.get(Student, actor.student_id)
    if student is None or student.school_id != term.school_id:
        raise PermissionDenied()
    ensure_student_may_write(student)
    ensure_editable(term, [student.class_id], STATEMENT_LOCKED_BECAUSE)
    text = (text or "").strip()
    if len(text) > STATEMENT_MAX:
        raise ValidationFailed(_l("At most %(n)d characters.", n=STATEMENT_MAX),
                               errors={"statement": [_l("At most %(n)d characters.",
                                                        n=STATEMENT_MAX)]})
    note = get_note(term, student)
    before = audit.snapshot(note) if note else None
    if note is None:
        note = StudentTermNote(term_id=term.id, student_id=student.id, teacher_comment="")
        db.session.add(note)
    note.self_statement = text
    note.statement_updated_at = utcnow()
    db.session.flush()
    audit.record(actor, "update" if before else "create", note, school_id=term.school_id,
                 before=before, after=audit.snapshot(note))
    return note
