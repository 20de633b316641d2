"""The structured rule editor (细则 as forms): a rule document (the plain dict a TOML rule file
reads as) to and from TOML text, and saving it as a new version.

The editor never validates on its own: it writes the document as TOML and hands the text to
the same `rulesets.parse_source` / `add_version` as the TOML editor, so a structured edit is
refused for exactly the same reasons, with the same field paths (`dimensions[0].weight`),
and nothing is stored. Comments of the TOML text are not kept (a document has none).
"""

from __future__ import annotations

import json
import re
import tomllib
from decimal import Decimal

from ..models import RuleSetVersion, User
from . import rulesets

_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+\Z")
# The order keys are written in, per table (others follow in their own order).
_ORDER = {
    "top": ("name", "name_en", "max_stars"),
    "dimension": ("key", "name", "name_en", "base", "max", "weight", "thresholds", "quota",
                  "quota_scope"),
    "indicator": ("key", "name", "name_en", "min", "max", "items"),
    "overall": ("method", "thresholds", "require", "quota", "quota_scope"),
    "cap": ("name", "name_en", "flag", "indicator", "below", "overall_max", "dimension",
            "max_stars", "score"),
    "title": ("name", "name_en", "overall_at_least", "dimension", "at_least"),
}


def doc_from_source(source: str) -> dict:
    """The rule document of a TOML text (numbers as exact Decimals); {} when it cannot be read."""
    try:
        return tomllib.loads(source or "", parse_float=Decimal)
    except (tomllib.TOMLDecodeError, RecursionError):
        return {}


def toml_from_doc(doc: dict) -> str:
    """The document as TOML text: top-level keys, then [[dimensions]] with their
    [[dimensions.indicators]], [overall], [[caps]] and [[titles]]. Whatever the document
    holds is written (a wrong kind of value too), so that the parser names the problem."""
    out: list[str] = []
    _keys(out, doc, _ORDER["top"], skip=("dimensions", "overall", "caps", "titles"))
    for dim in _tables(doc.get("dimensions")):
        out += ["", "[[dimensions]]"]
        _keys(out, dim, _ORDER["dimension"], skip=("indicators",))
        for ind in _tables(dim.get("indicators")):
            out += ["", "  [[dimensions.indicators]]"]
            _keys(out, ind, _ORDER["indicator"], indent="  ")
    if isinstance(doc.get("overall"), dict):
        out += ["", "[overall]"]
        _keys(out, doc["overall"], _ORDER["overall"])
    for kind, key in (("cap", "caps"), ("title", "titles")):
        for table in _tables(doc.get(key)):
            out += ["", f"[[{key}]]"]
            _keys(out, table, _ORDER[kind])
    return "\n".join(out).lstrip("\n") + "\n"


def _tables(value) -> list[dict]:
    return [t for t in value if isinstance(t, dict)] if isinstance(value, list) else []


def _keys(out: list[str], table: dict, order: tuple[str, ...], skip=(), indent="") -> None:
    keys = [k for k in order if k in table] + [k for k in table if k not in order]
    for key in keys:
        if key in skip:
            continue
        value = table[key]
        if key == "items" and isinstance(value, list) and value:
            out.append(f"{indent}{_key(key)} = [")
            out += [f"{indent}  {_value(item)}," for item in value]
            out.append(f"{indent}]")
        else:
            out.append(f"{indent}{_key(key)} = {_value(value)}")


def _key(key) -> str:
    key = str(key)
    return key if _BARE_KEY.match(key) else json.dumps(key, ensure_ascii=False)


def _value(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, Decimal):
        return format(value, "f") if value.is_finite() else json.dumps(str(value))
    if isinstance(value, dict):
        inner = ", ".join(f"{_key(k)} = {_value(v)}" for k, v in value.items())
        return "{ " + inner + " }" if inner else "{}"
    if isinstance(value, list):
        return "[ " + ", ".join(_value(v) for v in value) + " ]" if value else "[]"
    # JSON escapes a string the way a TOML basic string expects (quotes, backslashes, control
    # characters as \uXXXX), so json.dumps writes a valid TOML string
    return json.dumps(str(value), ensure_ascii=False)


def save(actor: User, rule_set_id: int, doc: dict, comment: str = "") -> RuleSetVersion:
    """Save the edited document as a new version of the rule set: written as TOML and checked
    by the same parser as a TOML edit (RulesInvalid with every field path, nothing stored)."""
    return rulesets.add_version(actor, rule_set_id, toml_from_doc(doc), comment)
