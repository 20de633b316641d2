"""Appeals (申诉) for the class teacher (their classes) and admins (the school)."""

from __future__ import annotations

from flask import render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import RadioField, StringField, SubmitField, TextAreaField
from wtforms.validators import Length

from ..auth.guards import teacher_required
from ..boundary import submit
from ..services import appeals
from ..services.terms import term_for
from .blueprint import bp


class AcceptForm(FlaskForm):
    action = RadioField(_l("Correction"), choices=[])
    points = StringField(_l("Points"), description=_l("For example 2, -1 or 0.5."))
    reason = TextAreaField(_l("Note to the student (optional)"), validators=[Length(max=2000)],
                           render_kw={"rows": 2})
    submit = SubmitField(_l("Accept and correct"))


class RejectForm(FlaskForm):
    reason = TextAreaField(_l("Reason"), validators=[Length(max=2000)], render_kw={"rows": 3})
    submit = SubmitField(_l("Reject"))


def _accept_form(page: dict) -> AcceptForm:
    """The accept form with the corrections this appeal allows."""
    form = AcceptForm(prefix="accept")
    if page["appeal"].entry_id:
        form.action.choices = [("change", _("Change the points to")),
                               ("delete", _("Delete the entry"))]
    else:
        form.action.choices = [("add", _("Add the missing entry with"))]
    if not form.action.data:
        form.action.data = form.action.choices[0][0]
    return form


def _render(page: dict, accept=None, reject=None):
    accept = accept or _accept_form(page)
    if page["entry"] is not None and not accept.points.data:  # the entry's points to start from
        accept.points.data = f"{page['entry'].points_cents / 100:g}"
    return render_template("teacher/appeal.html", **page, accept=accept,
                           reject=reject or RejectForm(prefix="reject"))


@bp.route("/appeals", endpoint="appeals")
@teacher_required
def appeals_list():
    term = term_for(current_user, request.args.get("term"), required=True)
    return render_template("teacher/appeals.html", **appeals.appeals_overview(current_user, term))


@bp.route("/appeals/<int:appeal_id>")
@teacher_required
def appeal(appeal_id):
    return _render(appeals.appeal_page(current_user, appeal_id))


@bp.post("/appeals/<int:appeal_id>/accept")
@teacher_required
def accept_appeal(appeal_id):
    page = appeals.appeal_page(current_user, appeal_id)
    form = _accept_form(page)
    decision = appeals.Decision(action=form.action.data or "", points=form.points.data or "",
                                reason=form.reason.data or "")
    return submit(form, lambda: appeals.accept_appeal(current_user, appeal_id, decision),
                  page=lambda: _render(page, accept=form),
                  to=url_for(".appeal", appeal_id=appeal_id), done=_("Appeal accepted: the entry was corrected and the class recomputed."))


@bp.post("/appeals/<int:appeal_id>/reject")
@teacher_required
def reject_appeal(appeal_id):
    form = RejectForm(prefix="reject")
    reason = form.reason.data or ""
    return submit(form, lambda: appeals.reject_appeal(current_user, appeal_id, reason),
                  page=lambda: _render(appeals.appeal_page(current_user, appeal_id), reject=form),
                  done=_("Appeal rejected; the student sees your reason."),
                  to=url_for(".appeal", appeal_id=appeal_id))

