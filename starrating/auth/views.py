"""Log in, log out, change password, lift a login lock."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import (
    after_this_request,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
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


def school_login_url() -> str:
    """The login address printed for the request user's school (its own /s/<code>/login,
    which needs no school code typed), e.g. on password slips."""
    page_user = g.get("page_user")
    school = getattr(page_user, "school", None)
    if school is not None:
        return url_for("auth.school_login", code=school.code, _external=True)
    return url_for("auth.login", _external=True)


SCHOOL_COOKIE = "school"  # the school code this device last logged in to


@bp.route("/login", methods=["GET", "POST"])
def login():
    """The school comes from the form's code field (remembered on the device), or is the
    only school; see docs/security.md, "logins per school"."""
    return _login_page(lambda form: services.login_school(
                           form.school.data if form.school is not None else None),
                       login_form(request.cookies.get(SCHOOL_COOKIE)))


@bp.route("/s/<code>/login", methods=["GET", "POST"])
def school_login(code):
    """A school's own login address: the school is in the address, not in the form."""
    school = services.login_school_by_address(code)
    return _login_page(lambda form: school, login_form(school.code, fixed=True), school=school)


@bp.route("/city/login", methods=["GET", "POST"])
def city_login():
    """The city office's accounts belong to no school."""
    return _login_page(lambda form: None, login_form(None, fixed=True), city=True)


def login_form(code: str | None, fixed: bool = False) -> LoginForm:
    form = LoginForm()
    if fixed or not services.several_schools():
        del form.school
    elif request.method == "GET" and code:
        form.school.data = code
    return form


def _login_page(school_of_form, form: LoginForm, **context):
    if current_user.is_authenticated:
        return redirect(url_for("main.index"))
    codes = services.school_codes() if form.school is not None else []
    return submit(form, lambda: _sign_in(form, school_of_form(form)), to=lambda target: target,
                  page=lambda: render_template("auth/login.html", form=form, codes=codes,
                                               **context))


def _sign_in(form: LoginForm, school) -> str:
    """Log the form's user in with a fresh session (no fixation); where to go next."""
    user = services.authenticate(school, form.username.data, form.password.data,
                                 request.remote_addr or "",
                                 services.Throttle.from_config(current_app.config))
    if school is not None:
        @after_this_request
        def remember_school(response):
            response.set_cookie(SCHOOL_COOKIE, school.code, max_age=400 * 24 * 3600,
                                httponly=True, samesite="Lax",
                                secure=current_app.config.get("SESSION_COOKIE_SECURE", False))
            return response
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
