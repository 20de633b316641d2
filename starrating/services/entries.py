"""写实记录: recording, correcting and listing scored events; sanctions; 班主任评语.

Every function takes the acting user, checks ownership (services/access.py) and the
workflow (services/class_state.ensure_editable), validates everything before the first write,
flushes, and records the change in the audit log. Nothing here commits.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.exc import StaleDataError

from ..errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from ..extensions import db
from ..models import (
    Entry,
    EntrySource,
    Flag,
    Role,
    SchoolClass,
    Student,
    StudentStatus,
    StudentTermNote,
    Term,
    User,
    utcnow,
)
from ..rules import RuleSet
from . import audit, evidence
from .access import ensure_class_access, ensure_student_access, same_school, teacher_class_ids
from .class_state import class_state, class_states, ensure_editable, is_editable
from .entry_input import (
    NOTE_MAX,
    EntryInput,
    check_date,
    parse_points,
    resolve_item,
    rules_for,
    school_today,
    validate_event,
)
from .scoring import term_rules

SANCTIONS = {
    "sanction.warning": _l("Warning (警告)"),
    "sanction.serious_warning": _l("Serious warning (严重警告)"),
    "sanction.demerit": _l("Demerit (记过)"),
    "sanction.probation": _l("Probation (留校察看)"),
}
AUDIT_EXCLUDE = ("updated_at",)


def indicator_groups(rules: RuleSet) -> dict[str, list[tuple[str, str]]]:
    """{dimension name: [(full key, indicator name)]} — for a select with optgroups."""
    return {d.name: [(f"{d.key}.{i.key}", i.name) for i in d.indicators]
            for d in rules.dimensions}


def item_choices(rules: RuleSet) -> dict[str, list[tuple[str, str]]]:
    """{"dimension · indicator": [("key|index", "name (+2)")]} — the catalogue items."""
    groups = {}
    for d in rules.dimensions:
        for i in d.indicators:
            if i.items:
                groups[f"{d.name} · {i.name}"] = [
                    (f"{d.key}.{i.key}|{n}", f"{item.name} ({_signed(item.points)})")
                    for n, item in enumerate(i.items)]
    return groups


def _signed(points: Decimal) -> str:
    text = format(points.normalize(), "f") if points == points.to_integral() else str(points)
    return text if points < 0 else f"+{text}"


# ---- who may write for whom ----------------------------------------------------------------

def _writable_class_ids(actor: User, term: Term) -> set[int] | None:
    """Class ids the actor may write for in the term; None = every class of the school."""
    if actor.role == Role.ADMIN:
        return None
    if actor.role == Role.TEACHER:
        return teacher_class_ids(actor, term)
    raise PermissionDenied()


def _load_students(actor: User, term: Term, student_ids) -> list[Student]:
    """The students, all of whom the actor may write for (else PermissionDenied)."""
    ids = sorted({int(i) for i in student_ids})
    students = list(db.session.scalars(sa.select(Student).where(Student.id.in_(ids)))) if ids \
        else []
    if len(students) != len(ids):
        raise NotFound()
    allowed = _writable_class_ids(actor, term)
    for s in students:
        if not same_school(actor, s.school_id) or s.school_id != term.school_id:
            raise PermissionDenied()
        if allowed is not None and s.class_id not in allowed:
            raise PermissionDenied()
    return students


def _ensure_entry_writable(actor: User, entry: Entry) -> None:
    """Teachers: their own entries of their classes; admins: any of their school's."""
    student = entry.student
    term = entry.term
    if entry.deleted_at is not None:
        raise NotFound(_l("This entry was deleted."))
    if actor.role == Role.ADMIN and same_school(actor, student.school_id):
        pass
    elif actor.role == Role.TEACHER and student.class_id in teacher_class_ids(actor, term):
        if entry.author_id != actor.id:
            raise PermissionDenied(_l("Only the author or an administrator may change this "
                                      "entry."))
    else:
        raise PermissionDenied()
    if entry.source == EntrySource.CLUB:
        raise ValidationFailed(_l("Club memberships are changed on the club page."))
    ensure_editable(term, [student.class_id])


# ---- recording ---------------------------------------------------------------------------

