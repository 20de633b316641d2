"""The student's pages: their stars for a term (stored once published, else provisional),
the history of other terms, and what the records and appeals pages show. Reads only."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ..errors import NotFound, ValidationFailed
from ..extensions import db
from ..models import (
    ClassState,
    ClassTermStatus,
    Entry,
    RuleSetVersion,
    StarResult,
    Student,
    StudentStatus,
    StudentTermNote,
    Term,
    TermStatus,
    User,
    utcnow,
)
from ..rules import StudentResult
from . import appeals, scoring
from .access import ensure_student_access
from .class_state import STATEMENT_LOCKED_BECAUSE, due_clause
from .results import dimension_names, explanation, indicator_labels, next_star_json
from .rule_names import next_shown, shown, title_shown


def linked_student(actor: User) -> Student:
    """The actor's student record (NotFound, with a message, for an account without one)."""
    if actor.student is None:
        raise NotFound(_l("This account is not linked to a student record. Ask the student "
                          "affairs office."))
    return actor.student


@dataclass
class DimensionView:
    key: str
    name: str
    score: str
    stars: int
    max: str
    next: dict


@dataclass
class StarView:
    """A student's stars for one term as the student page shows them."""

    overall_stars: int
    overall_score: str | None
    max_stars: int
    dimensions: list[DimensionView]
    titles: list[str]
    explain: list[str]
    provisional: bool
    computed_at: datetime | None = None
    how: str = ""  # how the overall score is made, in one line


def overall_rule(rules) -> str:
    """One line saying how the overall result is made from the dimensions (the rules' method):
    the weights as shares of the whole, the star sum, or the lowest dimension."""
    method = rules.overall.method
    if method == "weighted":
        total = sum(d.weight for d in rules.dimensions) or 1
        shares = ", ".join(f"{shown(d)} {round(d.weight * 100 / total):d}%"
                            for d in rules.dimensions)
        return _("Overall score = the dimension scores weighted: %(shares)s.", shares=shares)
    if method == "star_sum":
        return _("Overall score = the sum of the dimension stars.")
    return _("Overall stars = the lowest stars of any dimension.")


def _dimension_names(rules) -> dict[str, tuple[str, str]]:
    return {d.key: (shown(d), str(d.max)) for d in rules.dimensions}


def view_from_row(row: StarResult, lang: str) -> StarView:
    rules = scoring.rules_from_version(db.session.get(RuleSetVersion, row.rule_version_id))
    names = _dimension_names(rules)
    lines, nexts = explanation(row, rules, lang)
    dims = [DimensionView(k, names.get(k, (k, ""))[0], v["score"], v["stars"],
                          names.get(k, (k, ""))[1], next_shown(rules, nexts.get(k, {})))
            for k, v in (row.dimensions or {}).items()]
    return StarView(row.overall_stars, row.overall_score, rules.max_stars, dims,
                    [title_shown(rules, t) for t in row.titles or []], lines,
                    provisional=False, computed_at=row.computed_at, how=overall_rule(rules))


def view_from_result(result: StudentResult, rules, lang: str) -> StarView:
    names = _dimension_names(rules)
    values = scoring.summarize(result)
    nexts = next_star_json(result)
    dims = [DimensionView(k, names.get(k, (k, ""))[0], v["score"], v["stars"],
                          names.get(k, (k, ""))[1], next_shown(rules, nexts.get(k, {})))
            for k, v in values["dimensions"].items()]
    return StarView(values["overall"]["stars"], values["overall"]["score"], rules.max_stars, dims,
                    [title_shown(rules, t) for t in values["titles"]],
                    result.explain("zh" if lang == "zh" else "en"),
                    provisional=True, how=overall_rule(rules))


@dataclass
class StudentPage:
    term: Term | None
    state: ClassState
    load_stars: Callable[[], StarView | None]  # read when the page uses `stars`
    note: object  # StudentTermNote or None
    statement_editable: bool
    history: list  # [(Term, StarResult)] of other terms, published or final
    notice_ends_at: datetime | None = None
    statement_locked: object | None = None  # why the self-statement cannot change now
    provisional: bool = False  # stars evaluated now, not stored (part of the cache key)

    @cached_property
    def stars(self) -> StarView | None:
        """The stars block's data: read only when the block is rendered (a block from the
        fragment cache reads nothing)."""
        return self.load_stars()

    @property
    def chart(self) -> dict | None:
        return radar_chart(self.stars)


def _visible(state: ClassState) -> bool:
    return state in (ClassState.PUBLISHED, ClassState.FINAL)


