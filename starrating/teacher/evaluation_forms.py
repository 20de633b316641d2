"""Forms of the class teacher's evaluation pages: their ratings of a class, class officers,
and deciding proposals."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField, SelectMultipleField, StringField, SubmitField
from wtforms.validators import Length, Optional


def class_ratings_form(page):
    """One field per student and dimension ("cell-<student>-<dimension>") and a comment per
    student ("comment-<student>"), filled with the teacher's ratings so far."""

    class ClassRatingsForm(FlaskForm):
        submit = SubmitField(_l("Save my ratings"))

    for row in page.rows:
        for dim in page.dimensions:
            setattr(ClassRatingsForm, f"cell-{row.student.id}-{dim.id}", StringField(
                dim.name, default=row.teacher.get(dim.id, ""),
                render_kw={"inputmode": "numeric", "autocomplete": "off"}))
        setattr(ClassRatingsForm, f"comment-{row.student.id}", StringField(
            _l("My comment"), default=row.teacher_comment,
            validators=[Optional(), Length(max=500)], render_kw={"class": "comment"}))
    return ClassRatingsForm()


def ratings_of(form, page) -> tuple[dict, dict]:
    scores = {(row.student.id, dim.id): form[f"cell-{row.student.id}-{dim.id}"].data or ""
              for row in page.rows for dim in page.dimensions}
    comments = {row.student.id: form[f"comment-{row.student.id}"].data or "" for row in page.rows}
    return scores, comments


class OfficerForm(FlaskForm):
    student = SelectField(_l("Student"), choices=[], validate_choice=False)
    title = StringField(_l("Title (e.g. 劳动委员)"), validators=[Optional(), Length(max=40)])
    indicators = SelectMultipleField(_l("May propose entries on"), choices=[],
                                     validate_choice=False)
    submit = SubmitField(_l("Save officer"))


def officer_form(page) -> OfficerForm:
    form = OfficerForm()
    form.student.choices = [("", _l("— choose —"))] + [(str(s.id), f"{s.student_no} {s.name}")
                                                      for s in page.students]
    form.indicators.choices = list(page.labels.items())
    return form


class DecideForm(FlaskForm):
    """Accept, reject, remove: the class the page was of comes back for the redirect only."""
    class_id = HiddenField()
    reason = StringField(_l("Reason"), validators=[Optional(), Length(max=500)])
