"""学生处 (administration) pages."""

from __future__ import annotations

import sqlalchemy as sa
from flask import render_template
from flask_login import current_user

from ..auth.guards import admin_required
from ..extensions import db
from ..models import Club, Department, Major, Role, SchoolClass, Student, User
from ..services.terms import current_term
from . import bp


@bp.route("/")
@admin_required
def index():
    school_id = current_user.school_id
    counts = db.session.execute(sa.select(
        sa.select(sa.func.count(Department.id)).where(Department.school_id == school_id)
        .scalar_subquery().label("departments"),
        sa.select(sa.func.count(Major.id)).join(Department)
        .where(Department.school_id == school_id).scalar_subquery().label("majors"),
        sa.select(sa.func.count(SchoolClass.id)).where(SchoolClass.school_id == school_id)
        .scalar_subquery().label("classes"),
        sa.select(sa.func.count(Student.id)).where(Student.school_id == school_id)
        .scalar_subquery().label("students"),
        sa.select(sa.func.count(User.id)).where(User.school_id == school_id,
                                                User.role == Role.TEACHER)
        .scalar_subquery().label("teachers"),
        sa.select(sa.func.count(Club.id)).where(Club.school_id == school_id)
        .scalar_subquery().label("clubs"),
    )).one()._asdict()
    return render_template("admin/index.html", term=current_term(school_id), counts=counts)
