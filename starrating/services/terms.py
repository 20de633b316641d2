"""Finding terms."""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from ..errors import NotFound
from ..extensions import db
from ..models import Role, Term, TermStatus, User


def current_term(school_id: int | None) -> Term | None:
    """The open term that started last; else the latest term of the school."""
    if school_id is None:
        return None
    base = sa.select(Term).where(Term.school_id == school_id)
    term = db.session.scalar(
        base.where(Term.status == TermStatus.OPEN).order_by(Term.start_date.desc()).limit(1)
    )
    return term or db.session.scalar(base.order_by(Term.start_date.desc()).limit(1))


def term_for(actor: User, term_id: int | str | None = None, *, required: bool = False
             ) -> Term | None:
    """The one term resolver for pages: the term `term_id` names when it belongs to the
    actor's school (NotFound otherwise), else the actor's current term.

    With `required`, a school without any term raises NotFound with a message instead of
    returning None. A city-wide admin (no school) may name any term; they have no current one.
    """
    school_id = actor.student.school_id if actor.student_id and actor.student else actor.school_id
    if term_id not in (None, ""):
        term = db.session.get(Term, int(term_id)) if str(term_id).isdigit() else None
        city_wide = school_id is None and actor.role == Role.ADMIN
        if term is None or not (city_wide or term.school_id == school_id):
            raise NotFound()
        return term
    term = current_term(school_id)
    if term is None and required:
        raise NotFound(_l("No term has been set up yet."))
    return term


def find_term(name_or_id: str | None, school_id: int | None = None) -> Term:
    """A term by id or name (for the CLI); the current term when none is named."""
    if not name_or_id:
        if school_id is None:
            school_id = db.session.scalar(sa.select(Term.school_id).limit(1))
        term = current_term(school_id)
    else:
        query = sa.select(Term).where(Term.name == name_or_id)
        if school_id is not None:
            query = query.where(Term.school_id == school_id)
        term = db.session.scalars(query).first()
        if term is None and name_or_id.isdigit():
            term = db.session.get(Term, int(name_or_id))
    if term is None:
        raise NotFound(f"no such term: {name_or_id or '(current)'}")
    return term
