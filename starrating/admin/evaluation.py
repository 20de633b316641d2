"""The 学生处's evaluation pages: rounds (open, follow, close, export the aggregates) and the
审核 queue with its rule."""

from __future__ import annotations

from io import BytesIO

from flask import flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..auth.guards import admin_required
from ..boundary import perform, submit
from ..services import evaluation, review
from ..services.terms import term_for
from .blueprint import bp
from .evaluation_forms import (
    CloseForm,
    RejectForm,
    review_setting_form,
    round_form,
    round_input,
    setting_input,
)


def _term():
    return term_for(current_user, request.args.get("term"), required=True)


@bp.route("/evaluation", methods=["GET", "POST"])
@admin_required
def evaluation_rounds():
    term = _term()
    page = evaluation.admin_rounds_page(current_user, term)
    form = round_form(page.labels)
    return submit(form, lambda: evaluation.open_round(current_user, term, round_input(form)),
                  page=lambda: render_template("admin/evaluation.html", page=page, form=form),
                  done=_("The round is open."),
                  to=lambda rnd: url_for(".evaluation_round", round_id=rnd.id))


@bp.route("/evaluation/<int:round_id>")
@admin_required
def evaluation_round(round_id):
    page = evaluation.admin_round_page(current_user, round_id)
    return render_template("admin/evaluation_round.html", page=page, form=CloseForm())


@bp.post("/evaluation/<int:round_id>/close")
@admin_required
def evaluation_close(round_id):
    back = url_for(".evaluation_round", round_id=round_id)
    if not CloseForm().validate_on_submit():
        flash(_("The form expired; reload the page and try again."), "error")
        return redirect(back)
    return perform(lambda: evaluation.close_round(current_user, round_id),
                   done=lambda n: _("The round is closed: %(n)d results stored as entries.", n=n),
                   to=back)


@bp.route("/evaluation/<int:round_id>/export.xlsx")
@admin_required
def evaluation_export(round_id):
    back = url_for(".evaluation_round", round_id=round_id)
    result = perform(lambda: evaluation.export_round(current_user, round_id),
                     refusal=lambda error: _back_with(error, back))
    if not isinstance(result, tuple):
        return result  # the refusal's redirect
    data, name = result
    response = send_file(BytesIO(data), as_attachment=True, download_name=name,
                         mimetype="application/vnd.openxmlformats-officedocument."
                                  "spreadsheetml.sheet")
    response.headers["Cache-Control"] = "no-store"
    return response


def _back_with(error, to):
    flash(str(error), "error")
    return redirect(to)


@bp.route("/review", methods=["GET", "POST"])
@admin_required
def review_queue():
    term = _term()
    page = review.queue(current_user, term)
    form = review_setting_form(page)
    return submit(form, lambda: review.save_setting(current_user, term, setting_input(form)),
                  page=lambda: render_template("admin/evaluation_review.html", page=page,
                                               form=form, decide=RejectForm()),
                  done=_("The approval rule was saved."), to=url_for(".review_queue"))


def _decided(action, done):
    back = request.referrer if request.referrer and "/admin/review" in request.referrer \
        else url_for(".review_queue")
    if not RejectForm().validate_on_submit():
        flash(_("The form expired; reload the page and try again."), "error")
        return redirect(back)
    return perform(action, done=done, to=back)


@bp.post("/review/<int:entry_id>/approve")
@admin_required
def review_approve(entry_id):
    return _decided(lambda: review.approve(current_user, entry_id),
                    _("Approved: the entry counts now."))


@bp.post("/review/<int:entry_id>/reject")
@admin_required
def review_reject(entry_id):
    form = RejectForm()
    return _decided(lambda: review.reject(current_user, entry_id, form.reason.data),
                    _("Rejected: the entry does not count."))
