"""Forms of the rollover, cohort and school-settings pages (services/rollover.py,
services/cohorts.py), and the helpers that give them the admin's choices."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from ..models import StudentStatus, TermStatus, User
from ..services import admin_reads as reads
from ..services import cohorts, rollover
from .forms import STUDENT_STATUS_LABELS, TERM_STATUS_LABELS


class RolloverForm(FlaskForm):
    source_term_id = SelectField(_l("Copy from the term"), choices=[], validate_choice=False)
    name = StringField(_l("Name of the new term"), validators=[DataRequired(), Length(max=80)])
    start_date = DateField(_l("First day"), validators=[InputRequired()])
    end_date = DateField(_l("Last day"), validators=[InputRequired()])
    notice_days = IntegerField(_l("Notice period (days)"), default=5,
                               validators=[InputRequired(), NumberRange(0, 30)])
    status = SelectField(
        _l("Status"), default=TermStatus.PLANNING.value,
        choices=[(s.value, TERM_STATUS_LABELS[s]) for s in rollover.NEW_TERM_STATUSES],
        description=_l("Which term is current follows the dates; the status says whether "
                       "entries may be recorded."))
    copy_assignments = BooleanField(_l("Copy the class teachers (班主任)"), default=True)
    copy_memberships = BooleanField(
        _l("Copy the clubs' members, with their roles (not those who left)"), default=True)
    copy_rules = BooleanField(_l("Use the same rules (rule set version and club indicator)"),
                              default=True)
    plan = HiddenField()
    preview = SubmitField(_l("Preview"))
    confirm = SubmitField(_l("Start the new term"))
    edit = SubmitField(_l("Go back and change"))


STATUS_CHOICES = [(s.value, STUDENT_STATUS_LABELS[s]) for s in StudentStatus]
SELECTION_LABELS = {"cohort": _l("A cohort (entry year)"), "class": _l("A class"),
                    "list": _l("Pasted student numbers")}


class CohortForm(FlaskForm):
    selection = SelectField(_l("Students"), choices=list(SELECTION_LABELS.items()),
                            default="cohort")
    grade = SelectField(_l("Entry year"), choices=[], validate_choice=False)
    class_id = SelectField(_l("Class"), choices=[], validate_choice=False)
    student_nos = TextAreaField(_l("Student numbers"), validators=[Optional(),
                                                                    Length(max=100_000)],
                                render_kw={"rows": 5, "spellcheck": "false"},
                                description=_l("One a line, or separated by spaces or "
                                               "commas."))
    from_status = SelectField(_l("Only students who are now"),
                              choices=[(cohorts.ANY, _l("(any status)"))] + STATUS_CHOICES,
                              default=StudentStatus.ACTIVE.value)
    to_status = SelectField(_l("New status"), choices=STATUS_CHOICES,
                            default=StudentStatus.GRADUATED.value)
    plan = HiddenField()
    preview = SubmitField(_l("Preview"))
    confirm = SubmitField(_l("Change the statuses"))
    edit = SubmitField(_l("Go back and change"))


class SchoolSettingsForm(FlaskForm):
    graduates_can_log_in = BooleanField(
        _l("Graduated students can still log in (read-only)"),
        description=_l("They see their records and stars of past terms and can send or "
                       "change nothing. Off: they cannot log in."))
    submit = SubmitField(_l("Save"))


def rollover_form(actor: User) -> RolloverForm:
    form = RolloverForm(data=rollover.default_values(actor) or None)
    form.source_term_id.choices = [(str(t.id), t.name) for t in reads.term_choices(actor)]
    return form


def cohort_form(actor: User) -> CohortForm:
    form = CohortForm()
    form.grade.choices = [(str(g), _l("%(year)d (%(classes)d classes, %(n)d enrolled)",
                                      year=g, classes=c, n=n))
                          for g, c, n in cohorts.cohort_choices(actor)]
    form.class_id.choices = reads.class_choices(actor)
    return form


def settings_form(actor: User) -> SchoolSettingsForm:
    school = cohorts.school_of(actor)
    form = SchoolSettingsForm()
    if not form.is_submitted():
        form.graduates_can_log_in.data = school.graduates_can_log_in
    return form
