"""Landing redirect by role, language switch, health check."""

from __future__ import annotations

from flask import current_app, jsonify, redirect, request, url_for
from flask_login import current_user, login_required

from ..auth import services as auth_services
from ..auth.views import safe_next
from ..extensions import db
from ..i18n import LANG_COOKIE
from .blueprint import bp

HOME_BY_ROLE = {"admin": "admin.index", "teacher": "teacher.index", "student": "student.index",
                "city": "city.index", "guardian": "guardian.index"}


@bp.route("/")
@login_required
def index():
    return redirect(url_for(HOME_BY_ROLE[current_user.role]))


@bp.route("/lang/<code>", methods=["POST"])
def set_language(code: str):
    config = current_app.config
    code = code if code in config["LANGUAGES"] else config["BABEL_DEFAULT_LOCALE"]
    if current_user.is_authenticated:
        auth_services.set_locale(current_user._get_current_object(), code)
    response = redirect(safe_next(request.form.get("next")) or url_for("main.index"))
    return _remember_language(response, code)


def _remember_language(response, code: str):
    response.set_cookie(LANG_COOKIE, code, max_age=365 * 24 * 3600, samesite="Lax",
                        httponly=True, secure=current_app.config["SESSION_COOKIE_SECURE"])
    return response


@bp.route("/favicon.ico")
def favicon():
    """Browsers ask for /favicon.ico whatever the page links; answer with the star icon."""
    return redirect(url_for("static", filename="img/star.svg"), code=301)


@bp.route("/healthz")
def healthz():
    db.session.execute(db.text("SELECT 1"))
    return jsonify(status="ok")
