"""The class grid: one event for many students, or points typed down a column; one save."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..auth.guards import teacher_required
from ..errors import DomainError, ValidationFailed
from ..extensions import db
from ..services import entries
from ..utils import apply_errors
from . import bp
from .forms import GridForm, fill_rule_choices
from .views import this_term


def _rows() -> list[entries.GridRow]:
    """The cells and ticks as sent, one GridRow per student id seen."""
    cells = {int(name[5:]): value for name, value in request.form.items()
             if name.startswith("cell-") and name[5:].isdigit()}
    ticked = {int(v) for v in request.form.getlist("tick") if v.isdigit()}
    return [entries.GridRow(student_id=sid, ticked=sid in ticked, points=cells.get(sid, ""))
            for sid in sorted(cells.keys() | ticked)]


@bp.route("/class/<int:class_id>/grid", methods=["GET", "POST"])
@teacher_required
def grid(class_id):
    term = this_term()
    overview = entries.grid_page(current_user, term, class_id)
    form = GridForm()
    fill_rule_choices(form, overview.rules)
    rows, errors, status = [], {}, 200
    if request.method == "GET":
        form.occurred_on.data = entries.default_entry_date(term)
    elif form.validate_on_submit():
        rows = _rows()
        data = entries.GridInput(indicator=form.indicator.data or "",
                                 occurred_on=form.occurred_on.data, note=form.note.data or "",
                                 item=form.item.data or "", points=form.points.data or "",
                                 rows=rows)
        try:
            created = entries.save_grid(current_user, term, overview.school_class, data)
        except DomainError as e:
            if e.status in (403, 404):
                raise
            db.session.rollback()
            if isinstance(e, ValidationFailed):
                errors = e.errors
                apply_errors(form, {k: v for k, v in e.errors.items()
                                    if not k.startswith("row")})
            flash(str(e.message), "error")
            status = e.status
        else:
            db.session.commit()
            flash(_("Saved %(n)d entries.", n=created), "success")
            return redirect(url_for(".class_page", class_id=class_id))
    else:
        rows, status = _rows(), 400
    return render_template("teacher/grid.html", form=form, term=term, o=overview,
                           cells={r.student_id: r.points for r in rows},
                           ticked={r.student_id for r in rows if r.ticked},
                           errors=errors), status
