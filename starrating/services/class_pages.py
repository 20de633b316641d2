"""The class teacher's pages, read side: my classes, a class's running stars, the grid, a
student's entries, the entry forms. Nothing here writes."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload, selectinload

from ..errors import NotFound, PermissionDenied
from ..extensions import db
from ..models import (
    ClassAssignment,
    ClassState,
    Entry,
    EntrySource,
    Role,
    SchoolClass,
    Student,
    StudentStatus,
    StudentTermNote,
    Term,
    TermStatus,
    User,
)
from ..rules import RuleSet
from . import history
from .access import ensure_student_access, get_class_for, get_student_for, writable_class_ids
from .class_state import class_states, is_editable, lock_reason
from .entry_input import indicator_label, indicator_labels, school_today
from .notes import get_note
from .sanctions import SANCTIONS, active_flags
from .scoring import evaluate_with_inputs, term_rules
from .terms import is_current
from .workflow import one_class_flow


def default_entry_date(term: Term, today: date | None = None) -> date:
    """Today, or the term's last day when the term is over (the form's default date)."""
    today = today or school_today()
    return max(term.start_date, min(today, term.end_date))


def class_students(school_class_id: int) -> list[Student]:
    """The class's active students in student-number order."""
    return list(db.session.scalars(
        sa.select(Student).where(Student.class_id == school_class_id,
                                 Student.status == StudentStatus.ACTIVE)
        .order_by(Student.student_no)))


def author_names(rows: list[Entry]) -> dict[int, str]:
    """{user id: display name} of the entries' authors, in one query."""
    ids = {e.author_id for e in rows if e.author_id}
    if not ids:
        return {}
    return dict(db.session.execute(
        sa.select(User.id, User.display_name).where(User.id.in_(ids))).all())


def writes_in(actor: User, term: Term) -> bool:
    """Whether the actor's pages of this term offer writing: admins in any term of their
    school, class teachers in the term in force only (last term's classes are read-only)."""
    return actor.role == Role.ADMIN or is_current(term)


def may_edit(actor: User, entry: Entry, editable: bool) -> bool:
    """For showing the edit/delete buttons (the services check again on POST)."""
    if not editable or entry.source in (EntrySource.CLUB, EntrySource.REGISTRY):
        return False
    return actor.role == Role.ADMIN or entry.author_id == actor.id


# ---- a student's entries --------------------------------------------------------------------

@dataclass
class EntryFilter:
    dimension: str = ""
    indicator: str = ""
    date_from: date | None = None
    date_to: date | None = None
    deleted: bool = False  # the deleted entries instead of the live ones


def student_entries(actor: User, term: Term, student: Student,
                    filters: EntryFilter | None = None) -> list[Entry]:
    """The student's live entries in the term, newest first, with evidence loaded."""
    ensure_student_access(actor, student, term)
    filters = filters or EntryFilter()
    live = Entry.deleted_at.is_not(None) if filters.deleted else Entry.deleted_at.is_(None)
    query = (sa.select(Entry).where(Entry.term_id == term.id, Entry.student_id == student.id,
                                    live)
             .options(joinedload(Entry.evidence))  # with the entries: one statement
             .order_by(Entry.occurred_on.desc(), Entry.id.desc()))
    if filters.indicator:
        query = query.where(Entry.indicator == filters.indicator)
    elif filters.dimension:
        query = query.where(Entry.indicator.like(f"{filters.dimension}.%"))
    if filters.date_from:
        query = query.where(Entry.occurred_on >= filters.date_from)
    if filters.date_to:
        query = query.where(Entry.occurred_on <= filters.date_to)
    return list(db.session.scalars(query).unique())


@dataclass
class StudentPage:
    """What the teacher's page of one student shows (names as the template uses them)."""

    term: Term
    student: Student
    entries: list[Entry]
    labels: dict[str, str]
    authors: dict[int, str]
    note: StudentTermNote | None
    editable: bool
    can_edit: Callable[[Entry], bool]
    flags: list
    flag_names: dict


