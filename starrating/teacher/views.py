"""Class teacher pages."""

from __future__ import annotations

import sqlalchemy as sa
from flask import render_template
from flask_login import current_user

from ..auth.guards import teacher_required
from ..extensions import db
from ..models import ClassAssignment, SchoolClass, Student, StudentStatus
from ..services.terms import current_term
from . import bp


@bp.route("/")
@teacher_required
def index():
    term = current_term(current_user.school_id)
    classes = []
    if term is not None:
        classes = db.session.execute(
            sa.select(SchoolClass, sa.func.count(Student.id))
            .join(ClassAssignment, ClassAssignment.class_id == SchoolClass.id)
            .outerjoin(Student, sa.and_(Student.class_id == SchoolClass.id,
                                        Student.status == StudentStatus.ACTIVE))
            .where(ClassAssignment.term_id == term.id,
                   ClassAssignment.teacher_id == current_user.id)
            .group_by(SchoolClass.id)
            .order_by(SchoolClass.name)
        ).all()
    return render_template("teacher/index.html", term=term, classes=classes)
