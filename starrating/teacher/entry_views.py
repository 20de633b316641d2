"""Recording one event (for one or several students), correcting, deleting, evidence files."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..auth.guards import teacher_required
from ..boundary import perform, submit
from ..services import absences, class_pages, entries, evidence
from .blueprint import bp
from .forms import (
    DeleteForm,
    edit_entry_form,
    entry_input,
    fill_rule_choices,
    new_entry_form,
    student_ids,
)
from .views import this_term


def _saved(created) -> str:
    return _("Saved %(n)d entries.", n=len(created)) if len(created) > 1 else _("Entry saved.")


def _after_saving(created) -> str:
    if len(created) == 1:
        return url_for(".student_entries", student_id=created[0].student_id)
    return url_for(".class_page", class_id=created[0].student.class_id)


def _new_page(form, term):
    class_id = request.args.get("class", type=int)
    page = absences.entry_form_page(current_user, term, class_id)
    fill_rule_choices(form, page.rules)
    form.students.choices = page.students
    return render_template("teacher/entry_form.html", form=form, term=term, rules=page.rules,
                           editing=None, quick_events=page.quick_events, quick_class=class_id,
                           absent=page.absent, may_mark_absent=page.may_mark_absent)


@bp.route("/entry/new", methods=["GET", "POST"])
@teacher_required
def new_entry():
    term = this_term()
    form = new_entry_form(term, request.args)
    return submit(form, lambda: entries.record_entries(
        current_user, term, student_ids(form), entry_input(form)),
        page=lambda: _new_page(form, term), done=_saved, to=_after_saving)


def _edit_page(form, entry_id):
    """The edit form; after a conflict, the values saved meanwhile beside the typed ones."""
    page = class_pages.edit_page(current_user, entry_id)
    entry = page.entry
    fill_rule_choices(form, page.rules)
    # Someone saved since the form was opened: show their values and take their version,
    # so saving again is a choice made after seeing the other change.
    conflict = form.is_submitted() and form.version.data != str(entry.version)
    if conflict:
        form.version.data = str(entry.version)
    return render_template("teacher/entry_form.html", form=form, term=entry.term,
                           editing=entry, conflict=conflict, rules=page.rules, label=page.label,
                           locked=page.locked,
                           delete_form=DeleteForm(version=entry.version))


@bp.route("/entry/<int:entry_id>/edit", methods=["GET", "POST"])
@teacher_required
def edit_entry(entry_id):
    form = edit_entry_form(None if request.method == "POST"
                           else class_pages.get_entry_for(current_user, entry_id))
    return submit(form, lambda: entries.update_entry(
        current_user, entry_id, form.version.data, entry_input(form)),
        page=lambda: _edit_page(form, entry_id), done=_("Entry updated."),
        to=lambda entry: url_for(".student_entries", student_id=entry.student_id))


@bp.post("/entry/<int:entry_id>/delete")
@teacher_required
def delete_entry(entry_id):
    form = DeleteForm()
    entry = class_pages.get_entry_for(current_user, entry_id)
    back = url_for(".student_entries", student_id=entry.student_id)
    if not form.validate_on_submit():
        flash(_("The form expired; reload the page and try again."), "error")
        return redirect(back)
    return perform(lambda: entries.delete_entry(current_user, entry_id, form.version.data),
                   done=_("Entry deleted. It stays in the history."), to=back)


@bp.get("/entry/<int:entry_id>/history")
@teacher_required
def entry_history(entry_id):
    return render_template("teacher/entry_history.html",
                           page=class_pages.entry_history(current_user, entry_id))


@bp.get("/evidence/<int:attachment_id>", endpoint="evidence")
@login_required
def evidence_file(attachment_id):
    """An evidence file of an entry or an appeal, for everyone entitled; always a download."""
    attachment, path = evidence.get_for_download(current_user, attachment_id)
    response = send_file(path, mimetype=attachment.content_type, as_attachment=True,
                         download_name=attachment.original_name, max_age=0)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return response
