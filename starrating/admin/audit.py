"""The audit log viewer: who changed what and when, filtered and paginated."""

from __future__ import annotations

from datetime import date

from flask import current_app, render_template, request
from flask_login import current_user

from ..auth.guards import admin_required
from ..services import dashboard as service
from ..services import history
from .blueprint import bp

PER_PAGE = 50

def _date(name: str) -> date | None:
    try:
        return date.fromisoformat(request.args.get(name, ""))
    except ValueError:
        return None


def _filters() -> service.AuditFilters:
    return service.AuditFilters(
        actor_id=request.args.get("actor", type=int),
        action=request.args.get("action") or None,
        object_type=request.args.get("object_type") or None,
        date_from=_date("date_from"), date_to=_date("date_to"),
        student=(request.args.get("student") or "").strip() or None)


@bp.route("/audit")
@admin_required
def audit():
    filters = _filters()
    page = service.audit_page(current_user, filters, request.args.get("page", 1, type=int),
                              PER_PAGE, current_app.config["BABEL_DEFAULT_TIMEZONE"])
    return render_template("admin/audit.html", page=page, filters=filters,
                           lines=history.tell(page.items), action_labels=history.ACTIONS,
                           object_labels=history.OBJECTS,
                           choices=service.audit_choices(current_user))
