"""The families blueprints (issue 16): a guardian's pages (/guardian), everyone's inbox
(/inbox), and the class teacher's and 学生处's pages for families (/families)."""

from flask import Blueprint, g
from flask_login import current_user

from ..auth.guards import roles_required
from ..models import Role
from ..services import notifications

bp = Blueprint("guardian", "starrating.guardian")
inbox_bp = Blueprint("inbox", "starrating.guardian.inbox")
families_bp = Blueprint("families", "starrating.guardian.families")

guardian_required = roles_required(Role.GUARDIAN)
inbox_required = roles_required(Role.STUDENT, Role.GUARDIAN, Role.TEACHER, Role.ADMIN)
staff_required = roles_required(Role.TEACHER, Role.ADMIN)
admin_required = roles_required(Role.ADMIN)


@inbox_bp.app_context_processor
def inbox_badge():
    """`inbox_unread()` for the header's badge: one COUNT per page, only when shown."""
    def unread() -> int:
        if "_inbox_unread" not in g:
            g._inbox_unread = notifications.unread_count(current_user)
        return g._inbox_unread

    return {"inbox_unread": unread}
