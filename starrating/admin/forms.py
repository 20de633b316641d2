"""Forms of the admin pages. Choices are filled by the views (the admin's school only)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    DateField,
    IntegerField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from ..models import StudentStatus, TermStatus

TERM_STATUS_LABELS = {
    TermStatus.PLANNING: _l("Planning"),
    TermStatus.OPEN: _l("Open"),
    TermStatus.CLOSED: _l("Closed"),
    TermStatus.ARCHIVED: _l("Archived"),
}
STUDENT_STATUS_LABELS = {
    StudentStatus.ACTIVE: _l("Enrolled"),
    StudentStatus.SUSPENDED: _l("Suspended"),
    StudentStatus.GRADUATED: _l("Graduated"),
    StudentStatus.WITHDRAWN: _l("Withdrawn"),
}
GENDER_LABELS = {"male": _l("Male"), "female": _l("Female")}


class TermForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=80)])
    start_date = DateField(_l("First day"), validators=[InputRequired()])
    end_date = DateField(_l("Last day"), validators=[InputRequired()])
    status = SelectField(_l("Status"), choices=[(k.value, v) for k, v in
                                                TERM_STATUS_LABELS.items()])
    notice_days = IntegerField(_l("Notice period (days)"), default=5,
                               validators=[InputRequired(), NumberRange(0, 30)])
    rule_version_id = SelectField(_l("Rules"), choices=[], validate_choice=False)
    club_indicator = StringField(
        _l("Indicator counting club memberships"), default="club.membership",
        validators=[Optional(), Length(max=80)],
        description=_l("e.g. club.membership; leave empty to not count memberships."))
    submit = SubmitField(_l("Save"))


class NameForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=80)])
    submit = SubmitField(_l("Add"))


class MajorForm(FlaskForm):
    department_id = SelectField(_l("Department"), choices=[], validate_choice=False)
    name = StringField(_l("Major"), validators=[DataRequired(), Length(max=80)])
    submit = SubmitField(_l("Add major"))


class ClassForm(FlaskForm):
    name = StringField(_l("Class name"), validators=[DataRequired(), Length(max=80)])
    grade = IntegerField(_l("Entry year"), validators=[InputRequired(), NumberRange(2000, 2100)])
    major_id = SelectField(_l("Major"), choices=[], validate_choice=False)
    submit = SubmitField(_l("Save"))


class StudentForm(FlaskForm):
    student_no = StringField(_l("Student number"), validators=[DataRequired(), Length(max=32)])
    name = StringField(_l("Full name"), validators=[DataRequired(), Length(max=80)])
    gender = SelectField(_l("Gender"), choices=list(GENDER_LABELS.items()))
    class_id = SelectField(_l("Class"), choices=[], validate_choice=False)
    status = SelectField(_l("Status"), choices=[(k.value, v) for k, v in
                                                STUDENT_STATUS_LABELS.items()])
    submit = SubmitField(_l("Save"))


class TeacherForm(FlaskForm):
    username = StringField(_l("Username"), validators=[DataRequired(), Length(max=64)],
                           render_kw={"autocapitalize": "none"})
    display_name = StringField(_l("Full name"), validators=[DataRequired(), Length(max=80)])
    submit = SubmitField(_l("Create account"))


class ClubForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=80)])
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=2000)])
    advisor_id = SelectField(_l("Advisor"), choices=[], validate_choice=False)
    submit = SubmitField(_l("Save"))


class MembershipForm(FlaskForm):
    student_no = StringField(_l("Student number"), validators=[DataRequired(), Length(max=32)])
    role = StringField(_l("Role in the club"), validators=[Optional(), Length(max=40)],
                       description=_l("e.g. 社长, 成员"))
    joined_on = DateField(_l("Joined on"), validators=[Optional()],
                          description=_l("Empty: the first day of the term."))
    submit = SubmitField(_l("Add member"))


class UploadForm(FlaskForm):
    file = FileField(_l("File (.xlsx or .csv)"), validators=[FileRequired()])
    submit = SubmitField(_l("Check the file"))


def club_import_form() -> UploadForm:
    """The club members' upload (on the clubs page and the import preview)."""
    return UploadForm(prefix="clubs")


class RuleSetForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=160)])
    file = FileField(_l("Upload a TOML file"))
    source = TextAreaField(_l("Or paste the rules (TOML)"), render_kw={"rows": 18,
                                                                       "spellcheck": "false"})
    comment = StringField(_l("What changed"), validators=[Optional(), Length(max=200)])
    submit = SubmitField(_l("Check and save"))


class RuleVersionForm(FlaskForm):
    file = FileField(_l("Upload a TOML file"))
    source = TextAreaField(_l("Rules (TOML)"), render_kw={"rows": 24, "spellcheck": "false"})
    comment = StringField(_l("What changed"), validators=[Optional(), Length(max=200)])
    submit = SubmitField(_l("Save as a new version"))


class WhatIfForm(FlaskForm):
    term_id = SelectField(_l("Term"), choices=[], validate_choice=False)
    source = TextAreaField(_l("Draft rules (TOML)"), render_kw={"rows": 18,
                                                               "spellcheck": "false"})
    submit = SubmitField(_l("Preview the effect"))
    adopt = SubmitField(_l("Adopt for this term"))
