"""The student's own pages: stars (phone first), records with evidence, appeals."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from ..auth.guards import student_required
from ..errors import DomainError, NotFound, ValidationFailed
from ..extensions import db
from ..models import Term
from ..services import appeals, class_pages, notes, results
from ..services.terms import current_term
from ..services.workflow import finalize_due
from ..utils import apply_errors
from . import bp
from .forms import AppealForm, StatementForm


def _lang() -> str:
    return "zh" if str(get_locale() or "zh").startswith("zh") else "en"


def _student():
    student = current_user.student
    if student is None:
        raise NotFound(_("This account is not linked to a student record. Ask the student "
                         "affairs office."))
    return student


def _term(student) -> Term | None:
    """?term=<id> (one of the student's school), else the current term."""
    wanted = request.args.get("term", type=int)
    if wanted:
        term = db.session.get(Term, wanted)
        if term is None or term.school_id != student.school_id:
            raise NotFound()
        return term
    return current_term(student.school_id)


def _finalize_due() -> None:
    if finalize_due(school_id=current_user.school_id):
        db.session.commit()


@bp.route("/")
@student_required
def index():
    student = current_user.student
    if student is None:
        return render_template("student/unlinked.html")
    _finalize_due()
    term = _term(student)
    page = results.student_page(
        current_user, student, term, _lang(),
        current_app.config.get("STUDENTS_SEE_STARS_BEFORE_PUBLICATION", False))
    form = StatementForm(statement=page.note.self_statement if page.note else "")
    chart = None
    if page.stars:
        chart = {"labels": [d.name for d in page.stars.dimensions],
                 "values": [d.stars for d in page.stars.dimensions],
                 "max": page.stars.max_stars, "label": _("Stars")}
    return render_template("student/index.html", student=student, page=page, form=form,
                           chart=chart)


@bp.post("/statement")
@student_required
def statement():
    student = _student()
    term = _term(student)
    form = StatementForm()
    if term is None or not form.validate_on_submit():
        flash(" ".join(str(m) for m in form.statement.errors) or _("Nothing was saved."),
              "error")
        return redirect(url_for(".index"))
    try:
        notes.save_self_statement(current_user, term, form.statement.data)
    except DomainError as e:
        if e.status in (403, 404):
            raise
        flash(str(e.message), "error")
        return redirect(url_for(".index"))
    db.session.commit()
    flash(_("Your self-statement was saved."), "success")
    return redirect(url_for(".index"))


@bp.route("/entries")
@student_required
def entries():
    student = _student()
    _finalize_due()
    term = _term(student)
    rows = class_pages.student_entries(current_user, term, student) if term else []
    window = appeals.appeal_window(term, student) if term else None
    return render_template("student/entries.html", student=student, term=term, rows=rows,
                           labels=results.indicator_labels(term), window=window)


def _appeal_form(term, labels) -> AppealForm:
    form = AppealForm()
    form.indicator.choices = [("", _("— choose —"))] + list(labels.items())
    return form


@bp.route("/appeals", methods=["GET", "POST"], endpoint="appeals")
@student_required
def appeals_page():
    student = _student()
    _finalize_due()
    term = _term(student)
    labels = results.indicator_labels(term)
    form = _appeal_form(term, labels)
    entry = None
    entry_id = request.args.get("entry", type=int) or (
        int(form.entry_id.data) if (form.entry_id.data or "").isdigit() else None)
    if entry_id:
        entry = next((e for e in class_pages.student_entries(current_user, term, student)
                      if e.id == entry_id), None) if term else None
        if entry is None:
            raise NotFound()
        form.entry_id.data = str(entry.id)
    if request.method == "POST" and form.validate_on_submit() and term is not None:
        files = [appeals.Upload(f.filename or "", f.read()) for f in (form.evidence.data or [])
                 if getattr(f, "filename", "")]
        try:
            appeals.create_appeal(current_user, term, appeals.AppealInput(
                entry_id=entry.id if entry else None, indicator=form.indicator.data or "",
                text=form.text.data or "", files=files))
        except ValidationFailed as e:
            db.session.rollback()
            apply_errors(form, e.errors)
            if not e.errors:
                form.form_errors.append(e.message)
        else:
            db.session.commit()
            flash(_("Your appeal was sent. Your class teacher will decide it."), "success")
            return redirect(url_for(".appeals"))
    mine = appeals.student_appeals(current_user, student)
    entries_by_id, files = appeals.related(mine)
    window = appeals.appeal_window(term, student) if term else None
    return render_template("student/appeals.html", student=student, term=term, form=form,
                           entry=entry, appeals=mine, entries=entries_by_id, files=files,
                           labels=labels, window=window,
                           dim_names=results.dimension_names(term))
