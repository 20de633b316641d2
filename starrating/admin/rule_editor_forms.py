"""The structured rule editor's forms: one WTForms form per rule table, rows added and removed
by plain submit buttons (no JavaScript), and the translation between the posted form and a
rule document (the dict a TOML rule file reads as; see services/rule_editor.py).

Every value is posted as text and put in the document as a number where it reads as one, as
text otherwise, and left out when empty: the rule parser then refuses it with its field path,
and `place_errors` puts each refusal beside the field of that path.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from flask import request
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import FieldList, Form, FormField, SelectField, StringField, SubmitField
from wtforms.validators import Length, Optional

from ..errors import ValidationFailed
from ..services import rule_editor

_INT = re.compile(r"[+-]?[0-9]+\Z")
_LEVEL_PAIR = re.compile(r"\s*([^=,]*?)\s*=\s*([^,]*?)\s*(?:,|\Z)")


def _text(label, **kw):
    return StringField(label, validators=[Optional(), Length(max=200)], **kw)


class ItemForm(Form):
    name = _text(_l("Item"))
    name_en = _text(_l("English name"))
    points = _text(_l("Points"))


class IndicatorForm(Form):
    key = _text(_l("Key"))
    name = _text(_l("Name"))
    name_en = _text(_l("English name"))
    min = _text(_l("Lowest subtotal"))
    max = _text(_l("Highest subtotal"))
    items = FieldList(FormField(ItemForm))


SCOPES = [("", _l("class (default)")), ("class", _l("class")), ("grade", _l("grade")),
          ("school", _l("school"))]
LEVELS_HELP = _l("Star level = value, e.g. 5 = 95, 4 = 85")


class DimensionForm(Form):
    key = _text(_l("Key"))
    name = _text(_l("Name"))
    name_en = _text(_l("English name"))
    base = _text(_l("Base score"))
    max = _text(_l("Maximum score"))
    weight = _text(_l("Weight"))
    thresholds = _text(_l("Star thresholds"), description=LEVELS_HELP)
    quota = _text(_l("Quota (%)"), description=_l("Star level = percent, e.g. 5 = 10"))
    quota_scope = SelectField(_l("Quota counts among"), choices=SCOPES, validate_choice=False)
    indicators = FieldList(FormField(IndicatorForm))


class RequireForm(Form):
    stars = _text(_l("Overall stars"))
    all_dimensions_at_least = _text(_l("need every dimension at least"))


class OverallForm(Form):
    method = SelectField(_l("Method"), validate_choice=False, choices=[
        ("weighted", _l("weighted score")), ("star_sum", _l("sum of the dimension stars")),
        ("min_stars", _l("lowest dimension stars"))])
    thresholds = _text(_l("Star thresholds"), description=LEVELS_HELP)
    quota = _text(_l("Quota (%)"), description=_l("Star level = percent, e.g. 5 = 10"))
    quota_scope = SelectField(_l("Quota counts among"), choices=SCOPES, validate_choice=False)
    require = FieldList(FormField(RequireForm))


class CapForm(Form):
    name = _text(_l("Name"))
    name_en = _text(_l("English name"))
    flag = _text(_l("If the student has the flag"))
    indicator = _text(_l("or if the indicator (dimension.indicator)"))
    below = _text(_l("totals below"))
    overall_max = _text(_l("then overall stars at most"))
    dimension = _text(_l("or in the dimension (key)"))
    max_stars = _text(_l("stars at most"))
    score = _text(_l("or the score set to"))


class TitleForm(Form):
    name = _text(_l("Name"))
    name_en = _text(_l("English name"))
    overall_at_least = _text(_l("Overall stars at least"))
    dimension = _text(_l("or the dimension (key)"))
    at_least = _text(_l("at least stars"))


class RuleEditorForm(FlaskForm):
    name = _text(_l("Name of the rules"))
    name_en = _text(_l("English name"))
    max_stars = _text(_l("Highest star level"))
    dimensions = FieldList(FormField(DimensionForm))
    overall = FormField(OverallForm)
    caps = FieldList(FormField(CapForm))
    titles = FieldList(FormField(TitleForm))
    comment = StringField(_l("What changed"), validators=[Optional(), Length(max=200)])
    save = SubmitField(_l("Check and save as a new version"))


# -- the document, to and from the form --------------------------------------------------

_SCALARS = {
    "top": ("name", "name_en", "max_stars"),
    "dimension": ("key", "name", "name_en", "base", "max", "weight", "quota_scope"),
    "indicator": ("key", "name", "name_en", "min", "max"),
    "item": ("name", "name_en", "points"),
    "overall": ("method", "quota_scope"),
    "require": ("stars", "all_dimensions_at_least"),
    "cap": ("name", "name_en", "flag", "indicator", "below", "overall_max", "dimension",
            "max_stars", "score"),
    "title": ("name", "name_en", "overall_at_least", "dimension", "at_least"),
}
_TEXT_KEYS = {"key", "name", "name_en", "flag", "indicator", "dimension", "method", "quota_scope"}
_LEVEL_KEYS = ("thresholds", "quota")


def _shown(value) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return format(value, "f")
    return str(value)


def _levels_text(value) -> str:
    if not isinstance(value, dict):
        return _shown(value)
    return ", ".join(f"{k} = {_shown(v)}" for k, v in value.items())


def _scalars_to_form(kind: str, table: dict) -> dict:
    out = {k: _shown(table.get(k)) for k in _SCALARS[kind]}
    for key in _LEVEL_KEYS:
        if kind in ("dimension", "overall"):
            out[key] = _levels_text(table.get(key))
    return out


def _rows(value) -> list[dict]:
    return [t for t in value if isinstance(t, dict)] if isinstance(value, list) else []


def form_data(doc: dict) -> dict:
    """The form's data (for `RuleEditorForm(formdata=None, data=…)`) of a rule document."""
    data = _scalars_to_form("top", doc)
    data["dimensions"] = []
    for dim in _rows(doc.get("dimensions")):
        row = _scalars_to_form("dimension", dim)
        row["indicators"] = []
        for ind in _rows(dim.get("indicators")):
            irow = _scalars_to_form("indicator", ind)
            irow["items"] = [_scalars_to_form("item", it) for it in _rows(ind.get("items"))]
            row["indicators"].append(irow)
        data["dimensions"].append(row)
    overall = doc.get("overall") if isinstance(doc.get("overall"), dict) else {}
    data["overall"] = _scalars_to_form("overall", overall)
    data["overall"]["method"] = data["overall"]["method"] or "weighted"
    data["overall"]["require"] = [_scalars_to_form("require", r) for r in _rows(overall.get("require"))]
    data["caps"] = [_scalars_to_form("cap", c) for c in _rows(doc.get("caps"))]
    data["titles"] = [_scalars_to_form("title", t) for t in _rows(doc.get("titles"))]
    return data


