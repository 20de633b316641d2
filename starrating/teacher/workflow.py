"""The class teacher's side of the workflow: a class's state and submitting it."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..auth.guards import teacher_required
from ..errors import DomainError, NotFound
from ..extensions import db
from ..services import workflow
from ..services.access import get_class_for
from ..services.terms import current_term
from . import bp


def _term():
    term = current_term(current_user.school_id)
    if term is None:
        raise NotFound(_("No term has been set up yet."))
    return term


def class_url(class_id: int) -> str:
    """The class page when it exists, else the class's workflow page."""
    if "teacher.class_page" in current_app.view_functions:
        return url_for("teacher.class_page", class_id=class_id)
    return url_for("teacher.class_workflow", class_id=class_id)


@bp.route("/class/<int:class_id>/status")
@teacher_required
def class_workflow(class_id):
    if workflow.finalize_due(school_id=current_user.school_id):
        db.session.commit()
    term = _term()
    school_class = get_class_for(current_user, class_id, term)
    flows = [f for f in workflow.class_flows(current_user, term) if f.school_class.id == class_id]
    if not flows:
        raise NotFound()
    return render_template("teacher/workflow.html", term=term, school_class=school_class,
                           flow=flows[0], class_url=class_url(class_id))


def _back(class_id: int):
    """Back to the page the button was on (a local path only), else the class's status."""
    target = request.form.get("next", "")
    if not target.startswith("/") or target.startswith("//") or "\\" in target:
        target = class_url(class_id)
    return redirect(target)


@bp.post("/class/<int:class_id>/submit")
@teacher_required
def submit_class(class_id):
    # CSRF is checked for every POST by CSRFProtect
    try:
        workflow.submit_class(current_user, _term(), class_id)
    except DomainError as e:
        if e.status in (403, 404):
            raise
        flash(str(e.message), "error")
        return _back(class_id)
    db.session.commit()
    flash(_("The class was submitted. Its entries are now locked; an administrator will "
            "publish the results."), "success")
    return _back(class_id)
