"""Flask-Login wiring: the cookie carries a LoginSession token, never the user id."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from flask import Flask, current_app, redirect, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from ..extensions import db, login_manager
from ..models import LoginSession, User, utcnow


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
    row = db.session.execute(
        sa.select(LoginSession, User)
        .join(User, User.id == LoginSession.user_id)
        .where(LoginSession.token == token)
    ).first()
    if row is None:
        return None
    login_session, user = row
    max_age = current_app.config["REMEMBER_COOKIE_DURATION"] + timedelta(days=1)
    if not user.active or login_session.created_at < utcnow() - max_age:
        return None
    user.current_login_session = login_session
    return user
