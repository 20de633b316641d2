"""A class's saved quick events: the list with its add form, deleting one, and the one-tap
button of the entry form that records one for the ticked students, dated today."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..auth.guards import teacher_required
from ..boundary import perform, submit
from ..services import quick_events
from .blueprint import bp
from .entry_views import _saved
from .forms import (
    DeleteForm,
    QuickEventForm,
    QuickRecordForm,
    fill_rule_choices,
    quick_event_input,
    student_ids,
)
from .views import this_term


def _quick_page(form, term, class_id):
    page = quick_events.quick_events_page(current_user, term, class_id)
    fill_rule_choices(form, page.rules)
    return render_template("teacher/quick_events.html", form=form, page=page,
                           delete_form=DeleteForm())


@bp.route("/class/<int:class_id>/quick", methods=["GET", "POST"])
@teacher_required
def quick_events_page(class_id):
    term = this_term()
    form = QuickEventForm()
    return submit(form, lambda: quick_events.save_quick_event(
        current_user, term, class_id, quick_event_input(form)),
        page=lambda: _quick_page(form, term, class_id), done=_("Quick event saved."),
        to=url_for(".quick_events_page", class_id=class_id))


@bp.post("/quick/<int:event_id>/delete")
@teacher_required
def delete_quick_event(event_id):
    if not DeleteForm().validate_on_submit():
        flash(_("The form expired; reload the page and try again."), "error")
        return redirect(request.referrer or url_for(".index"))
    return perform(lambda: quick_events.delete_quick_event(current_user, this_term(), event_id),
                   done=_("Quick event deleted."),
                   to=lambda event: url_for(".quick_events_page", class_id=event.class_id))


@bp.post("/quick/<int:event_id>/record")
@teacher_required
def record_quick_event(event_id):
    form = QuickRecordForm()
    back = url_for(".new_entry", **{"class": request.args.get("class", type=int)})
    if not form.validate_on_submit():
        flash(_("The form expired; reload the page and try again."), "error")
        return redirect(back)
    return perform(lambda: quick_events.record_quick_event(
        current_user, this_term(), event_id, student_ids(form)),
        done=_saved, to=back)