def record_entries(actor: User, term: Term, student_ids, data: EntryInput,
                   today: date | None = None) -> list[Entry]:
    """One event for one or several students of the actor's classes. All or nothing."""
    today = today or school_today()
    if not student_ids:
        raise ValidationFailed(_l("Choose at least one student."),
                               errors={"students": [_l("Choose at least one student.")]})
    students = _load_students(actor, term, student_ids)
    ensure_editable(term, {s.class_id for s in students})
    rules = rules_for(term)
    indicator, points, item_name, note, files, errors = validate_event(term, rules, data, today)
    if errors:
        raise ValidationFailed(_l("Please correct the marked fields."), errors=errors)
    entries = []
    for student in students:
        entry = Entry(term_id=term.id, student_id=student.id, indicator=indicator,
                      points_cents=int(points * 100), occurred_on=data.occurred_on,
                      item_name=item_name[:120], note=note, source=EntrySource.FORM,
                      author_id=actor.id)
        db.session.add(entry)
        entries.append(entry)
    db.session.flush()
    for entry in entries:
        for checked in files:
            evidence.store(actor, checked, entry=entry)
        audit.record(actor, "create", entry, school_id=term.school_id,
                     after=audit.snapshot(entry, AUDIT_EXCLUDE))
    db.session.flush()
    return entries


def get_entry_for(actor: User, entry_id: int) -> Entry:
    """An entry the actor may see (with student and term)."""
    entry = db.session.get(Entry, entry_id)
    if entry is None:
        raise NotFound()
    ensure_student_access(actor, entry.student, entry.term)
    return entry


def update_entry(actor: User, entry_id: int, expected_version: int, data: EntryInput,
                 today: date | None = None) -> Entry:
    """Correct an entry seen at `expected_version`; Conflict when someone changed it since."""
    today = today or school_today()
    entry = db.session.get(Entry, entry_id)
    if entry is None:
        raise NotFound()
    _ensure_entry_writable(actor, entry)
    _check_version(entry, expected_version)
    rules = rules_for(entry.term)
    indicator, points, item_name, note, files, errors = validate_event(entry.term, rules, data, today)
    if errors:
        raise ValidationFailed(_l("Please correct the marked fields."), errors=errors)
    before = audit.snapshot(entry, AUDIT_EXCLUDE)
    entry.indicator = indicator
    entry.points_cents = int(points * 100)
    entry.occurred_on = data.occurred_on
    entry.note = note
    entry.item_name = item_name[:120]
    _flush_versioned()
    for checked in files:
        evidence.store(actor, checked, entry=entry)
    audit.record(actor, "update", entry, school_id=entry.term.school_id, before=before,
                 after=audit.snapshot(entry, AUDIT_EXCLUDE))
    db.session.flush()
    return entry


def delete_entry(actor: User, entry_id: int, expected_version: int) -> Entry:
    """Soft delete: the row stays (deleted_at), so history and appeals can still see it."""
    entry = db.session.get(Entry, entry_id)
    if entry is None:
        raise NotFound()
    _ensure_entry_writable(actor, entry)
    _check_version(entry, expected_version)
    before = audit.snapshot(entry, AUDIT_EXCLUDE)
    entry.deleted_at = utcnow()
    _flush_versioned()
    audit.record(actor, "delete", entry, school_id=entry.term.school_id, before=before,
                 after=audit.snapshot(entry, AUDIT_EXCLUDE))
    db.session.flush()
    return entry


def _check_version(entry: Entry, expected_version) -> None:
    try:
        expected = int(expected_version)
    except (TypeError, ValueError):
        expected = -1
    if entry.version != expected:
        raise Conflict(_l("Someone else changed this entry after you opened it. Your changes "
                          "were not saved; check the current values below and try again."))


def _flush_versioned() -> None:
    # version_id_col makes the UPDATE carry "WHERE version = <old>": a concurrent writer
    # that got in between the read and this flush leaves zero rows matched.
    try:
        db.session.flush()
    except StaleDataError:
        raise Conflict(_l("Someone else changed this entry after you opened it. Your changes "
                          "were not saved; check the current values below and try again.")) \
            from None


# ---- the class grid -----------------------------------------------------------------------

@dataclass
class GridRow:
    student_id: int
    ticked: bool = False
    points: str = ""


