"""Students take part (issue 17): evaluation rounds (自评 · 互评 · 师评) with their ratings
and computed results, class officers (班干部) and their proposals, and the school's rule for
which entries wait for the 学生处's approval (审核). The computation is in
services/evaluation.py, proposals in services/proposals.py, approvals in services/review.py."""

from __future__ import annotations

import enum
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import UTCDateTime, str_enum, utcnow
from .records import Entry
from .school import Student

#: Entries that count (services/review.py): none waiting for the 学生处 (待审核).
ENTRY_COUNTS = sa.or_(Entry.review.is_(None), Entry.review != "pending")


class PeerMode(enum.StrEnum):
    CLASS = "class"  # every classmate
    RANDOM = "random"  # N classmates drawn per student (stable, each rated N times)


class EvaluationRound(db.Model):
    """One round of 自评 / 互评 / 师评 in a term, open from `starts_on` to `ends_on`."""

    __tablename__ = "evaluation_round"
    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(sa.ForeignKey("school.id"), index=True)
    term_id: Mapped[int] = mapped_column(sa.ForeignKey("term.id"), index=True)
    name: Mapped[str] = mapped_column(sa.String(80))
    starts_on: Mapped[date] = mapped_column(sa.Date)
    ends_on: Mapped[date] = mapped_column(sa.Date)
    scale_min: Mapped[int] = mapped_column(sa.Integer, default=1)
    scale_max: Mapped[int] = mapped_column(sa.Integer, default=5)
    peer_mode: Mapped[PeerMode] = mapped_column(str_enum(PeerMode), default=PeerMode.CLASS)
    peer_count: Mapped[int] = mapped_column(sa.Integer, default=0)  # N for RANDOM
    drop_k: Mapped[int] = mapped_column(sa.Integer, default=1)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))

    dimensions: Mapped[list[RoundDimension]] = relationship(
        back_populates="round", order_by="RoundDimension.position")


class RoundDimension(db.Model):
    """A dimension rated in a round: its weights per source and the indicator it feeds."""

    __tablename__ = "round_dimension"
    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(sa.ForeignKey("evaluation_round.id"), index=True)
    position: Mapped[int] = mapped_column(sa.Integer, default=0)
    name: Mapped[str] = mapped_column(sa.String(80))
    indicator: Mapped[str] = mapped_column(sa.String(80))
    weight_self: Mapped[int] = mapped_column(sa.Integer, default=2)
    weight_peer: Mapped[int] = mapped_column(sa.Integer, default=3)
    weight_teacher: Mapped[int] = mapped_column(sa.Integer, default=5)

    round: Mapped[EvaluationRound] = relationship(back_populates="dimensions")


class RatingKind(enum.StrEnum):
    SELF = "self"
    PEER = "peer"
    TEACHER = "teacher"