def _number_or_text(text: str):
    if _INT.match(text):
        return int(text)
    try:
        value = Decimal(text)
    except InvalidOperation:
        return text
    return value if value.is_finite() else text


def _levels(text: str):
    """`5 = 95, 4 = 85` → {"5": 95, "4": 85}; a piece without "=" is kept for the parser to refuse."""
    out: dict = {}
    for piece in (p.strip() for p in text.split(",")):
        if not piece:
            continue
        level, sep, value = piece.partition("=")
        level, value = level.strip(), value.strip()
        out[level if sep else piece] = _number_or_text(value) if sep else ""
    return out


def _table(kind: str, data: dict) -> dict:
    out: dict = {}
    for key in _SCALARS[kind]:
        text = (data.get(key) or "").strip()
        if not text:
            continue
        out[key] = text if key in _TEXT_KEYS else _number_or_text(text)
    if kind in ("dimension", "overall"):
        for key in _LEVEL_KEYS:
            text = (data.get(key) or "").strip()
            if text:
                out[key] = _levels(text)
    return out


def doc_from_form(form: RuleEditorForm) -> dict:
    """The rule document the posted form describes (in the order of the form's rows)."""
    doc = _table("top", form.data)
    doc["dimensions"] = []
    for dim in form.dimensions.data:
        table = _table("dimension", dim)
        indicators = []
        for ind in dim["indicators"]:
            itable = _table("indicator", ind)
            items = [_table("item", it) for it in ind["items"]]
            if items:
                itable["items"] = items
            indicators.append(itable)
        if indicators:
            table["indicators"] = indicators
        doc["dimensions"].append(table)
    overall = form.overall.data
    doc["overall"] = _table("overall", overall)
    if overall["require"]:
        doc["overall"]["require"] = [_table("require", r) for r in overall["require"]]
    for key, kind in (("caps", "cap"), ("titles", "title")):
        rows = [_table(kind, r) for r in form.data[key]]
        if rows:
            doc[key] = rows
    return doc