@dataclass
class GridInput:
    indicator: str
    occurred_on: date | None
    note: str = ""
    item: str = ""
    points: str = ""  # for ticked students whose cell is empty
    rows: list[GridRow] = field(default_factory=list)


def class_students(school_class_id: int) -> list[Student]:
    return list(db.session.scalars(
        sa.select(Student).where(Student.class_id == school_class_id,
                                 Student.status == StudentStatus.ACTIVE)
        .order_by(Student.student_no)))


def save_grid(actor: User, term: Term, school_class: SchoolClass, data: GridInput,
              today: date | None = None) -> int:
    """One event for many students of one class, in one bulk insert. Returns entries written.

    A row counts when its cell has points, or when it is ticked (then the common points or
    the item's points apply). Errors: {"row-<student id>": [...], "<field>": [...]}.
    """
    today = today or school_today()
    ensure_class_access(actor, school_class, term)
    if actor.role == Role.STUDENT:
        raise PermissionDenied()
    ensure_editable(term, [school_class.id])
    rules = rules_for(term)
    students = {s.id: s for s in class_students(school_class.id)}
    errors: dict[str, list] = {}
    indicator = (data.indicator or "").strip()
    if indicator not in rules.indicator_keys():
        errors["indicator"] = [_l("Choose an indicator from the list.")]
    item_name, common = "", None
    try:
        item = resolve_item(rules, data.item)
    except ValueError as e:
        errors["item"] = [e.args[0]]
        item = None
    if item is not None:
        if item[0] != indicator and "indicator" not in errors:
            errors["item"] = [_l("This item belongs to another indicator.")]
        item_name, common = item[1].name, item[1].points
    if str(data.points or "").strip():
        try:
            common = parse_points(data.points)
        except ValueError as e:
            errors["points"] = [e.args[0]]
    problem = check_date(term, data.occurred_on, today)
    if problem:
        errors["occurred_on"] = [problem]
    note = (data.note or "").strip()
    if len(note) > NOTE_MAX:
        errors["note"] = [_l("At most %(n)d characters.", n=NOTE_MAX)]

    values = []
    for row in data.rows:
        if row.student_id not in students:
            raise PermissionDenied()
        key = f"row-{row.student_id}"
        if str(row.points or "").strip():
            try:
                value = parse_points(row.points)
            except ValueError as e:
                errors[key] = [e.args[0]]
                continue
            if value == 0:
                continue  # a typed 0 means "nothing for this student"
            values.append((row.student_id, value))
        elif row.ticked:
            if common is None:
                if "points" not in errors:
                    errors[key] = [_l("Enter points here or in “Points for ticked students”.")]
                continue
            values.append((row.student_id, common))
    if not values and not errors:
        errors["rows"] = [_l("Nothing to save: tick students or type points in the column.")]
    if errors:
        raise ValidationFailed(_l("Nothing was saved. Please correct the marked cells."),
                               errors=errors)
    now = utcnow()
    rows = [{"term_id": term.id, "student_id": sid, "indicator": indicator,
             "points_cents": int(points * 100), "occurred_on": data.occurred_on,
             "item_name": item_name[:120], "note": note, "source": EntrySource.GRID,
             "author_id": actor.id, "created_at": now, "updated_at": now, "version": 1}
            for sid, points in values]
    return len(_insert_and_audit(actor, term, rows))


def _insert_and_audit(actor: User, term: Term, rows: list[dict]) -> list[int]:
    """Insert entry rows in one statement, audit them in another; returns the new ids.

    RETURNING gives back whole rows, so each audit "after" is the row as stored, whatever
    order the database returns them in (asking for parameter order would make SQLite
    insert row by row).
    """
    if not rows:
        return []
    table = Entry.__table__
    stored = db.session.execute(table.insert().returning(*table.c), rows).mappings().all()
    audit.record_many(actor, [
        {"action": "create", "object_type": "entry", "object_id": row["id"],
         "term_id": term.id, "student_id": row["student_id"], "before": None,
         "after": {k: audit._jsonable(v) for k, v in row.items() if k not in AUDIT_EXCLUDE}}
        for row in stored])
    return [row["id"] for row in stored]


