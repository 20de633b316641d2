"""Rule sets, star results, the per-class workflow and appeals."""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import UTCDateTime, str_enum, utcnow
from .school import SchoolClass, Student, Term


class RuleSet(db.Model):
    """A named 细则; its text lives in immutable versions."""

    __tablename__ = "rule_set"
    __table_args__ = (sa.UniqueConstraint("school_id", "name"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(sa.ForeignKey("school.id"), index=True)
    name: Mapped[str] = mapped_column(sa.String(160))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    versions: Mapped[list[RuleSetVersion]] = relationship(
        back_populates="rule_set", order_by="RuleSetVersion.version"
    )


class RuleSetVersion(db.Model):
    """One immutable text of a rule set. A change makes a new version."""

    __tablename__ = "rule_set_version"
    __table_args__ = (sa.UniqueConstraint("rule_set_id", "version"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    rule_set_id: Mapped[int] = mapped_column(sa.ForeignKey("rule_set.id"), index=True)
    version: Mapped[int] = mapped_column(sa.Integer)
    source: Mapped[str] = mapped_column(sa.Text)
    format: Mapped[str] = mapped_column(sa.String(8), default="toml")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    comment: Mapped[str] = mapped_column(sa.String(200), default="")

    rule_set: Mapped[RuleSet] = relationship(back_populates="versions")


class StarResult(db.Model):
    """A student's computed stars for a term, with the rule version that produced them."""

    __tablename__ = "star_result"
    __table_args__ = (
        sa.UniqueConstraint("term_id", "student_id"),
        # Covers the star counts of dashboards (per class and level, per term): the rows
        # themselves carry explanations in two languages and are slow to read in bulk.
        sa.Index("ix_star_result_term_class_stars", "term_id", "class_id", "overall_stars"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    term_id: Mapped[int] = mapped_column(sa.ForeignKey("term.id"), index=True)
    student_id: Mapped[int] = mapped_column(sa.ForeignKey("student.id"), index=True)
    class_id: Mapped[int] = mapped_column(sa.ForeignKey("school_class.id"), index=True)
    rule_version_id: Mapped[int] = mapped_column(sa.ForeignKey("rule_set_version.id"))
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Exact decimal as text ("86.50"); NULL for min_stars.
    overall_score: Mapped[str | None] = mapped_column(sa.String(24))
    overall_stars: Mapped[int] = mapped_column(sa.Integer)
    # {"moral": {"score": "86.00", "stars": 4}, ...}
    dimensions: Mapped[dict] = mapped_column(sa.JSON)
    titles: Mapped[list] = mapped_column(sa.JSON)
    # Structured explanation and next-star data from the engine.
    explain: Mapped[dict] = mapped_column(sa.JSON)
    # The engine's digest of the result's inputs to text and stars: an unchanged student
    # is recognised without decoding the JSON columns (see services/results.py).
    fingerprint: Mapped[str | None] = mapped_column(sa.String(40))

    student: Mapped[Student] = relationship()


class ClassState(enum.StrEnum):
    OPEN = "open"  # 录入中
    SUBMITTED = "submitted"  # 已提交 (class teacher)
    PUBLISHED = "published"  # 公示中
    FINAL = "final"  # 已确认


class ClassTermStatus(db.Model):
    """Where a class stands in a term's workflow: open → submitted → published → final."""

    __tablename__ = "class_term_status"
    __table_args__ = (sa.UniqueConstraint("term_id", "class_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    term_id: Mapped[int] = mapped_column(sa.ForeignKey("term.id"), index=True)
    class_id: Mapped[int] = mapped_column(sa.ForeignKey("school_class.id"), index=True)
    state: Mapped[ClassState] = mapped_column(
        str_enum(ClassState), default=ClassState.OPEN
    )
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    submitted_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    published_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    notice_ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finalized_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finalized_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))

    term: Mapped[Term] = relationship()
    school_class: Mapped[SchoolClass] = relationship()


class AppealStatus(enum.StrEnum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    REJECTED = "rejected"


class Appeal(db.Model):
    """申诉: a student disputes one entry, or a missing one, during the notice period."""

    __tablename__ = "appeal"
    id: Mapped[int] = mapped_column(primary_key=True)
    term_id: Mapped[int] = mapped_column(sa.ForeignKey("term.id"), index=True)
    student_id: Mapped[int] = mapped_column(sa.ForeignKey("student.id"), index=True)
    entry_id: Mapped[int | None] = mapped_column(sa.ForeignKey("entry.id"), index=True)
    # For a missing entry: the indicator the student says is missing.
    indicator: Mapped[str | None] = mapped_column(sa.String(80))
    text: Mapped[str] = mapped_column(sa.Text)
    status: Mapped[AppealStatus] = mapped_column(
        str_enum(AppealStatus), default=AppealStatus.PENDING
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    decision_reason: Mapped[str] = mapped_column(sa.Text, default="")
    # The entry's points when the student appealed, and after the decision (None: deleted,
    # rejected or undecided), so the appeal list shows both side by side.
    points_appealed_cents: Mapped[int | None] = mapped_column(sa.Integer)
    points_decided_cents: Mapped[int | None] = mapped_column(sa.Integer)
    # The student's stars before and after an accepted appeal.
    stars_before: Mapped[dict | None] = mapped_column(sa.JSON)
    stars_after: Mapped[dict | None] = mapped_column(sa.JSON)

    student: Mapped[Student] = relationship()
