"""Forms of the city office's pages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from werkzeug.datastructures import FileStorage
from wtforms import BooleanField, StringField, SubmitField
from wtforms.validators import DataRequired, Length

from ..models import School
from ..services.schools import SchoolInput


class SchoolForm(FlaskForm):
    code = StringField(_l("School code"), validators=[DataRequired(), Length(max=32)],
                       description=_l("Short, typed at login and in the school's address "
                                      "(/s/CODE/login), e.g. JSXY."),
                       render_kw={"autocapitalize": "characters"})
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])
    name_en = StringField(_l("English name"), validators=[Length(max=120)])
    address = StringField(_l("Address"), validators=[Length(max=200)])
    timezone = StringField(_l("Time zone"), default="Asia/Shanghai",
                           validators=[DataRequired(), Length(max=64)],
                           render_kw={"list": "zones"})
    logo = FileField(_l("Logo (PNG or JPEG, at most 200 kB)"))
    remove_logo = BooleanField(_l("Remove the logo"))
    submit = SubmitField(_l("Save"))

    def input(self) -> SchoolInput:
        return SchoolInput(code=self.code.data or "", name=self.name.data or "",
                           name_en=self.name_en.data or "", address=self.address.data or "",
                           timezone=(self.timezone.data or "").strip())


def school_form(school: School | None) -> SchoolForm:
    form = SchoolForm(obj=school) if school is not None else SchoolForm()
    if not isinstance(form.logo.data, FileStorage):  # obj= put the stored logo's bytes there
        form.logo.data = None
    if school is None or not school.logo_type:
        del form.remove_logo
    return form


class SchoolAdminForm(FlaskForm):
    username = StringField(_l("Username"), validators=[DataRequired(), Length(max=64)],
                           render_kw={"autocapitalize": "none"})
    display_name = StringField(_l("Name shown"), validators=[DataRequired(), Length(max=80)])
    submit = SubmitField(_l("Create the admin account"))


class EnterForm(FlaskForm):
    """Enter a school: to look (read-only) or to act as its admin."""
