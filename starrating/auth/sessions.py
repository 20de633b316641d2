"""Flask-Login wiring: the cookie carries a LoginSession token, never the user id."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from flask import Flask, current_app, g, redirect, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import UserMixin, current_user

from ..extensions import db, login_manager
from ..models import LoginSession, School, Student, User, utcnow
from .services import student_may_log_in


def init_login(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please log in to see this page.")
    login_manager.login_message_category = "info"
    # "strong" hashes X-Forwarded-For, which mobile networks change; tokens do the work.
    login_manager.session_protection = "basic"

    @app.before_request
    def require_new_password():
        """After an admin's reset (or a roster's initial password) the user must choose
        their own password before seeing anything else."""
        if request.endpoint in OPEN_BEFORE_NEW_PASSWORD or request.endpoint is None:
            return None
        if current_user.is_authenticated and current_user.must_change_password:
            return redirect(url_for("auth.change_password"))
        return None


# Reachable while the password must still be changed.
OPEN_BEFORE_NEW_PASSWORD = {"auth.change_password", "auth.logout", "auth.login", "static",
                            "main.healthz", "main.set_language"}


@login_manager.user_loader
def load_user(token: str) -> User | None:
    # The student's status and their school's setting come in the same statement: a student
    # who left (or a graduate once the school stops graduates' logins) is signed out here
    # even if a session row survived.
    row = db.session.execute(
        sa.select(LoginSession, User, Student.status, School.graduates_can_log_in)
        .join(User, User.id == LoginSession.user_id)
        .outerjoin(Student, Student.id == User.student_id)
        .outerjoin(School, School.id == Student.school_id)
        .where(LoginSession.token == token)
    ).first()
    if row is None:
        return None
    login_session, user, status, graduates_can_log_in = row
    max_age = current_app.config["REMEMBER_COOKIE_DURATION"] + timedelta(days=1)
    if not user.active or login_session.created_at < utcnow() - max_age:
        return None
    if user.student_id is not None and not student_may_log_in(status, graduates_can_log_in):
        return None
    user.current_login_session = login_session
    g.page_user = PageUser.of(user)
    return user


class PageUser(UserMixin):
    """What the page layout reads of the logged-in user, copied at login so that an error
    page (database down, a failed request rolled back) renders without a query."""

    def __init__(self, id: str, role: str, display_name: str, locale: str | None,
                 school_id: int | None):
        self.id, self.role, self.display_name = id, role, display_name
        self.locale, self.school_id = locale, school_id

    @classmethod
    def of(cls, user: User) -> PageUser:
        return cls(user.get_id(), user.role, user.display_name, user.locale, user.school_id)

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    def get_id(self) -> str:
        return self.id
