"""The audit log: who changed what, when, with the row before and after.

A change is recorded with `recorded` (or `change`), which takes the school from the changed
row, never from the actor (a city-wide admin has no school of their own):

    with audit.recorded(actor, "update", term):
        term.name = name            # snapshot before, flush after, then one audit row
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from decimal import Decimal
from enum import Enum

import sqlalchemy as sa

from ..extensions import db
from ..models import AuditLog, User
from .access import row_school


def snapshot(obj, exclude: tuple[str, ...] = ()) -> dict:
    """A JSON-safe dict of a model row's columns (for before/after)."""
    out = {}
    for column in sa.inspect(obj).mapper.column_attrs:
        key = column.key
        if key in exclude or key in ("password_hash",):
            continue
        out[key] = _jsonable(getattr(obj, key))
    return out


def _jsonable(value):
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, dict | list | str | int | float | bool) or value is None:
        return value
    return str(value)


def record(actor: User | None, action: str, obj=None, *, before: dict | None = None,
           after: dict | None = None, object_type: str | None = None,
           object_id: int | None = None, term_id: int | None = None,
           student_id: int | None = None, school_id: int | None = None) -> AuditLog:
    """Add one audit row (flushed with the change it describes, in the same transaction)."""
    if obj is not None:
        object_type = object_type or type(obj).__tablename__
        object_id = object_id if object_id is not None else getattr(obj, "id", None)
        term_id = term_id if term_id is not None else getattr(obj, "term_id", None)
        student_id = student_id if student_id is not None else getattr(obj, "student_id", None)
    if school_id is None and obj is not None:
        school_id = row_school(obj)
    if school_id is None and actor is not None:
        school_id = actor.school_id
    row = AuditLog(actor_id=actor.id if actor else None, action=action,
                   object_type=object_type or "", object_id=object_id, school_id=school_id,
                   term_id=term_id, student_id=student_id, before=before, after=after)
    db.session.add(row)
    return row


def change(actor: User | None, action: str, obj, before: dict | None = None,
           **fields) -> AuditLog:
    """Flush a change to `obj` and record it: `before` is the snapshot taken before it
    (None for a create); a delete records no `after`. The school is the object's own.

        before = audit.snapshot(term)
        term.name = name
        audit.change(actor, "update", term, before)

    `fields` go to `record` (e.g. `term_id=`, `student_id=`, `exclude=` for snapshot)."""
    exclude = fields.pop("exclude", ())
    school_id = fields.pop("school_id", None)
    if school_id is None and sa.inspect(obj).persistent:
        school_id = row_school(obj)  # before a delete, while the parents still load
    db.session.flush()
    if school_id is None:
        school_id = row_school(obj)
    after = None if action == "delete" else snapshot(obj, exclude)
    return record(actor, action, obj, before=before, after=after, school_id=school_id,
                  **fields)


@contextmanager
def recorded(actor: User | None, action: str, obj, **fields) -> Iterator[None]:
    """Snapshot `obj`, run the block (the change), flush, record one audit row.

        with audit.recorded(actor, "update", club):
            club.name = name
        with audit.recorded(actor, "create", Club(school_id=school_id, name=name)) ...

    For a create pass the new object (added to the session inside or before the block); for
    a delete, delete it inside the block. The school comes from the object, not the actor;
    `fields` go to `change`. Nothing is recorded when the block raises."""
    exclude = fields.get("exclude", ())
    state = sa.inspect(obj)
    before = snapshot(obj, exclude) if state.persistent else None
    school_id = fields.pop("school_id", None)
    if school_id is None and state.persistent:
        school_id = row_school(obj)
    yield
    change(actor, action, obj, before, school_id=school_id, **fields)


def record_many(actor: User | None, rows: list[dict]) -> None:
    """Bulk audit rows (e.g. one per entry of a grid save) in one INSERT."""
    if not rows:
        return
    school_id = actor.school_id if actor else None
    db.session.execute(sa.insert(AuditLog), [
        {"actor_id": actor.id if actor else None, "school_id": school_id,
         "at": datetime.now().astimezone(), **row} for row in rows
    ])