class Rating(db.Model):
    """One rating of one student on one dimension. Peer ratings are read only in aggregate
    (services/evaluation.py): no page or export shows one, nor who gave it."""

    __tablename__ = "rating"
    __table_args__ = (sa.UniqueConstraint("dimension_id", "rater_key", "target_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(sa.ForeignKey("evaluation_round.id"), index=True)
    dimension_id: Mapped[int] = mapped_column(sa.ForeignKey("round_dimension.id"), index=True)
    target_id: Mapped[int] = mapped_column(sa.ForeignKey("student.id"), index=True)
    kind: Mapped[RatingKind] = mapped_column(str_enum(RatingKind))
    # "s<student id>" or "u<user id>": one rating per rater, dimension and target.
    rater_key: Mapped[str] = mapped_column(sa.String(24))
    score: Mapped[int] = mapped_column(sa.Integer)
    comment: Mapped[str] = mapped_column(sa.String(500), default="", server_default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class RoundResult(db.Model):
    """A student's computed result on one dimension of a closed round (aggregates only),
    and the EVALUATION entry it was stored as."""

    __tablename__ = "round_result"
    __table_args__ = (sa.UniqueConstraint("dimension_id", "student_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(sa.ForeignKey("evaluation_round.id"), index=True)
    dimension_id: Mapped[int] = mapped_column(sa.ForeignKey("round_dimension.id"), index=True)
    student_id: Mapped[int] = mapped_column(sa.ForeignKey("student.id"), index=True)
    # Exact decimals as text ("4.25"); None: the source is missing.
    self_score: Mapped[str | None] = mapped_column(sa.String(24))
    peer_mean: Mapped[str | None] = mapped_column(sa.String(24))
    peer_count: Mapped[int] = mapped_column(sa.Integer, default=0)
    peer_used: Mapped[int] = mapped_column(sa.Integer, default=0)
    teacher_score: Mapped[str | None] = mapped_column(sa.String(24))
    weighted: Mapped[str | None] = mapped_column(sa.String(24))
    points_cents: Mapped[int | None] = mapped_column(sa.Integer)
    entry_id: Mapped[int | None] = mapped_column(sa.ForeignKey("entry.id"))

    student: Mapped[Student] = relationship()


class ClassOfficer(db.Model):
    """班干部: a student a class teacher lets propose entries on some indicators."""

    __tablename__ = "class_officer"
    __table_args__ = (sa.UniqueConstraint("term_id", "student_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    term_id: Mapped[int] = mapped_column(sa.ForeignKey("term.id"), index=True)
    class_id: Mapped[int] = mapped_column(sa.ForeignKey("school_class.id"), index=True)
    student_id: Mapped[int] = mapped_column(sa.ForeignKey("student.id"), index=True)
    title: Mapped[str] = mapped_column(sa.String(40), default="", server_default="")
    indicators: Mapped[list] = mapped_column(sa.JSON)  # ["moral.attendance", ...]
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    student: Mapped[Student] = relationship()


class ProposalStatus(enum.StrEnum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    REJECTED = "rejected"


class Proposal(db.Model):
    """An officer's proposed entry for a classmate; an entry only once the teacher accepts."""

    __tablename__ = "proposal"
    id: Mapped[int] = mapped_column(primary_key=True)
    term_id: Mapped[int] = mapped_column(sa.ForeignKey("term.id"), index=True)
    class_id: Mapped[int] = mapped_column(sa.ForeignKey("school_class.id"), index=True)
    officer_id: Mapped[int] = mapped_column(sa.ForeignKey("student.id"), index=True)
    student_id: Mapped[int] = mapped_column(sa.ForeignKey("student.id"), index=True)
    indicator: Mapped[str] = mapped_column(sa.String(80))
    item_name: Mapped[str] = mapped_column(sa.String(120), default="", server_default="")
    points_cents: Mapped[int] = mapped_column(sa.Integer)
    occurred_on: Mapped[date] = mapped_column(sa.Date)
    note: Mapped[str] = mapped_column(sa.String(500), default="", server_default="")
    status: Mapped[ProposalStatus] = mapped_column(
        str_enum(ProposalStatus), default=ProposalStatus.PENDING)
    reason: Mapped[str] = mapped_column(sa.String(500), default="", server_default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    entry_id: Mapped[int | None] = mapped_column(sa.ForeignKey("entry.id"))

    student: Mapped[Student] = relationship(foreign_keys=[student_id])
    officer: Mapped[Student] = relationship(foreign_keys=[officer_id])


class ReviewSetting(db.Model):
    """The 学生处's 审核 rule for a term: entries above `threshold_cents` points, or on one of
    `indicators`, wait for an admin's approval before they count."""

    __tablename__ = "review_setting"
    __table_args__ = (sa.UniqueConstraint("term_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    term_id: Mapped[int] = mapped_column(sa.ForeignKey("term.id"))
    threshold_cents: Mapped[int | None] = mapped_column(sa.Integer)
    indicators: Mapped[list] = mapped_column(sa.JSON)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
