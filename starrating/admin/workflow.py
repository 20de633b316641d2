"""Publishing (公示): per class state, star distributions, compute, and the bulk steps —
submit, publish, return, finalize — each through a confirmation page; reopening a final
class with a reason; a class's workflow history."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import IntegerField, SubmitField, TextAreaField
from wtforms.validators import Length, NumberRange, Optional

from ..auth.guards import admin_required
from ..boundary import perform, submit
from ..page_cache import whole_page
from ..services import admin_reads, results, workflow
from ..services.terms import term_for
from .blueprint import bp

STEP = "<step>"  # one of workflow.STEPS (any other: NotFound from plan_step)


class StepForm(FlaskForm):
    """The confirm form of a bulk step (publish: the notice period; finalize: the reason)."""

    notice_days = IntegerField(_l("Notice period (days)"), validators=[
        Optional(), NumberRange(workflow.NOTICE_MIN, workflow.NOTICE_MAX)])
    reason = TextAreaField(_l("Reason for finalizing before the notice period ends"),
                           validators=[Optional(), Length(max=workflow.REASON_MAX)])
    submit = SubmitField(_l("Confirm"))


class ReopenForm(FlaskForm):
    reason = TextAreaField(_l("Why is the class reopened?"),
                           validators=[Optional(), Length(max=workflow.REASON_MAX)])
    notice_days = IntegerField(_l("New notice period (days)"), validators=[
        Optional(), NumberRange(workflow.NOTICE_MIN, workflow.NOTICE_MAX)])
    submit = SubmitField(_l("Reopen the class"))


def _form_term(required: bool = False):
    """The term the form names (one of the admin's school), else the current term."""
    return term_for(current_user, request.form.get("term") or request.args.get("term"),
                    required=required)


def _class_ids() -> list[int]:
    values = request.form.getlist("class_id") or request.args.getlist("class_id")
    return [int(v) for v in values if v.isdigit()]


def _back(term) -> str:
    return url_for("admin.workflow", term=term.id) if term else url_for("admin.workflow")


def _run(action, done):
    """One workflow step on the form's term, then back to the publishing page."""
    term = _form_term()
    return perform(lambda: action(workflow.require_term(term)), done=done, to=_back(term))


@bp.route("/workflow", endpoint="workflow")
@admin_required
@whole_page
def workflow_page():
    term = term_for(current_user, request.args.get("term"))
    page = workflow.publishing_page(current_user, term)
    return render_template("admin/workflow.html", term=term,
                           terms=admin_reads.term_choices(current_user), flows=page.flows,
                           dists=page.dists, rules=page.rules)


@bp.post("/workflow/compute")
@admin_required
def workflow_compute():
    return _run(lambda term: results.compute_term(current_user, term),
                lambda s: _("Results computed for %(n)d students (%(c)d changed).",
                            n=s.students, c=s.changed))


def _confirm_page(step, term, form, ids, state=None):
    plan = workflow.plan_step(current_user, workflow.require_term(term), step, ids, state)
    if form.notice_days.data is None:
        form.notice_days.data = term.notice_days
    return render_template("admin/workflow_confirm.html", plan=plan, term=term, form=form,
                           step=step, back=_back(term))


def _to_publishing(term):
    """A step that cannot be planned at all: say why on the publishing page."""
    def answer(error):
        flash(" ".join([str(error.message or ""), *(
            str(m) for ms in getattr(error, "errors", {}).values() for m in ms)]).strip(),
            "error")
        return redirect(_back(term))
    return answer


@bp.route(f"/workflow/{STEP}/confirm", methods=["GET", "POST"], endpoint="workflow_confirm")
@admin_required
def workflow_confirm(step):
    """The confirmation page of a bulk step (reads only; its form posts to the step)."""
    term = _form_term()
    state = request.values.get("state") or None
    return perform(lambda: _confirm_page(step, term, StepForm(formdata=None), _class_ids(),
                                         state), refusal=_to_publishing(term))


def _refused_step(step, term, form, ids):
    """A missing reason or a bad notice period: the confirmation page again, marked."""
    def answer(error):
        if not getattr(error, "errors", None):
            return _to_publishing(term)(error)
        for name, messages in error.errors.items():
            getattr(form, name).errors = [*getattr(form, name).errors, *messages]
        if error.message:
            flash(str(error.message), "error")
        return _confirm_page(step, term, form, ids), 400
    return answer


def _step(step):
    term, form, ids = _form_term(), StepForm(), _class_ids()
    if not form.validate_on_submit():  # no CSRF token, or a notice period out of range
        return perform(lambda: (_confirm_page(step, term, form, ids), 400),
                       refusal=_to_publishing(term))
    return perform(lambda: workflow.run_step(
        current_user, workflow.require_term(term), step, ids, reason=form.reason.data,
        notice_days=form.notice_days.data), done=lambda outcome: outcome.summary(),
        to=_back(term), refusal=_refused_step(step, term, form, ids))


@bp.post("/workflow/submit")
@admin_required
def workflow_submit():
    return _step("submit")


@bp.post("/workflow/publish")
@admin_required
def workflow_publish():
    return _step("publish")


@bp.post("/workflow/return")
@admin_required
def workflow_return():
    return _step("return")


@bp.post("/workflow/finalize")
@admin_required
def workflow_finalize():
    return _step("finalize")


@bp.route("/workflow/reopen/<int:class_id>", methods=["GET", "POST"],
          endpoint="workflow_reopen")
@admin_required
def workflow_reopen(class_id):
    term = _form_term(required=True)
    form = ReopenForm()

    def page():
        info = workflow.reopen_page(current_user, term, class_id)
        if form.notice_days.data is None:
            form.notice_days.data = info.notice_days
        return render_template("admin/workflow_reopen.html", term=term, page=info, form=form,
                               back=_back(term))

    return submit(form, lambda: workflow.reopen_class(
        current_user, term, class_id, form.reason.data, form.notice_days.data),
        page=page, done=_l("Reopened: the class is published again for a new notice period."),
        to=url_for("admin.workflow_history", class_id=class_id, term=term.id))


@bp.route("/workflow/history/<int:class_id>", endpoint="workflow_history")
@admin_required
def workflow_history(class_id):
    term = _form_term(required=True)
    history = workflow.class_history(current_user, term, class_id)
    return render_template("admin/workflow_history.html", term=term, history=history,
                           back=_back(term))
