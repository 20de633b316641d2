"""A login session lives at most REMEMBER_COOKIE_DURATION + 1 day, whatever the cookie says."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from starrating.extensions import db
from starrating.models import LoginSession, utcnow


def _aged(app, age: timedelta) -> None:
    db.session.execute(sa.update(LoginSession).values(created_at=utcnow() - age))
    db.session.commit()


def test_a_session_older_than_the_maximum_age_no_longer_authenticates(app, act, school):
    teacher = act(school.teacher)
    limit = app.config["REMEMBER_COOKIE_DURATION"] + timedelta(days=1)
    _aged(app, limit - timedelta(minutes=5))
    assert teacher.get("/teacher/").status_code == 200  # still inside the limit
    _aged(app, limit + timedelta(minutes=5))
    response = teacher.get("/teacher/")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")