def student_page(actor: User, student: Student, term: Term | None, lang: str,
                 provisional_allowed: bool) -> StudentPage:
    """What the student's star page shows; stars only once published (or provisional)."""
    ensure_student_access(actor, student, term)
    history, stored = _results(student, term)
    if term is None:
        return StudentPage(None, ClassState.OPEN, lambda: None, None, False, history)
    # the status row, whether it is due to be final and the student's note: one statement
    row, state, note = _state_and_note(term, student)
    provisional = not _visible(state) and provisional_allowed \
        and term.rule_version_id is not None

    def load_stars() -> StarView | None:
        if _visible(state):
            return view_from_row(stored, lang) if stored else None
        if provisional:
            result = scoring.evaluate_term(term, [student.class_id], exact=False).get(student.id)
            if result is not None:
                return view_from_result(result, scoring.term_rules(term), lang)
        return None
    editable = (state == ClassState.OPEN and term.status == TermStatus.OPEN
                and student.status == StudentStatus.ACTIVE)  # a graduate reads only
    if student.status != StudentStatus.ACTIVE:
        locked = _l("Your pages are read-only now that you are no longer enrolled: appeals "
                    "and self-statements cannot be sent.")
    else:
        locked = None if editable else (STATEMENT_LOCKED_BECAUSE.get(state)
                                        or _l("This term is not open for entries."))
    return StudentPage(term, state, load_stars, note, editable, history,
                       row.notice_ends_at if row else None, locked, provisional)


def _results(student: Student, term: Term | None) -> tuple[list, StarResult | None]:
    """The student's published results of other terms (newest first) and their stored
    result of `term` (whatever its class's state: the caller decides what is shown), in one
    statement."""
    shown_states = ClassTermStatus.state.in_([ClassState.PUBLISHED, ClassState.FINAL])
    query = (sa.select(Term, StarResult)
             .join(StarResult, StarResult.term_id == Term.id)
             .outerjoin(ClassTermStatus, sa.and_(
                 ClassTermStatus.term_id == StarResult.term_id,
                 ClassTermStatus.class_id == StarResult.class_id))
             .where(StarResult.student_id == student.id,
                    shown_states if term is None else sa.or_(shown_states, Term.id == term.id))
             .order_by(Term.start_date.desc()))
    history, current = [], None
    for found_term, result in db.session.execute(query).all():
        if term is not None and found_term.id == term.id:
            current = result
        else:
            history.append((found_term, result))
    return history, current


def _state_and_note(term: Term, student: Student):
    """The class's status row (None: open), its state now, and the student's term note."""
    found = db.session.execute(
        sa.select(ClassTermStatus, due_clause(utcnow()).label("due"), StudentTermNote)
        .select_from(Term)
        .outerjoin(ClassTermStatus, sa.and_(ClassTermStatus.term_id == Term.id,
                                            ClassTermStatus.class_id == student.class_id))
        .outerjoin(StudentTermNote, sa.and_(StudentTermNote.term_id == Term.id,
                                            StudentTermNote.student_id == student.id))
        .where(Term.id == term.id)).one()
    row, due, note = found
    if row is None:
        return None, ClassState.OPEN, note
    return row, ClassState.FINAL if due else row.state, note


def radar_chart(stars: StarView | None) -> dict | None:
    """The radar chart's data (stars per dimension), for the page's JSON island."""
    if stars is None:
        return None
    return {"labels": [d.name for d in stars.dimensions],
            "values": [d.stars for d in stars.dimensions],
            "max": stars.max_stars, "label": _("Stars")}


def appeal_entry(actor: User, student: Student, term: Term | None, entry_id) -> Entry | None:
    """The student's live entry an appeal is about (None when none is named; else NotFound)."""
    if not str(entry_id or "").isdigit():
        return None
    ensure_student_access(actor, student, term)
    entry = db.session.get(Entry, int(entry_id))
    if (term is None or entry is None or entry.student_id != student.id
            or entry.term_id != term.id or entry.deleted_at is not None):
        raise NotFound()
    return entry


def require_term(term: Term | None) -> Term:
    if term is None:
        raise ValidationFailed(_l("No term has been set up yet."))
    return term


def appeals_page(actor: User, student: Student, term: Term | None) -> dict:
    """What the student's appeals page shows besides its form: every appeal of theirs, with
    entries and files, and the notice period of the term."""
    mine = appeals.student_appeals(actor, student)
    entries, files = appeals.related(mine)
    return {"student": student, "term": term, "appeals": mine, "entries": entries,
            "files": files, "labels": indicator_labels(term),
            "window": appeals.appeal_window(term, student) if term else None,
            "dim_names": dimension_names(term)}
