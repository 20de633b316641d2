"""The audit log viewer: who changed what and when, filtered and paginated."""

from __future__ import annotations

from datetime import date

from flask import current_app, render_template, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from ..auth.guards import admin_required
from ..services import dashboard as service
from .blueprint import bp

PER_PAGE = 50

ACTION_LABELS = {
    "create": _l("created"), "update": _l("changed"), "delete": _l("deleted"),
    "import": _l("imported"), "copy": _l("copied"), "assign_rules": _l("assigned rules"),
    "reset_password": _l("reset a password"), "activate": _l("activated"),
    "deactivate": _l("deactivated"),
}
OBJECT_LABELS = {
    "term": _l("Term"), "department": _l("Department"), "major": _l("Major"),
    "school_class": _l("Class"), "student": _l("Student"), "user": _l("Account"),
    "club": _l("Club"), "club_membership": _l("Club membership"),
    "class_assignment": _l("Class teacher"), "rule_set": _l("Rule set"),
    "rule_set_version": _l("Rule version"), "import_batch": _l("Import"),
    "entry": _l("Entry"), "flag": _l("Flag"), "appeal": _l("Appeal"),
}


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
    actors, students = service.audit_names(page.items)
    return render_template("admin/audit.html", page=page, filters=filters, actors=actors,
                           students=students, diff=service.audit_diff,
                           action_labels=ACTION_LABELS, object_labels=OBJECT_LABELS,
                           choices=service.audit_choices(current_user))
