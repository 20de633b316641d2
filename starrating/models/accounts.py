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


class User(UserMixin, db.Model):
    __tablename__ = "user"
    id: Mapped[int] = mapped_column(primary_key=True)
    # NULL for a city-wide administrator who sees every school.
    school_id: Mapped[int | None] = mapped_column(sa.ForeignKey("school.id"), index=True)
    username: Mapped[str] = mapped_column(sa.String(64), unique=True)
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


class LoginSession(db.Model):
    """One signed-in browser. Deleted at logout; all of a user's go at a password change."""

    __tablename__ = "login_session"
    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(sa.String(64), unique=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    user_agent: Mapped[str] = mapped_column(sa.String(200), default="")

    user: Mapped[User] = relationship()


class LoginAttempt(db.Model):
    """A failed login, kept in the database so throttling holds across workers."""

    __tablename__ = "login_attempt"
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(sa.String(64), index=True)
    ip: Mapped[str] = mapped_column(sa.String(64), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