def student_page(actor: User, term: Term, student_id: int,
                 filters: EntryFilter | None = None) -> StudentPage:
    """A student's entries (filtered), comment, sanctions, and what the actor may change."""
    student = get_student_for(actor, student_id, term)
    rows = student_entries(actor, term, student, filters)
    editable = writes_in(actor, term) and is_editable(term, student.class_id) \
        and not (filters and filters.deleted)
    return StudentPage(
        term=term, student=student, entries=rows, labels=indicator_labels(term_rules(term)),
        authors=author_names(rows), note=get_note(term, student), editable=editable,
        can_edit=lambda e: may_edit(actor, e, editable),
        flags=active_flags(term, [student.id]).get(student.id, []), flag_names=SANCTIONS)


# ---- the class page -------------------------------------------------------------------------

@dataclass
class StudentLine:
    """A class page row's student: what the page shows of them."""

    id: int
    student_no: str
    name: str


@dataclass
class ClassRow:
    student: StudentLine
    result: object  # rules.StudentResult, or None without rules
    flags: list
    entries: int


@dataclass
class ClassOverview:
    """The class page. `rules` and `rows` are read when first used: a page whose table comes
    from the fragment cache (page_cache.py) reads neither."""

    term: Term
    school_class: SchoolClass
    state: object
    editable: bool
    flow: object  # workflow.ClassFlow: the class's workflow panel
    load: Callable[[], tuple] = field(repr=False)

    @cached_property
    def _loaded(self) -> tuple:
        return self.load()

    @property
    def rules(self) -> RuleSet | None:
        return self._loaded[0]

    @property
    def rows(self) -> list[ClassRow]:
        return self._loaded[1]


def class_rows(term: Term, class_id: int) -> tuple[RuleSet | None, list[ClassRow]]:
    """The term's rules and each student's running scores, provisional stars, flags and
    entry count, from scoring's reads (entry totals with their counts, club memberships,
    the class's flags, the students): a fixed number of statements whatever the class size."""
    rules = term_rules(term)
    if not rules:
        return None, [ClassRow(StudentLine(s.id, s.student_no, s.name), None, [], 0)
                      for s in class_students(class_id)]
    results, collected = evaluate_with_inputs(term, [class_id], rules, exact=False)
    return rules, [ClassRow(StudentLine(sid, no, name), results.get(sid),
                            collected.flag_rows.get(sid, []), collected.entry_counts.get(sid, 0))
                   for sid, (no, name, cid) in collected.students.items() if cid == class_id]


def class_overview(actor: User, term: Term, class_id: int) -> ClassOverview:
    """A class's page for its class teacher or an admin: the workflow panel (one statement)
    now, the rows (class_rows) when the page uses them."""
    school_class = get_class_for(actor, class_id, term)
    if school_class.school_id != term.school_id:
        raise NotFound()
    flow = one_class_flow(term, school_class)
    return ClassOverview(term=term, school_class=school_class, state=flow.state,
                         editable=term.status == TermStatus.OPEN
                         and flow.state == ClassState.OPEN and writes_in(actor, term),
                         flow=flow, load=lambda: class_rows(term, class_id))


@dataclass
class ClassCard:
    school_class: SchoolClass
    teacher_name: str
    students: int
    entries: int
    last_entry: date | None
    state: object


def my_classes(actor: User, term: Term | None) -> list[ClassCard]:
    """The classes on the teacher's home: theirs this term (an admin: all of the school)."""
    if term is None:
        return []
    query = (sa.select(SchoolClass, User.display_name)
             .join(ClassAssignment, sa.and_(ClassAssignment.class_id == SchoolClass.id,
                                            ClassAssignment.term_id == term.id))
             .join(User, User.id == ClassAssignment.teacher_id)
             .options(selectinload(SchoolClass.major))
             .order_by(SchoolClass.grade.desc(), SchoolClass.name))
    if actor.role == Role.ADMIN:
        query = query.where(SchoolClass.school_id == term.school_id)
    else:
        query = query.where(ClassAssignment.teacher_id == actor.id)
    classes = db.session.execute(query).all()
    ids = [c.id for c, _name in classes]
    if not ids:
        return []
    students = dict(db.session.execute(
        sa.select(Student.class_id, sa.func.count(Student.id))
        .where(Student.class_id.in_(ids), Student.status == StudentStatus.ACTIVE)
        .group_by(Student.class_id)).all())
    stats = {cid: (n, last) for cid, n, last in db.session.execute(
        sa.select(Student.class_id, sa.func.count(Entry.id), sa.func.max(Entry.occurred_on))
        .join(Student, Student.id == Entry.student_id)
        .where(Entry.term_id == term.id, Entry.deleted_at.is_(None),
               Student.class_id.in_(ids))
        .group_by(Student.class_id))}
    states = class_states(term, ids)
    return [ClassCard(c, name, students.get(c.id, 0), *stats.get(c.id, (0, None)),
                      states[c.id])
            for c, name in classes]


