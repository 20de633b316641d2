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


def test_the_login_row_fills_the_users_objects_without_another_statement(app, school,
                                                                           count_queries):
    """The login statement's row becomes the user's objects (auth/sessions._attach): a user
    the session already holds, expired by a commit, is filled from the row as the ORM's
    load would fill it — one statement in all."""
    from starrating.auth.services import start_login_session
    from starrating.auth.sessions import load_user

    token = start_login_session(school.student_user).token
    db.session.commit()  # expires every object the test's session holds
    with app.test_request_context("/student/"), count_queries() as counted:
        user = load_user(token)
        seen = (user.display_name, user.role, user.student.name, user.student.school_class.name)
    assert counted.count == 1, counted.statements
    assert user is school.student_user
    assert seen[2:] == (school.students[0].name, school.students[0].school_class.name)
