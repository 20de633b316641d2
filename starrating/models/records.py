"""What is recorded about students and the work on it: entries (写实记录) with their
evidence, flags (处分), term notes (班主任评语 and 自我陈述), the audit log, import batches
and export jobs."""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import UTCDateTime, from_cents, str_enum, to_cents, utcnow
from .school import Student, Term


class EntrySource(enum.StrEnum):
    FORM = "form"
    GRID = "grid"
    EXCEL = "excel"
    CLUB = "club"  # derived from a club membership
    APPEAL = "appeal"
    EVALUATION = "evaluation"  # computed from an evaluation round (评价), never typed
    REGISTRY = "registry"  # computed from the 岗课赛证 registry (services/registry.py)


class Entry(db.Model):
    """One scored event for one student. Deleting only marks it: history stays."""

    __tablename__ = "entry"
    __table_args__ = (
        sa.Index("ix_entry_term_student", "term_id", "student_id"),
        # Covers the city dashboard's entry activity (entries recorded in the last 30 days
        # per school and indicator) without reading the entries themselves.
        sa.Index("ix_entry_created_activity", "created_at", "term_id", "indicator",
                 "deleted_at"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    term_id: Mapped[int] = mapped_column(sa.ForeignKey("term.id"))
    student_id: Mapped[int] = mapped_column(sa.ForeignKey("student.id"), index=True)
    indicator: Mapped[str] = mapped_column(sa.String(80))  # "dimension.indicator"
    # Points in cents: exact and summable in SQL on every backend.
    points_cents: Mapped[int] = mapped_column(sa.Integer)
    occurred_on: Mapped[date] = mapped_column(sa.Date)
    item_name: Mapped[str] = mapped_column(sa.String(120), default="")
    note: Mapped[str] = mapped_column(sa.Text, default="")
    source: Mapped[EntrySource] = mapped_column(
        str_enum(EntrySource), default=EntrySource.FORM
    )
    author_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"), index=True)
    import_batch_id: Mapped[int | None] = mapped_column(sa.ForeignKey("import_batch.id"))
    club_membership_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("club_membership.id"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(sa.Integer, default=1)
    review: Mapped[str | None] = mapped_column(sa.String(16))  # 审核: services/review.py

    __mapper_args__ = {"version_id_col": version}

    student: Mapped[Student] = relationship()
    term: Mapped[Term] = relationship()
    evidence: Mapped[list[Attachment]] = relationship(
        back_populates="entry", order_by="Attachment.id"
    )

    @property
    def points(self) -> Decimal:
        return from_cents(self.points_cents)

    @points.setter
    def points(self, value: Decimal) -> None:
        self.points_cents = to_cents(value)

    @property
    def dimension(self) -> str:
        return self.indicator.split(".", 1)[0]


class Attachment(db.Model):
    """An evidence file, stored outside static/ under a random name."""

    __tablename__ = "attachment"
    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int | None] = mapped_column(sa.ForeignKey("entry.id"), index=True)
    appeal_id: Mapped[int | None] = mapped_column(sa.ForeignKey("appeal.id"), index=True)
    student_id: Mapped[int] = mapped_column(sa.ForeignKey("student.id"), index=True)
    original_name: Mapped[str] = mapped_column(sa.String(200))
    stored_name: Mapped[str] = mapped_column(sa.String(80), unique=True)
    content_type: Mapped[str] = mapped_column(sa.String(40))
    size: Mapped[int] = mapped_column(sa.Integer)
    sha256: Mapped[str] = mapped_column(sa.String(64))
    uploaded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    entry: Mapped[Entry | None] = relationship(back_populates="evidence")


class Flag(db.Model):
    """A condition on a student in a term, e.g. a sanction `sanction.demerit` (记过)."""

    __tablename__ = "flag"
    id: Mapped[int] = mapped_column(primary_key=True)
    term_id: Mapped[int] = mapped_column(sa.ForeignKey("term.id"), index=True)
    student_id: Mapped[int] = mapped_column(sa.ForeignKey("student.id"), index=True)
    key: Mapped[str] = mapped_column(sa.String(80))
    start_date: Mapped[date] = mapped_column(sa.Date)
    end_date: Mapped[date | None] = mapped_column(sa.Date)
    note: Mapped[str] = mapped_column(sa.Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    student: Mapped[Student] = relationship()


class StudentTermNote(db.Model):
    """班主任评语 and the student's 自我陈述 for one term."""

    __tablename__ = "student_term_note"
    __table_args__ = (sa.UniqueConstraint("term_id", "student_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    term_id: Mapped[int] = mapped_column(sa.ForeignKey("term.id"), index=True)
    student_id: Mapped[int] = mapped_column(sa.ForeignKey("student.id"), index=True)
    teacher_comment: Mapped[str] = mapped_column(sa.Text, default="")
    comment_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    comment_updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    self_statement: Mapped[str] = mapped_column(sa.Text, default="")
    statement_updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class AuditLog(db.Model):
    """Who changed what, when, with the row before and after."""

    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"), index=True)
    action: Mapped[str] = mapped_column(sa.String(40))  # create / update / delete / ...
    object_type: Mapped[str] = mapped_column(sa.String(40))
    object_id: Mapped[int | None] = mapped_column(sa.Integer)
    school_id: Mapped[int | None] = mapped_column(sa.ForeignKey("school.id"), index=True)
    term_id: Mapped[int | None] = mapped_column(sa.ForeignKey("term.id"), index=True)
    student_id: Mapped[int | None] = mapped_column(sa.ForeignKey("student.id"), index=True)
    before: Mapped[dict | None] = mapped_column(sa.JSON)
    after: Mapped[dict | None] = mapped_column(sa.JSON)


class ImportBatch(db.Model):
    """A committed spreadsheet import; the file hash makes a second upload a no-op."""

    __tablename__ = "import_batch"
    __table_args__ = (sa.UniqueConstraint("kind", "scope", "sha256"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(20))  # entries / roster / clubs
    # What the import was for, e.g. "term:3/class:7": the same file for another class is new.
    scope: Mapped[str] = mapped_column(sa.String(80))
    sha256: Mapped[str] = mapped_column(sa.String(64))
    filename: Mapped[str] = mapped_column(sa.String(200))
    row_count: Mapped[int] = mapped_column(sa.Integer)
    uploaded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ExportJob(db.Model):
    """A long export run by the job queue; the page polls its progress."""

    __tablename__ = "export_job"
    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int | None] = mapped_column(sa.ForeignKey("school.id"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(40))
    params: Mapped[dict] = mapped_column(sa.JSON)
    status: Mapped[str] = mapped_column(sa.String(16), default="queued")
    progress: Mapped[int] = mapped_column(sa.Integer, default=0)
    total: Mapped[int] = mapped_column(sa.Integer, default=0)
    file_name: Mapped[str | None] = mapped_column(sa.String(200))
    error: Mapped[str] = mapped_column(sa.Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Health (services/reports/jobs.py): when it was (re)queued, when a worker took it, when
    # that worker last reported progress; `attempt` counts the runs, so a worker given up for
    # dead that wakes up again finds the job is no longer its own and writes nothing.
    queued_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    heartbeat_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    attempt: Mapped[int] = mapped_column(sa.Integer, default=0, server_default="0")


class QuickEvent(db.Model):
    """A class's saved quick event ("值日 +2"): an indicator with a catalogue item or points
    and an optional note, recorded in one tap for the ticked students with today's date.
    The entry it makes goes through entries.record_entries like any other."""

    __tablename__ = "quick_event"
    id: Mapped[int] = mapped_column(primary_key=True)
    class_id: Mapped[int] = mapped_column(sa.ForeignKey("school_class.id"), index=True)
    label: Mapped[str] = mapped_column(sa.String(40))
    indicator: Mapped[str] = mapped_column(sa.String(120))
    item_name: Mapped[str] = mapped_column(sa.String(120), default="", server_default="")
    points_cents: Mapped[int | None] = mapped_column(sa.Integer)
    note: Mapped[str] = mapped_column(sa.String(500), default="", server_default="")
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    @property
    def points(self) -> Decimal | None:
        return None if self.points_cents is None else from_cents(self.points_cents)
