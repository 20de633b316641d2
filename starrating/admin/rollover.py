"""Rollover and cohort steps: start a term from the previous one, change many students'
status at once, the school's setting on graduates' logins. Each form previews (writes
nothing) and is confirmed by posting it again; services/rollover.py and cohorts.py do the
work, the request boundary commits."""

from __future__ import annotations

from flask import render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..auth.guards import admin_required
from ..boundary import submit
from ..services import cohorts, rollover
from .blueprint import bp
from .forms import STUDENT_STATUS_LABELS, TERM_STATUS_LABELS
from .rollover_forms import SELECTION_LABELS, cohort_form, rollover_form, settings_form


def _rollover_page(form, plan=None):
    return render_template("admin/rollover_preview.html" if plan else "admin/rollover.html",
                           form=form, plan=plan, status_labels=TERM_STATUS_LABELS,
                           reasons=rollover.SKIP_REASONS)


@bp.route("/rollover", methods=["GET", "POST"])
@admin_required
def rollover_start():
    form = rollover_form(current_user)
    page = lambda: _rollover_page(form)  # noqa: E731
    if form.edit.data:
        return page()
    return submit(form, lambda: _rollover_page(form, rollover.preview(current_user, form.data)),
                  page=page)


@bp.post("/rollover/confirm")
@admin_required
def rollover_confirm():
    form = rollover_form(current_user)
    return submit(form, lambda: rollover.confirm(current_user, form.data),
                  page=lambda: _rollover_page(form), to=url_for("admin.terms"),
                  done=lambda plan: _("The term %(name)s was started: %(a)d class teachers "
                                      "and %(m)d club members copied.", name=plan.values["name"],
                                      a=plan.assignments.count, m=plan.memberships.count))


def _cohort_page(form, change=None):
    return render_template("admin/cohort_preview.html" if change else "admin/cohorts.html",
                           form=form, change=change, status_labels=STUDENT_STATUS_LABELS,
                           selection_labels=SELECTION_LABELS)


@bp.route("/cohorts", methods=["GET", "POST"])
@admin_required
def cohort_steps():
    form = cohort_form(current_user)
    page = lambda: _cohort_page(form)  # noqa: E731
    if form.edit.data:
        return page()
    return submit(form, lambda: _cohort_page(form, cohorts.preview(current_user, form.data)),
                  page=page)


@bp.post("/cohorts/confirm")
@admin_required
def cohort_confirm():
    form = cohort_form(current_user)
    return submit(form, lambda: cohorts.confirm(current_user, form.data),
                  page=lambda: _cohort_page(form), to=url_for("admin.cohort_steps"),
                  done=lambda change: _("%(n)d students are now: %(status)s.", n=change.count,
                                        status=STUDENT_STATUS_LABELS[change.to_status]))


@bp.route("/settings", methods=["GET", "POST"])
@admin_required
def school_settings():
    form = settings_form(current_user)
    return submit(form, lambda: cohorts.save_settings(current_user, form.data),
                  page=lambda: render_template("admin/school_settings.html", form=form,
                                               school=cohorts.school_of(current_user)),
                  done=_("The settings were saved."), to=url_for("admin.school_settings"))

