"""写实记录, the writes: recording, correcting and deleting scored events, one at a time, for a
class grid, or in bulk (the Excel import).

Every function takes the acting user, checks ownership (services/access.py) and the
workflow (services/class_state.ensure_editable), validates with entry_input.validate_event
before the first write, flushes, and records the change in the audit log. Nothing here
commits. The class pages' reads are in class_pages.py, sanctions in sanctions.py, the
teacher's comment in notes.py.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from types import SimpleNamespace

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm.exc import StaleDataError

from ..errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from ..extensions import db
from ..models import ClassState, Entry, EntrySource, SchoolClass, Student, Term, User, utcnow
from . import access, alerts, audit, evidence, review
from .access import (
    ensure_entry_writable,
    ensure_grid_access,
    ensure_students_writable,
)
from .class_pages import class_students
from .class_state import ensure_editable
from .entry_input import (
    EntryInput,
    parse_points,
    rules_for,
    school_today,
    validate_event,
)

AUDIT_EXCLUDE = ("updated_at",)
STALE = _l("Someone else changed this entry after you opened it. Your changes were not "
           "saved; check the current values below and try again.")


# ---- one event, for one or several students -------------------------------------------------

def record_entries(actor: User, term: Term, student_ids, data: EntryInput,
                   today: date | None = None) -> list[Entry]:
    """One event for one or several students of the actor's classes. All or nothing."""
    today = today or school_today()
    if not student_ids:
        raise ValidationFailed(_l("Choose at least one student."),
                               errors={"students": [_l("Choose at least one student.")]})
    students, setting = _students_to_write(actor, term, student_ids)
    indicator, points, item_name, note, files, errors = validate_event(
        term, rules_for(term), data, today)
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
    review.hold_entries(actor, term, entries, setting)
    db.session.flush()
    evidence.store_for_entries(actor, files, entries)
    for entry in entries:
        audit.record(actor, "create", entry, school_id=term.school_id,
                     after=audit.snapshot(entry, AUDIT_EXCLUDE))
    db.session.flush()
    alerts.entries_recorded(term, entries)  # families: inbox items, alerts
    return entries


def _students_to_write(actor: User, term: Term, student_ids):
    """The students of these ids, checked as `ensure_students_writable` and
    `class_state.ensure_editable` check them, and the term's review setting — in one
    statement, built once per process (`access.students_to_write`)."""
    ids = sorted({int(i) for i in student_ids})
    rows = access.students_to_write(actor, term, ids)
    if len(rows) != len(ids):
        raise NotFound()
    students = [row.Student for row in rows]
    ensure_students_writable(actor, term, students, held={row.Student.class_id for row in rows
                                                          if row.held})
    ensure_editable(term, {row.Student.class_id for row in rows},
                    states={row.Student.class_id: ClassState.FINAL if row.due
                            else ClassState(row.state or ClassState.OPEN) for row in rows})
    return students, review.Setting.of(rows[0]) if rows else None


def _load_students(student_ids) -> list[Student]:
    """The students of these ids, in one query (NotFound when one does not exist)."""
    ids = sorted({int(i) for i in student_ids})
    students = list(db.session.scalars(sa.select(Student).where(Student.id.in_(ids)))) \
        if ids else []
    if len(students) != len(ids):
        raise NotFound()
    return students


def _writable_entry(actor: User, entry_id: int, expected_version) -> Entry:
    entry = db.session.get(Entry, entry_id)
    if entry is None:
        raise NotFound()
    ensure_entry_writable(actor, entry)
    ensure_editable(entry.term, [entry.student.class_id])
    _check_version(entry, expected_version)
    return entry


def update_entry(actor: User, entry_id: int, expected_version: int, data: EntryInput,
                 today: date | None = None) -> Entry:
    """Correct an entry seen at `expected_version`; Conflict when someone changed it since."""
    today = today or school_today()
    entry = _writable_entry(actor, entry_id, expected_version)
    indicator, points, item_name, note, files, errors = validate_event(
        entry.term, rules_for(entry.term), data, today)
    if errors:
        raise ValidationFailed(_l("Please correct the marked fields."), errors=errors)
    before = audit.snapshot(entry, AUDIT_EXCLUDE)
    entry.indicator = indicator
    entry.points_cents = int(points * 100)
    entry.occurred_on = data.occurred_on
    entry.note = note
    entry.item_name = item_name[:120]
    review.hold_changed(actor, entry)
    _flush_versioned()
    evidence.store_for_entries(actor, files, [entry])
    audit.record(actor, "update", entry, school_id=entry.term.school_id, before=before,
                 after=audit.snapshot(entry, AUDIT_EXCLUDE))
    db.session.flush()
    return entry


def delete_entry(actor: User, entry_id: int, expected_version: int) -> Entry:
    """Soft delete: the row stays (deleted_at), so history and appeals can still see it."""
    entry = _writable_entry(actor, entry_id, expected_version)
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
        raise Conflict(STALE)


def _flush_versioned() -> None:
    # version_id_col makes the UPDATE carry "WHERE version = <old>": a concurrent writer
    # that got in between the read and this flush leaves zero rows matched.
    try:
        db.session.flush()
    except StaleDataError:
        raise Conflict(STALE) from None


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


def save_grid(actor: User, term: Term, school_class: SchoolClass | int, data: GridInput,
              today: date | None = None) -> int:
    """One event for many students of one class, in one bulk insert. Returns entries written.

    A row counts when its cell has points, or when it is ticked (then the common points or
    the item's points apply). Errors: {"row-<student id>": [...], "<field>": [...]}.
    """
    today = today or school_today()
    if not isinstance(school_class, SchoolClass):
        school_class = db.session.get(SchoolClass, school_class)
        if school_class is None:
            raise NotFound()
    ensure_grid_access(actor, school_class, term)
    ensure_editable(term, [school_class.id])
    indicator, common, item_name, note, _files, errors = validate_event(
        term, rules_for(term), EntryInput(indicator=data.indicator, points=data.points,
                                          occurred_on=data.occurred_on, note=data.note,
                                          item=data.item),
        today, points_required=False)
    values = _grid_values(data.rows, {s.id for s in class_students(school_class.id)},
                          common, errors)
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
    review.hold_rows(actor, term, rows)
    return len(_insert_and_audit(actor, term, rows))


def _grid_values(rows: list[GridRow], student_ids: set[int], common, errors: dict) -> list:
    """(student id, points) of the rows that count; cell errors go into `errors`."""
    values = []
    for row in rows:
        if row.student_id not in student_ids:
            raise PermissionDenied()
        key = f"row-{row.student_id}"
        if str(row.points or "").strip():
            try:
                value = parse_points(row.points)
            except ValueError as e:
                errors[key] = [e.args[0]]
                continue
            if value != 0:  # a typed 0 means "nothing for this student"
                values.append((row.student_id, value))
        elif row.ticked:
            if common is None:
                if "points" not in errors:
                    errors[key] = [_l("Enter points here or in “Points for ticked students”.")]
                continue
            values.append((row.student_id, common))
    return values


# ---- bulk ------------------------------------------------------------------------------------

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
    alerts.entries_recorded(term, [SimpleNamespace(**row) for row in stored])  # families
    return [row["id"] for row in stored]


def bulk_insert(actor: User, term: Term, rows: list[dict]) -> list[int]:
    """Insert prepared entry rows in one statement, audit them in another (Excel import)."""
    now = utcnow()
    for row in rows:
        row.update({"term_id": term.id, "author_id": actor.id, "created_at": now,
                    "updated_at": now, "version": 1})
    review.hold_rows(actor, term, rows)
    return _insert_and_audit(actor, term, rows)
