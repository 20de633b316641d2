"""Publishing (公示): per class state, star distributions, compute, publish, finalize."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import IntegerField, SubmitField
from wtforms.validators import NumberRange, Optional

from ..auth.guards import admin_required
from ..boundary import perform
from ..services import admin_reads, results, workflow
from ..services.terms import term_for
from .blueprint import bp


class PublishForm(FlaskForm):
    notice_days = IntegerField(_l("Notice period (days)"), validators=[
        Optional(), NumberRange(workflow.NOTICE_MIN, workflow.NOTICE_MAX)])
    submit = SubmitField(_l("Publish the chosen classes"))


def _form_term():
    """The term the form names (one of the admin's school), else the current term."""
    return term_for(current_user, request.form.get("term") or request.args.get("term"))


def _class_ids() -> list[int]:
    return [int(v) for v in request.form.getlist("class_id") if v.isdigit()]


def _back(term) -> str:
    return url_for("admin.workflow", term=term.id) if term else url_for("admin.workflow")


def _run(action, done):
    """One workflow step on the form's term, then back to the publishing page."""
    term = _form_term()
    return perform(lambda: action(workflow.require_term(term)), done=done, to=_back(term))


@bp.route("/workflow", endpoint="workflow")
@admin_required
def workflow_page():
    term = term_for(current_user, request.args.get("term"))
    page = workflow.publishing_page(current_user, term)
    return render_template("admin/workflow.html", term=term,
                           terms=admin_reads.term_choices(current_user), flows=page.flows,
                           dists=page.dists, rules=page.rules,
                           form=PublishForm(notice_days=term.notice_days if term else None))


@bp.post("/workflow/compute")
@admin_required
def workflow_compute():
    return _run(lambda term: results.compute_term(current_user, term),
                lambda s: _("Results computed for %(n)d students (%(c)d changed).",
                            n=s.students, c=s.changed))


@bp.post("/workflow/publish")
@admin_required
def workflow_publish():
    form = PublishForm()
    if not form.validate_on_submit():
        flash(" ".join(str(m) for m in form.notice_days.errors) or _("Nothing was published."),
              "error")
        return redirect(_back(_form_term()))
    return _run(lambda term: workflow.publish_classes(current_user, term, _class_ids(),
                                                      notice_days=form.notice_days.data),
                _l("Published: students can now see their stars and appeal during the "
                   "notice period."))


@bp.post("/workflow/submit")
@admin_required
def workflow_submit():
    return _run(lambda term: workflow.submit_classes(current_user, term, _class_ids()),
                _l("Submitted."))


@bp.post("/workflow/return")
@admin_required
def workflow_return():
    return _run(lambda term: workflow.return_classes(current_user, term, _class_ids()),
                _l("Returned to the class teacher: entries can change again."))


@bp.post("/workflow/finalize")
@admin_required
def workflow_finalize():
    return _run(lambda term: workflow.finalize_classes(current_user, term, _class_ids()),
                _l("Final: these results can no longer change."))
