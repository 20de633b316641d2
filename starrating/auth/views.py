"""Log in, log out, change password, lift a login lock."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from ..boundary import perform, submit
from ..services import access
from . import services
from .blueprint import bp
from .forms import ChangePasswordForm, LoginForm
from .guards import admin_required


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
    return submit(form, lambda: _sign_in(form), to=lambda target: target,
                  page=lambda: render_template("auth/login.html", form=form))


def _sign_in(form: LoginForm) -> str:
    """Log the form's user in with a fresh session (no fixation); where to go next."""
    user = services.authenticate(form.username.data, form.password.data,
                                 request.remote_addr or "",
                                 services.Throttle.from_config(current_app.config))
    session.clear()
    services.start_login_session(user, request.user_agent.string or "")
    login_user(user, remember=form.remember.data)
    if user.must_change_password:
        flash(_("Please choose a new password."), "info")
        return url_for("auth.change_password")
    return safe_next(request.args.get("next")) or url_for("main.index")


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    services.end_login_session(current_user._get_current_object())
    logout_user()
    session.clear()
    flash(_("You have logged out."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/password", methods=["GET", "POST"])
@login_required
def change_password():
    form = ChangePasswordForm()
    return submit(form, lambda: _new_password(form), to=url_for("main.index"),
                  done=_("Your password was changed. Other devices have been signed out."),
                  page=lambda: render_template("auth/password.html", form=form))


def _new_password(form: ChangePasswordForm) -> None:
    """Every old session is gone; this browser gets a new one."""
    user = current_user._get_current_object()
    services.change_password(user, form.old_password.data, form.new_password.data)
    session.clear()
    services.start_login_session(user, request.user_agent.string or "")
    login_user(user)


@bp.route("/accounts/<int:user_id>/unlock", methods=["POST"])
@admin_required
def unlock(user_id):
    user = access.account_for(current_user, user_id)
    return perform(lambda: services.unlock(current_user, user),
                   done=_("The login lock was lifted: %(name)s can log in again.",
                          name=user.display_name),
                   to=safe_next(request.form.get("next")) or url_for("admin.teachers"))
