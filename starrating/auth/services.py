"""Accounts: authentication with throttling, login sessions, passwords."""

from __future__ import annotations

import functools
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from werkzeug.security import check_password_hash, generate_password_hash

from ..errors import NotFound, ValidationFailed
from ..extensions import db
from ..models import LoginAttempt, LoginSession, Role, School, Student, StudentStatus, User, utcnow
from ..models.families import (  # a guardian logs in by phone too (issue 16)
    CHILD_STATUSES,
    Guardian,
    GuardianLink,
)
from ..services.access import ensure_account_manageable


class LoginThrottled(ValidationFailed):
    """Too many failures: shown beside the password field, answered with 429."""

    status = 429

    def __init__(self, message):
        super().__init__(errors={"password": [message]})


class InvalidCredentials(ValidationFailed):
    """Wrong username or password (never which of the two), beside the password field."""

    def __init__(self, message):
        super().__init__(errors={"password": [message]})


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


@dataclass(frozen=True)
class Throttle:
    """Failed-login limits within one window (see docs/security.md, "brute force").

    A user is locked *from one address* after `per_user_and_address` failures there, so a
    stranger's wrong passwords cannot lock the user out from their own device; the slower
    `per_user` limit across all addresses stops a spread-out guess at one account, and
    `per_address` stops one address trying many accounts."""

    window: timedelta
    per_user_and_address: int
    per_user: int
    per_address: int

    @classmethod
    def from_config(cls, config) -> Throttle:
        return cls(config["LOGIN_LOCKOUT"], config["LOGIN_MAX_FAILURES_PER_USER"],
                   config["LOGIN_MAX_FAILURES_PER_USER_ALL_ADDRESSES"],
                   config["LOGIN_MAX_FAILURES_PER_IP"])


# Advisory-lock classes (PostgreSQL): one for usernames, one for addresses.
_LOCK_USER, _LOCK_ADDRESS = 1, 2


