"""Helpers for the teacher-area tests."""

from __future__ import annotations

import re

import sqlalchemy as sa

from starrating.extensions import db
from starrating.models import AuditLog, Entry

TINY_PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00"
            b"\x00\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00"
            b"\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82")


def live_entries(**where) -> list[Entry]:
    db.session.expire_all()
    query = sa.select(Entry).where(Entry.deleted_at.is_(None)).order_by(Entry.id)
    for key, value in where.items():
        query = query.where(getattr(Entry, key) == value)
    return list(db.session.scalars(query))


def audit_rows(**where) -> list[AuditLog]:
    query = sa.select(AuditLog).order_by(AuditLog.id)
    for key, value in where.items():
        query = query.where(getattr(AuditLog, key) == value)
    return list(db.session.scalars(query))


def text(response) -> str:
    return re.sub(r"\s+", " ", response.get_data(as_text=True))