def bulk_insert(actor: User, term: Term, rows: list[dict]) -> list[int]:
    """Insert prepared entry rows in one statement, audit them in another (Excel import)."""
    now = utcnow()
    for row in rows:
        row.update({"term_id": term.id, "author_id": actor.id, "created_at": now,
                    "updated_at": now, "version": 1})
    return _insert_and_audit(actor, term, rows)


# ---- reading ------------------------------------------------------------------------------

@dataclass
class EntryFilter:
    dimension: str = ""
    indicator: str = ""
    date_from: date | None = None
    date_to: date | None = None


def student_entries(actor: User, term: Term, student: Student,
                    filters: EntryFilter | None = None) -> list[Entry]:
    """The student's live entries in the term, newest first, with evidence loaded."""
    ensure_student_access(actor, student, term)
    filters = filters or EntryFilter()
    query = (sa.select(Entry).where(Entry.term_id == term.id, Entry.student_id == student.id,
                                    Entry.deleted_at.is_(None))
             .options(selectinload(Entry.evidence))
             .order_by(Entry.occurred_on.desc(), Entry.id.desc()))
    if filters.indicator:
        query = query.where(Entry.indicator == filters.indicator)
    elif filters.dimension:
        query = query.where(Entry.indicator.like(f"{filters.dimension}.%"))
    if filters.date_from:
        query = query.where(Entry.occurred_on >= filters.date_from)
    if filters.date_to:
        query = query.where(Entry.occurred_on <= filters.date_to)
    return list(db.session.scalars(query))


def may_edit(actor: User, entry: Entry, editable: bool) -> bool:
    """For showing the edit/delete buttons (the services check again on POST)."""
    if not editable or entry.source == EntrySource.CLUB:
        return False
    return actor.role == Role.ADMIN or entry.author_id == actor.id


def active_flags(term: Term, student_ids) -> dict[int, list[Flag]]:
    """Unrevoked flags per student, in one query."""
    ids = list(student_ids)
    out: dict[int, list[Flag]] = {}
    if not ids:
        return out
    for flag in db.session.scalars(sa.select(Flag).where(
            Flag.term_id == term.id, Flag.revoked_at.is_(None), Flag.student_id.in_(ids))
            .order_by(Flag.start_date)):
        out.setdefault(flag.student_id, []).append(flag)
    return out


# ---- 班主任评语 -----------------------------------------------------------------------------

def get_note(term: Term, student: Student) -> StudentTermNote | None:
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


# ---- sanctions (admins) --------------------------------------------------------------------

def _admin_school(actor: User, term: Term) -> None:
    if actor.role != Role.ADMIN or not same_school(actor, term.school_id):
        raise PermissionDenied()


def add_flag(actor: User, term: Term, student_no: str, key: str, start: date | None,
             end: date | None, note: str = "") -> Flag:
    """Record a sanction on a student of the admin's school for the term."""
    _admin_school(actor, term)
    errors: dict[str, list] = {}
    student = db.session.scalar(sa.select(Student).where(
        Student.school_id == term.school_id, Student.student_no == (student_no or "").strip()))
    if student is None:
        errors["student_no"] = [_l("No student with this student number in the school.")]
    if key not in SANCTIONS:
        errors["key"] = [_l("Choose a sanction from the list.")]
    if start is None:
        errors["start_date"] = [_l("Enter the first day.")]
    elif end is not None and end < start:
        errors["end_date"] = [_l("The last day cannot be before the first day.")]
    if len(note or "") > NOTE_MAX:
        errors["note"] = [_l("At most %(n)d characters.", n=NOTE_MAX)]
    if errors:
        raise ValidationFailed(_l("Please correct the marked fields."), errors=errors)
    flag = Flag(term_id=term.id, student_id=student.id, key=key, start_date=start,
                end_date=end, note=(note or "").strip(), created_by_id=actor.id)
    db.session.add(flag)
    db.session.flush()
    audit.record(actor, "create", flag, school_id=term.school_id, after=audit.snapshot(flag))
    return flag


def revoke_flag(actor: User, flag_id: int) -> Flag:
    flag = db.session.get(Flag, flag_id)
    if flag is None:
        raise NotFound()
    term = db.session.get(Term, flag.term_id)
    _admin_school(actor, term)
    if flag.revoked_at is not None:
        return flag
    before = audit.snapshot(flag)
    flag.revoked_at = utcnow()
    db.session.flush()
    audit.record(actor, "revoke", flag, school_id=term.school_id, before=before,
                 after=audit.snapshot(flag))
    return flag


