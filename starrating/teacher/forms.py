"""Forms of the teacher pages. Choices (students, indicators, items) are filled by the views."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired, MultipleFileField
from wtforms import (
    DateField,
    HiddenField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import Length, Optional

from ..rules import RuleSet


def indicator_choices(rules: RuleSet) -> dict:
    """Indicators grouped by dimension (rendered as <optgroup>s)."""
    return {d.name: [(f"{d.key}.{i.key}", i.name) for i in d.indicators]
            for d in rules.dimensions}


def item_choices(rules: RuleSet) -> dict:
    """Catalogue items grouped by indicator: value "dimension.indicator#index"."""
    out = {}
    for d in rules.dimensions:
        for i in d.indicators:
            if i.items:
                out[f"{d.name} · {i.name}"] = [
                    (f"{d.key}.{i.key}|{n}", f"{item.name} ({_signed(item.points)})",
                     {"data-points": f"{item.points.normalize():f}", "data-name": item.name,
                      "data-indicator": f"{d.key}.{i.key}"})
                    for n, item in enumerate(i.items)]
    return out


def _signed(points) -> str:
    text = f"{points.normalize():f}"
    return text if text.startswith("-") else f"+{text}"


def fill_rule_choices(form, rules: RuleSet | None) -> None:
    if rules is None:
        form.indicator.choices, form.item.choices = [], []
        return
    form.indicator.choices = {"": [("", _l("— choose —"))], **indicator_choices(rules)}
    form.item.choices = {"": [("", _l("— none: custom points —"))], **item_choices(rules)}


def fill_filter_choices(form, rules: RuleSet | None) -> None:
    form.dimension.choices = [("", _l("All dimensions"))] + (
        [(d.key, d.name) for d in rules.dimensions] if rules else [])
    form.indicator.choices = {"": [("", _l("All indicators"))],
                              **(indicator_choices(rules) if rules else {})}


def sanction_choices(names: dict) -> list[tuple[str, str]]:
    return [("", _l("— choose —"))] + [(k, str(v)) for k, v in names.items()]


class EntryFieldsMixin:
    indicator = SelectField(_l("Indicator"), choices=[], validate_choice=False)
    item = SelectField(_l("Item from the rules"), choices=[], validate_choice=False,
                       description=_l("Picking an item fills in its points; leave the points "
                                      "empty to use them."))
    points = StringField(_l("Points"), validators=[Optional(), Length(max=20)],
                         render_kw={"inputmode": "decimal", "autocomplete": "off"},
                         description=_l("Negative for deductions, e.g. -2; at most two "
                                        "decimals."))
    occurred_on = DateField(_l("Date"), validators=[Optional()])
    note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=2000)],
                         render_kw={"rows": 3})


class EntryForm(EntryFieldsMixin, FlaskForm):
    students = SelectMultipleField(_l("Students"), choices=[], validate_choice=False, coerce=str,
                                   description=_l("Hold Ctrl (or ⌘) to choose several."))
    evidence = MultipleFileField(_l("Evidence (JPG, PNG or PDF)"),
                                 render_kw={"accept": ".jpg,.jpeg,.png,.pdf,image/*,"
                                                      "application/pdf"})
    submit = SubmitField(_l("Save entry"))


class EditEntryForm(EntryFieldsMixin, FlaskForm):
    version = HiddenField()
    evidence = MultipleFileField(_l("Add evidence (JPG, PNG or PDF)"),
                                 render_kw={"accept": ".jpg,.jpeg,.png,.pdf,image/*,"
                                                      "application/pdf"})
    submit = SubmitField(_l("Save changes"))


class GridForm(EntryFieldsMixin, FlaskForm):
    points = StringField(_l("Points for ticked students"), validators=[Optional(), Length(max=20)],
                         render_kw={"inputmode": "decimal", "autocomplete": "off"})
    submit = SubmitField(_l("Save all"))


class DeleteForm(FlaskForm):
    version = HiddenField()
    submit = SubmitField(_l("Delete"))


class CommentForm(FlaskForm):
    comment = TextAreaField(_l("Class teacher's comment"),
                            validators=[Optional(), Length(max=2000)], render_kw={"rows": 4})
    submit = SubmitField(_l("Save comment"))


class UploadForm(FlaskForm):
    file = FileField(_l("Filled-in template (.xlsx)"), validators=[FileRequired()],
                     render_kw={"accept": ".xlsx,application/vnd.openxmlformats-"
                                          "officedocument.spreadsheetml.sheet"})
    submit = SubmitField(_l("Upload and preview"))


class FilterForm(FlaskForm):
    class Meta:
        csrf = False

    dimension = SelectField(_l("Dimension"), choices=[], validate_choice=False)
    indicator = SelectField(_l("Indicator"), choices=[], validate_choice=False)
    date_from = DateField(_l("From"), validators=[Optional()])
    date_to = DateField(_l("To"), validators=[Optional()])
    submit = SubmitField(_l("Filter"))


class FlagForm(FlaskForm):
    student_no = StringField(_l("Student number"), validators=[Length(max=32)])
    key = SelectField(_l("Sanction"), choices=[], validate_choice=False)
    start_date = DateField(_l("From"), validators=[Optional()])
    end_date = DateField(_l("Until (optional)"), validators=[Optional()])
    note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=2000)],
                         render_kw={"rows": 2})
    submit = SubmitField(_l("Record sanction"))
