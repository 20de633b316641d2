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
from ..errors import DomainError, NotFound
from ..extensions import db
from ..models import ClassState, Term
from ..services import results, workflow
from ..services.scoring import term_rules
from . import bp
from .common import chosen_term, terms


class PublishForm(FlaskForm):
    notice_days = IntegerField(_l("Notice period (days)"), validators=[
        Optional(), NumberRange(workflow.NOTICE_MIN, workflow.NOTICE_MAX)])
    submit = SubmitField(_l("Publish the chosen classes"))


def _term_from_form() -> Term | None:
    """The term the form names (one of the admin's school), else the current term."""
    wanted = request.form.get("term", type=int)
    if not wanted:
        return chosen_term()
    term = db.session.get(Term, wanted)
    if term is None or term.school_id != current_user.school_id:
        raise NotFound()
    return term


def _class_ids() -> list[int]:
    return [int(v) for v in request.form.getlist("class_id") if v.isdigit()]


def _back(term: Term | None):
    return redirect(url_for("admin.workflow", term=term.id) if term else url_for("admin.workflow"))


@bp.route("/workflow", endpoint="workflow")
@admin_required
def workflow_page():
    if workflow.finalize_due(school_id=current_user.school_id):
        db.session.commit()
    all_terms = terms()
    term = chosen_term(all_terms)
    flows, dists, rules = [], {}, None
    if term is not None:
        flows = workflow.class_flows(current_user, term)
        rules = term_rules(term)
        stored = {f.school_class.id for f in flows
                  if f.state in (ClassState.PUBLISHED, ClassState.FINAL)}
        dists = results.distributions(term, [f.school_class.id for f in flows], stored)
    form = PublishForm(notice_days=term.notice_days if term else None)
    return render_template("admin/workflow.html", term=term, terms=all_terms, flows=flows,
                           dists=dists, rules=rules, form=form)




def _run(action, success):
    term = _term_from_form()
    if term is None:
        flash(_("No term has been set up yet."), "error")
        return _back(term)
    if not _class_ids() and request.endpoint != "admin.workflow_compute":
        flash(_("Choose at least one class."), "error")
        return _back(term)
    try:
        action(term)
    except DomainError as e:
        if e.status in (403, 404):
            raise
        db.session.rollback()
        flash(str(e.message), "error")
        return _back(term)
    db.session.commit()
    flash(success() if callable(success) else success, "success")
    return _back(term)


@bp.post("/workflow/compute")
@admin_required
def workflow_compute():
    done = {}

    def act(term):
        done["s"] = results.compute_term(current_user, term)

    return _run(act, lambda: _("Results computed for %(n)d students (%(c)d changed).",
                               n=done["s"].students, c=done["s"].changed))


@bp.post("/workflow/publish")
@admin_required
def workflow_publish():
    form = PublishForm()
    if not form.validate_on_submit():
        term = _term_from_form()
        flash(" ".join(str(m) for m in form.notice_days.errors) or _("Nothing was published."),
              "error")
        return _back(term)
    return _run(lambda term: workflow.publish_classes(current_user, term, _class_ids(),
                                                      notice_days=form.notice_days.data),
                _l("Published: students can now see their stars and appeal during the "
                   "notice period."))


@bp.post("/workflow/submit")
@admin_required
def workflow_submit():
    return _run(lambda term: [workflow.submit_class(current_user, term, c) for c in _class_ids()],
                _l("Submitted."))


@bp.post("/workflow/return")
@admin_required
def workflow_return():
    return _run(lambda term: [workflow.return_class(current_user, term, c) for c in _class_ids()],
                _l("Returned to the class teacher: entries can change again."))


@bp.post("/workflow/finalize")
@admin_required
def workflow_finalize():
    return _run(lambda term: workflow.finalize_classes(current_user, term, _class_ids()),
                _l("Final: these results can no longer change."))
