"""Helpers for the workflow tests: move classes through the workflow quickly."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from starrating.extensions import db
from starrating.services import workflow


def _recent_past() -> datetime:
    """An hour ago (whole seconds), but never on the school's (Shanghai's) previous day:
    pages compare with the real clock, so a class published "now" is in its notice period
    for the HTTP and browser tests whatever the date, and its days left counted from today
    are the days given (between 00:00 and 01:00 in Shanghai an hour ago was yesterday)."""
    now = datetime.now(UTC).replace(microsecond=0)
    midnight = now.astimezone(ZoneInfo("Asia/Shanghai")).replace(hour=0, minute=0, second=0)
    return min(max(now - timedelta(hours=1), midnight.astimezone(UTC)), now - timedelta(seconds=1))


NOW = _recent_past()


def publish(school, class_ids=None, now=NOW, days=5):
    """Submit (as each class's teacher / the admin) and publish the classes; commits."""
    class_ids = class_ids or [school.class_a.id]
    for cid in class_ids:
        workflow.submit_class(school.admin, school.term, cid, now=now)
    workflow.publish_classes(school.admin, school.term, class_ids, notice_days=days, now=now)
    db.session.commit()


def later(days):
    return NOW + timedelta(days=days)
