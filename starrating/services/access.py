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


# ---- spreadsheet imports ----

def get_class_in_term(user: User, term: Term, class_id: int) -> SchoolClass:
    """The class for an import of the term's entries: its class teacher in the term, or an
    admin of the school that holds both the class and the term."""
    school_class = get_class_for(user, class_id, term)
    if user.role == Role.ADMIN and school_class.school_id != term.school_id:
        raise PermissionDenied()
    return school_class


def ensure_uploader(user: User, uploader_id: int | None) -> None:
    """A kept upload is loaded back by the person who uploaded it only (NotFound: another
    person does not learn that the token exists)."""
    if uploader_id is None or uploader_id != user.id:
        raise NotFound()
