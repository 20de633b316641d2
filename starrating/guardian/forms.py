"""Forms of the families pages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    HiddenField,
    IntegerField,
    PasswordField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, EqualTo, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from ..services.guardians import RELATIONS
from ..services.sanctions import SANCTIONS


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class ActivateForm(FlaskForm):
    school = StringField(_l("School code"), validators=[Length(max=32)])
    code = StringField(_l("Invitation code"), validators=[
        DataRequired(_l("Enter the code from your invitation.")), Length(max=32)],
        render_kw={"autocomplete": "one-time-code", "autocapitalize": "characters"})
    new_password = PasswordField(_l("Choose a password"), validators=[
        DataRequired(_l("Choose a password."))], render_kw={"autocomplete": "new-password"})
    confirm = PasswordField(_l("The password again"), validators=[
        EqualTo("new_password", _l("The two passwords differ."))],
        render_kw={"autocomplete": "new-password"})
    submit = SubmitField(_l("Activate my account"))


class OpinionForm(FlaskForm):
    text = TextAreaField(_l("Guardian's opinion (家长意见)"), validators=[Length(max=1000)],
                         render_kw={"rows": 4},
                         description=_l("Printed on this term's report card."))
    submit = SubmitField(_l("Save the opinion"))


class GuardianForm(FlaskForm):
    student_id = SelectField(_l("Student"), coerce=int, choices=[], validate_choice=False)
    name = StringField(_l("Guardian's name"), validators=[
        DataRequired(_l("This field is required.")), Length(max=80)])
    relation = SelectField(_l("Relation to the student"),
                           choices=[(r, r) for r in RELATIONS])
    phone = StringField(_l("Mobile number"), validators=[Length(max=20)],
                        render_kw={"inputmode": "tel", "autocomplete": "off"},
                        description=_l("The guardian logs in with it."))
    submit = SubmitField(_l("Add the guardian"))


class ChannelForm(FlaskForm):
    kind = SelectField(_l("Robot"), choices=[])
    url = StringField(_l("Webhook address"), validators=[Length(max=500)],
                      description=_l("Leave empty to remove the robot."))
    events = MultiCheckboxField(_l("Events posted to the group"), choices=[])
    submit = SubmitField(_l("Save"))


class InboxSettingsForm(FlaskForm):
    email = StringField(_l("Email address"), validators=[Length(max=120)],
                        render_kw={"inputmode": "email", "autocomplete": "email"})
    inbox = MultiCheckboxField(_l("In my inbox"), choices=[])
    by_email = MultiCheckboxField(_l("Also by email"), choices=[])
    submit = SubmitField(_l("Save my choices"))


class HandleForm(FlaskForm):
    note = TextAreaField(_l("What was done"), validators=[
        DataRequired(_l("Say what was done.")), Length(max=1000)], render_kw={"rows": 3})
    submit = SubmitField(_l("Mark as handled"))


def sanction_choices():
    return [("", _l("— none —"))] + [(k, v) for k, v in SANCTIONS.items()]


class FamilySettingsForm(FlaskForm):
    show_deduction_notes = BooleanField(_l("Guardians see the notes of deductions"))
    show_evidence = BooleanField(_l("Guardians see the evidence files"))
    deduction_points = StringField(_l("Alert when the term's deductions reach (points)"),
                                   validators=[Length(max=12)])
    deduction_sanction = SelectField(_l("Suggested sanction"), choices=[])
    deduction_points_2 = StringField(_l("A second level (points)"),
                                     validators=[Length(max=12)])
    deduction_sanction_2 = SelectField(_l("Suggested sanction at the second level"),
                                       choices=[])
    repeat_count = IntegerField(_l("Alert at this many deductions on one indicator"),
                                validators=[Optional()])
    repeat_days = IntegerField(_l("… within this many days"), validators=[Optional()])
    repeat_sanction = SelectField(_l("Suggested sanction for repeats"), choices=[])
    smtp_host = StringField(_l("Email server (SMTP host)"), validators=[Length(max=120)])
    smtp_port = IntegerField(_l("Port"), validators=[Optional()])
    smtp_tls = BooleanField(_l("Use STARTTLS"))
    smtp_sender = StringField(_l("Sender address"), validators=[Length(max=120)])
    smtp_user = StringField(_l("SMTP user name"), validators=[Length(max=120)],
                            render_kw={"autocomplete": "off"},
                            description=_l("Leave empty when the server needs no login."))
    # Write-only: never filled in from the stored value (PasswordField does not render it).
    smtp_password = PasswordField(_l("SMTP password"), validators=[Length(max=200)],
                                  render_kw={"autocomplete": "new-password"})
    smtp_password_clear = BooleanField(_l("Forget the stored SMTP password"))
    monthly_day = IntegerField(_l("Day of the monthly summary"), validators=[Optional()],
                               description=_l("1–28: on that day of each month, from 08:00 "
                                              "school time, students and guardians get last "
                                              "month's records. Empty or 0: none."))
    submit = SubmitField(_l("Save"))


class MonthlyLineForm(FlaskForm):
    month = HiddenField()
    line = StringField(_l("Your line for this summary"), validators=[Length(max=200)],
                       render_kw={"maxlength": 200},
                       description=_l("Added to every message of the class's summary, e.g. "
                                      "本月班级劳动周表现很好. Leave empty for none."))
    submit = SubmitField(_l("Save the line"))


def family_settings_form(row, thresholds) -> FamilySettingsForm:
    form = FamilySettingsForm()
    for field in (form.deduction_sanction, form.deduction_sanction_2, form.repeat_sanction):
        field.choices = sanction_choices()
    if not form.is_submitted():
        form.show_deduction_notes.data = row.show_deduction_notes
        form.show_evidence.data = row.show_evidence
        deductions = [t for t in thresholds if t.get("kind") == "deductions"]
        repeat = next((t for t in thresholds if t.get("kind") == "repeat"), None)
        if deductions:
            form.deduction_points.data = deductions[0].get("points")
            form.deduction_sanction.data = deductions[0].get("sanction", "")
        if len(deductions) > 1:
            form.deduction_points_2.data = deductions[1].get("points")
            form.deduction_sanction_2.data = deductions[1].get("sanction", "")
        if repeat:
            form.repeat_count.data, form.repeat_days.data = repeat.get("count"), repeat.get("days")
            form.repeat_sanction.data = repeat.get("sanction", "")
        form.smtp_host.data, form.smtp_port.data = row.smtp_host, row.smtp_port
        form.smtp_tls.data, form.smtp_sender.data = row.smtp_tls, row.smtp_sender
        form.smtp_user.data, form.monthly_day.data = row.smtp_user, row.monthly_day or None
    form.smtp_password.description = (
        _l("Set. Leave empty to keep the stored password; type a new one to replace it.")
        if row.smtp_password else _l("Not set."))
    if not row.smtp_password:
        del form.smtp_password_clear
    return form
