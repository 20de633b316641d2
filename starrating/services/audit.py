"""The audit log: who changed what, when, with the row before and after."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import Enum

import sqlalchemy as sa

from ..extensions import db
from ..models import AuditLog, User


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
    if school_id is None and actor is not None:
        school_id = actor.school_id
    row = AuditLog(actor_id=actor.id if actor else None, action=action,
                   object_type=object_type or "", object_id=object_id, school_id=school_id,
                   term_id=term_id, student_id=student_id, before=before, after=after)
    db.session.add(row)
    return row


def record_many(actor: User | None, rows: list[dict]) -> None:
    """Bulk audit rows (e.g. one per entry of a grid save) in one INSERT."""
    if not rows:
        return
    school_id = actor.school_id if actor else None
    db.session.execute(sa.insert(AuditLog), [
        {"actor_id": actor.id if actor else None, "school_id": school_id,
         "at": datetime.now().astimezone(), **row} for row in rows
    ])
