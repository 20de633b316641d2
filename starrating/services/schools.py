"""Schools of a city instance: created and edited by the city office (pages and CLI), and
entered by a city-office user who wants to look at — or act in — one of them.

A city-office account (Role.CITY) belongs to no school. Outside a school it reads only the
city pages. Entering a school puts the school's id on the browser's LoginSession; from the
next request on, the user loader makes the user that school's admin for the request
(auth/sessions.enter_as_admin). Read-only unless they chose to act; see docs/security.md.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from zoneinfo import ZoneInfo, available_timezones

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from ..auth.services import create_user, generate_initial_password
from ..errors import NotFound, PermissionDenied, ValidationFailed
from ..extensions import db
from ..models import LoginSession, Role, School, User
from . import audit

CODE_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{1,31}")
LOGO_MAX_BYTES = 200 * 1024
LOGO_TYPES = {b"\x89PNG\r\n\x1a\n": "image/png", b"\xff\xd8\xff": "image/jpeg"}
# Codes that would read as something else in an address (/s/<code>/login).
RESERVED_CODES = {"CITY", "ADMIN", "LOGIN", "STATIC"}


def ensure_city(actor: User | None) -> None:
    """The city office only (outside or inside a school)."""
    if actor is None or not actor.is_city:
        raise PermissionDenied()


@dataclass
class SchoolInput:
    code: str
    name: str
    name_en: str = ""
    address: str = ""
    timezone: str = "Asia/Shanghai"


def _validated(data: SchoolInput, school: School | None) -> dict[str, list]:
    errors: dict[str, list] = {}
    code = data.code.strip()
    if not CODE_RE.fullmatch(code):
        errors["code"] = [_l("2–32 letters, digits, - or _, starting with a letter or digit.")]
    elif code.upper() in RESERVED_CODES:
        errors["code"] = [_l("This code is reserved; choose another.")]
    else:
        clash = db.session.scalar(sa.select(School.id).where(
            sa.func.upper(School.code) == code.upper(),
            School.id != (school.id if school is not None else -1)))
        if clash:
            errors["code"] = [_l("Another school has this code.")]
    if not data.name.strip():
        errors["name"] = [_l("This field is required.")]
    elif len(data.name.strip()) > 120:
        errors["name"] = [_l("At most %(n)d characters.", n=120)]
    if len(data.name_en.strip()) > 120:
        errors["name_en"] = [_l("At most %(n)d characters.", n=120)]
    if len(data.address.strip()) > 200:
        errors["address"] = [_l("At most %(n)d characters.", n=200)]
    if data.timezone not in zone_names():
        errors["timezone"] = [_l("Not a known time zone (for example Asia/Shanghai).")]
    return errors


def zone_names() -> set[str]:
    return available_timezones()


def create_school(actor: User | None, data: SchoolInput) -> School:
    """A new school (the CLI passes actor=None: whoever runs it owns the server)."""
    if actor is not None:
        ensure_city(actor)
    errors = _validated(data, None)
    if errors:
        raise ValidationFailed(errors=errors)
    school = School(code=data.code.strip(), name=data.name.strip(),
                    name_en=data.name_en.strip(), address=data.address.strip(),
                    timezone=data.timezone)
    with audit.recorded(actor, "create", school):
        db.session.add(school)
    return school


def update_school(actor: User | None, school: School, data: SchoolInput) -> None:
    if actor is not None:
        ensure_city(actor)
    errors = _validated(data, school)
    if errors:
        raise ValidationFailed(errors=errors)
    with audit.recorded(actor, "update", school, exclude=("logo",)):
        school.code, school.name = data.code.strip(), data.name.strip()
        school.name_en, school.address = data.name_en.strip(), data.address.strip()
        school.timezone = data.timezone


def set_logo(actor: User | None, school: School, content: bytes | None) -> None:
    """A PNG or JPEG of at most 200 kB, or None to remove the logo."""
    if actor is not None:
        ensure_city(actor)
    if content is None:
        school.logo, school.logo_type = None, ""
        audit.record(actor, "logo_removed", school, after={"name": school.name})
        return
    kind = next((t for magic, t in LOGO_TYPES.items() if content.startswith(magic)), None)
    if kind is None:
        raise ValidationFailed(errors={"logo": [_l("A logo must be a PNG or JPEG image.")]})
    if len(content) > LOGO_MAX_BYTES:
        raise ValidationFailed(errors={"logo": [_l("A logo may be at most %(n)d kB.",
                                                   n=LOGO_MAX_BYTES // 1024)]})
    school.logo, school.logo_type = content, kind
    audit.record(actor, "logo_set", school, after={"name": school.name})


def set_active(actor: User | None, school: School, active: bool) -> None:
    """A closed school's people can no longer log in; its records stay."""
    if actor is not None:
        ensure_city(actor)
    with audit.recorded(actor, "update", school, exclude=("logo",)):
        school.active = active
    if not active:
        db.session.execute(sa.delete(LoginSession).where(LoginSession.user_id.in_(
            sa.select(User.id).where(User.school_id == school.id))))


