"""The audit log viewer: who changed what and when, filtered and paginated."""

from __future__ import annotations

from datetime import date

from flask import current_app, render_template, request
from flask_login import current_user

from ..auth.guards import admin_required
from ..extensions import db
from ..services import dashboard as service
from . import bp

PER_PAGE = 50


def _date(name: str) -> date | None:
    try:
        return date.fromisoformat(request.args.get(name, ""))
    except ValueError:
        return None


@bp.route("/audit")
@admin_required
def audit():
    filters = service.AuditFilters(
        actor_id=request.args.get("actor", type=int),
        action=request.args.get("action") or None,
        object_type=request.args.get("object_type") or None,
        date_from=_date("date_from"), date_to=_date("date_to"),
        student=(request.args.get("student") or "").strip() or None)
    query = service.audit_query(current_user, filters,
                                current_app.config["BABEL_DEFAULT_TIMEZONE"])
    page = db.paginate(query, per_page=PER_PAGE, max_per_page=PER_PAGE, count=True)
    actors, students = service.audit_names(page.items)
    return render_template("admin/audit.html", page=page, filters=filters, actors=actors,
                           students=students, diff=service.audit_diff, choices=service.audit_choices(current_user))
