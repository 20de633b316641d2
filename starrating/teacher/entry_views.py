"""Recording one event (for one or several students), correcting, deleting, evidence files."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..auth.guards import teacher_required
from ..errors import Conflict, DomainError, ValidationFailed
from ..extensions import db
from ..services import entries, entry_input, evidence
from ..utils import apply_errors
from . import bp
from .forms import DeleteForm, EditEntryForm, EntryForm, fill_rule_choices
from .views import this_term


def _input(form) -> entry_input.EntryInput:
    files = [(f.read(), f.filename) for f in (form.evidence.data or [])
             if f and getattr(f, "filename", "")]
    return entry_input.EntryInput(indicator=form.indicator.data or "", points=form.points.data or "",
                              occurred_on=form.occurred_on.data, note=form.note.data or "",
                              item=form.item.data or "", evidence=files)


def _failed(form, error: DomainError) -> int:
    """Show a service's refusal on the form; 403/404 go to the error pages."""
    if error.status in (403, 404):
        raise error
    db.session.rollback()
    if isinstance(error, ValidationFailed):
        apply_errors(form, error.errors)
    flash(str(error.message), "error")
    return error.status


@bp.route("/entry/new", methods=["GET", "POST"])
@teacher_required
def new_entry():
    term = this_term()
    class_id = request.args.get("class", type=int)
    rules = entries.term_rules(term)
    form = EntryForm()
    fill_rule_choices(form, rules)
    form.students.choices = entries.entry_students(current_user, term, class_id)
    if request.method == "GET":
        form.occurred_on.data = entries.default_entry_date(term)
        if request.args.get("student"):
            form.students.data = [request.args["student"]]
    status = 200
    if form.validate_on_submit():
        ids = [int(x) for x in form.students.data or [] if str(x).isdigit()]
        try:
            created = entries.record_entries(current_user, term, ids, _input(form))
        except DomainError as e:
            status = _failed(form, e)
        else:
            db.session.commit()
            flash(_("Saved %(n)d entries.", n=len(created)) if len(created) > 1
                  else _("Entry saved."), "success")
            if len(created) == 1:
                return redirect(url_for(".student_entries", student_id=created[0].student_id))
            return redirect(url_for(".class_page", class_id=created[0].student.class_id))
    elif request.method == "POST":
        status = 400
    return render_template("teacher/entry_form.html", form=form, term=term, rules=rules,
                           editing=None), status


@bp.route("/entry/<int:entry_id>/edit", methods=["GET", "POST"])
@teacher_required
def edit_entry(entry_id):
    entry = entries.get_entry_for(current_user, entry_id)
    rules = entries.term_rules(entry.term)
    form = EditEntryForm() if request.method == "POST" else EditEntryForm(data={
        "indicator": entry.indicator, "points": f"{entry.points}", "note": entry.note,
        "occurred_on": entry.occurred_on, "version": str(entry.version)})
    fill_rule_choices(form, rules)
    status, conflict = 200, False
    if form.validate_on_submit():
        try:
            entries.update_entry(current_user, entry_id, form.version.data, _input(form))
        except DomainError as e:
            status = _failed(form, e)
            entry = entries.get_entry_for(current_user, entry_id)
            if isinstance(e, Conflict):
                # Show the saved values beside the typed ones; saving again is a choice
                # made after seeing the other change, so nothing is lost silently.
                conflict = True
                form.version.data = str(entry.version)
        else:
            db.session.commit()
            flash(_("Entry updated."), "success")
            return redirect(url_for(".student_entries", student_id=entry.student_id))
    elif request.method == "POST":
        status = 400
    return render_template("teacher/entry_form.html", form=form, term=entry.term,
                           editing=entry, conflict=conflict, rules=rules,
                           label=entry_input.indicator_label(rules, entry.indicator)
                           if rules else entry.indicator,
                           delete_form=DeleteForm(version=entry.version)), status


@bp.post("/entry/<int:entry_id>/delete")
@teacher_required
def delete_entry(entry_id):
    form = DeleteForm()
    entry = entries.get_entry_for(current_user, entry_id)
    back = redirect(url_for(".student_entries", student_id=entry.student_id))
    if not form.validate_on_submit():
        flash(_("The form expired; reload the page and try again."), "error")
        return back
    try:
        entries.delete_entry(current_user, entry_id, form.version.data)
    except DomainError as e:
        _failed(form, e)
    else:
        db.session.commit()
        flash(_("Entry deleted. It stays in the history."), "success")
    return back


@bp.get("/evidence/<int:attachment_id>", endpoint="evidence")
@login_required
def evidence_file(attachment_id):
    """An evidence file, for admins of the school, the class teacher and the student."""
    attachment, path = evidence.get_for_download(current_user, attachment_id)
    response = send_file(path, mimetype=attachment.content_type, as_attachment=True,
                         download_name=attachment.original_name, max_age=0)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return response