def save_school(actor: User, school: School | None, data: SchoolInput, *,
                logo: bytes | None = None, remove_logo: bool = False) -> School:
    """The school page's one call: create or update, then the logo (all or nothing)."""
    if school is None:
        school = create_school(actor, data)
    else:
        update_school(actor, school, data)
    if logo:
        set_logo(actor, school, logo)
    elif remove_logo:
        set_logo(actor, school, None)
    return school


def admins_of(actor: User, school: School) -> list[User]:
    ensure_city(actor)
    return list(db.session.scalars(sa.select(User).where(
        User.school_id == school.id, User.role == Role.ADMIN).order_by(User.username)))


def school_by_code(code: str) -> School:
    school = db.session.scalar(sa.select(School).where(
        sa.func.upper(School.code) == code.strip().upper()))
    if school is None:
        raise NotFound(_l("No school has the code %(code)s.", code=code[:32]))
    return school


def school_for(actor: User, school_id: int) -> School:
    ensure_city(actor)
    school = db.session.get(School, school_id)
    if school is None:
        raise NotFound()
    return school


def logo_of(code: str) -> tuple[bytes, str] | None:
    """A school's logo and its type (public: the login page at /s/<code>/login shows it)."""
    row = db.session.execute(sa.select(School.logo, School.logo_type).where(
        sa.func.upper(School.code) == code.strip().upper())).first()
    if row is None or not row.logo:
        return None
    return row.logo, row.logo_type


def list_schools(actor: User) -> list[School]:
    ensure_city(actor)
    return list(db.session.scalars(sa.select(School).order_by(School.code)))


def enter_school(actor: User, school: School, *, may_write: bool) -> None:
    """From the next request on, this browser's city user is inside `school` (its admin's
    pages, read-only unless `may_write`). Audited: the school sees who came in and how."""
    ensure_city(actor)
    login_session = actor.current_login_session
    if login_session is None:
        raise PermissionDenied()
    login_session.school_id, login_session.may_write = school.id, may_write
    audit.record(actor, "city_enter_write" if may_write else "city_enter_read", school,
                 school_id=school.id, after={"name": school.name})


def leave_school(actor: User) -> None:
    ensure_city(actor)
    login_session = actor.current_login_session
    if login_session is not None and login_session.school_id is not None:
        name = db.session.scalar(sa.select(School.name).where(
            School.id == login_session.school_id))
        audit.record(actor, "city_leave", object_type="school",
                     object_id=login_session.school_id, school_id=login_session.school_id,
                     after={"name": name})
        login_session.school_id, login_session.may_write = None, False


def record_city_write(actor: User, path: str) -> None:
    """One audit row for each write a city user makes inside a school (besides the rows
    the change itself records), so the school's log names them even for a change that
    keeps no history of its own."""
    visit = actor.city_visit
    name = db.session.scalar(sa.select(School.name).where(School.id == visit.school_id))
    audit.record(actor, "city_write", object_type="school", object_id=visit.school_id,
                 school_id=visit.school_id, after={"name": name, "page": path[:200]})


def zone_of(school_id: int | None) -> ZoneInfo | None:
    if school_id is None:
        return None
    name = db.session.scalar(sa.select(School.timezone).where(School.id == school_id))
    return ZoneInfo(name) if name else None


def create_school_admin(actor: User | None, school: School, username: str,
                        display_name: str, password: str | None = None) -> tuple[User, str]:
    """An admin account of `school`; returns it and its initial password (to hand over
    once; it must be changed at first login)."""
    if actor is not None:
        ensure_city(actor)
    initial = password or generate_initial_password()
    user = create_user(username, initial, Role.ADMIN, display_name.strip() or username,
                       school_id=school.id)
    user.must_change_password = password is None
    audit.record(actor, "create", user, school_id=school.id,
                 after={"username": user.username, "display_name": user.display_name,
                        "role": "admin"})
    return user, initial
