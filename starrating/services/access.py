"""Ownership: who may see or change which class and student. Raises PermissionDenied."""

from __future__ import annotations

import sqlalchemy as sa

from ..errors import NotFound, PermissionDenied
from ..extensions import db
from ..models import ClassAssignment, Role, SchoolClass, Student, Term, User


def teacher_class_ids(user: User, term: Term | None) -> set[int]:
    """Ids of the classes the teacher is class teacher of in this term."""
    if term is None:
        return set()
    return set(db.session.scalars(
        sa.select(ClassAssignment.class_id).where(
            ClassAssignment.term_id == term.id, ClassAssignment.teacher_id == user.id)
    ))


def same_school(user: User, school_id: int) -> bool:
    return user.school_id is None or user.school_id == school_id


def ensure_class_access(user: User, school_class: SchoolClass, term: Term | None) -> None:
    """Admins of the school, or the class teacher of this class in this term."""
    if user.role == Role.ADMIN and same_school(user, school_class.school_id):
        return
    if user.role == Role.TEACHER and school_class.id in teacher_class_ids(user, term):
        return
    raise PermissionDenied()


def ensure_student_access(user: User, student: Student, term: Term | None) -> None:
    """The student themself, their class teacher in the term, or an admin of the school."""
    if user.role == Role.STUDENT:
        if user.student_id != student.id:
            raise PermissionDenied()
        return
    if user.role == Role.ADMIN and same_school(user, student.school_id):
        return
    if user.role == Role.TEACHER and student.class_id in teacher_class_ids(user, term):
        return
    raise PermissionDenied()


def get_class_for(user: User, class_id: int, term: Term | None) -> SchoolClass:
    school_class = db.session.get(SchoolClass, class_id)
    if school_class is None:
        raise NotFound()
    ensure_class_access(user, school_class, term)
    return school_class


def get_student_for(user: User, student_id: int, term: Term | None) -> Student:
    student = db.session.get(Student, student_id)
    if student is None:
        raise NotFound()
    ensure_student_access(user, student, term)
    return student


# ---- admin ----
# The 学生处's rules: an admin changes only their own school's rows; exports go to the
# admins of the term's school or to a class's teacher. (The imports below belong at the
# top; they are here so that the sections of several areas merge without conflicts.)
from flask_babel import lazy_gettext as _l  # noqa: E402

from ..models import (  # noqa: E402
    ClubMembership,
    ExportJob,
    Major,
    RuleSetVersion,
)


def admin_school(actor: User | None) -> int:
    """The admin's school; a city-wide admin (no school) cannot set up a school here."""
    if actor is None or not actor.is_admin:
        raise PermissionDenied()
    if actor.school_id is None:
        raise PermissionDenied(_l("Sign in as an administrator of a school to change it."))
    return actor.school_id


def row_school(obj) -> int | None:
    """The school a row belongs to: its own `school_id`, else its parent's."""
    if isinstance(obj, Major):
        return obj.department.school_id
    if isinstance(obj, ClubMembership):
        return obj.club.school_id
    if isinstance(obj, RuleSetVersion):
        return obj.rule_set.school_id
    school_id = getattr(obj, "school_id", None)
    if school_id is not None:
        return school_id
    term_id = getattr(obj, "term_id", None)
    if term_id is not None:
        term = db.session.get(Term, term_id)
        return term.school_id if term is not None else None
    return None


def owned(actor: User, model, object_id):
    """The row of `model` with this id if it belongs to the admin's school, else NotFound
    (another school's row is never revealed to exist)."""
    school_id = admin_school(actor)
    obj = db.session.get(model, object_id) if object_id is not None else None
    if obj is None or row_school(obj) != school_id:
        raise NotFound()
    return obj


def ensure_term_export(actor: User | None, term: Term) -> None:
    """School-wide exports: administrators of the term's school (None: the command line)."""
    if actor is None:
        return
    if actor.role == Role.ADMIN and same_school(actor, term.school_id):
        return
    raise PermissionDenied()


def ensure_class_export(actor: User | None, term: Term, school_class: SchoolClass) -> None:
    """A class's exports: admins of the school, or its class teacher in the term."""
    if school_class.school_id != term.school_id:
        raise NotFound()
    if actor is None:
        return
    ensure_class_access(actor, school_class, term)


def ensure_export_job_access(actor: User, job: ExportJob) -> None:
    """An export job is seen by its creator, or by an admin of its school."""
    if job.created_by_id == actor.id:
        return
    if actor.role == Role.ADMIN and job.school_id is not None and same_school(actor,
                                                                               job.school_id):
        return
    raise PermissionDenied()
