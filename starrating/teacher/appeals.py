"""Appeals (申诉) for the class teacher (their classes) and admins (the school)."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import RadioField, StringField, SubmitField, TextAreaField
from wtforms.validators import Length

from ..auth.guards import teacher_required
from ..errors import DomainError, NotFound, ValidationFailed
from ..extensions import db
from ..models import Term
from ..services import appeals, results, workflow
from ..services.terms import current_term
from ..utils import apply_errors
from . import bp


class AcceptForm(FlaskForm):
    action = RadioField(_l("Correction"), choices=[])
    points = StringField(_l("Points"), description=_l("For example 2, -1 or 0.5."))
    reason = TextAreaField(_l("Note to the student (optional)"), validators=[Length(max=2000)],
                           render_kw={"rows": 2})
    submit = SubmitField(_l("Accept and correct"))


class RejectForm(FlaskForm):
    reason = TextAreaField(_l("Reason"), validators=[Length(max=2000)], render_kw={"rows": 3})
    submit = SubmitField(_l("Reject"))


def _term() -> Term:
    term = current_term(current_user.school_id)
    if term is None:
        raise NotFound(_("No term has been set up yet."))
    return term


def _accept_form(appeal) -> AcceptForm:
    form = AcceptForm(prefix="accept")
    if appeal.entry_id:
        form.action.choices = [("change", _("Change the points to")),
                               ("delete", _("Delete the entry"))]
    else:
        form.action.choices = [("add", _("Add the missing entry with"))]
    if not form.action.data:
        form.action.data = form.action.choices[0][0]
    return form


@bp.route("/appeals", endpoint="appeals")
@teacher_required
def appeals_list():
    if workflow.finalize_due(school_id=current_user.school_id):
        db.session.commit()
    term = _term()
    rows = appeals.appeals_to_decide(current_user, term)
    entries, _files = appeals.related(rows)
    flows = workflow.class_flows(current_user, term)
    return render_template("teacher/appeals.html", term=term, appeals=rows, entries=entries,
                           flows=flows, labels=results.indicator_labels(term))


def _page(appeal_id, accept=None, reject=None, status=200):
    appeal = appeals.get_appeal_for(current_user, appeal_id)
    term = db.session.get(Term, appeal.term_id)
    entries, files = appeals.related([appeal])
    entry = entries.get(appeal.entry_id) if appeal.entry_id else None
    window = appeals.appeal_window(term, appeal.student)
    accept = accept or _accept_form(appeal)
    if entry is not None and not accept.points.data:
        accept.points.data = f"{entry.points_cents / 100:g}"
    return render_template(
        "teacher/appeal.html", appeal=appeal, term=term, entry=entry,
        files=files.get(appeal.id, []), window=window, accept=accept,
        reject=reject or RejectForm(prefix="reject"), labels=results.indicator_labels(term),
        dim_names=results.dimension_names(term)), status


@bp.route("/appeals/<int:appeal_id>")
@teacher_required
def appeal(appeal_id):
    return _page(appeal_id)


def _decide(appeal_id: int, form, form_key: str, decide, done_message: str):
    """Run one decision on an appeal: errors beside the form's fields, else commit."""
    if not form.validate_on_submit():
        return _page(appeal_id, status=400, **{form_key: form})
    try:
        decide()
    except ValidationFailed as e:
        db.session.rollback()
        apply_errors(form, e.errors)
        if not e.errors:
            form.form_errors.append(e.message)
        return _page(appeal_id, status=400, **{form_key: form})
    except DomainError as e:
        if e.status in (403, 404):
            raise
        flash(str(e.message), "error")
        return redirect(url_for(".appeal", appeal_id=appeal_id))
    db.session.commit()
    flash(done_message, "success")
    return redirect(url_for(".appeal", appeal_id=appeal_id))


@bp.post("/appeals/<int:appeal_id>/accept")
@teacher_required
def accept_appeal(appeal_id):
    form = _accept_form(appeals.get_appeal_for(current_user, appeal_id))
    return _decide(appeal_id, form, "accept", lambda: appeals.accept_appeal(
        current_user, appeal_id, appeals.Decision(
            action=form.action.data or "", points=form.points.data or "",
            reason=form.reason.data or "")),
        _("Appeal accepted: the entry was corrected and the class recomputed."))


@bp.post("/appeals/<int:appeal_id>/reject")
@teacher_required
def reject_appeal(appeal_id):
    form = RejectForm(prefix="reject")
    return _decide(appeal_id, form, "reject",
                   lambda: appeals.reject_appeal(current_user, appeal_id, form.reason.data or ""),
                   _("Appeal rejected; the student sees your reason."))
