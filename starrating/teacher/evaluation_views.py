"""The class teacher's evaluation pages: rounds (who took part, the teacher's ratings),
class officers, and the officers' proposals to accept or reject."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..auth.guards import roles_required
from ..boundary import perform, submit
from ..models import Role
from ..services import evaluation, proposals
from .blueprint import bp
from .evaluation_forms import DecideForm, class_ratings_form, officer_form, ratings_of
from .views import this_term

class_teacher_required = roles_required(Role.TEACHER)


@bp.route("/evaluation")
@class_teacher_required
def evaluation_home():
    page = evaluation.teacher_home(current_user, this_term())
    return render_template("teacher/evaluation.html", page=page)


@bp.route("/evaluation/<int:round_id>/class/<int:class_id>", methods=["GET", "POST"])
@class_teacher_required
def evaluation_class(round_id, class_id):
    page = evaluation.class_round_page(current_user, round_id, class_id)
    form = class_ratings_form(page)
    return submit(form, lambda: evaluation.save_teacher_ratings(
        current_user, round_id, class_id, *ratings_of(form, page)),
        page=lambda: render_template("teacher/evaluation_class.html", page=page, form=form),
        done=lambda n: _("%(n)d ratings saved.", n=n),
        to=url_for(".evaluation_class", round_id=round_id, class_id=class_id))


@bp.route("/class/<int:class_id>/officers", methods=["GET", "POST"])
@class_teacher_required
def officers(class_id):
    term = this_term()
    page = proposals.officers_page(current_user, term, class_id)
    form = officer_form(page)
    return submit(form, lambda: proposals.save_officer(
        current_user, term, class_id, form.student.data, form.title.data,
        form.indicators.data), page=lambda: render_template(
            "teacher/proposal_officers.html", page=page, form=form, remove=DecideForm()),
        done=_("Class officer saved."), to=url_for(".officers", class_id=class_id))


@bp.post("/officers/<int:officer_id>/remove")
@class_teacher_required
def remove_officer(officer_id):
    form = DecideForm()
    back = url_for(".officers", class_id=form.class_id.data) \
        if str(form.class_id.data or "").isdigit() else url_for(".evaluation_home")
    if not form.validate_on_submit():
        flash(_("The form expired; reload the page and try again."), "error")
        return redirect(back)
    return perform(lambda: proposals.remove_officer(current_user, this_term(), officer_id),
                   done=_("No longer a class officer."), to=back)


@bp.route("/class/<int:class_id>/proposals")
@class_teacher_required
def proposals_queue(class_id):
    page = proposals.queue_page(current_user, this_term(), class_id)
    return render_template("teacher/proposals.html", page=page, form=DecideForm())


def _decide(form, action, done):
    """A POST from the queue page: back to it (its class comes with the form), done or not."""
    back = url_for(".proposals_queue", class_id=form.class_id.data) \
        if str(form.class_id.data or "").isdigit() else url_for(".evaluation_home")
    if not form.validate_on_submit():
        flash(_("The form expired; reload the page and try again."), "error")
        return redirect(back)
    return perform(action, done=done, to=back)


@bp.post("/proposals/<int:proposal_id>/accept")
@class_teacher_required
def accept_proposal(proposal_id):
    term, form = this_term(), DecideForm()
    return _decide(form, lambda: proposals.accept(current_user, term, proposal_id),
                   _("Accepted: the entry was recorded."))


@bp.post("/proposals/<int:proposal_id>/reject")
@class_teacher_required
def reject_proposal(proposal_id):
    term, form = this_term(), DecideForm()
    return _decide(form, lambda: proposals.reject(current_user, term, proposal_id,
                                                  form.reason.data),
                   _("Rejected: the officer sees your reason."))


@bp.post("/class/<int:class_id>/proposals/accept-all")
@class_teacher_required
def accept_all_proposals(class_id):
    term, form = this_term(), DecideForm(class_id=class_id)
    return _decide(form, lambda: proposals.accept_all(current_user, term, class_id),
                   lambda entries: _("%(n)d proposals accepted.", n=len(entries)))
