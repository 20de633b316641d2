"""Helpers shared by the admin views: choices of the admin's school, the chosen term."""

from __future__ import annotations

import sqlalchemy as sa
from flask import flash, request
from flask_login import current_user

from ..errors import NotFound, ValidationFailed
from ..extensions import db
from ..models import Department, Major, Role, SchoolClass, Term, User
from ..services.terms import current_term
from ..utils import apply_errors


def school_id() -> int | None:
    return current_user.school_id


def terms() -> list[Term]:
    return list(db.session.scalars(sa.select(Term).where(Term.school_id == school_id())
                                   .order_by(Term.start_date.desc())))


def chosen_term(all_terms: list[Term] | None = None) -> Term | None:
    """The term named by ?term=<id>, else the current term."""
    wanted = request.args.get("term", type=int)
    if wanted:
        term = db.session.get(Term, wanted)
        if term is None or term.school_id != school_id():
            raise NotFound()
        return term
    return current_term(school_id())


def major_choices() -> list[tuple[str, str]]:
    rows = db.session.execute(
        sa.select(Major.id, Major.name, Department.name).join(Department)
        .where(Department.school_id == school_id()).order_by(Department.name, Major.name))
    return [(str(i), f"{d} · {m}") for i, m, d in rows]


def department_choices() -> list[tuple[str, str]]:
    rows = db.session.execute(sa.select(Department.id, Department.name)
                              .where(Department.school_id == school_id())
                              .order_by(Department.name))
    return [(str(i), n) for i, n in rows]


def class_choices() -> list[tuple[str, str]]:
    rows = db.session.execute(sa.select(SchoolClass.id, SchoolClass.name)
                              .where(SchoolClass.school_id == school_id())
                              .order_by(SchoolClass.grade.desc(), SchoolClass.name))
    return [(str(i), n) for i, n in rows]


def teacher_choices(active_only: bool = True) -> list[tuple[str, str]]:
    query = sa.select(User.id, User.display_name, User.username).where(
        User.school_id == school_id(), User.role == Role.TEACHER)
    if active_only:
        query = query.where(User.active.is_(True))
    return [(str(i), f"{d} ({u})") for i, d, u in
            db.session.execute(query.order_by(User.display_name))]


def failed(form, error: ValidationFailed) -> None:
    """Show a service's validation errors on the form (or as a flash when none fit)."""
    if form is not None and error.errors:
        apply_errors(form, error.errors)
    if error.message:
        flash(str(error.message), "error")
