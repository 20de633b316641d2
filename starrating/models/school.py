"""The school's structure: schools, departments, majors, classes, students, clubs, terms."""

from __future__ import annotations

import enum
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import UTCDateTime, str_enum, utcnow


class School(db.Model):
    """One school; a city-wide instance holds several."""

    __tablename__ = "school"
    id: Mapped[int] = mapped_column(primary_key=True)
    # The short code people type at login (or find in the school's address /s/<code>/login).
    code: Mapped[str] = mapped_column(sa.String(32), unique=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    name_en: Mapped[str] = mapped_column(sa.String(120), default="", server_default="")
    address: Mapped[str] = mapped_column(sa.String(200), default="", server_default="")
    # An IANA zone: the school's today, its deadlines and every time its people read.
    timezone: Mapped[str] = mapped_column(sa.String(64), default="Asia/Shanghai",
                                          server_default="Asia/Shanghai")
    # A small PNG/JPEG for the page header, cards and workbooks (at most 200 kB).
    logo: Mapped[bytes | None] = mapped_column(sa.LargeBinary, deferred=True)
    logo_type: Mapped[str] = mapped_column(sa.String(32), default="", server_default="")
    active: Mapped[bool] = mapped_column(sa.Boolean, default=True, server_default=sa.true())
    # Whether graduated students may still log in (read-only: they see their past terms and
    # can write nothing). Checked at login and on every request (auth/sessions.load_user).
    graduates_can_log_in: Mapped[bool] = mapped_column(
        sa.Boolean, default=True, server_default=sa.true())


class Department(db.Model):
    """系部."""

    __tablename__ = "department"
    __table_args__ = (sa.UniqueConstraint("school_id", "name"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(sa.ForeignKey("school.id"), index=True)
    name: Mapped[str] = mapped_column(sa.String(80))

    school: Mapped[School] = relationship()
    majors: Mapped[list[Major]] = relationship(back_populates="department", order_by="Major.name")


class Major(db.Model):
    """专业."""

    __tablename__ = "major"
    __table_args__ = (sa.UniqueConstraint("department_id", "name"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    department_id: Mapped[int] = mapped_column(sa.ForeignKey("department.id"), index=True)
    name: Mapped[str] = mapped_column(sa.String(80))

    department: Mapped[Department] = relationship(back_populates="majors")
    classes: Mapped[list[SchoolClass]] = relationship(back_populates="major")


class SchoolClass(db.Model):
    """班级. `grade` is the entry year (年级), e.g. 2024."""

    __tablename__ = "school_class"
    __table_args__ = (sa.UniqueConstraint("school_id", "name"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    # Denormalised from major → department so school-wide queries need no joins.
    school_id: Mapped[int] = mapped_column(sa.ForeignKey("school.id"), index=True)
    major_id: Mapped[int] = mapped_column(sa.ForeignKey("major.id"), index=True)
    name: Mapped[str] = mapped_column(sa.String(80))
    grade: Mapped[int] = mapped_column(sa.Integer)

    major: Mapped[Major] = relationship(back_populates="classes")
    students: Mapped[list[Student]] = relationship(
        back_populates="school_class", order_by="Student.student_no"
    )


class Gender(enum.StrEnum):
    MALE = "male"
    FEMALE = "female"


class StudentStatus(enum.StrEnum):
    ACTIVE = "active"  # 在读
    SUSPENDED = "suspended"  # 休学
    GRADUATED = "graduated"  # 毕业
    WITHDRAWN = "withdrawn"  # 退学
    TRANSFERRED = "transferred"  # 转学


# Students of these statuses keep an active account (User.active): an enrolled student, and a
# graduate, who logs in read-only while the school's `graduates_can_log_in` says so.
STATUSES_WITH_ACCOUNT = frozenset({StudentStatus.ACTIVE, StudentStatus.GRADUATED})


class Student(db.Model):
    """A student (学生). 学号 is unique within a school."""

    __tablename__ = "student"
    __table_args__ = (sa.UniqueConstraint("school_id", "student_no"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(sa.ForeignKey("school.id"), index=True)
    student_no: Mapped[str] = mapped_column(sa.String(32))
    name: Mapped[str] = mapped_column(sa.String(80))
    gender: Mapped[Gender] = mapped_column(str_enum(Gender))
    class_id: Mapped[int] = mapped_column(sa.ForeignKey("school_class.id"), index=True)
    status: Mapped[StudentStatus] = mapped_column(
        str_enum(StudentStatus), default=StudentStatus.ACTIVE
    )

    school_class: Mapped[SchoolClass] = relationship(back_populates="students")


class Club(db.Model):
    """社团."""

    __tablename__ = "club"
    __table_args__ = (sa.UniqueConstraint("school_id", "name"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(sa.ForeignKey("school.id"), index=True)
    name: Mapped[str] = mapped_column(sa.String(80))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    advisor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"), index=True)


class ClubMembership(db.Model):
    """A student's membership of a club in a term; `left_on` set when they leave mid-term."""

    __tablename__ = "club_membership"
    __table_args__ = (sa.UniqueConstraint("club_id", "student_id", "term_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    club_id: Mapped[int] = mapped_column(sa.ForeignKey("club.id"), index=True)
    student_id: Mapped[int] = mapped_column(sa.ForeignKey("student.id"), index=True)
    term_id: Mapped[int] = mapped_column(sa.ForeignKey("term.id"), index=True)
    role: Mapped[str] = mapped_column(sa.String(40), default="")
    joined_on: Mapped[date] = mapped_column(sa.Date)
    left_on: Mapped[date | None] = mapped_column(sa.Date)

    club: Mapped[Club] = relationship()
    student: Mapped[Student] = relationship()


class TermStatus(enum.StrEnum):
    PLANNING = "planning"  # 筹备: set up, no entries yet
    OPEN = "open"  # 进行中: entries recorded
    CLOSED = "closed"  # 已结束: every class final
    ARCHIVED = "archived"


class Term(db.Model):
    """学期. Entries, results and the workflow all belong to a term."""

    __tablename__ = "term"
    __table_args__ = (sa.UniqueConstraint("school_id", "name"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(sa.ForeignKey("school.id"), index=True)
    name: Mapped[str] = mapped_column(sa.String(80))
    start_date: Mapped[date] = mapped_column(sa.Date)
    end_date: Mapped[date] = mapped_column(sa.Date)
    status: Mapped[TermStatus] = mapped_column(
        str_enum(TermStatus), default=TermStatus.PLANNING
    )
    rule_version_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("rule_set_version.id"), index=True
    )
    notice_days: Mapped[int] = mapped_column(sa.Integer, default=5)
    # The indicator that club memberships count on (e.g. "club.membership"); None = off.
    club_indicator: Mapped[str | None] = mapped_column(sa.String(80))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    school: Mapped[School] = relationship()
    rule_version: Mapped[RuleSetVersion | None] = relationship()  # noqa: F821


class ClassAssignment(db.Model):
    """The class teacher (班主任) of a class in a term."""

    __tablename__ = "class_assignment"
    __table_args__ = (sa.UniqueConstraint("term_id", "class_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    term_id: Mapped[int] = mapped_column(sa.ForeignKey("term.id"), index=True)
    class_id: Mapped[int] = mapped_column(sa.ForeignKey("school_class.id"), index=True)
    teacher_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id"), index=True)

    term: Mapped[Term] = relationship()
    school_class: Mapped[SchoolClass] = relationship()
    teacher: Mapped[User] = relationship()  # noqa: F821
