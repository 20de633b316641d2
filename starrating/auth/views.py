"""Log in, log out, change password."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from ..errors import DomainError, ValidationFailed
from ..extensions import db
from ..utils import apply_errors
from . import bp, services
from .forms import ChangePasswordForm, LoginForm


def safe_next(target: str | None) -> str | None:
    """`next` only if it is a path on this site: never another host or scheme."""
    if not target or "\\" in target or any(ord(c) < 32 for c in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("main.index"))
    form = LoginForm()
    if form.validate_on_submit():
        cfg = current_app.config
        try:
            user = services.authenticate(
                form.username.data, form.password.data, request.remote_addr or "",
                lockout=cfg["LOGIN_LOCKOUT"], max_user=cfg["LOGIN_MAX_FAILURES_PER_USER"],
                max_ip=cfg["LOGIN_MAX_FAILURES_PER_IP"])
        except DomainError as e:
            db.session.commit()  # keep the failed attempt: it feeds the throttle
            form.password.errors.append(e.message)
            return render_template("auth/login.html", form=form), e.status
        session.clear()  # a fresh session at login: no fixation
        services.start_login_session(user, request.user_agent.string or "")
        login_user(user, remember=form.remember.data)
        db.session.commit()
        if user.must_change_password:
            flash(_("Please choose a new password."), "info")
            return redirect(url_for("auth.change_password"))
        return redirect(safe_next(request.args.get("next")) or url_for("main.index"))
    return render_template("auth/login.html", form=form)


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    services.end_login_session(current_user._get_current_object())
    db.session.commit()
    logout_user()
    session.clear()
    flash(_("You have logged out."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/password", methods=["GET", "POST"])
@login_required
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        user = current_user._get_current_object()
        try:
            services.change_password(user, form.old_password.data, form.new_password.data)
        except ValidationFailed as e:
            db.session.rollback()
            apply_errors(form, e.errors)
            return render_template("auth/password.html", form=form), 400
        # Every old session is gone; this browser gets a new one.
        session.clear()
        services.start_login_session(user, request.user_agent.string or "")
        login_user(user)
        db.session.commit()
        flash(_("Your password was changed. Other devices have been signed out."), "success")
        return redirect(url_for("main.index"))
    return render_template("auth/password.html", form=form)