# -- add and remove rows ------------------------------------------------------------------

_LISTS = {"dimensions": {"indicators": []}, "indicators": {"items": []}, "items": {},
          "require": {}, "caps": {}, "titles": {}}
_OP = re.compile(r"(add|remove):([a-z_]+(?:-[0-9]+-[a-z_]+)*)(?:-([0-9]+))?\Z")


def apply_row_op(data: dict, op: str) -> bool:
    """Add a row to, or remove one from, the form data: `add:dimensions-0-indicators`,
    `remove:caps-2`. False when the operation names nothing."""
    match = _OP.match(op or "")
    if not match:
        return False
    verb, path, index = match.groups()
    parts = path.split("-")
    target = data
    for i in range(0, len(parts) - 1, 2):
        key, n = parts[i], int(parts[i + 1])
        rows = target.get(key) if isinstance(target, dict) else None
        if not isinstance(rows, list) or n >= len(rows):
            return False
        target = rows[n]
    rows = target.get(parts[-1]) if isinstance(target, dict) else None
    if parts[-1] == "require" and rows is None and isinstance(target.get("overall"), dict):
        rows = target["overall"].get("require")
    if not isinstance(rows, list) or parts[-1] not in _LISTS:
        return False
    if verb == "add":
        rows.append(dict(_LISTS[parts[-1]]) if parts[-1] != "dimensions" else {"indicators": []})
        return True
    if index is None or int(index) >= len(rows):
        return False
    del rows[int(index)]
    return True


# -- errors beside their fields ---------------------------------------------------------

def _field_name(path: str) -> str:
    """`dimensions[0].indicators[1].min` → `dimensions-0-indicators-1-min`."""
    return re.sub(r"\[([0-9]+)\]", r"-\1", path).replace(".", "-")


def place_errors(form: RuleEditorForm, rule_errors) -> tuple[dict[str, list[str]], list]:
    """Each rule error by the field its path names ({field name: [messages]}; a level of a
    table on the table's field, a row's own problem on the row), and those naming no field."""
    names = set(_all_names(form))
    by_field: dict[str, list[str]] = {}
    unplaced = []
    for error in rule_errors:
        name = _field_name(error.path or "")
        while name and name not in names:
            name = name.rpartition("-")[0]
        if name:
            by_field.setdefault(name, []).append(error.message)
        else:
            unplaced.append(error)
    return by_field, unplaced


def _all_names(field):
    """The names of every field and row of the form, however deep."""
    if isinstance(field, FormField):
        children = list(field.form)
    elif isinstance(field, FieldList):
        children = list(field.entries)
    elif isinstance(field, FlaskForm | Form):
        children = list(field)
    else:
        children = []
    for sub in children:
        yield sub.name
        yield from _all_names(sub)


# -- the page's form and its refusals ---------------------------------------------------

def editor_form(versions: list) -> tuple[RuleEditorForm, bool]:
    """The editor's form and whether a row was added or removed (then the page is shown
    again, nothing saved). A first visit starts from the latest version's text."""
    form = RuleEditorForm()
    if not form.is_submitted():
        doc = rule_editor.doc_from_source(versions[0][0].source) if versions else {}
        return RuleEditorForm(formdata=None, data=form_data(doc)), False
    op = request.form.get("op")
    if not op:
        return form, False
    data = form_data(doc_from_form(form))
    apply_row_op(data, op)
    moved = RuleEditorForm(formdata=None, data=data)
    moved.comment.data = form.comment.data
    return moved, True


class EditorProblems:
    """The rule errors of a refused save: by field (`fields`) and those naming none (`unplaced`)."""

    def __init__(self, form: RuleEditorForm):
        self.form = form
        self.fields: dict[str, list[str]] = {}
        self.unplaced: list = []

    def __len__(self) -> int:
        return sum(map(len, self.fields.values())) + len(self.unplaced)

    def checked(self, run):
        def action():
            try:
                return run()
            except ValidationFailed as error:
                rule_errors = getattr(error, "rule_errors", [])
                if rule_errors:
                    self.fields, self.unplaced = place_errors(self.form, rule_errors)
                    error.errors.pop("source", None)
                    error.message = None  # the page says how many, beside the fields
                raise
        return action
