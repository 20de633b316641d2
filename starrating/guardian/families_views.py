"""The class teacher's pages for families (a class's guardians, invitations, group robot)
and the 学生处's (alerts, the school's settings for families)."""

from __future__ import annotations

from io import BytesIO

from flask import current_app, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..boundary import perform, submit
from ..services import alerts, class_pages, guardians, notifications
from ..services.reports.slips import invitation_slips_pdf
from ..services.terms import term_for
from .blueprint import admin_required, families_bp, staff_required
from .forms import (
    ChannelForm,
    GuardianForm,
    HandleForm,
    MonthlyLineForm,
    family_settings_form,
)


@families_bp.route("/")
@staff_required
def index():
    """The teacher's classes (the term in force), each with its families' pages."""
    term = term_for(current_user, None)
    cards = class_pages.my_classes(current_user, term) if term else []
    return render_template("families/index.html", cards=cards, term=term)


@families_bp.route("/class/<int:class_id>/guardians", methods=["GET", "POST"])
@staff_required
def class_guardians(class_id: int):
    page = guardians.class_guardians(current_user, class_id)
    form = GuardianForm()
    form.student_id.choices = [(s.id, f"{s.student_no} {s.name}") for s in page.students]
    return submit(form, lambda: guardians.add_guardian(current_user, class_id, guardians.GuardianInput(
        form.student_id.data, form.name.data or "", form.relation.data or "", form.phone.data or "")),
        page=lambda: render_template("families/guardians.html", page=page, form=form),
        done=_("The guardian was added. Print the invitation slips or give them a code."),
        to=url_for(".class_guardians", class_id=class_id))


@families_bp.post("/class/<int:class_id>/guardians/<int:guardian_id>/invite")
@staff_required
def invite(class_id: int, guardian_id: int):
    code = perform(lambda: guardians.invite(current_user, class_id, guardian_id),
                   to=None, refusal=lambda e: _back(class_id, e))
    if not isinstance(code, str):
        return code
    page = guardians.class_guardians(current_user, class_id)
    return render_template("families/invitation.html", page=page, code=code,
                           guardian_id=guardian_id, activate_url=_activate_url())


def _back(class_id: int, error):
    flash(str(error.message or _("Nothing was changed.")), "error")
    return redirect(url_for(".class_guardians", class_id=class_id))


def _activate_url() -> str:
    return url_for("guardian.activate", _external=True)


@families_bp.post("/class/<int:class_id>/guardians/<int:guardian_id>/unlink/<int:student_id>")
@staff_required
def unlink(class_id: int, guardian_id: int, student_id: int):
    return perform(lambda: guardians.unlink(current_user, class_id, guardian_id, student_id),
                   done=_("The guardian is no longer linked to this student."),
                   to=url_for(".class_guardians", class_id=class_id))


@families_bp.post("/class/<int:class_id>/guardians/<int:guardian_id>/deactivate")
@staff_required
def deactivate(class_id: int, guardian_id: int):
    return perform(lambda: guardians.deactivate(current_user, class_id, guardian_id),
                   done=_("The guardian's account is deactivated: signed out, no login, no "
                          "notifications."),
                   to=url_for(".class_guardians", class_id=class_id))


@families_bp.post("/class/<int:class_id>/guardians/<int:guardian_id>/reactivate")
@staff_required
def reactivate(class_id: int, guardian_id: int):
    return perform(lambda: guardians.reactivate(current_user, class_id, guardian_id),
                   done=_("The guardian's account is active again."),
                   to=url_for(".class_guardians", class_id=class_id))


@families_bp.route("/class/<int:class_id>/monthly", methods=["GET", "POST"])
@staff_required
def monthly(class_id: int):
    """The class's coming monthly summary as it will read, and the class teacher's line."""
    form = MonthlyLineForm()
    page = notifications.monthly_preview(current_user, class_id,
                                         form.month.data if form.is_submitted()
                                         else request.args.get("month"))
    if not form.is_submitted():
        form.month.data, form.line.data = page.month_text, page.note.line if page.note else ""
    return submit(form, lambda: notifications.save_line(current_user, class_id,
                                                        form.month.data, form.line.data),
                  page=lambda: render_template("families/monthly.html", page=page, form=form),
                  done=_("The line was saved; the preview below shows it."),
                  to=url_for(".monthly", class_id=class_id, month=form.month.data))


@families_bp.post("/class/<int:class_id>/slips")
@staff_required
def slips(class_id: int):
    outcome = perform(lambda: guardians.invitation_slips(current_user, class_id), to=None,
                      refusal=lambda e: _back(class_id, e))
    if not isinstance(outcome, tuple):
        return outcome
    school_class, rows = outcome
    data, name = invitation_slips_pdf(current_user.school.name, school_class.name, rows,
                                      _activate_url())
    return send_file(BytesIO(data), mimetype="application/pdf", as_attachment=True,
                     download_name=name)


@families_bp.route("/class/<int:class_id>/channel", methods=["GET", "POST"])
@staff_required
def channel(class_id: int):
    school_class, row = notifications.class_channel(current_user, class_id)
    form = ChannelForm(obj=row) if request.method == "GET" and row else ChannelForm()
    form.kind.choices = list(notifications.CHANNEL_KINDS.items())
    form.events.choices = [(e, notifications.EVENTS[e]) for e in notifications.GROUP_EVENTS]
    hosts = current_app.config.get("WEBHOOK_ALLOWED_HOSTS") or notifications.ROBOT_HOSTS
    return submit(form, lambda: notifications.save_channel(
        current_user, class_id, form.kind.data, form.url.data, form.events.data or [], hosts),
        page=lambda: render_template("families/channel.html", school_class=school_class,
                                     form=form, row=row),
        done=_("The class's group robot was saved."), to=url_for(".channel", class_id=class_id))


@families_bp.route("/alerts")
@admin_required
def alert_list():
    term, state = term_for(current_user, request.args.get("term")), request.args.get("state")
    return render_template("families/alerts.html", rows=alerts.alerts_page(current_user, term, state),
                           state=state, states=alerts.STATES, term=term)


@families_bp.route("/alerts/<int:alert_id>", methods=["GET", "POST"])
@admin_required
def alert(alert_id: int):
    page, form = alerts.alert_page(current_user, alert_id), HandleForm()
    return submit(form, lambda: alerts.handle(current_user, alert_id, form.note.data),
                  page=lambda: render_template("families/alert.html", page=page, form=form),
                  done=_("The alert is marked as handled."), to=url_for(".alert_list"))


@families_bp.route("/settings", methods=["GET", "POST"])
@admin_required
def settings():
    school_id = current_user.school_id
    form = family_settings_form(guardians.family_settings(school_id), alerts.thresholds_of(school_id))
    return submit(form, lambda: alerts.save_settings(current_user, alerts.SettingsInput(
        **{name: form[name].data for name in alerts.SettingsInput.__dataclass_fields__
           if name in form})),
        page=lambda: render_template("families/settings.html", form=form),
        done=_("The settings were saved."), to=url_for(".settings"))
