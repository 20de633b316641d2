"""The inbox: everyone's notifications in their language; reading clears the badge."""

from __future__ import annotations

from flask import render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..boundary import perform, submit
from ..services import notifications
from .blueprint import inbox_bp, inbox_required
from .forms import InboxSettingsForm


@inbox_bp.route("/")
@inbox_required
def index():
    return render_template("inbox/index.html", items=notifications.inbox(current_user))


@inbox_bp.post("/read")
@inbox_required
def read():
    one = request.form.get("id", type=int)
    return perform(lambda: notifications.mark_read(current_user, one), to=url_for(".index"))


@inbox_bp.route("/settings", methods=["GET", "POST"])
@inbox_required
def settings():
    choice = notifications.my_settings(current_user)
    events = [(e, notifications.EVENTS[e]) for e in notifications.events_for(current_user)]
    form = InboxSettingsForm()
    form.inbox.choices = form.by_email.choices = events
    if not form.is_submitted():
        form.email.data = choice.email
        form.inbox.data = [e for e, _label in events if e not in (choice.muted or [])]
        form.by_email.data = list(choice.by_email or [])
    return submit(form, lambda: notifications.save_settings(
        current_user, form.email.data, form.inbox.data or [], form.by_email.data or []),
        page=lambda: render_template("inbox/settings.html", form=form),
        done=_("Your choices were saved."), to=url_for(".settings"))
