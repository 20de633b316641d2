"""The class teacher's side of the workflow: a class's state and submitting it."""

from __future__ import annotations

from flask import render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..auth.guards import teacher_required
from ..boundary import perform
from ..services import workflow
from ..services.terms import term_for
from .blueprint import bp


def class_url(class_id: int) -> str:
    return url_for("teacher.class_page", class_id=class_id)


@bp.route("/class/<int:class_id>/status")
@teacher_required
def class_workflow(class_id):
    term = term_for(current_user, request.args.get("term"), required=True)
    flow = workflow.class_flow(current_user, term, class_id)
    return render_template("teacher/workflow.html", term=term, school_class=flow.school_class,
                           flow=flow, class_url=class_url(class_id))


def _back(class_id: int) -> str:
    """Back to the page the button was on (a local path only), else the class's page."""
    target = request.form.get("next", "")
    if not target.startswith("/") or target.startswith("//") or "\\" in target:
        target = class_url(class_id)
    return target


@bp.post("/class/<int:class_id>/submit")
@teacher_required
def submit_class(class_id):
    term = term_for(current_user, required=True)
    return perform(lambda: workflow.submit_class(current_user, term, class_id),
                   done=_("The class was submitted. Its entries are now locked; an "
                          "administrator will publish the results."), to=_back(class_id))
