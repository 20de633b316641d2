"""The school's clock: today and now in the school's time zone.

Everything that asks "which day is it for the school?" (the term in force, the latest date
an entry may carry, days left of a notice period) asks here, so a fixed clock in a test
(time-machine) or a school in another zone moves all of it at once.
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context

DEFAULT_ZONE = "Asia/Shanghai"


def school_zone(school_id: int | None = None) -> ZoneInfo:
    """The school's time zone (today one zone for the instance; see config.py)."""
    name = current_app.config.get("BABEL_DEFAULT_TIMEZONE") if has_app_context() else None
    return ZoneInfo(name or DEFAULT_ZONE)


def school_now(school_id: int | None = None) -> datetime:
    return datetime.now(school_zone(school_id))


def school_today(school_id: int | None = None) -> date:
    """Today in the school's time zone (a teacher in Asia/Shanghai at 00:30 is on the new day)."""
    return school_now(school_id).date()
