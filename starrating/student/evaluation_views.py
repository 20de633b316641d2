"""The student's evaluation pages (phone first): the rounds, whom to rate, rating one
classmate; and, for class officers, proposing entries."""

from __future__ import annotations

from flask import render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..auth.guards import student_required
from ..boundary import submit
from ..services import evaluation, proposals
from ..services.clock import school_today
from ..services.terms import term_for
from .blueprint import bp
from .evaluation_forms import proposal_form, proposal_input, rating_form, scores_of


@bp.route("/evaluation")
@student_required
def evaluation_home():
    page = evaluation.student_home(current_user, term_for(current_user, request.args.get("term")))
    return render_template("student/evaluation.html", page=page)


@bp.route("/evaluation/<int:round_id>")
@student_required
def evaluation_round(round_id):
    page = evaluation.student_round_page(current_user, round_id)
    return render_template("student/evaluation_round.html", page=page)


@bp.route("/evaluation/<int:round_id>/rate/<int:student_id>", methods=["GET", "POST"])
@student_required
def evaluation_rate(round_id, student_id):
    page, target = evaluation.rate_page(current_user, round_id, student_id)
    form = rating_form(page.round, page.dimensions, target.is_self)
    return submit(form, lambda: evaluation.submit_rating(
        current_user, round_id, student_id, scores_of(form, page.dimensions),
        form.comment.data if target.is_self else ""),
        page=lambda: render_template("student/evaluation_rate.html", page=page, target=target,
                                     form=form),
        done=_("Thank you: your ratings were sent."),
        to=url_for(".evaluation_round", round_id=round_id))


@bp.route("/proposals", methods=["GET", "POST"])
@student_required
def proposals_page():
    term = term_for(current_user, request.args.get("term"))
    page = proposals.officer_page(current_user, term)
    form = proposal_form(page, school_today())
    return submit(form, lambda: proposals.propose(current_user, term, proposal_input(form)),
                  page=lambda: render_template("student/proposals.html", page=page, form=form),
                  done=_("Sent: your class teacher will decide."),
                  to=url_for(".proposals_page"))
