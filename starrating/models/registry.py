"""岗课赛证 registry: skills competitions (技能大赛) with their results, certificates
(职业技能等级证书 and others), the points table of a term, and the link from a registry
item to the computed entry it gives (services/registry.py keeps them in step)."""

from __future__ import annotations

import enum
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import UTCDateTime, str_enum, utcnow
from .school import Student


class CompetitionLevel(enum.StrEnum):
    NATIONAL = "national"  # 国家级
    PROVINCE = "province"  # 省级
    CITY = "city"  # 市级
    SCHOOL = "school"  # 校级


class Award(enum.StrEnum):
    FIRST = "first"  # 一等奖
    SECOND = "second"  # 二等奖
    THIRD = "third"  # 三等奖
    MERIT = "merit"  # 优秀奖


class CertificateLevel(enum.StrEnum):
    LEVEL1 = "level1"  # 一级/高级技师
    LEVEL2 = "level2"  # 二级/技师
    LEVEL3 = "level3"  # 三级/高级工
    LEVEL4 = "level4"  # 四级/中级工
    LEVEL5 = "level5"  # 五级/初级工
    OTHER = "other"  # 其他证书


class ClaimStatus(enum.StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


class Competition(db.Model):
    """A skills competition of a school's students: name, level, date (its year) and organiser."""

    __tablename__ = "competition"
    __table_args__ = (sa.UniqueConstraint("school_id", "name", "held_on"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(sa.ForeignKey("school.id"), index=True)
    name: Mapped[str] = mapped_column(sa.String(160))
    level: Mapped[CompetitionLevel] = mapped_column(str_enum(CompetitionLevel))
    held_on: Mapped[date] = mapped_column(sa.Date)
    organiser: Mapped[str] = mapped_column(sa.String(160), default="", server_default="")
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    results: Mapped[list[CompetitionResult]] = relationship(
        back_populates="competition", order_by="CompetitionResult.id")

    @property
    def year(self) -> int:
        return self.held_on.year


class CompetitionResult(db.Model):
    """One award of one student in a competition (a student may hold several; the highest
    counts)."""

    __tablename__ = "competition_result"
    __table_args__ = (sa.UniqueConstraint("competition_id", "student_id", "award"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    competition_id: Mapped[int] = mapped_column(sa.ForeignKey("competition.id"), index=True)
    student_id: Mapped[int] = mapped_column(sa.ForeignKey("student.id"), index=True)
    award: Mapped[Award] = mapped_column(str_enum(Award))
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    competition: Mapped[Competition] = relationship(back_populates="results")
    student: Mapped[Student] = relationship()

    @property
    def school_id(self) -> int:
        return self.competition.school_id


class Certificate(db.Model):
    """A student's certificate. Entered or imported by the office it counts at once; claimed
    by the student (with a photo) it counts once the class teacher or an admin approves."""

    __tablename__ = "certificate"
    __table_args__ = (sa.UniqueConstraint("student_id", "name", "number"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(sa.ForeignKey("school.id"), index=True)
    student_id: Mapped[int] = mapped_column(sa.ForeignKey("student.id"), index=True)
    name: Mapped[str] = mapped_column(sa.String(160))
    level: Mapped[CertificateLevel] = mapped_column(str_enum(CertificateLevel))
    issuer: Mapped[str] = mapped_column(sa.String(160), default="", server_default="")
    issued_on: Mapped[date] = mapped_column(sa.Date)
    number: Mapped[str] = mapped_column(sa.String(80), default="", server_default="")
    status: Mapped[ClaimStatus] = mapped_column(str_enum(ClaimStatus),
                                                default=ClaimStatus.APPROVED)
    claimed: Mapped[bool] = mapped_column(sa.Boolean, default=False, server_default=sa.false())
    attachment_id: Mapped[int | None] = mapped_column(sa.ForeignKey("attachment.id"))
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decision_reason: Mapped[str] = mapped_column(sa.Text, default="", server_default="")

    student: Mapped[Student] = relationship()


class RegistrySettings(db.Model):
    """A term's registry settings: the indicators registry items count on and the points
    table ({"competition": {level: {award: "6.00"}}, "certificate": {level: "5.00"}}).
    A term without a row uses services/registry.DEFAULTS."""

    __tablename__ = "registry_settings"
    id: Mapped[int] = mapped_column(primary_key=True)
    term_id: Mapped[int] = mapped_column(sa.ForeignKey("term.id"), unique=True)
    competition_indicator: Mapped[str | None] = mapped_column(sa.String(80))
    certificate_indicator: Mapped[str | None] = mapped_column(sa.String(80))
    points: Mapped[dict] = mapped_column(sa.JSON)


class RegistryCredit(db.Model):
    """The computed entry a registry item gives a student: one per (student, competition)
    — the highest award — and one per approved certificate."""

    __tablename__ = "registry_credit"
    __table_args__ = (sa.UniqueConstraint("student_id", "competition_id"),
                      sa.UniqueConstraint("certificate_id"))
    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(sa.ForeignKey("entry.id"), unique=True)
    student_id: Mapped[int] = mapped_column(sa.ForeignKey("student.id"), index=True)
    competition_id: Mapped[int | None] = mapped_column(sa.ForeignKey("competition.id"),
                                                       index=True)
    certificate_id: Mapped[int | None] = mapped_column(sa.ForeignKey("certificate.id"))
