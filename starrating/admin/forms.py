"""Forms of the admin pages, and the helpers that build them with the admin's choices
(services/admin_reads.py: the admin's school only)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    DateField,
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from ..models import (
    Club,
    Role,
    RuleSetVersion,
    SchoolClass,
    Student,
    StudentStatus,
    Term,
    TermStatus,
    User,
)
from ..services import admin_reads as reads

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
    StudentStatus.TRANSFERRED: _l("Transferred"),
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


EXPORT_KIND_LABELS = {"xlsx": _l("Workbook (Excel)"), "cards": _l("Report cards (PDF, zip)"),
                      "cards_pdf": _l("Class report cards, one PDF to print")}
LANG_LABELS = [("zh", _l("Chinese")), ("en", _l("English"))]


class ExportForm(FlaskForm):
    term_id = HiddenField()
    kind = SelectField(_l("Export"), choices=list(EXPORT_KIND_LABELS.items()))
    scope = SelectField(_l("Scope"), choices=[], validate_choice=False)
    lang = SelectField(_l("Card language"), choices=LANG_LABELS)
    students = StringField(_l("Only these students (merged PDF of a class)"),
                           validators=[Optional(), Length(max=2000)],
                           description=_l("学号 separated by commas or spaces; empty: the "
                                          "whole class."))
    submit = SubmitField(_l("Start export"))


class PasswordResetForm(FlaskForm):
    """A class's initial passwords: whose to reset (chosen explicitly, no default)."""

    who = SelectField(_l("Reset the initial passwords of"), choices=[
        ("", _l("— choose —")),
        ("not_logged_in", _l("students who have not logged in yet")),
        ("all", _l("all students of the class (their current passwords stop working)"))],
        validators=[DataRequired()])
    submit = SubmitField(_l("Reset and download the slip"))


# ---- building the forms with the admin's choices --------------------------------------------

def term_form(actor: User, term: Term | None) -> TermForm:
    form = TermForm(obj=term)
    form.rule_version_id.choices = reads.version_choices(actor)
    if not form.is_submitted() and term is not None:
        form.rule_version_id.data = str(term.rule_version_id or "")
        form.status.data = term.status.value
    return form


def department_forms(actor: User) -> tuple[NameForm, MajorForm]:
    major_form = MajorForm(prefix="major")
    major_form.department_id.choices = reads.department_choices(actor)
    return NameForm(prefix="dept"), major_form


def class_form(actor: User, school_class: SchoolClass | None = None) -> ClassForm:
    form = ClassForm(obj=school_class)
    form.major_id.choices = reads.major_choices(actor)
    if not form.is_submitted() and school_class is not None:
        form.major_id.data = str(school_class.major_id)
    return form


def student_form(actor: User, student: Student) -> StudentForm:
    form = StudentForm(obj=student)
    form.class_id.choices = reads.class_choices(actor)
    if not form.is_submitted():
        form.class_id.data = str(student.class_id)
        form.gender.data = student.gender.value
        form.status.data = student.status.value
    return form


def club_form(actor: User, club: Club | None = None, prefix: str = "") -> ClubForm:
    form = ClubForm(obj=club, prefix=prefix)
    form.advisor_id.choices = [("", _l("(none)"))] + reads.teacher_choices(actor)
    if not form.is_submitted() and club is not None:
        form.advisor_id.data = str(club.advisor_id or "")
    return form


def club_detail_forms(actor: User, club: Club) -> tuple[ClubForm, MembershipForm]:
    return club_form(actor, club, prefix="club"), MembershipForm(prefix="member")


def rule_version_form(versions: list) -> RuleVersionForm:
    """A new version's form, holding the latest version's text to start from."""
    form = RuleVersionForm()
    if not form.is_submitted() and versions:
        form.source.data = versions[0][0].source
    return form


def what_if_form(actor: User, term: Term | None, version: RuleSetVersion | None) -> WhatIfForm:
    """The what-if form: the term's terms to choose from; on a first visit the draft is the
    named version's text, else the term's current rules."""
    form = WhatIfForm()
    form.term_id.choices = [(str(t.id), t.name) for t in reads.term_choices(actor)]
    if form.is_submitted():
        return form
    if version is not None:
        form.source.data = version.source
    elif term is not None and term.rule_version is not None:
        form.source.data = term.rule_version.source
    if term is not None:
        form.term_id.data = str(term.id)
    return form


def export_form(actor: User, term: Term | None, classes: list) -> ExportForm:
    form = ExportForm(term_id=term.id if term else "")
    school = [("school", _l("Whole school"))] if actor.role == Role.ADMIN else []
    form.scope.choices = school + [(str(c.id), c.name) for c in classes]
    return form
