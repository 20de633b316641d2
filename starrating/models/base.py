"""Column types and helpers shared by the models."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy import DateTime, TypeDecorator


def utcnow() -> datetime:
    """Aware current UTC time; used as a column default (a callable, never a value)."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """Stores naive UTC, returns aware UTC: SQLite drops tzinfo, PostgreSQL keeps it."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTCDateTime column")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=UTC)


CENT = Decimal("0.01")


def to_cents(points: Decimal) -> int:
    """Exact points (a multiple of 0.01) as an integer number of cents."""
    cents = points * 100
    if cents != cents.to_integral_value():
        raise ValueError("points must be a multiple of 0.01")
    return int(cents)


def from_cents(cents: int | None) -> Decimal:
    return (Decimal(cents or 0) / 100).quantize(CENT)


def str_enum(enum_cls) -> sa.Enum:
    """A portable enum column storing the member values ("active"), not the names."""
    return sa.Enum(enum_cls, native_enum=False, length=16,
                   values_callable=lambda e: [m.value for m in e])
