"""Entry input: parsing and checking one scored event, the same for every way in — the entry
form, the class grid, the Excel import and appeal decisions."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation

from flask_babel import lazy_gettext as _l

from ..errors import ValidationFailed
from ..models import Term
from ..rules import RuleSet
from . import evidence
from .clock import (
    local_date,
    school_today,  # noqa: F401  (re-exported: callers import it from here)
)
from .rule_names import shown
from .scoring import term_rules

MAX_POINTS = Decimal(1000)
NOTE_MAX = 2000


# ---- small parsers shared by the form, the grid and the Excel import --------------------------

def parse_points(text) -> Decimal:
    """'2', '-1.5', '+3', '２' → Decimal with at most 2 places and |p| ≤ 1000; ValueError(msg)."""
    if isinstance(text, int | float | Decimal) and not isinstance(text, bool):
        raw = str(text)
    else:
        raw = unicodedata.normalize("NFKC", str(text or "")).strip().replace("−", "-")
    if not raw:
        raise ValueError(_l("Enter the points."))
    try:
        value = Decimal(raw)
    except InvalidOperation:
        raise ValueError(_l("Points must be a number such as 2, -1 or 0.5.")) from None
    if not value.is_finite():
        raise ValueError(_l("Points must be a number such as 2, -1 or 0.5."))
    if value != value.quantize(Decimal("0.01")) if abs(value) < 10**6 else True:
        if abs(value) >= 10**6:
            raise ValueError(_l("Points must be between -1000 and 1000."))
        raise ValueError(_l("At most two decimal places."))
    if abs(value) > MAX_POINTS:
        raise ValueError(_l("Points must be between -1000 and 1000."))
    return value.quantize(Decimal("0.01"))


def beyond_bounds(rules: RuleSet, indicator: str, points: Decimal):
    """Why one entry's points cannot be right for the indicator (None when they can be): the
    rules clamp an indicator's term subtotal to [min, max], so a single entry outside those
    bounds — a reward on a deductions-only indicator (max 0), say — is a typing mistake that the
    engine would silently cap."""
    ind = rules.indicator(indicator)
    if ind.max is not None and points > ind.max:
        if ind.max <= 0:
            return _l("This indicator records deductions only: enter a negative number.")
        return _l("At most %(max)s on this indicator in a term, so one entry cannot be more.",
                  max=f"{ind.max.normalize():f}")
    if ind.min is not None and points < ind.min:
        if ind.min >= 0:
            return _l("This indicator records additions only: enter a positive number.")
        return _l("At least %(min)s on this indicator in a term, so one entry cannot be less.",
                  min=f"{ind.min.normalize():f}")
    return None


def check_date(term: Term, day: date | None, today: date) -> str | None:
    """Why the date is not allowed (None when it is)."""
    if day is None:
        return _l("Enter the date it happened.")
    if day > today:
        return _l("The date cannot be in the future.")
    if day < term.start_date or day > term.end_date:
        return _l("The date must be within the term (%(start)s – %(end)s).",
                  start=local_date(term.start_date), end=local_date(term.end_date))
    return None


def rules_for(term: Term) -> RuleSet:
    rules = term_rules(term)
    if rules is None:
        raise ValidationFailed(_l("This term has no rules yet; ask the student affairs office."))
    return rules


def resolve_item(rules: RuleSet, value: str | None):
    """'moral.attendance|1' → (indicator key, Item) or None for no item; ValueError if bad."""
    if not value:
        return None
    key, _, index = value.partition("|")
    try:
        return key, rules.indicator(key).items[int(index)]
    except (KeyError, ValueError, IndexError):
        raise ValueError(_l("Choose an item from the list.")) from None


def item_value(rules: RuleSet | None, indicator: str, item_name: str) -> str:
    """The form value ("key|index") of the catalogue item an entry was recorded with, so an
    edit form shows it chosen and saving keeps it; "" when the rules no longer list it."""
    if rules is None or not item_name:
        return ""
    try:
        items = rules.indicator(indicator).items
    except KeyError:
        return ""
    return next((f"{indicator}|{n}" for n, item in enumerate(items) if item.name == item_name),
                "")


def indicator_labels(rules: RuleSet | None) -> dict[str, str]:
    """"dimension.indicator" → "思想品德 · 志愿服务": the one place an indicator's label is built."""
    if rules is None:
        return {}
    return {f"{d.key}.{i.key}": f"{shown(d)} · {shown(i)}"
            for d in rules.dimensions for i in d.indicators}


def indicator_label(rules: RuleSet | None, key: str) -> str:
    """The label of one indicator key (the key itself when the rules do not know it)."""
    return indicator_labels(rules).get(key, key)


@dataclass
class EntryInput:
    indicator: str
    points: str = ""
    occurred_on: date | None = None
    note: str = ""
    item: str = ""  # "key|index" of a catalogue item, or ""
    evidence: list = field(default_factory=list)  # [(bytes, filename)]


def validate_event(term: Term, rules: RuleSet, data: EntryInput, today: date, *,
                   points_required: bool = True):
    """(indicator, points, item name, note, files, errors): every check an event must pass,
    whichever way it comes in (form, grid, Excel import, appeal decision); nothing written.

    Without `points_required` (the grid, whose rows may carry their own points) an event
    with neither points nor an item gives points None instead of an error."""
    errors: dict[str, list] = {}
    indicator = (data.indicator or "").strip()
    if indicator not in rules.indicator_keys():
        errors.setdefault("indicator", []).append(_l("Choose an indicator from the list."))
    item_name = ""
    points = None
    try:
        item = resolve_item(rules, data.item)
    except ValueError as e:
        errors.setdefault("item", []).append(e.args[0])
        item = None
    if item is not None:
        if item[0] != indicator and "indicator" not in errors:
            errors.setdefault("item", []).append(
                _l("This item belongs to another indicator."))
        item_name = item[1].name
    if str(data.points or "").strip():
        try:
            points = parse_points(data.points)
        except ValueError as e:
            errors.setdefault("points", []).append(e.args[0])
    elif item is not None:
        points = item[1].points
    elif points_required:
        errors.setdefault("points", []).append(_l("Enter the points or choose an item."))
    if points is not None and points == 0 and "points" not in errors:
        errors.setdefault("points", []).append(_l("Points cannot be zero."))
    if points is not None and "points" not in errors and "indicator" not in errors:
        problem = beyond_bounds(rules, indicator, points)
        if problem:
            errors.setdefault("points", []).append(problem)
    problem = check_date(term, data.occurred_on, today)
    if problem:
        errors.setdefault("occurred_on", []).append(problem)
    note = (data.note or "").strip()
    if len(note) > NOTE_MAX:
        errors.setdefault("note", []).append(_l("At most %(n)d characters.", n=NOTE_MAX))
    files = []
    for content, filename in data.evidence:
        try:
            files.append(evidence.check_file(content, filename))
        except ValueError as e:
            errors.setdefault("evidence", []).append(e.args[0])
    return indicator, points, item_name, note, files, errors