def reserve_attempt(username: str, ip: str, throttle: Throttle, *, now: datetime) -> None:
    """Count this attempt as a failure *before* the password is checked, or refuse it.

    Runs in a short transaction of its own, committed at once: concurrent attempts on other
    workers must see it before this one spends time hashing, and no lock may be held during
    the hash. The INSERT comes before the COUNT, under a per-username (and per-address)
    advisory lock on PostgreSQL; SQLite's INSERT takes the database's write lock. Either
    way the count includes every earlier attempt, so exactly `per_user_and_address`
    passwords are checked however many arrive at once. A right password removes the row
    again (`authenticate`)."""
    since = now - throttle.window
    with db.engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            for lock_class, key in ((_LOCK_USER, username), (_LOCK_ADDRESS, ip)):
                conn.execute(sa.select(sa.func.pg_advisory_xact_lock(
                    lock_class, sa.func.hashtext(key))))
        conn.execute(sa.insert(LoginAttempt).values(username=username, ip=ip, at=now))
        counts = conn.execute(sa.select(
            sa.func.count().filter(LoginAttempt.username == username, LoginAttempt.ip == ip),
            sa.func.count().filter(LoginAttempt.username == username),
            sa.func.count().filter(LoginAttempt.ip == ip),
        ).where(LoginAttempt.at >= since,
                sa.or_(LoginAttempt.username == username, LoginAttempt.ip == ip))).one()
        limits = (throttle.per_user_and_address, throttle.per_user, throttle.per_address)
        if any(n > limit for n, limit in zip(counts, limits, strict=True)):
            raise LoginThrottled(  # leaving the block rolls the reservation back
                _l("Too many failed attempts. Wait %(m)d minutes and try again.",
                   m=int(throttle.window.total_seconds() // 60)))


def login_school(code: str | None) -> School | None:
    """The school a login form names by its code (any case); with no code, the only school
    of a single-school installation. ValidationFailed beside the school field otherwise."""
    code = (code or "").strip()
    if code:
        school = db.session.scalar(sa.select(School).where(
            sa.func.upper(School.code) == code.upper(), School.active.is_(True)))
        if school is None:
            raise ValidationFailed(errors={"school": [
                _l("No school has the code %(code)s.", code=code[:32])]})
        return school
    schools = db.session.scalars(sa.select(School).where(School.active.is_(True)).limit(2)).all()
    if len(schools) == 1:
        return schools[0]
    raise ValidationFailed(errors={"school": [_l("Enter your school's code.")]})


def login_school_by_address(code: str) -> School:
    """The school of a /s/<code>/login address (NotFound for an unknown or closed one)."""
    school = db.session.scalar(sa.select(School).where(
        sa.func.upper(School.code) == code.strip().upper(), School.active.is_(True)))
    if school is None:
        raise NotFound(_l("No school has this address."))
    return school


def several_schools() -> bool:
    return db.session.scalar(sa.select(sa.func.count()).select_from(
        sa.select(School.id).where(School.active.is_(True)).limit(2).subquery())) > 1


def school_codes() -> list[tuple[str, str]]:
    """(code, name) of every open school, for the login form's suggestions."""
    return [tuple(r) for r in db.session.execute(
        sa.select(School.code, School.name).where(School.active.is_(True))
        .order_by(School.code))]


def throttle_key(school_id: int | None, username: str) -> str:
    """The name failed attempts are counted under: the account within its school."""
    return f"{school_id if school_id is not None else 'city'}:{username}"


def authenticate(school: School | None, username: str, password: str, ip: str,
                 throttle: Throttle) -> User:
    """The account of `school` (None: a city-office account) with these credentials, or a
    domain error. Failures stay counted, per account and per address."""
    username, ip = username.strip()[:64], ip[:64]
    school_id = school.id if school is not None else None
    key = throttle_key(school_id, username)
    reserve_attempt(key, ip, throttle, now=utcnow())
    query = sa.select(User).where(User.username == username)
    if school_id is None:
        query = query.where(User.school_id.is_(None), User.role == Role.CITY)
    else:
        query = query.where(User.school_id == school_id)
    user = db.session.scalar(query)
    if user is None and school_id is not None:  # a guardian may give their phone number
        user = db.session.scalar(sa.select(User).join(Guardian, Guardian.user_id == User.id)
                                 .where(Guardian.school_id == school_id,
                                        Guardian.phone == username))
    if user is None:
        # Hash anyway: a quick answer would tell that the username does not exist.
        check_password_hash(_dummy_hash(), password)
    if user is None or not user.check_password(password):
        raise InvalidCredentials(_l("Wrong username or password."))
    refusal = guardian_refusal(user)  # with the right password only: it tells the account's state
    if refusal is not None:
        raise InvalidCredentials(refusal)
    if not user.active:
        raise InvalidCredentials(_l("Wrong username or password."))
    refusal = student_refusal(user)
    if refusal is not None:
        raise InvalidCredentials(refusal)
    # Only this address's failures go: a success here does not reset a stranger's count.
    db.session.execute(sa.delete(LoginAttempt).where(LoginAttempt.username == key,
                                                     LoginAttempt.ip == ip))
    return user


def student_may_log_in(status: StudentStatus | None, graduates_can_log_in: bool | None) -> bool:
    """A student account logs in while enrolled, or graduated (read-only) at a school whose
    graduates still may; never suspended, withdrawn or transferred."""
    if status == StudentStatus.ACTIVE:
        return True
    return status == StudentStatus.GRADUATED and bool(graduates_can_log_in)


def student_refusal(user: User):
    """Why this (otherwise right) student account may not log in, or None."""
    if user.student_id is None:
        return None
    status, allowed = db.session.execute(
        sa.select(Student.status, School.graduates_can_log_in)
        .join(School, School.id == Student.school_id)
        .where(Student.id == user.student_id)).one()
    if student_may_log_in(status, allowed):
        return None
    if status == StudentStatus.GRADUATED:
        return _l("Graduates of this school can no longer log in. Ask the student affairs "
                  "office if you need your records.")
    return _l("You are no longer enrolled, so this account cannot log in. Ask the student "
              "affairs office.")


def guardian_refusal(user: User):
    """Why this guardian account (with the right password) may not log in, or None: the
    school deactivated it, or none of the guardian's children is at the school any more."""
    if user.role != Role.GUARDIAN:
        return None
    guardian_id, deactivated_at = db.session.execute(
        sa.select(Guardian.id, Guardian.deactivated_at).where(Guardian.user_id == user.id)
    ).one_or_none() or (None, None)
    if guardian_id is None:
        return None
    if deactivated_at is not None:
        return _l("This guardian account was deactivated by the school. Ask the class teacher "
                  "if you need it again.")
    if not db.session.scalar(sa.select(sa.exists().where(
            GuardianLink.guardian_id == guardian_id, GuardianLink.student_id == Student.id,
            Student.status.in_(CHILD_STATUSES)))):
        return _l("None of your children linked to this account is at the school any more, so "
                  "it cannot log in. Ask the class teacher if this is wrong.")
    return None


def end_sessions_of_guardians_without_children(*, student_ids=(), guardian_ids=()) -> None:
    """Sign out the guardians (of these students, or these guardians) who have no child left
    at the school: call it when students leave or a link goes. A fixed number of statements."""
    students, guardians = list(student_ids), list(guardian_ids)
    if not students and not guardians:
        return
    still = sa.exists().where(GuardianLink.guardian_id == Guardian.id,
                              GuardianLink.student_id == Student.id,
                              Student.status.in_(CHILD_STATUSES))
    query = sa.select(Guardian.user_id).where(~still)
    if students:
        query = query.where(Guardian.id.in_(sa.select(GuardianLink.guardian_id).where(
            GuardianLink.student_id.in_(students))) | Guardian.id.in_(guardians))
    else:
        query = query.where(Guardian.id.in_(guardians))
    end_login_sessions_of(db.session.scalars(query).all())


def unlock(actor: User, user: User) -> None:
    """An admin lifts every login lock on `user` (all addresses)."""
    ensure_account_manageable(actor, user)
    db.session.execute(sa.delete(LoginAttempt).where(
        LoginAttempt.username == throttle_key(user.school_id, user.username)))


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


def set_locale(user: User, code: str) -> None:
    """The language the user's pages are shown in from now on."""
    user.locale = code


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
    ensure_account_manageable(actor, user)
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
    if role == Role.CITY:
        school_id = None
    elif school_id is None:
        raise ValidationFailed(errors={"school": [_l("Choose the account's school.")]})
    same = sa.select(User.id).where(User.username == username)
    same = same.where(User.school_id.is_(None) if school_id is None
                      else User.school_id == school_id)
    if db.session.scalar(same):
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
