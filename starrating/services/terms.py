"""Finding terms."""

from __future__ import annotations

import sqlalchemy as sa

from ..errors import NotFound
from ..extensions import db
from ..models import Term, TermStatus


def current_term(school_id: int | None) -> Term | None:
    """The open term that started last; else the latest term of the school."""
    if school_id is None:
        return None
    base = sa.select(Term).where(Term.school_id == school_id)
    term = db.session.scalar(
        base.where(Term.status == TermStatus.OPEN).order_by(Term.start_date.desc()).limit(1)
    )
    return term or db.session.scalar(base.order_by(Term.start_date.desc()).limit(1))


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
