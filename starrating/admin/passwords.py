"""A class's initial passwords: reset them (students who have not logged in yet, or all)
and take the class's password slip (PDF), downloadable once."""

from __future__ import annotations

from flask import flash, make_response, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..auth.guards import admin_required
from ..auth.views import school_login_url
from ..boundary import perform
from ..services import roster
from .blueprint import bp
from .forms import PasswordResetForm


@bp.post("/classes/<int:class_id>/passwords")
@admin_required
def class_passwords_reset(class_id):
    form = PasswordResetForm()
    # No choice made: the service still checks the class first (another school's is 404).
    who = form.who.data if form.validate_on_submit() else ""
    return perform(lambda: _reset_page(roster.reset_class_passwords(
        current_user, class_id, who, school_login_url())),
        refusal=lambda error: _refused(class_id, str(error.message or "")))


def _reset_page(reset):
    response = make_response(render_template("admin/passwords_reset.html", reset=reset))
    response.headers["Cache-Control"] = "no-store"  # names which slip to take, once
    return response


def _refused(class_id, message: str):
    flash(message or _("Choose whose passwords to reset."), "error")
    return redirect(url_for("admin.class_edit", class_id=class_id, _anchor="passwords"))
