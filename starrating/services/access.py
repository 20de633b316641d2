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


# ---- auth ----

def ensure_account_manageable(actor: User, user: User) -> None:
    """An admin manages the accounts of their own school (a city-wide admin: every school)."""
    if actor.role != Role.ADMIN or (actor.school_id is not None
                                    and actor.school_id != user.school_id):
        raise PermissionDenied()


def account_for(actor: User, user_id: int) -> User:
    """The account `actor` may manage: 404 when there is none, 403 when it is not theirs."""
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound()
    ensure_account_manageable(actor, user)
    return user
