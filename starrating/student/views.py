"""The student's own pages."""

from __future__ import annotations

from flask import render_template
from flask_login import current_user

from ..auth.guards import student_required
from ..services.terms import current_term
from . import bp


@bp.route("/")
@student_required
def index():
    student = current_user.student
    term = current_term(current_user.school_id)
    return render_template("student/index.html", student=student, term=term)
