"""Accounts: authentication with throttling, login sessions, passwords."""

from __future__ import annotations

import functools
import re
import secrets
from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from werkzeug.security import check_password_hash, generate_password_hash

from ..errors import DomainError, PermissionDenied, ValidationFailed
from ..extensions import db
from ..models import LoginAttempt, LoginSession, Role, User, utcnow


class LoginThrottled(DomainError):
    status = 429


class InvalidCredentials(DomainError):
    status = 400


PASSWORD_MIN_LENGTH = 8


def password_problems(password: str, username: str = "") -> list:
    """Why a new password is not acceptable (empty list when it is)."""
    problems = []
    if len(password) < PASSWORD_MIN_LENGTH:
        problems.append(_l("At least %(n)d characters.", n=PASSWORD_MIN_LENGTH))
    if not re.search(r"[A-Za-z]", password) or not re.search(r"\d", password):
        problems.append(_l("Use both letters and digits."))
    if username and password.lower() == username.lower():
        problems.append(_l("The password must differ from the username."))
    if len(password) > 128:
        problems.append(_l("At most 128 characters."))
    return problems


def check_throttle(username: str, ip: str, *, now: datetime, lockout, max_user: int,
                   max_ip: int) -> None:
    since = now - lockout
    user_failures, ip_failures = db.session.execute(
        sa.select(
            sa.func.count().filter(LoginAttempt.username == username),
            sa.func.count().filter(LoginAttempt.ip == ip),
        ).where(LoginAttempt.at >= since,
                sa.or_(LoginAttempt.username == username, LoginAttempt.ip == ip))
    ).one()
    if user_failures >= max_user or ip_failures >= max_ip:
        raise LoginThrottled(
            _l("Too many failed attempts. Wait %(m)d minutes and try again.",
               m=int(lockout.total_seconds() // 60))
        )


def authenticate(username: str, password: str, ip: str, *, lockout, max_user: int,
                 max_ip: int) -> User:
    """The user with these credentials, or a domain error. Records failures."""
    username = username.strip()
    now = utcnow()
    check_throttle(username, ip, now=now, lockout=lockout, max_user=max_user, max_ip=max_ip)
    user = db.session.scalar(sa.select(User).where(User.username == username))
    if user is None:
        # Hash anyway: a quick answer would tell that the username does not exist.
        check_password_hash(_dummy_hash(), password)
    if user is None or not user.check_password(password) or not user.active:
        db.session.add(LoginAttempt(username=username[:64], ip=ip[:64], at=now))
        db.session.flush()
        raise InvalidCredentials(_l("Wrong username or password."))
    db.session.execute(sa.delete(LoginAttempt).where(LoginAttempt.username == username))
    return user


@functools.cache
def _dummy_hash() -> str:
    return generate_password_hash(secrets.token_urlsafe(16))


def start_login_session(user: User, user_agent: str = "") -> LoginSession:
    login_session = LoginSession(
        token=secrets.token_urlsafe(32), user_id=user.id, user_agent=user_agent[:200]
    )
    db.session.add(login_session)
    db.session.flush()
    user.current_login_session = login_session
    return login_session


def end_login_session(user: User) -> None:
    if user.current_login_session is not None:
        db.session.delete(user.current_login_session)
        user.current_login_session = None


def change_password(user: User, old_password: str, new_password: str) -> None:
    """Change the actor's own password; every other signed-in browser is signed out."""
    if not user.check_password(old_password):
        raise ValidationFailed(errors={"old_password": [_l("The current password is wrong.")]})
    set_password(user, new_password)


def set_password(user: User, new_password: str) -> None:
    problems = password_problems(new_password, user.username)
    if problems:
        raise ValidationFailed(errors={"new_password": problems})
    user.set_password(new_password)
    user.must_change_password = False
    db.session.execute(sa.delete(LoginSession).where(LoginSession.user_id == user.id))
    user.current_login_session = None


def reset_password(actor: User, user: User) -> str:
    """An admin sets a new random password; the user must change it at next login."""
    if not actor.is_admin or (actor.school_id is not None and actor.school_id != user.school_id):
        raise PermissionDenied()
    password = generate_initial_password()
    user.set_password(password)
    user.must_change_password = True
    db.session.execute(sa.delete(LoginSession).where(LoginSession.user_id == user.id))
    return password


def generate_initial_password() -> str:
    """A readable random password that passes the policy (no 0/O, 1/l confusion)."""
    letters = "abcdefghjkmnpqrstuvwxyz"
    digits = "23456789"
    body = "".join(secrets.choice(letters) for _ in range(6))
    return body + "".join(secrets.choice(digits) for _ in range(4))


def create_user(username: str, password: str, role: Role, display_name: str, *,
                school_id: int | None = None, student_id: int | None = None,
                check_policy: bool = True) -> User:
    username = username.strip()
    if not re.fullmatch(r"[A-Za-z0-9_.@-]{2,64}", username):
        raise ValidationFailed(errors={"username": [
            _l("2–64 letters, digits or . _ - @ characters.")]})
    if db.session.scalar(sa.select(User.id).where(User.username == username)):
        raise ValidationFailed(errors={"username": [_l("This username is taken.")]})
    if check_policy:
        problems = password_problems(password, username)
        if problems:
            raise ValidationFailed(errors={"password": problems})
    user = User(username=username, role=role, display_name=display_name or username,
                school_id=school_id, student_id=student_id, active=True)
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    return user


def end_all_login_sessions(user: User) -> None:
    """Sign the user out everywhere: call it whenever their right to log in ends
    (deactivated, a student no longer enrolled), so no old cookie comes back later."""
    end_login_sessions_of([user.id])
    user.current_login_session = None


def end_login_sessions_of(user_ids) -> None:
    """`end_all_login_sessions` for many users at once (e.g. a roster import)."""
    ids = list(user_ids)
    if ids:
        db.session.execute(sa.delete(LoginSession).where(LoginSession.user_id.in_(ids)))
