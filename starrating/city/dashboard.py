"""The city dashboard (every school's stars, entry activity, publishing, trend), the way
into one school's dashboard, and the city workbook (an export job)."""

from __future__ import annotations

from flask import abort, after_this_request, render_template, send_file, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from ..auth.guards import city_required
from ..boundary import perform
from ..jobs import enqueue_export
from ..navigation import school_name
from ..services import city_dashboard as service
from ..services import schools
from ..services.reports import jobs as exports
from ..services.workflow import STATE_NAMES
from .blueprint import bp
from .forms import EnterForm

JOB_STATES = {"queued": _l("Queued"), "running": _l("Running"), "done": _l("Done"),
              "failed": _l("Failed")}


@bp.route("/dashboard")
@city_required
def dashboard():
    dash = service.city_dashboard(current_user)
    return render_template("city/dashboard.html", dash=dash, form=EnterForm(),
                           jobs=exports.city_jobs(current_user), job_states=JOB_STATES,
                           chart_data=_chart_data(dash), state_names=STATE_NAMES,
                           states=service.STATES)


def _chart_data(dash) -> dict:
    """What the page's charts draw (labels in the reader's language)."""
    names = [school_name(s) for s in dash.schools]
    by_term = [{p.name: round(100 * p.share, 1) for p in s.trend} for s in dash.schools]
    return {
        "levels": [_("%(n)d★", n=level) for level in range(dash.max_stars + 1)],
        "bySchool": [[name, s.overall + [0] * (dash.max_stars + 1 - len(s.overall))]
                     for name, s in zip(names, dash.schools, strict=True)],
        "trendTerms": dash.trend_terms,
        "trend": [[name, [points.get(term) for term in dash.trend_terms]]
                  for name, points in zip(names, by_term, strict=True)],
        "labels": {"students": _("Students"),
                   "share": _("Share with at least %(n)d★ (%%)", n=dash.trend_stars)},
    }


@bp.route("/dashboard/schools/<int:school_id>/view", methods=["POST"])
@city_required
def view_school(school_id):
    """Enter the school read-only and land on its admin dashboard."""
    found = schools.school_for(current_user, school_id)
    if not EnterForm().validate_on_submit():
        abort(400)
    return perform(lambda: schools.enter_school(current_user, found, may_write=False),
                   done=_("You are viewing %(school)s read-only.", school=found.name),
                   to=url_for("admin.dashboard"))


@bp.route("/workbook", methods=["POST"])
@city_required
def start_workbook():
    if not EnterForm().validate_on_submit():
        abort(400)
    return perform(lambda: _enqueued(exports.start_city_export(current_user)),
                   done=_("The city workbook is being written in the background; reload "
                          "this page to download it."),
                   to=url_for("city.dashboard", _anchor="workbook"))


def _enqueued(job):
    @after_this_request
    def enqueue(response):
        if response.status_code < 400:
            enqueue_export(job.id)
        return response
    return job


@bp.route("/workbook/<int:job_id>/download")
@city_required
def download_workbook(job_id):
    job = exports.get_job(current_user, job_id)
    if job.kind != exports.CITY_KIND:
        abort(404)
    return send_file(exports.job_file(job), mimetype=exports.MIMETYPES[".xlsx"],
                     as_attachment=True, download_name=exports.download_name(job))
