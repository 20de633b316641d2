"""User accounts, login sessions and login attempts."""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from ..extensions import db
from .base import UTCDateTime, str_enum, utcnow
from .school import School, Student


class Role(enum.StrEnum):
    ADMIN = "admin"  # 学生处
    TEACHER = "teacher"  # 班主任 / 教师
    STUDENT = "student"
    CITY = "city"  # 市教育局 / 职教中心: every school read-only, acts inside one when it enters it
    GUARDIAN = "guardian"  # 家长: reads their linked children's pages (models/families.py)


class User(UserMixin, db.Model):
    __tablename__ = "user"
    # A username is unique within its school; city-office accounts (no school) among
    # themselves (a partial index: NULLs never collide in a UNIQUE constraint).
    __table_args__ = (
        sa.UniqueConstraint("school_id", "username"),
        sa.Index("uq_user_city_username", "username", unique=True,
                 sqlite_where=sa.text("school_id IS NULL"),
                 postgresql_where=sa.text("school_id IS NULL")),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    # NULL for a city-office account (Role.CITY), which belongs to no school.
    school_id: Mapped[int | None] = mapped_column(sa.ForeignKey("school.id"), index=True)
    username: Mapped[str] = mapped_column(sa.String(64))
    password_hash: Mapped[str] = mapped_column(sa.String(256))
    role: Mapped[Role] = mapped_column(str_enum(Role))
    display_name: Mapped[str] = mapped_column(sa.String(80))
    active: Mapped[bool] = mapped_column(sa.Boolean, default=True)
    student_id: Mapped[int | None] = mapped_column(sa.ForeignKey("student.id"), unique=True)
    locale: Mapped[str | None] = mapped_column(sa.String(16))
    must_change_password: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    password_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    school: Mapped[School | None] = relationship()
    student: Mapped[Student | None] = relationship()

    # Set by the user loader: the LoginSession this request authenticated with.
    current_login_session = None  # a LoginSession; not a column

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password)  # werkzeug default: scrypt
        self.password_changed_at = utcnow()

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    @property
    def is_active(self) -> bool:  # Flask-Login
        return self.active

    def get_id(self) -> str:
        # Flask-Login stores this in the cookie: the login session's random token, not
        # the user id, so logging out (which deletes the row) kills every copy of it.
        if self.current_login_session is None:
            raise RuntimeError("user has no login session")
        return self.current_login_session.token

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN

    # Set by the user loader while a city-office user is inside a school (see
    # auth/sessions.py): a CityVisit; the user then acts as that school's admin.
    city_visit = None

    @property
    def is_city(self) -> bool:
        """A city-office account, whether or not it is inside a school right now."""
        return self.role == Role.CITY or self.city_visit is not None


class LoginSession(db.Model):
    """One signed-in browser. Deleted at logout; all of a user's go at a password change."""

    __tablename__ = "login_session"
    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(sa.String(64), unique=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    user_agent: Mapped[str] = mapped_column(sa.String(200), default="")
    # A city-office user's chosen school in this browser, and whether they chose to act
    # (write) in it rather than only look.
    school_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("school.id", ondelete="SET NULL"))
    may_write: Mapped[bool] = mapped_column(sa.Boolean, default=False, server_default=sa.false())

    user: Mapped[User] = relationship()


class LoginAttempt(db.Model):
    """A failed login, kept in the database so throttling holds across workers."""

    __tablename__ = "login_attempt"
    id: Mapped[int] = mapped_column(primary_key=True)
    # "<school id>:<username>" ("city:<username>" for the city office): a throttle key.
    username: Mapped[str] = mapped_column(sa.String(100), index=True)
    ip: Mapped[str] = mapped_column(sa.String(64), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
