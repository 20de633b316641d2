"""Reports: start exports (workbooks, report cards) as background jobs, follow, download.

Admins export the whole school or any class; class teachers their own classes; a single
card is served at once to whoever may see the student (the student too).
"""

from __future__ import annotations

from io import BytesIO

from flask import (
    abort,
    after_this_request,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from ..auth.guards import teacher_required
from ..boundary import perform
from ..errors import NotFound
from ..jobs import enqueue_export
from ..services import admin_reads as reads
from ..services.reports import jobs as service
from ..services.terms import term_for
from . import forms
from .blueprint import bp
from .forms import EXPORT_KIND_LABELS as KIND_LABELS

STATUS_LABELS = {"queued": _l("Queued"), "running": _l("Running"), "done": _l("Done"),
                 "failed": _l("Failed")}
HEALTH_LABELS = {service.WAITING: _l("Waiting for a worker"),
                 service.STALLED: _l("Stalled: no progress from its worker")}


@bp.route("/reports")
@teacher_required
def reports():
    return _reports_page(request.args.get("term"))


def _reports_page(term_id):
    term = term_for(current_user, term_id)
    classes = service.exportable_classes(current_user, term)
    return render_template("admin/reports.html", term=term,
                           terms=reads.term_choices(current_user), classes=classes,
                           form=forms.export_form(current_user, term, classes),
                           panel=service.jobs_panel(current_user), describe=_describe,
                           status_labels=STATUS_LABELS, health_labels=HEALTH_LABELS)


@bp.route("/reports/jobs", methods=["POST"])
@teacher_required
def start_export():
    form = forms.ExportForm()
    if not form.validate_on_submit():
        abort(400)
    return perform(lambda: _enqueued(service.start_export_for(
        current_user, form.kind.data, form.term_id.data, form.scope.data, form.lang.data,
        form.students.data)),
        done=_("Export started. It runs in the background: this page shows its progress."),
        to=lambda job: url_for("admin.reports", term=job.params["term_id"]),
        refusal=lambda error: _refused(error, form.term_id.data))


def _refused(error, term_id):
    """A refused export goes back to the reports page (its form's URL is POST-only)."""
    messages = [str(error.message)] if error.message else []
    for field_messages in getattr(error, "errors", {}).values():
        messages += [str(m) for m in field_messages]
    flash(" ".join(messages) or _("The export could not be started."), "error")
    return redirect(url_for("admin.reports", term=term_id))


@bp.route("/reports/jobs/<int:job_id>/retry", methods=["POST"])
@teacher_required
def retry_export(job_id: int):
    return perform(lambda: _enqueued(service.retry(current_user, job_id)),
                   page=lambda: _reports_page(request.form.get("term")),
                   done=_("The export was queued again; this page shows its progress."),
                   to=lambda job: url_for("admin.reports", term=job.params["term_id"]))


def _enqueued(job):
    """Hand the job to the queue once the request has committed it (the worker must see it)."""
    @after_this_request
    def enqueue(response):
        if response.status_code < 400:
            enqueue_export(job.id)
        return response
    return job


@bp.route("/reports/jobs/<int:job_id>.json")
@teacher_required
def export_status(job_id: int):
    job = service.get_job(current_user, job_id)
    data = service.status(job)
    data["label"] = str(STATUS_LABELS.get(job.status, job.status))
    data["health_label"] = str(HEALTH_LABELS.get(data["health"], ""))
    data["download_url"] = (url_for("admin.download_export", job_id=job.id)
                            if job.status == "done" else None)
    return jsonify(data)


@bp.route("/reports/jobs/<int:job_id>/download")
@teacher_required
def download_export(job_id: int):
    job = service.get_job(current_user, job_id)
    path = service.job_file(job)
    return send_file(path, mimetype=service.MIMETYPES[path.suffix], as_attachment=True,
                     download_name=service.download_name(job))


@bp.route("/reports/card")
@login_required
def student_card():
    """One card as PDF: ?term=<id> (else the current term)&student_no=<学号>&lang=zh|en."""
    data, name = service.student_card_for(current_user, request.args.get("term"),
                                          request.args.get("student_no", ""),
                                          request.args.get("lang", "zh"))
    return send_file(BytesIO(data), mimetype="application/pdf", as_attachment=True,
                     download_name=name)


def _describe(job) -> str:
    """What a job exports, for the list."""
    try:
        term, school_class = service.job_scope(job)
    except NotFound:
        return str(KIND_LABELS.get(job.kind, job.kind))
    scope = school_class.name if school_class else _("Whole school")
    return f"{KIND_LABELS.get(job.kind, job.kind)} · {term.name} · {scope}"
