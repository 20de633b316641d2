"""The student's own pages: stars (phone first), records with evidence, appeals."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from ..auth.guards import student_required
from ..boundary import perform, submit
from ..page_cache import whole_page
from ..services import appeals, class_pages, notes, results, student_pages
from ..services.terms import term_for
from .blueprint import bp
from .forms import StatementForm, appeal_form, appeal_input


def _lang() -> str:
    return "zh" if str(get_locale() or "zh").startswith("zh") else "en"


def _term():
    return term_for(current_user, request.args.get("term"))


@bp.route("/")
@student_required
@whole_page
def index():
    if current_user.student is None:
        return render_template("student/unlinked.html")
    page = student_pages.student_page(
        current_user, current_user.student, _term(), _lang(),
        current_app.config.get("STUDENTS_SEE_STARS_BEFORE_PUBLICATION", False))
    form = StatementForm(statement=page.note.self_statement if page.note else "")
    return render_template("student/index.html", student=current_user.student, page=page,
                           form=form)


@bp.post("/statement")
@student_required
def statement():
    student_pages.linked_student(current_user)
    term, form = _term(), StatementForm()
    if term is None or not form.validate_on_submit():
        flash(" ".join(str(m) for m in form.statement.errors) or _("Nothing was saved."),
              "error")
        return redirect(url_for(".index"))
    return perform(lambda: notes.save_self_statement(current_user, term, form.statement.data),
                   done=_("Your self-statement was saved."), to=url_for(".index"))


@bp.route("/entries")
@student_required
@whole_page
def entries():
    student, term = student_pages.linked_student(current_user), _term()
    rows = class_pages.student_entries(current_user, term, student) if term else []
    window = appeals.appeal_window(term, student) if term else None
    return render_template("student/entries.html", student=student, term=term, rows=rows,
                           labels=results.indicator_labels(term), window=window)




@bp.route("/appeals", methods=["GET", "POST"], endpoint="appeals")
@student_required
def appeals_page():
    student, term = student_pages.linked_student(current_user), _term()
    form = appeal_form(results.indicator_labels(term))
    entry = student_pages.appeal_entry(current_user, student, term,
                                       request.args.get("entry", type=int) or form.entry_id.data)
    form.entry_id.data = str(entry.id) if entry else form.entry_id.data
    page = lambda: render_template(  # noqa: E731
        "student/appeals.html", form=form, entry=entry,
        **student_pages.appeals_page(current_user, student, term))
    return submit(form, lambda: appeals.create_appeal(current_user, student_pages.require_term(
        term), appeal_input(form, entry)), page=page, invalid_status=200, refused_status=200,
        done=_("Your appeal was sent. Your class teacher will decide it."),
        to=url_for(".appeals"))
