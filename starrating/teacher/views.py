"""Class teacher pages: my classes, a class's running stars, a student's entries and comment."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..auth.guards import teacher_required
from ..boundary import perform
from ..models import Term
from ..page_cache import whole_page
from ..services import class_pages, notes
from ..services.access import get_student_for
from ..services.sanctions import SANCTIONS
from ..services.scoring import term_rules
from ..services.terms import term_for
from .blueprint import bp
from .forms import CommentForm, entry_filter, filter_form


def this_term() -> Term:
    """The term teachers write in: the school's term in force."""
    return term_for(current_user, required=True)


def shown_term() -> Term:
    """The term a teacher's page shows: `?term=` (read-only unless it is in force), else the
    term in force."""
    return term_for(current_user, request.args.get("term"), required=True)


@bp.route("/")
@teacher_required
@whole_page
def index():
    term = term_for(current_user, request.args.get("term"))
    return render_template("teacher/index.html", term=term,
                           cards=class_pages.my_classes(current_user, term))


@bp.route("/class/<int:class_id>")
@teacher_required
@whole_page
def class_page(class_id):
    term = shown_term()
    overview = class_pages.class_overview(current_user, term, class_id)
    return render_template("teacher/class.html", o=overview, flow=overview.flow, term=term,
                           flag_names=SANCTIONS)


@bp.route("/student/<int:student_id>")
@teacher_required
def student_entries(student_id):
    term = shown_term()
    flt = filter_form(request.args, term_rules(term))
    page = class_pages.student_page(current_user, term, student_id, entry_filter(flt))
    comment = CommentForm(comment=page.note.teacher_comment if page.note else "")
    return render_template("teacher/student.html", flt=flt, comment=comment, **vars(page))


@bp.post("/student/<int:student_id>/comment")
@teacher_required
def comment(student_id):
    term = this_term()
    student = get_student_for(current_user, student_id, term)
    form, back = CommentForm(), url_for(".student_entries", student_id=student_id)
    if not form.validate_on_submit():
        flash(" ".join(str(m) for m in form.comment.errors)
              or _("The form expired; reload the page and try again."), "error")
        return redirect(back)
    return perform(lambda: notes.save_comment(current_user, term, student, form.comment.data),
                   done=_("Comment saved."), to=back)
