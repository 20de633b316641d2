"""Helpers for the workflow tests: move classes through the workflow quickly."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from starrating.extensions import db
from starrating.services import workflow

# An hour ago (whole seconds): pages compare with the real clock, so a class published "now"
# is in its notice period for the HTTP and browser tests whatever the date.
NOW = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)


def publish(school, class_ids=None, now=NOW, days=5):
    """Submit (as each class's teacher / the admin) and publish the classes; commits."""
    class_ids = class_ids or [school.class_a.id]
    for cid in class_ids:
        workflow.submit_class(school.admin, school.term, cid, now=now)
    workflow.publish_classes(school.admin, school.term, class_ids, notice_days=days, now=now)
    db.session.commit()


def later(days):
    return NOW + timedelta(days=days)
