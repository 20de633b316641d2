"""Forms of the teacher pages, their choices (indicators, items, students, sanctions) and the
service inputs read from them."""

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
from ..services.class_pages import EntryFilter, default_entry_date
from ..services.entries import GridInput, GridRow
from ..services.entry_input import EntryInput, indicator_labels, item_value
from ..services.quick_events import QuickEventInput
from ..services.rule_names import shown
from ..services.scoring import term_rules


def indicator_choices(rules: RuleSet) -> dict:
    """Indicators grouped by dimension (rendered as <optgroup>s); each option carries the
    words its type-ahead finds it by (teacher.js)."""
    return {shown(d): [(f"{d.key}.{i.key}", shown(i), {"data-search": search_words(d, i)})
                       for i in d.indicators]
            for d in rules.dimensions}


def search_words(dimension, indicator) -> str:
    """What finds an indicator as one types, in either language: its name and English name,
    its dimension's, its key and its catalogue items' names ("值", "labour", "迟到")."""
    words = [dimension.name, dimension.name_en, indicator.name, indicator.name_en,
             f"{dimension.key}.{indicator.key}"]
    for item in indicator.items:
        words += [item.name, item.name_en]
    return " ".join(w for w in words if w).lower()


def item_choices(rules: RuleSet) -> dict:
    """Catalogue items grouped by indicator: value "dimension.indicator|index"."""
    out = {}
    labels = indicator_labels(rules)
    for d in rules.dimensions:
        for i in d.indicators:
            if i.items:
                out[labels[f"{d.key}.{i.key}"]] = [
                    (f"{d.key}.{i.key}|{n}", f"{shown(item)} ({_signed(item.points)})",
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
    # Rendered as a checklist of checkboxes named "students" (teacher/_student_checklist.html).
    students = SelectMultipleField(_l("Students"), choices=[], validate_choice=False, coerce=str)
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


class CellErrors:
    """The errors of one grid cell ("row-<student id>") or of the rows as a whole ("rows")."""

    def __init__(self):
        self.errors: list = []


class GridForm(EntryFieldsMixin, FlaskForm):
    points = StringField(_l("Points for ticked students"), validators=[Optional(), Length(max=20)],
                         render_kw={"inputmode": "decimal", "autocomplete": "off"})
    submit = SubmitField(_l("Save all"))

    def __getattr__(self, name):
        # The grid's cells are not WTForms fields; their errors still go beside them.
        if name == "rows" or name.startswith("row-"):
            return vars(self).setdefault("_cells", {}).setdefault(name, CellErrors())
        raise AttributeError(name)

    def cell_errors(self) -> dict[str, list]:
        return {name: cell.errors for name, cell in vars(self).get("_cells", {}).items()}


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
    deleted = HiddenField()
    submit = SubmitField(_l("Filter"))


class FlagForm(FlaskForm):
    student_no = StringField(_l("Student number"), validators=[Length(max=32)])
    key = SelectField(_l("Sanction"), choices=[], validate_choice=False)
    start_date = DateField(_l("From"), validators=[Optional()])
    end_date = DateField(_l("Until (optional)"), validators=[Optional()])
    note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=2000)],
                         render_kw={"rows": 2})
    submit = SubmitField(_l("Record sanction"))


# ---- building the forms and reading them back ----------------------------------------------

def new_entry_form(term, args) -> EntryForm:
    """The new-entry form; on GET with the default date and the student of ?student=."""
    form = EntryForm()
    if not form.is_submitted():
        form.occurred_on.data = default_entry_date(term)
        if args.get("student"):
            form.students.data = [args["student"]]
    return form


def edit_entry_form(entry) -> EditEntryForm:
    """The edit form, filled from the stored entry (a GET) or from the request (a POST)."""
    if entry is None:
        return EditEntryForm()
    item = item_value(term_rules(entry.term), entry.indicator, entry.item_name)
    return EditEntryForm(data={"indicator": entry.indicator, "points": f"{entry.points}",
                               "item": item, "note": entry.note,
                               "occurred_on": entry.occurred_on, "version": str(entry.version)})


def grid_form(term) -> GridForm:
    form = GridForm()
    if not form.is_submitted():
        form.occurred_on.data = default_entry_date(term)
    return form


def student_ids(form) -> list[int]:
    return [int(x) for x in form.students.data or [] if str(x).isdigit()]


def entry_input(form) -> EntryInput:
    files = [(f.read(), f.filename) for f in (form.evidence.data or [])
             if f and getattr(f, "filename", "")]
    return EntryInput(indicator=form.indicator.data or "", points=form.points.data or "",
                      occurred_on=form.occurred_on.data, note=form.note.data or "",
                      item=form.item.data or "", evidence=files)


def grid_rows(values) -> list[GridRow]:
    """The grid's cells and ticks as sent (request.form), one GridRow per student id seen."""
    cells = {int(name[5:]): value for name, value in values.items()
             if name.startswith("cell-") and name[5:].isdigit()}
    ticked = {int(v) for v in values.getlist("tick") if v.isdigit()}
    return [GridRow(student_id=sid, ticked=sid in ticked, points=cells.get(sid, ""))
            for sid in sorted(cells.keys() | ticked)]


def grid_input(form, rows: list[GridRow]) -> GridInput:
    return GridInput(indicator=form.indicator.data or "", occurred_on=form.occurred_on.data,
                     note=form.note.data or "", item=form.item.data or "",
                     points=form.points.data or "", rows=rows)


def filter_form(args, rules: RuleSet | None) -> FilterForm:
    """The student page's filter, from the query string (invalid dates are ignored)."""
    form = FilterForm(args)
    fill_filter_choices(form, rules)
    form.validate()
    return form


def entry_filter(form: FilterForm) -> EntryFilter:
    return EntryFilter(dimension=form.dimension.data or "", indicator=form.indicator.data or "",
                       date_from=form.date_from.data, date_to=form.date_to.data,
                       deleted=form.deleted.data == "1")


def flag_form(names: dict) -> FlagForm:
    form = FlagForm()
    form.key.choices = sanction_choices(names)
    return form


# ---- quick events of a class (area: phones) ------------------------------------------------

class QuickEventForm(EntryFieldsMixin, FlaskForm):
    label = StringField(_l("Name on the button"), validators=[Length(max=40)],
                        render_kw={"autocomplete": "off", "placeholder": "值日 +2"})
    points = StringField(_l("Points"), validators=[Optional(), Length(max=20)],
                         render_kw={"inputmode": "decimal", "autocomplete": "off"},
                         description=_l("Leave empty to use the item's points."))
    submit = SubmitField(_l("Save quick event"))


class QuickRecordForm(FlaskForm):
    """The one-tap button of the entry form: posts the form's ticked students."""
    students = SelectMultipleField(_l("Students"), choices=[], validate_choice=False, coerce=str)


def quick_event_input(form) -> QuickEventInput:
    return QuickEventInput(label=form.label.data or "", indicator=form.indicator.data or "",
                           item=form.item.data or "", points=form.points.data or "",
                           note=form.note.data or "")


# ---- today's absentees (area: finish13) ----------------------------------------------------

class AbsenceForm(FlaskForm):
    """The checklist's "mark the ticked students absent today" button: posts the entry form's
    ticked students."""
    students = SelectMultipleField(_l("Students"), choices=[], validate_choice=False, coerce=str)