# ---- the entry forms and the grid ----------------------------------------------------------

def entry_students(actor: User, term: Term, class_id: int | None = None
                   ) -> dict[str, list[tuple[str, str]]]:
    """Students the actor may record for, grouped by class name (for the entry form)."""
    query = (sa.select(Student.id, Student.student_no, Student.name, SchoolClass.name)
             .join(SchoolClass, SchoolClass.id == Student.class_id)
             .where(Student.status == StudentStatus.ACTIVE,
                    Student.school_id == term.school_id)
             .order_by(SchoolClass.name, Student.student_no))
    allowed = writable_class_ids(actor, term)
    if allowed is None:  # an admin: one class at a time
        if class_id is None:
            return {}
        query = query.where(Student.class_id == class_id)
    else:
        if class_id is not None:
            allowed &= {class_id}
        query = query.where(Student.class_id.in_(allowed))
    out: dict[str, list[tuple[str, str]]] = {}
    for sid, no, name, class_name in db.session.execute(query):
        out.setdefault(class_name, []).append((str(sid), f"{name} ({no})"))
    return out


@dataclass
class EntryFormPage:
    term: Term
    rules: RuleSet | None
    students: dict[str, list[tuple[str, str]]]


def entry_form_page(actor: User, term: Term, class_id: int | None) -> EntryFormPage:
    """The new-entry form: the term's rules and the students the actor may record for."""
    return EntryFormPage(term=term, rules=term_rules(term),
                         students=entry_students(actor, term, class_id))


@dataclass
class EditPage:
    entry: Entry
    rules: RuleSet | None
    label: str
    # Why this entry cannot be changed by the actor now (None: the form is offered).
    locked: object | None = None


def get_entry_for(actor: User, entry_id: int) -> Entry:
    """An entry the actor may see (with student and term)."""
    entry = db.session.get(Entry, entry_id)
    if entry is None:
        raise NotFound()
    ensure_student_access(actor, entry.student, entry.term)
    return entry


def edit_page(actor: User, entry_id: int) -> EditPage:
    """The edit form of one entry: the entry as stored now, its rules and indicator label."""
    entry = get_entry_for(actor, entry_id)
    rules = term_rules(entry.term)
    locked = lock_reason(entry.term, [entry.student.class_id])
    if locked is None and not writes_in(actor, entry.term):
        locked = _l("This entry belongs to a term that is no longer in force; it can be read "
                    "here but not changed.")
    elif locked is None and not may_edit(actor, entry, True):
        locked = _l("Only the author or an administrator may change this entry.")
    return EditPage(entry=entry, rules=rules, label=indicator_label(rules, entry.indicator),
                    locked=locked)


@dataclass
class EntryHistory:
    entry: Entry
    label: str
    lines: list  # history.Told, oldest first


def entry_history(actor: User, entry_id: int) -> EntryHistory:
    """One entry's history (also of a deleted entry), for whoever may see the student in the
    entry's term: its class teacher then, or an admin of the school."""
    if actor.role == Role.STUDENT:
        raise PermissionDenied()
    entry = get_entry_for(actor, entry_id)
    return EntryHistory(entry=entry, label=indicator_label(term_rules(entry.term), entry.indicator),
                        lines=history.tell(history.entry_history(entry)))


@dataclass
class GridPage:
    school_class: SchoolClass
    rules: RuleSet | None
    students: list[Student]
    editable: bool


def grid_page(actor: User, term: Term, class_id: int) -> GridPage:
    """What the class grid shows: the class's students in student-number order."""
    if actor.role == Role.STUDENT:
        raise PermissionDenied()
    school_class = get_class_for(actor, class_id, term)
    if school_class.school_id != term.school_id:
        raise NotFound()
    return GridPage(school_class=school_class, rules=term_rules(term),
                    students=class_students(class_id), editable=is_editable(term, class_id))
