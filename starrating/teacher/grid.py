"""The class grid: one event for many students, or points typed down a column; one save."""

from __future__ import annotations

from flask import render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..auth.guards import teacher_required
from ..boundary import submit
from ..services import class_pages, entries
from .blueprint import bp
from .forms import fill_rule_choices, grid_form, grid_input, grid_rows
from .views import this_term


def _page(form, term, class_id, rows):
    overview = class_pages.grid_page(current_user, term, class_id)
    fill_rule_choices(form, overview.rules)
    return render_template("teacher/grid.html", form=form, term=term, o=overview,
                           cells={r.student_id: r.points for r in rows},
                           ticked={r.student_id for r in rows if r.ticked},
                           errors=form.cell_errors())


@bp.route("/class/<int:class_id>/grid", methods=["GET", "POST"])
@teacher_required
def grid(class_id):
    term = this_term()
    form = grid_form(term)
    rows = grid_rows(request.form) if form.is_submitted() else []
    return submit(form, lambda: entries.save_grid(
        current_user, term, class_id, grid_input(form, rows)),
        page=lambda: _page(form, term, class_id, rows),
        done=lambda n: _("Saved %(n)d entries.", n=n),
        to=url_for(".class_page", class_id=class_id))
