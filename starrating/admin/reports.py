"""Reports: start exports (workbooks, report cards) as background jobs, follow, download.

Admins export the whole school or any class; class teachers their own classes; a single
card is served at once to whoever may see the student (the student too).
"""

from __future__ import annotations

from io import BytesIO

from flask import abort, flash, jsonify, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField, SubmitField

from ..auth.guards import teacher_required
from ..errors import NotFound
from ..extensions import db
from ..jobs import enqueue_export
from ..models import Role, SchoolClass, Student, Term
from ..services.reports import jobs as service
from ..services.reports import pdf
from ..services.terms import current_term
from . import bp
from .common import chosen_term, terms

STATUS_LABELS = {"queued": _l("Queued"), "running": _l("Running"), "done": _l("Done"),
                 "failed": _l("Failed")}
KIND_LABELS = {"xlsx": _l("Workbook (Excel)"), "cards": _l("Report cards (PDF, zip)")}
LANG_LABELS = [("zh", _l("Chinese")), ("en", _l("English"))]
SCHOOL = "school"


class ExportForm(FlaskForm):
    term_id = HiddenField()
    kind = SelectField(_l("Export"), choices=list(KIND_LABELS.items()))
    scope = SelectField(_l("Scope"), choices=[], validate_choice=False)
    lang = SelectField(_l("Card language"), choices=LANG_LABELS)
    submit = SubmitField(_l("Start export"))


def _term_of_user(term_id) -> Term:
    term = db.session.get(Term, int(term_id)) if str(term_id or "").isdigit() else None
    if term is None or (current_user.school_id is not None
                        and term.school_id != current_user.school_id):
        raise NotFound()
    return term


@bp.route("/reports")
@teacher_required
def reports():
    all_terms = terms()
    term = chosen_term(all_terms)
    classes = service.exportable_classes(current_user, term)
    form = ExportForm(term_id=term.id if term else "")
    form.scope.choices = ([(SCHOOL, _("Whole school"))] if current_user.role == Role.ADMIN
                          else []) + [(str(c.id), c.name) for c in classes]
    return render_template("admin/reports.html", term=term, terms=all_terms, form=form,
                           classes=classes, jobs=service.recent_jobs(current_user),
                           describe=_describe, status_labels=STATUS_LABELS)


@bp.route("/reports/jobs", methods=["POST"])
@teacher_required
def start_export():
    form = ExportForm()
    if not form.validate_on_submit():
        abort(400)
    term = _term_of_user(form.term_id.data)
    school_class = None
    if form.scope.data != SCHOOL:
        school_class = db.session.get(SchoolClass, int(form.scope.data or 0)) or _not_found()
    job = service.start_export(current_user, form.kind.data, term, school_class,
                               lang=form.lang.data or "zh")
    db.session.commit()
    enqueue_export(job.id)
    flash(_("Export started. It runs in the background: this page shows its progress."),
          "success")
    return redirect(url_for("admin.reports", term=term.id))


@bp.route("/reports/jobs/<int:job_id>.json")
@teacher_required
def export_status(job_id: int):
    job = service.get_job(current_user, job_id)
    data = service.status(job)
    data["label"] = str(STATUS_LABELS.get(job.status, job.status))
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
    """One card as PDF: ?term=<id>&student_no=<学号> (a student gets their own).

    Without ?term the current term of the user's school."""
    if request.args.get("term"):
        term = _term_of_user(request.args.get("term"))
    else:
        term = current_term(current_user.school_id) or _not_found()
    if current_user.role == Role.STUDENT:
        student = db.session.get(Student, current_user.student_id) or _not_found()
    else:
        student = service.find_student(current_user, term, request.args.get("student_no", ""))
    lang = request.args.get("lang", "zh")
    data = pdf.student_card(current_user, term, student, lang if lang in pdf.LABELS else "zh")
    return send_file(BytesIO(data), mimetype="application/pdf", as_attachment=True,
                     download_name=pdf.card_file_name(term, student.student_no, student.name))


def _not_found():
    raise NotFound()


def _describe(job) -> str:
    """What a job exports, for the list."""
    try:
        term, school_class = service.job_scope(job)
    except NotFound:
        return str(KIND_LABELS.get(job.kind, job.kind))
    scope = school_class.name if school_class else _("Whole school")
    return f"{KIND_LABELS.get(job.kind, job.kind)} · {term.name} · {scope}"
