"""Domain errors raised by services, and the HTTP error pages."""

from __future__ import annotations

import logging

from flask import Flask, g, render_template, request
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DataError, InterfaceError, OperationalError

from .extensions import db, login_manager

log = logging.getLogger(__name__)


class DomainError(Exception):
    """A rule of the school was broken; `message` is shown to the user."""

    status = 400

    def __init__(self, message: str | None = None, **details):
        # Keep a lazy message lazy: rendering it reads the user's locale, which must not
        # happen while the session still needs a rollback (the boundary rolls back first).
        super().__init__()
        self.message = message
        self.details = details

    def __str__(self) -> str:
        return str(self.message) if self.message is not None else ""


class PermissionDenied(DomainError):
    status = 403


class NotFound(DomainError):
    status = 404


class Conflict(DomainError):
    """Someone else changed the record first (stale version)."""

    status = 409


class ValidationFailed(DomainError):
    """Input did not pass; `errors` maps a field (or row/column) to messages."""

    status = 400

    def __init__(self, message=None, errors: dict | None = None):
        super().__init__(message)
        self.errors = errors or {}


def without_database() -> None:
    """Let an error page render without the database: the user seen at login (a plain
    snapshot, see auth.sessions) or nobody, never a fresh lookup that fails again."""
    g._login_user = g.get("page_user") or login_manager.anonymous_user()


def init_app(app: Flask) -> None:
    def page(template: str, status: int, message=None):
        return render_template(template, message=message), status

    @app.errorhandler(CSRFError)
    def csrf_error(e):
        return page("errors/400.html", 400, _l("The form expired or was sent from elsewhere. "
                                                "Go back, reload the page and try again."))

    @app.errorhandler(400)
    def bad_request(e):
        return page("errors/400.html", 400, getattr(e, "description", None))

    @app.errorhandler(403)
    def forbidden(e):
        return page("errors/403.html", 403)

    @app.errorhandler(PermissionDenied)
    def permission_denied(e):
        return page("errors/403.html", 403, e.message)

    @app.errorhandler(NotFound)
    def not_found_domain(e):
        return page("errors/404.html", 404, e.message)

    @app.errorhandler(404)
    def not_found(e):
        return page("errors/404.html", 404)

    @app.errorhandler(405)
    def method_not_allowed(e):
        return page("errors/400.html", 405, _l("This action is not allowed here."))

    @app.errorhandler(413)
    def too_large(e):
        return page("errors/400.html", 413, _l("The upload is too large."))

    @app.errorhandler(OverflowError)
    @app.errorhandler(DataError)
    def value_out_of_range(e):
        # A number in the URL or a form too large for the database (SQLite refuses to bind
        # it, PostgreSQL calls it out of range): the input is wrong, nothing was written.
        try:
            db.session.rollback()
        except Exception:
            pass
        log.warning("value out of range on %s %s: %s", request.method, request.path,
                    type(e).__name__)
        return page("errors/400.html", 400, _l("A number in the request is out of range."))

    @app.errorhandler(OperationalError)
    @app.errorhandler(InterfaceError)
    def database_unavailable(e):
        g.db_down = True
        try:
            db.session.rollback()
        except Exception:  # the connection may be gone; the page must still render
            pass
        without_database()
        log.error("database error on %s %s: %s", request.method, request.path, type(e).__name__)
        return page("errors/503.html", 503)

    @app.errorhandler(500)
    def server_error(e):
        try:
            db.session.rollback()
        except Exception:
            pass
        without_database()
        return page("errors/500.html", 500)
