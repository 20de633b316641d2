"""Today's absentees of a class (缺勤), marked by its class teacher on the entry form's student
checklist so that "except absentees" ticks everyone else. A selection aid for one school day,
not an attendance register: marking a class's absentees again forgets its earlier days."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .base import UTCDateTime, utcnow


class Absence(db.Model):
    """A student of a class marked absent for one day (the school's calendar day)."""

    __tablename__ = "absence"
    # one row per student and day; the (class, day) lookup of the entry form uses its index
    __table_args__ = (sa.UniqueConstraint("class_id", "day", "student_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    class_id: Mapped[int] = mapped_column(sa.ForeignKey("school_class.id"))
    day: Mapped[date] = mapped_column(sa.Date)
    student_id: Mapped[int] = mapped_column(sa.ForeignKey("student.id"), index=True)
    marked_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    marked_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