def term_flags(actor: User, term: Term) -> list[tuple[Flag, Student, str, str | None]]:
    """(flag, student, class name, recorded by) of the term, live ones first, in one query."""
    _admin_school(actor, term)
    return [tuple(row) for row in db.session.execute(
        sa.select(Flag, Student, SchoolClass.name, User.display_name)
        .join(Student, Student.id == Flag.student_id)
        .join(SchoolClass, SchoolClass.id == Student.class_id)
        .outerjoin(User, User.id == Flag.created_by_id)
        .where(Flag.term_id == term.id)
        .order_by(Flag.revoked_at.is_not(None), Flag.start_date.desc(), Flag.id.desc()))]


# ---- the teacher's pages ------------------------------------------------------------------

def default_entry_date(term: Term, today: date | None = None) -> date:
    """Today, or the term's last day when the term is over (the form's default date)."""
    today = today or school_today()
    return max(term.start_date, min(today, term.end_date))


def author_names(rows: list[Entry]) -> dict[int, str]:
    """{user id: display name} of the entries' authors, in one query."""
    ids = {e.author_id for e in rows if e.author_id}
    if not ids:
        return {}
    return dict(db.session.execute(
        sa.select(User.id, User.display_name).where(User.id.in_(ids))).all())


@dataclass
class ClassRow:
    student: Student
    result: object  # rules.StudentResult, or None without rules
    flags: list
    entries: int


@dataclass
class ClassOverview:
    term: Term
    school_class: SchoolClass
    rules: RuleSet | None
    rows: list[ClassRow]
    state: object
    editable: bool


def class_overview(actor: User, term: Term, class_id: int) -> ClassOverview:
    """Each student's running scores and provisional stars, flags and entry count.

    A fixed number of queries whatever the class size (scoring's GROUP BYs, one each for
    the students, the entry counts and the flags).
    """
    from ..models import ClassState, TermStatus
    from .access import get_class_for
    from .scoring import evaluate_term

    school_class = get_class_for(actor, class_id, term)
    if school_class.school_id != term.school_id:
        raise NotFound()
    rules = term_rules(term)
    results = evaluate_term(term, [class_id], rules, exact=False) if rules else {}
    students = class_students(class_id)
    counts = dict(db.session.execute(
        sa.select(Entry.student_id, sa.func.count(Entry.id))
        .join(Student, Student.id == Entry.student_id)
        .where(Entry.term_id == term.id, Entry.deleted_at.is_(None),
               Student.class_id == class_id)
        .group_by(Entry.student_id)).all())
    flags = active_flags(term, [s.id for s in students])
    rows = [ClassRow(s, results.get(s.id), flags.get(s.id, []), counts.get(s.id, 0))
            for s in students]
    state = class_state(term, class_id)
    return ClassOverview(term=term, school_class=school_class, rules=rules, rows=rows,
                         state=state, editable=term.status == TermStatus.OPEN
                         and state == ClassState.OPEN)


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
    from ..models import ClassAssignment

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


def entry_students(actor: User, term: Term, class_id: int | None = None
                   ) -> dict[str, list[tuple[str, str]]]:
    """Students the actor may record for, grouped by class name (for the entry form)."""
    query = (sa.select(Student.id, Student.student_no, Student.name, SchoolClass.name)
             .join(SchoolClass, SchoolClass.id == Student.class_id)
             .where(Student.status == StudentStatus.ACTIVE,
                    Student.school_id == term.school_id)
             .order_by(SchoolClass.name, Student.student_no))
    allowed = _writable_class_ids(actor, term)
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
class GridPage:
    school_class: SchoolClass
    rules: RuleSet | None
    students: list[Student]
    editable: bool


def grid_page(actor: User, term: Term, class_id: int) -> GridPage:
    """What the class grid shows: the class's students in student-number order."""
    from .access import get_class_for

    if actor.role == Role.STUDENT:
        raise PermissionDenied()
    school_class = get_class_for(actor, class_id, term)
    if school_class.school_id != term.school_id:
        raise NotFound()
    return GridPage(school_class=school_class, rules=term_rules(term),
                    students=class_students(class_id), editable=is_editable(term, class_id))
