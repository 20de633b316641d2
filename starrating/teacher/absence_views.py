"""The entry form's "mark the ticked students absent today" button (the checklist's
"except absentees" then ticks everyone else)."""

from __future__ import annotations

from flask import flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..auth.guards import teacher_required
from ..boundary import perform
from ..services import absences
from .blueprint import bp
from .forms import AbsenceForm, student_ids
from .views import this_term


def _marked(result) -> str:
    if not result.students:
        return _("Nobody is marked absent today.")
    return _("Absent today: %(names)s.", names=_(", ").join(s.name for s in result.students))


@bp.post("/absences")
@teacher_required
def mark_absent():
    form = AbsenceForm()
    class_id = request.args.get("class", type=int)
    back = url_for(".new_entry", **{"class": class_id})
    if not form.validate_on_submit():
        flash(_("The form expired; reload the page and try again."), "error")
        return redirect(back)
    return perform(lambda: absences.mark_absent(
        current_user, this_term(), class_id, student_ids(form)), done=_marked, to=back)
