"""Finding terms."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload

from ..errors import NotFound
from ..extensions import db
from ..models import ClassAssignment, Entry, Role, StarResult, Term, User
from .clock import school_today


def current_term(school_id: int | None, today: date | None = None) -> Term | None:
    """The term in force on the school's today: the one whose dates contain it (the later
    start when two overlap); between terms, the last one that ended, until the next starts;
    before the first term, the first one. A term's status never makes it current: a term
    created early as 进行中 waits for its start date."""
    if school_id is None:
        return None
    today = today or school_today(school_id)
    return in_force(school_terms(school_id), today)


def in_force(terms: list[Term], today: date) -> Term | None:
    """`current_term`'s choice among one school's terms (already loaded)."""
    started = [t for t in terms if t.start_date <= today]
    if started:
        return min(started, key=lambda t: (0 if t.end_date >= today else 1,
                                           -t.start_date.toordinal(), -t.end_date.toordinal(),
                                           -t.id))
    return min(terms, key=lambda t: (t.start_date, t.id)) if terms else None


def school_terms(school_id: int, actor: User | None = None) -> list[Term]:
    """Every term of the school, newest first, in one statement per transaction.

    A page asks several times (the term shown, whether it is in force, the term line), so
    the answer is kept for the session's transaction and forgotten when a term is written
    or the transaction ends (_forget_terms). With `actor`, the same statement also tells
    which terms the actor has something in (`involved_terms`): a school has a few terms a
    year, so all of them cost less than a second statement."""
    known = db.session.info.setdefault(_TERMS, {})
    found = known.get(school_id)
    if found is not None and (actor is None or _actor_key(actor) in found[1]) \
            and all(t in db.session for t in found[0]):
        return found[0]
    kind = _involvement_kind(actor)
    rows = db.session.execute(_terms_statement(kind), {
        "school_id": school_id, "actor_id": getattr(actor, "id", None),
        "student_id": getattr(actor, "student_id", None) or -1}).all()
    terms = [row[0] for row in rows]
    involved = {} if found is None else found[1]
    if actor is not None:
        involved[_actor_key(actor)] = ({row[0].id for row in rows if row[1]}
                                       if kind is not None else {t.id for t in terms})
    known[school_id] = (terms, involved)
    return terms


def involved_terms(actor: User, school_id: int) -> set[int]:
    """The ids of the school's terms the actor has something in (see switchable_terms)."""
    school_terms(school_id, actor)
    return db.session.info[_TERMS][school_id][1][_actor_key(actor)]


def _actor_key(actor: User) -> tuple:
    return (actor.id, str(actor.role))


def _involvement_kind(actor: User | None) -> str | None:
    """Whose share in the terms the statement tells: a teacher's (the terms they held a
    class in), a student's (the terms with their entries or results); None — every term
    (an admin's; others see only the started ones, switchable_terms)."""
    if actor is not None and actor.role in (Role.TEACHER, Role.STUDENT):
        return str(actor.role)
    return None


def _terms_statement(kind: str | None):
    """The school's terms (each with its rule set version: pages parse the rules of the
    term shown; a version is immutable and parsed once per process, scoring.term_rules)
    and, for `kind`, the actor's share — built once per process: building it cost more
    than running it."""
    if kind not in _STATEMENTS:
        if kind == "teacher":
            flag = Term.id.in_(sa.select(ClassAssignment.term_id).where(
                ClassAssignment.teacher_id == sa.bindparam("actor_id")))
        elif kind == "student":
            sid = sa.bindparam("student_id")
            flag = sa.or_(
                Term.id.in_(sa.select(Entry.term_id).where(Entry.student_id == sid,
                                                           Entry.deleted_at.is_(None))),
                Term.id.in_(sa.select(StarResult.term_id).where(StarResult.student_id == sid)))
        query = sa.select(Term, flag.label("involved")) if kind else sa.select(Term)
        _STATEMENTS[kind] = (query.where(Term.school_id == sa.bindparam("school_id"))
                             .options(joinedload(Term.rule_version))
                             .order_by(Term.start_date.desc(), Term.id.desc()))
    return _STATEMENTS[kind]


_STATEMENTS: dict = {}
_TERMS = "school_terms"


@sa.event.listens_for(sa.orm.Session, "before_flush")
def _forget_on_term_writes(session, _context, _instances) -> None:
    if any(isinstance(o, Term) for o in (*session.new, *session.dirty, *session.deleted)):
        session.info.pop(_TERMS, None)


@sa.event.listens_for(sa.orm.Session, "after_transaction_end")
def _forget_terms(session, _transaction) -> None:
    session.info.pop(_TERMS, None)


@sa.event.listens_for(sa.orm.Session, "do_orm_execute")
def _forget_on_bulk_term_writes(state) -> None:
    if (state.is_update or state.is_delete or state.is_insert) and any(
            getattr(m, "class_", None) is Term for m in state.all_mappers):
        state.session.info.pop(_TERMS, None)


def school_of(actor: User) -> int | None:
    return actor.student.school_id if actor.student_id and actor.student else actor.school_id


def term_for(actor: User, term_id: int | str | None = None, *, required: bool = False
             ) -> Term | None:
    """The one term resolver for pages: the term `term_id` names when it belongs to the
    actor's school (NotFound otherwise), else the actor's current term.

    With `required`, a school without any term raises NotFound with a message instead of
    returning None. A user of no school (the city office outside a school) has no term.
    """
    school_id = school_of(actor)
    if term_id not in (None, ""):
        term = db.session.get(Term, int(term_id)) if str(term_id).isdigit() else None
        if term is None or school_id is None or term.school_id != school_id:
            raise NotFound()
        return term
    if school_id is None:
        term = None
    else:  # the school's terms and the actor's share in them: one statement for the page
        school_terms(school_id, actor)
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


# ---- which term a page shows, and the terms one may switch to ----------------------------------

@dataclass
class TermBar:
    """What the term line of a page says: the term shown, whether it is the one in force,
    and the terms the reader may switch to (those where they have something to see)."""

    term: Term
    current_id: int | None
    choices: list[Term]

    @property
    def is_current(self) -> bool:
        return self.term.id == self.current_id


def is_current(term: Term | None) -> bool:
    """Whether the term is the one in force at its school today."""
    if term is None:
        return False
    current = current_term(term.school_id)
    return current is not None and current.id == term.id


def switchable_terms(actor: User) -> list[Term]:
    """The terms the actor has something in, newest first (from the school's terms, one
    statement): an admin every term of the school; a teacher the terms they held a class
    in; a student the terms with their entries or results; everyone the term in force. Only
    admins see terms that have not started: a term set up early stays invisible to teachers
    and students."""
    school_id = school_of(actor)
    if school_id is None:
        return []
    terms = school_terms(school_id, actor)
    involved = involved_terms(actor, school_id)
    today = school_today(school_id)
    chosen = [t for t in terms if t.id in involved
              and (actor.role == Role.ADMIN or t.start_date <= today)]
    current = in_force(terms, today)
    if current is not None and all(t.id != current.id for t in chosen):
        chosen.append(current)
        chosen.sort(key=lambda t: (t.start_date, t.id), reverse=True)
    return chosen


def term_bar(actor: User, term: Term | None) -> TermBar | None:
    """The term line for a page showing `term` to `actor`."""
    if term is None:
        return None
    current = current_term(term.school_id)
    choices = switchable_terms(actor)
    if all(t.id != term.id for t in choices):
        choices.insert(0, term)
    return TermBar(term=term, current_id=current.id if current else None, choices=choices)
