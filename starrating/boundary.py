"""The request boundary: the one place that commits or rolls back (after indico's RH.process).

Every view runs inside `bounded`: a state-changing request (POST, PUT, PATCH, DELETE) that
answers below 400 is committed; anything else — a GET, an error status, any exception — is
rolled back, so a GET never writes and a failed request writes nothing.

Views run one service call through `perform` (or `submit` for a form page):

    if form.validate_on_submit():
        return perform(lambda: setup.save_term(current_user, term, form.data),
                       form=form, page=page, done=_("The term was saved."),
                       to=url_for("admin.terms"))
    return page()

`perform` turns a service's refusal into a page: a `ValidationFailed` puts field errors beside
their fields (the rest flashed) and re-renders `page` with 400; a `Conflict` re-renders with
409; any other `DomainError` below 403 is flashed and re-rendered with its status; 403 and 404
go to the error pages. Without a `page` (POST-only actions) the refusal is flashed and the
user goes back to `to`. The session is rolled back *before* anything else runs, so rendering
the refusal never meets a session that still needs a rollback.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import Flask, current_app, flash, g, redirect, request
from flask_babel import gettext as _

from .errors import Conflict, DomainError, ValidationFailed
from .extensions import db

STATE_CHANGING = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def install(app: Flask) -> None:
    """Wrap every registered view (call after the blueprints are registered)."""
    for endpoint, view in list(app.view_functions.items()):
        if endpoint != "static" and not getattr(view, "_bounded", False):
            app.view_functions[endpoint] = bounded(view)


def bounded(view: Callable) -> Callable:
    @wraps(view)
    def run(*args, **kwargs):
        try:
            response = current_app.make_response(view(*args, **kwargs))
        except BaseException:
            rollback()
            raise
        if request.method in STATE_CHANGING and _keeps(response.status_code):
            db.session.commit()
        else:
            rollback()
        return response

    run._bounded = True  # type: ignore[attr-defined]
    return run


def _keeps(status: int) -> bool:
    if g.get("_refused"):
        return g.get("_keep_refused", False)
    return status < 400 or g.get("_keep_refused", False)


def keep_despite_refusal() -> None:
    """Commit this request's writes even though it answers with a refusal (a failed login
    attempt must be counted, or the throttle counts nothing)."""
    g._keep_refused = True


def refused() -> None:
    """Mark the request as refused: roll back now, never commit at the boundary."""
    g._refused = True
    rollback()


def rollback() -> None:
    try:
        db.session.rollback()
    except Exception:  # the connection may be gone; the error page must still render
        pass


Result = Any
Message = str | Callable[[Result], str] | None
Target = str | Callable[[Result], str] | None


def perform(action: Callable[[], Result], *, form=None, page: Callable[[], Any] | None = None,
            done: Message = None, to: Target = None, category: str = "success",
            refused_status: int | None = None,
            refusal: Callable[[DomainError], Any] | None = None):
    """Run one service call at the boundary; see the module docstring.

    `refused_status` replaces the status a re-rendered refusal answers with (a page that has
    always answered 200); `refusal(error)`, if given, answers a refusal below 403 instead of
    the page (after the rollback; never committed)."""
    try:
        result = action()
    except DomainError as error:
        refused()
        if error.status in (403, 404):
            raise
        if refusal is not None:
            return refusal(error)
        response = _refusal(error, form, page, to)
        if refused_status is not None and isinstance(response, tuple):
            return response[0], refused_status
        return response
    if done is not None:
        flash(str(done(result) if callable(done) else done), category)
    if to is None:
        return result
    return redirect(to(result) if callable(to) else to)


def submit(form, action: Callable[[], Result], *, page: Callable[[], Any],
           invalid_status: int = 400, **kwargs):
    """A form page: GET renders it, an invalid POST re-renders it with `invalid_status`,
    a valid POST runs `action` through `perform`."""
    if form.validate_on_submit():
        return perform(action, form=form, page=page, **kwargs)
    if request.method in STATE_CHANGING:
        return page(), invalid_status
    return page()


def _refusal(error: DomainError, form, page, to):
    unplaced = _place_errors(form, error) if page is not None else _all_messages(error)
    message = str(error.message) if error.message else ""
    if not message and unplaced:
        message, unplaced = unplaced[0], unplaced[1:]
    if not message and isinstance(error, ValidationFailed) and page is None:
        message = _("Please correct the marked fields.")
    text = " ".join([message, *unplaced]).strip()
    if text:
        flash(text, "error")
    if page is None:
        return redirect(to if isinstance(to, str) else request.path)
    status = 409 if isinstance(error, Conflict) else error.status
    return page(), status


def _place_errors(form, error: DomainError) -> list[str]:
    """Field errors go beside their fields; those without a field are returned to flash."""
    if not isinstance(error, ValidationFailed) or not error.errors:
        return []
    unplaced = []
    for name, messages in error.errors.items():
        messages = list(messages) if isinstance(messages, list | tuple) else [messages]
        field = getattr(form, name, None) if form is not None else None
        if field is None or not hasattr(field, "errors"):
            unplaced.extend(str(m) for m in messages)
            continue
        if isinstance(field.errors, tuple):
            field.errors = list(field.errors)
        field.errors.extend(messages)
    return unplaced


def _all_messages(error: DomainError) -> list[str]:
    if not isinstance(error, ValidationFailed):
        return []
    return [str(m) for ms in error.errors.values()
            for m in (ms if isinstance(ms, list | tuple) else [ms])]
