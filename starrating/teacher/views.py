"""Class teacher pages: my classes, a class's running stars, a student's entries and comment."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from ..auth.guards import teacher_required
from ..errors import DomainError, NotFound, ValidationFailed
from ..extensions import db
from ..models import Term
from ..services import entries, entry_input, workflow
from ..services.access import get_student_for
from ..services.terms import current_term
from . import bp
from .forms import CommentForm, FilterForm, fill_filter_choices


def this_term() -> Term:
    """The term the teacher pages work on: the school's current term."""
    term = current_term(current_user.school_id)
    if term is None:
        raise NotFound(_l("No term has been set up yet."))
    return term


@bp.route("/")
@teacher_required
def index():
    term = current_term(current_user.school_id)
    return render_template("teacher/index.html", term=term,
                           cards=entries.my_classes(current_user, term))


@bp.route("/class/<int:class_id>")
@teacher_required
def class_page(class_id):
    term = this_term()
    overview = entries.class_overview(current_user, term, class_id)
    flow = next((f for f in workflow.class_flows(current_user, term)
                 if f.school_class.id == class_id), None)
    return render_template("teacher/class.html", o=overview, flow=flow, term=term,
                           flag_names=entries.SANCTIONS)


@bp.route("/student/<int:student_id>")
@teacher_required
def student_entries(student_id):
    term = this_term()
    student = get_student_for(current_user, student_id, term)
    rules = entries.term_rules(term)
    flt = FilterForm(request.args)
    fill_filter_choices(flt, rules)
    flt.validate()
    rows = entries.student_entries(current_user, term, student, entries.EntryFilter(
        dimension=flt.dimension.data or "", indicator=flt.indicator.data or "",
        date_from=flt.date_from.data, date_to=flt.date_to.data))
    note = entries.get_note(term, student)
    comment = CommentForm(comment=note.teacher_comment if note else "")
    editable = entries.is_editable(term, student.class_id)
    return render_template(
        "teacher/student.html", term=term, student=student, entries=rows, flt=flt,
        labels={e.indicator: entry_input.indicator_label(rules, e.indicator) for e in rows}
        if rules else {},
        authors=entries.author_names(rows), comment=comment, note=note,
        editable=editable, can_edit=lambda e: entries.may_edit(current_user, e, editable),
        flags=entries.active_flags(term, [student.id]).get(student.id, []),
        flag_names=entries.SANCTIONS)


@bp.post("/student/<int:student_id>/comment")
@teacher_required
def comment(student_id):
    term = this_term()
    student = get_student_for(current_user, student_id, term)
    form = CommentForm()
    back = redirect(url_for(".student_entries", student_id=student_id))
    if not form.validate_on_submit():
        flash(" ".join(str(m) for m in form.comment.errors)
              or _("The form expired; reload the page and try again."), "error")
        return back
    try:
        entries.save_comment(current_user, term, student, form.comment.data)
    except DomainError as e:
        if e.status in (403, 404):
            raise
        db.session.rollback()
        errors = e.errors.get("comment", []) if isinstance(e, ValidationFailed) else []
        flash(" ".join(str(m) for m in errors) or str(e.message), "error")
        return back
    db.session.commit()
    flash(_("Comment saved."), "success")
    return back
