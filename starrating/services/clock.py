"""The school's clock: today and now in the school's time zone.

Everything that asks "which day is it for the school?" (the term in force, the latest date
an entry may carry, days left of a notice period) asks here, so a fixed clock in a test
(time-machine) or a school in another zone moves all of it at once.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import current_app, g, has_app_context, has_request_context
from flask_babel import _get_current_context as _babel_context
from flask_babel import format_date, format_datetime
from flask_login import current_user

from ..extensions import db
from ..models import School

DEFAULT_ZONE = "Asia/Shanghai"


def school_zone(school_id: int | None = None) -> ZoneInfo:
    """The school's time zone (`School.timezone`). Without a school: the school of the
    request's user (read with the login, no query), else the instance's default
    (config BABEL_DEFAULT_TIMEZONE) — a city-office page outside any school."""
    if not has_app_context():
        return ZoneInfo(DEFAULT_ZONE)
    if g.get("_zone_name") and school_id in (None, g.get("_zone_school_id")):
        name = g._zone_name  # inside in_school_zone
    elif school_id is None:
        name = _request_zone_name()
    elif school_id == _request_school_id():
        name = _request_zone_name()  # read with the login, no query
    else:
        cache = g.setdefault("_school_zones", {})
        if school_id not in cache:
            cache[school_id] = _stored_zone_name(school_id)
        name = cache[school_id]
    return ZoneInfo(name or current_app.config.get("BABEL_DEFAULT_TIMEZONE") or DEFAULT_ZONE)


@contextmanager
def in_school_zone(school_id: int | None) -> Iterator[None]:
    """Times written inside the block are in this school's zone, whoever reads them: an
    export built by the job worker or the command line, which have no request user."""
    previous = g.get("_zone_name"), g.get("_zone_school_id")
    g._zone_name = _stored_zone_name(school_id) if school_id is not None else None
    g._zone_school_id = school_id
    _forget_babel_zone()
    try:
        yield
    finally:
        g._zone_name, g._zone_school_id = previous
        _forget_babel_zone()


def zoned_by_term(writer):
    """Decorate an export writer `f(actor, term, ...)`: it runs in the term's school's zone."""

    @functools.wraps(writer)
    def run(actor, term, *args, **kwargs):
        with in_school_zone(term.school_id):
            return writer(actor, term, *args, **kwargs)

    return run


def _forget_babel_zone() -> None:
    """Flask-Babel caches the zone on the context; drop it so the next format asks again."""
    ctx = _babel_context()
    if ctx is not None and hasattr(ctx, "babel_tzinfo"):
        delattr(ctx, "babel_tzinfo")


def _request_school_id() -> int | None:
    """The school of the request's user (their own, or the one a city user entered)."""
    if not has_request_context():
        return None
    page_user = g.get("page_user")
    school = getattr(page_user, "school", None)
    return getattr(page_user, "school_id", None) if school is not None else None


def _request_zone_name() -> str | None:
    if not has_request_context():
        return None
    current_user.is_authenticated  # noqa: B018 — loads the user (and g.page_user) once
    page_user = g.get("page_user")
    school = getattr(page_user, "school", None)
    return school.timezone if school is not None else None


def _stored_zone_name(school_id: int) -> str | None:
    return db.session.scalar(sa.select(School.timezone).where(School.id == school_id))


def babel_timezone() -> str:
    """Flask-Babel's time zone selector: every format_datetime in the school's zone."""
    return school_zone().key


def school_now(school_id: int | None = None) -> datetime:
    return datetime.now(school_zone(school_id))


def school_today(school_id: int | None = None) -> date:
    """Today in the school's time zone (a teacher in Asia/Shanghai at 00:30 is on the new day)."""
    return school_now(school_id).date()


TIME_FORMAT = "yyyy-MM-dd HH:mm"
DATE_FORMAT = "yyyy-MM-dd"


def local_time(value: datetime | str | None) -> str:
    """The one way a time is written for people — pages, exports, cards, history: the
    school's wall time as 2026-12-01 07:30, the same in both languages."""
    if value is None or value == "":
        return "—"
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return format_datetime(value, TIME_FORMAT)


def local_date(value: datetime | date | None) -> str:
    """The school's calendar day of a time (or a date as it is): 2026-12-01."""
    if value is None:
        return "—"
    if isinstance(value, datetime):
        return format_datetime(value, DATE_FORMAT)
    return format_date(value, DATE_FORMAT)
