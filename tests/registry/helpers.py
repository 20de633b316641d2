"""Makers for the registry tests."""

from __future__ import annotations

from datetime import date
from io import BytesIO

import sqlalchemy as sa
from openpyxl import Workbook

from starrating.extensions import db
from starrating.models import Entry, EntrySource
from starrating.services import registry
from starrating.services.registry import CertificateInput, CompetitionInput

DAY = date(2026, 10, 15)  # inside the factory term (2026-09-01 … 2027-01-20)


def competition(admin, name="省职业院校技能大赛", level="province", day=DAY, organiser="省教育厅"):
    return registry.save_competition(admin, CompetitionInput(name, level, day, organiser))


def cert_input(name="电工职业技能等级证书", level="level4", number="DG-001", day=DAY):
    return CertificateInput(name=name, level=level, issuer="人社局", issued_on=day, number=number)


def computed(student_id=None):
    """The live computed registry entries (of one student)."""
    query = sa.select(Entry).where(Entry.source == EntrySource.REGISTRY,
                                   Entry.deleted_at.is_(None)).order_by(Entry.id)
    if student_id is not None:
        query = query.where(Entry.student_id == student_id)
    return list(db.session.scalars(query))


def xlsx(rows) -> bytes:
    book = Workbook()
    for values in rows:
        book.active.append(values)
    out = BytesIO()
    book.save(out)
    return out.getvalue()
