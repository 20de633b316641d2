"""Rule-file problems in the reader's words: where (by the names a clerk knows, and the line
of the TOML text), and what is wrong, in Chinese or English.

The rule engine (starrating.rules, pure Python) keeps its contract: every problem is a field
path (0-based) and an English reason, which `flask rules check` prints. The admin pages show
the same problems through `describe`: each English reason is matched against the engine's
message forms (MESSAGES, one per form the engine writes; tests/rules/test_rule_messages.py
feeds the engine broken files and fails on a reason no form matches), and the path becomes
"第 1 个维度『思想品德』的权重" with the line the key is on.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass

from flask_babel import gettext
from flask_babel import lazy_gettext as _l

from ..rules import RuleError

# (pattern of the engine's English reason, the reason in the reader's words). Groups are
# passed to the words by name.
MESSAGES: list[tuple[re.Pattern, object]] = [(re.compile(p + r"\Z"), words) for p, words in [
    (r"must be a table, got (?P<got>.+)", _l("must be a table, not %(got)s")),
    (r"unknown key '(?P<key>[^']*)' \(allowed: (?P<allowed>.*)\)",
     _l("“%(key)s” is not a known key here (allowed: %(allowed)s)")),
    (r"missing required key", _l("is required but missing")),
    (r"must be text, got (?P<got>.+)", _l("must be text, not %(got)s")),
    (r"must be a number, got (?P<got>.+)", _l("must be a number, not %(got)s")),
    (r"must be a list, got (?P<got>.+)", _l("must be a list, not %(got)s")),
    (r"must not be empty", _l("must not be empty")),
    (r"must be a whole number of stars, got (?P<got>.+)",
     _l("must be a whole number of stars, not %(got)s")),
    (r"(?P<n>-?\d+) is outside (?P<low>\d+)\.\.(?P<high>\d+)",
     _l("%(n)s is outside %(low)s–%(high)s")),
    (r"(?P<got>.+) is not one of (?P<options>.+)", _l("%(got)s is not one of: %(options)s")),
    (r"has two conditions: give either (?P<options>.+)",
     _l("has two conditions; give only one: %(options)s")),
    (r"has no condition: give (?P<options>.+)", _l("has no condition; give %(options)s")),
    (r"missing: (?P<a>\w+) and (?P<b>\w+) go together",
     _l("is missing: %(a)s and %(b)s go together")),
    (r"must be a table of star level = value, got (?P<got>.+)",
     _l("must be a table of star level = value, not %(got)s")),
    (r"'(?P<level>[^']*)' is not a star level \(a whole number 1\.\.(?P<max>\d+)\)",
     _l("“%(level)s” is not a star level (a whole number 1–%(max)s)")),
    (r"level (?P<level>\d+) is outside 1\.\.(?P<max>\d+)",
     _l("level %(level)s is outside 1–%(max)s")),
    (r"level (?P<level>\d+) is given twice", _l("level %(level)s is given twice")),
    (r"quota (?P<q>\S+) % is outside \(0, 100\]",
     _l("a quota of %(q)s %% is outside 0–100 %% (more than 0)")),
    (r"(?P<hi>\S+) is not above the level (?P<level>\d+) threshold (?P<lo>\S+): thresholds must "
     r"strictly increase with the level",
     _l("%(hi)s is not above the %(level)s-star threshold %(lo)s: thresholds must rise with "
        "the level")),
    (r"too long: (?P<n>[\d,]+) characters, at most (?P<max>[\d,]+)",
     _l("the file is too long: %(n)s characters, at most %(max)s")),
    (r"not valid UTF-8 text \((?P<why>.*)\)", _l("the file is not UTF-8 text")),
    (r"nested too deeply to be read", _l("the file is nested too deeply to be read")),
    (r"not valid TOML: (?P<why>.*?)(?: \(at line (?P<line>\d+), column (?P<col>\d+)\))?",
     _l("the text is not valid TOML (%(why)s)")),
    (r"not valid JSON: (?P<why>.*)", _l("the text is not valid JSON (%(why)s)")),
    (r"lists and tables are nested more than (?P<n>\d+) levels deep",
     _l("lists and tables are nested more than %(n)s levels deep")),
    (r"a number has more than (?P<n>\d+) digits", _l("a number has more than %(n)s digits")),
    (r"the file must hold a table, got (?P<got>.+)",
     _l("the file must hold a table, not %(got)s")),
    (r"has (?P<n>\d+) dimensions; a rule set needs 1 to (?P<max>\d+)",
     _l("has %(n)s dimensions; a rule set needs 1 to %(max)s")),
    (r"'(?P<key>[^']*)' must start with a-z and hold only a-z, 0-9 and _",
     _l("“%(key)s” must start with a letter a–z and hold only a–z, 0–9 and _")),
    (r"duplicate dimension key '(?P<key>[^']*)' \(also dimensions\[(?P<i>\d+)\]\)",
     _l("the key “%(key)s” is already used by dimension %(other)s")),
    (r"(?P<n>\S+) must be greater than 0", _l("%(n)s must be greater than 0")),
    (r"(?P<n>\S+) is outside \[0, max\] = \[0, (?P<max>\S+)\]",
     _l("%(n)s is outside 0–%(max)s (the dimension's maximum)")),
    (r"(?P<n>\S+) must not be negative", _l("%(n)s must not be negative")),
    (r"duplicate indicator key '(?P<key>[^']*)' in this dimension \(also indicators\[(?P<i>\d+)\]\)",
     _l("the key “%(key)s” is already used by indicator %(other)s of this dimension")),
    (r"min (?P<lo>\S+) is greater than max (?P<hi>\S+)",
     _l("the minimum %(lo)s is greater than the maximum %(hi)s")),
    (r"(?P<n>\S+) is not a multiple of 0\.01", _l("%(n)s has more than two decimal places")),
    (r"missing required table \[overall\]", _l("the table [overall] is required but missing")),
    (r"missing required key \(needed by method '(?P<method>[^']*)'\)",
     _l("is required by the method “%(method)s” but missing")),
    (r"a quota cannot be used with method 'min_stars' \(it has no score to rank by\)",
     _l("a quota cannot be used with the method min_stars (it has no score to rank by)")),
    (r"a quota scope cannot be used with method 'min_stars' \(it has no quota\)",
     _l("a quota scope cannot be used with the method min_stars (it has no quota)")),
    (r"every weight is 0, so the weighted overall score cannot be formed",
     _l("every weight is 0, so the weighted overall score cannot be formed")),
    (r"'(?P<ind>[^']*)' is not a known indicator \(write it as dimension\.indicator\)",
     _l("“%(ind)s” is not a known indicator (write it as dimension.indicator)")),
    (r"has two effects: give either overall_max, or dimension with max_stars or score",
     _l("has two effects; give either overall_max, or dimension with max_stars or score")),
    (r"has no effect: give overall_max, or dimension with max_stars or score",
     _l("has no effect; give overall_max, or dimension with max_stars or score")),
    (r"missing: max_stars and score need the dimension they apply to",
     _l("is missing: max_stars and score need the dimension they apply to")),
    (r"gives both max_stars and score: a dimension effect takes exactly one",
     _l("gives both max_stars and score; a dimension effect takes exactly one")),
    (r"dimension needs exactly one of max_stars and score",
     _l("a dimension effect needs exactly one of max_stars and score")),
    (r"'(?P<dim>[^']*)' is not a known dimension", _l("“%(dim)s” is not a known dimension")),
    (r"(?P<n>\S+) is outside the dimension's \[0, max\] = \[0, (?P<max>\S+)\]",
     _l("%(n)s is outside the dimension's 0–%(max)s")),
]]

# The engine's words for a wrong kind of value ("got a boolean").
GOT = [(re.compile(p + r"\Z"), words) for p, words in [
    (r"a boolean", _l("true/false")), (r"a table", _l("a table")), (r"a list", _l("a list")),
    (r"not a finite number", _l("not a finite number")),
    (r"the text '(?P<text>.*)'", _l("the text “%(text)s”")),
]]

# What each key is called, for the location line.
KEYS = {
    "name": _l("name"), "key": _l("key"), "weight": _l("weight"), "base": _l("base score"),
    "max": _l("maximum"), "min": _l("minimum"), "thresholds": _l("thresholds"),
    "quota": _l("quota"), "quota_scope": _l("quota scope"), "method": _l("method"),
    "points": _l("points"), "items": _l("items"), "indicators": _l("indicators"),
    "max_stars": _l("highest star level"), "overall_max": _l("overall stars at most"),
    "dimension": _l("dimension"), "indicator": _l("indicator"), "below": _l("below"),
    "score": _l("score"), "flag": _l("sanction"), "require": _l("requirements"),
    "stars": _l("stars"), "overall_at_least": _l("overall stars at least"),
    "at_least": _l("stars at least"), "all_dimensions_at_least": _l("every dimension at least"),
    "dimensions": _l("dimensions"), "overall": _l("overall"), "caps": _l("caps"),
    "titles": _l("titles"), "name_en": _l("English name"),
}
ARRAYS = {
    "dimensions": _l("dimension %(n)d"), "indicators": _l("indicator %(n)d"),
    "items": _l("item %(n)d"), "caps": _l("cap %(n)d"), "titles": _l("title %(n)d"),
    "require": _l("requirement %(n)d"),
}
SEGMENT = re.compile(r"(?P<key>[A-Za-z_][\w]*)(?:\[(?P<i>\d+)\])?|(?P<level>\d+)")


@dataclass
class RuleProblem:
    """One problem as the admin pages show it."""

    path: str  # the engine's field path, kept for the CLI's and the expert's sake
    where: str  # the location in words, with the names from the file
    message: str  # the reason in the reader's language
    line: int | None = None  # the line of the TOML text the key is on


def reason(message: str) -> str:
    """The engine's English reason in the reader's words (unchanged when no form matches)."""
    for pattern, words in MESSAGES:
        match = pattern.match(message)
        if match:
            values = {k: _got(v) if k == "got" else (v or "") for k, v in
                      match.groupdict().items()}
            if "i" in values:
                values["other"] = str(int(values["i"]) + 1)
            return str(words) % values
    return message


def _got(text: str | None) -> str:
    for pattern, words in GOT:
        match = pattern.match(text or "")
        if match:
            return str(words) % match.groupdict()
    return text or ""


def where(path: str, doc: dict | None) -> str:
    """'dimensions[0].weight' → "第 1 个维度『思想品德』 › 权重" (names from the parsed file)."""
    if not path or path == "(file)":
        return gettext("the file")
    parts, node = [], doc if isinstance(doc, dict) else None
    for segment in path.split("."):
        match = SEGMENT.fullmatch(segment)
        if match is None:
            parts.append(segment)
            node = None
            continue
        key, index = match.group("key"), match.group("i")
        if match.group("level"):
            parts.append(gettext("level %(n)s", n=match.group("level")))
            node = None
            continue
        child = node.get(key) if isinstance(node, dict) else None
        if index is not None and key in ARRAYS:
            n = int(index)
            node = child[n] if isinstance(child, list) and n < len(child) else None
            label = str(ARRAYS[key]) % {"n": n + 1}
            name = node.get("name") if isinstance(node, dict) else None
            parts.append(f"{label}『{name}』" if isinstance(name, str) and name else label)
        else:
            node = child
            parts.append(str(KEYS.get(key, key)))
    return " › ".join(parts)


TABLE = re.compile(r"^\s*(\[\[?)\s*([A-Za-z0-9_.\s]+?)\s*\]\]?\s*(?:#.*)?$")
ASSIGN = re.compile(r"^\s*([A-Za-z0-9_]+)\s*=")


def lines_of(source: str) -> dict[str, int]:
    """Field path → line number (1-based) of every table header and key in a TOML text."""
    counts: dict[str, int] = {}  # array path → entries so far
    current: dict[str, str] = {}  # header name → its path with indices
    table = ""
    found: dict[str, int] = {}
    for number, line in enumerate(source.splitlines(), 1):
        header = TABLE.match(line)
        if header:
            name = re.sub(r"\s+", "", header.group(2))
            parent, _, last = name.rpartition(".")
            base = current.get(parent, parent) if parent else ""
            joined = f"{base}.{last}" if base else last
            if header.group(1) == "[[":
                counts[joined] = counts.get(joined, -1) + 1
                table = f"{joined}[{counts[joined]}]"
            else:
                table = joined
            current[name] = table
            found.setdefault(table, number)
            continue
        assign = ASSIGN.match(line)
        if assign:
            found.setdefault(f"{table}.{assign.group(1)}" if table else assign.group(1), number)
    return found


def line_for(path: str, lines: dict[str, int], message: str = "") -> int | None:
    """The line of the path, or of its nearest parent that has one; a TOML syntax error
    carries its own line."""
    syntax = re.search(r"\(at line (\d+), column \d+\)", message)
    if syntax:
        return int(syntax.group(1))
    while path:
        if path in lines:
            return lines[path]
        path = path.rpartition(".")[0] if "." in path else ""
    return None


def describe(errors: list[RuleError], source: str = "", fmt: str = "toml") -> list[RuleProblem]:
    """The engine's problems as the admin pages show them."""
    try:
        doc = tomllib.loads(source) if fmt == "toml" and source else None
    except (tomllib.TOMLDecodeError, RecursionError, ValueError):
        doc = None
    lines = lines_of(source) if fmt == "toml" else {}
    return [RuleProblem(path=e.path, where=where(e.path, doc), message=reason(e.message),
                        line=line_for(e.path, lines, e.message)) for e in errors]
