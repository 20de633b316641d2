"""Parse a rule file (TOML or JSON) into a :class:`RuleSet`, reporting every problem.

Paths use dots for keys and 0-based ``[i]`` for list items, e.g.
``dimensions[1].thresholds.4`` or ``caps[0].score``. A file that cannot be read at all
gives a single error with the path ``(file)``.

Choices where rules.md is silent:

* the top-level ``name`` is optional (default empty);
* a dimension's ``indicators`` may be missing (no indicators);
* ``overall.thresholds`` given with ``min_stars`` is checked but not used;
* numbers are parsed as exact decimals (``parse_float=Decimal``); star counts and levels
  must be whole numbers; ``inf``/``nan`` and booleans are refused wherever a number is due;
* the "all weights 0" problem is reported on ``dimensions``.

A hostile file is refused on ``(file)`` before it is parsed, so that no parser runs out of
stack: more than ``MAX_RULE_CHARS`` characters, lists and tables nested more than
``MAX_NESTING`` deep, or a number of more than ``MAX_NUMBER_DIGITS`` digits (``_refusal``).
"""

from __future__ import annotations

import json
import re
import tomllib
from decimal import Decimal
from typing import Any

from .model import (
    METHODS,
    QUOTA_SCOPES,
    Cap,
    Dimension,
    Indicator,
    Item,
    Overall,
    Requirement,
    RuleError,
    RuleSet,
    RuleValidationError,
    Title,
)

KEY_RE = re.compile(r"[a-z][a-z0-9_]*\Z")
LEVEL_RE = re.compile(r"[0-9]+\Z")
MAX_DIMENSIONS = 12
# Limits on the text itself; the bundled default has 10,300 characters, nesting 2 and
# 3-digit numbers.
MAX_RULE_CHARS = 200_000
MAX_NESTING = 16
MAX_NUMBER_DIGITS = 40
# What the scan before parsing stops at: string and comment openings, brackets, digit runs.
_TOKENS = {
    "toml": re.compile(r"'''|" + r'"""' + r"""|["'#\[\]{}]|[0-9][0-9_]*"""),
    "json": re.compile(r'["\[\]{}]|[0-9]+'),
}

_TOP_KEYS = {"name_en", "name", "max_stars", "dimensions", "overall", "caps", "titles"}
_DIM_KEYS = {"name_en", "key", "name", "base", "max", "weight", "thresholds", "quota", "quota_scope", "indicators"}
_IND_KEYS = {"name_en", "key", "name", "min", "max", "items"}
_ITEM_KEYS = {"name_en", "name", "points"}
_OVERALL_KEYS = {"method", "thresholds", "require", "quota", "quota_scope"}
_REQ_KEYS = {"stars", "all_dimensions_at_least"}
_CAP_KEYS = {"name_en", "name", "flag", "indicator", "below", "overall_max", "dimension", "max_stars", "score"}
_TITLE_KEYS = {"name_en", "name", "overall_at_least", "dimension", "at_least"}

_MISSING = object()


def is_number(value: Any) -> bool:
    """True for a finite int or Decimal (booleans and floats are not rule numbers)."""
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return True
    return isinstance(value, Decimal) and value.is_finite()


def is_cent_multiple(value: int | Decimal) -> bool:
    """True when the exact value is a multiple of 0.01 (no rounding involved)."""
    if isinstance(value, int):
        return True
    _sign, digits, exp = value.as_tuple()
    if exp >= -2:
        return True
    return not any(digits[-(-2 - exp):])


def _type_name(value: Any) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, str):
        return f"the text {value!r}"
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, float):
        return "not a finite number"
    if isinstance(value, Decimal):
        return "not a finite number"
    return f"a {type(value).__name__}"


class _Checker:
    """Walks the raw document, collecting errors instead of raising."""

    def __init__(self) -> None:
        self.errors: list[RuleError] = []
        self.max_stars = 5

    def err(self, path: str, message: str) -> None:
        self.errors.append(RuleError(path, message))

    # -- typed getters: return the value, or None after reporting --------------------

    def table(self, value: Any, path: str, allowed: set[str]) -> dict | None:
        if not isinstance(value, dict):
            self.err(path, f"must be a table, got {_type_name(value)}")
            return None
        for key in value:
            if key not in allowed:
                self.err(_join(path, key), f"unknown key {key!r} (allowed: {', '.join(sorted(allowed))})")
        return value

    def present(self, raw: dict, key: str, path: str, required: bool) -> Any:
        """The value at `key`, or _MISSING (reported when the key is required)."""
        value = raw.get(key, _MISSING)
        if value is _MISSING and required:
            self.err(_join(path, key), "missing required key")
        return value

    def typed(self, raw: dict, key: str, path: str, required: bool, ok, kind: str) -> Any:
        """The value at `key` when `ok(value)`, else None after reporting (missing or wrong kind)."""
        value = self.present(raw, key, path, required)
        if value is _MISSING:
            return None
        if not ok(value):
            self.err(_join(path, key), f"must be {kind}, got {_type_name(value)}")
            return None
        return value

    def string(self, raw: dict, key: str, path: str, required: bool = False) -> str | None:
        value = self.typed(raw, key, path, required, lambda v: isinstance(v, str), "text")
        if value is not None and not value.strip():
            self.err(_join(path, key), "must not be empty")
            return None
        return value

    def number(self, raw: dict, key: str, path: str, required: bool = False) -> Decimal | None:
        value = self.typed(raw, key, path, required, is_number, "a number")
        return None if value is None else Decimal(value)

    def stars(self, raw: dict, key: str, path: str, low: int, required: bool = False) -> int | None:
        """A star count or level: a whole number in low..max_stars."""
        value = self.present(raw, key, path, required)
        if value is _MISSING:
            return None
        p = _join(path, key)
        if not is_number(value) or value != int(value):
            self.err(p, f"must be a whole number of stars, got {_type_name(value) if not is_number(value) else value}")
            return None
        n = int(value)
        if not low <= n <= self.max_stars:
            self.err(p, f"{n} is outside {low}..{self.max_stars}")
            return None
        return n

    def choice(self, raw: dict, key: str, path: str, options: tuple[str, ...], default: str) -> str:
        value = raw.get(key, _MISSING)
        if value is _MISSING:
            return default
        if value not in options or not isinstance(value, str):
            shown = repr(value) if isinstance(value, str) else _type_name(value)
            self.err(_join(path, key), f"{shown} is not one of {', '.join(options)}")
            return default
        return value

    def array(self, raw: dict, key: str, path: str, required: bool = False) -> list | None:
        return self.typed(raw, key, path, required, lambda v: isinstance(v, list), "a list")

    def one_condition(self, raw: dict, path: str, single: str, pair: tuple[str, str]) -> None:
        """Exactly one condition: the key `single`, or the two keys of `pair` together."""
        first, second = pair
        has_single = single in raw
        has_pair = first in raw or second in raw
        options = f"{single}, or {first} with {second}"
        if has_single and has_pair:
            self.err(path, f"has two conditions: give either {options}")
        elif not has_single and not has_pair:
            self.err(path, f"has no condition: give {options}")
        elif has_pair and (first not in raw or second not in raw):
            missing = second if first in raw else first
            self.err(_join(path, missing), f"missing: {first} and {second} go together")

    def levels(self, raw: dict, key: str, path: str, kind: str) -> dict[int, Decimal] | None:
        """A level table ``{level = value}``; kind is "thresholds" or "quota"."""
        value = raw.get(key, _MISSING)
        p = _join(path, key)
        if value is _MISSING:
            return None
        if not isinstance(value, dict):
            self.err(p, f"must be a table of star level = value, got {_type_name(value)}")
            return None
        out: dict[int, Decimal] = {}
        for level_text, v in value.items():
            lp = _join(p, str(level_text))
            level_str = str(level_text)
            if not LEVEL_RE.match(level_str):
                self.err(lp, f"{level_str!r} is not a star level (a whole number 1..{self.max_stars})")
                continue
            level = int(level_str)
            if not 1 <= level <= self.max_stars:
                self.err(lp, f"level {level} is outside 1..{self.max_stars}")
                continue
            if level in out:
                self.err(lp, f"level {level} is given twice")
                continue
            if not is_number(v):
                self.err(lp, f"must be a number, got {_type_name(v)}")
                continue
            d = Decimal(v)
            if kind == "quota" and not 0 < d <= 100:
                self.err(lp, f"quota {d} % is outside (0, 100]")
                continue
            out[level] = d
        if kind == "thresholds":
            ordered = sorted(out.items())
            for (lo_level, lo_value), (hi_level, hi_value) in zip(ordered, ordered[1:], strict=False):
                if hi_value <= lo_value:
                    self.err(
                        _join(p, str(hi_level)),
                        f"{hi_value} is not above the level {lo_level} threshold {lo_value}: "
                        "thresholds must strictly increase with the level",
                    )
        return dict(sorted(out.items(), reverse=True))


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _file_error(message: str) -> RuleValidationError:
    return RuleValidationError([RuleError("(file)", message)])


def _read(text: str | bytes, fmt: str) -> Any:
    if fmt not in _TOKENS:
        raise ValueError(f"unknown rule format {fmt!r}: use 'toml' or 'json'")
    if len(text) > 4 * MAX_RULE_CHARS:  # bytes: too long whatever they decode to
        raise _file_error(_too_long(len(text)))
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise _file_error(f"not valid UTF-8 text ({exc.reason} at byte {exc.start})") from None
    refusal = _refusal(text, fmt)
    if refusal:
        raise _file_error(refusal)
    try:
        if fmt == "toml":
            return tomllib.loads(text, parse_float=Decimal)
        return json.loads(text, parse_float=Decimal, parse_constant=_refuse_constant)
    except RecursionError:  # the scan refuses what could get here; never a traceback
        raise _file_error("nested too deeply to be read") from None
    except ValueError as exc:  # TOMLDecodeError and JSONDecodeError are ValueErrors
        raise _file_error(f"not valid {fmt.upper()}: {exc}") from None


def _too_long(n: int) -> str:
    return f"too long: {n:,} characters, at most {MAX_RULE_CHARS:,}"


def _refusal(text: str, fmt: str) -> str | None:
    """Why the text is refused before it is parsed (too long, nested too deep, a number too
    long), or None. One pass; what stands in strings and comments does not count."""
    if len(text) > MAX_RULE_CHARS:
        return _too_long(len(text))
    depth = 0
    pos = 0
    tokens = _TOKENS[fmt]
    while (m := tokens.search(text, pos)) is not None:
        token = m.group()
        pos = m.end()
        if token in ("[", "{"):
            depth += 1
            if depth > MAX_NESTING:
                return f"lists and tables are nested more than {MAX_NESTING} levels deep"
        elif token in ("]", "}"):
            depth = max(depth - 1, 0)
        elif token == "#":
            newline = text.find("\n", pos)
            pos = len(text) if newline < 0 else newline
        elif token[0] in "\"'":
            pos = _string_end(text, pos, token)
        elif len(token.replace("_", "")) > MAX_NUMBER_DIGITS:
            return f"a number has more than {MAX_NUMBER_DIGITS} digits"
    return None


def _string_end(text: str, start: int, quote: str) -> int:
    """Where the string opened by `quote` just before `start` ends; a single-line string
    left open ends with its line (the parser then says what is wrong)."""
    multiline = len(quote) == 3
    while True:
        end = text.find(quote, start)
        if not multiline:
            newline = text.find("\n", start, len(text) if end < 0 else end)
            if newline >= 0:
                return newline
        if end < 0:
            return len(text)
        backslashes = 0
        while quote[0] == '"' and text[end - 1 - backslashes] == "\\":
            backslashes += 1
        if backslashes % 2 == 0:
            return end + len(quote)
        start = end + 1


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number allowed in a rule file")


def load_rules(text: str | bytes, fmt: str = "toml") -> RuleSet:
    """Parse and validate a rule file; raise RuleValidationError listing every problem."""
    doc = _read(text, fmt)
    c = _Checker()
    top = c.table(doc, "", _TOP_KEYS)
    if top is None:
        raise RuleValidationError([RuleError("(file)", f"the file must hold a table, got {_type_name(doc)}")])

    name = c.string(top, "name", "") or ""
    name_en = c.string(top, "name_en", "")
    if "max_stars" in top:
        c.max_stars = 10
        ms = c.stars(top, "max_stars", "", 1)
        c.max_stars = ms if ms is not None else 10
    max_stars = c.max_stars

    dims = _dimensions(c, top)
    overall = _overall(c, top, dims)
    caps = _caps(c, top, dims)
    titles = _titles(c, top, dims)

    if c.errors:
        raise RuleValidationError(c.errors)
    return RuleSet(name=name, max_stars=max_stars, dimensions=tuple(dims), overall=overall, caps=caps, titles=titles,
                   name_en=name_en)


def _dimensions(c: _Checker, top: dict) -> list[Dimension]:
    raw_dims = c.array(top, "dimensions", "", required=True)
    if raw_dims is None:
        return []
    if not 1 <= len(raw_dims) <= MAX_DIMENSIONS:
        c.err("dimensions", f"has {len(raw_dims)} dimensions; a rule set needs 1 to {MAX_DIMENSIONS}")
    dims: list[Dimension] = []
    seen: dict[str, int] = {}
    for i, raw in enumerate(raw_dims):
        p = f"dimensions[{i}]"
        d = c.table(raw, p, _DIM_KEYS)
        if d is None:
            continue
        key = c.string(d, "key", p, required=True)
        if key is not None:
            if not KEY_RE.match(key):
                c.err(f"{p}.key", f"{key!r} must start with a-z and hold only a-z, 0-9 and _")
            elif key in seen:
                c.err(f"{p}.key", f"duplicate dimension key {key!r} (also dimensions[{seen[key]}])")
            else:
                seen[key] = i
        dname = c.string(d, "name", p, required=True)
        dname_en = c.string(d, "name_en", p)
        base = c.number(d, "base", p, required=True)
        dmax = c.number(d, "max", p, required=True)
        if dmax is not None and dmax <= 0:
            c.err(f"{p}.max", f"{dmax} must be greater than 0")
            dmax = None
        if base is not None and dmax is not None and not 0 <= base <= dmax:
            c.err(f"{p}.base", f"{base} is outside [0, max] = [0, {dmax}]")
        elif base is not None and base < 0:
            c.err(f"{p}.base", f"{base} must not be negative")
        weight = c.number(d, "weight", p)
        if weight is not None and weight < 0:
            c.err(f"{p}.weight", f"{weight} must not be negative")
        if "thresholds" not in d:
            c.err(f"{p}.thresholds", "missing required key")
        thresholds = c.levels(d, "thresholds", p, "thresholds")
        quota = c.levels(d, "quota", p, "quota")
        scope = c.choice(d, "quota_scope", p, QUOTA_SCOPES, "class")
        indicators = _indicators(c, d, p)
        if key is None or dname is None or base is None or dmax is None:
            continue
        dims.append(
            Dimension(
                key=key,
                name=dname,
                base=base,
                max=dmax,
                weight=Decimal(1) if weight is None else weight,
                thresholds=thresholds or {},
                quota=quota or {},
                quota_scope=scope,
                indicators=tuple(indicators),
                name_en=dname_en,
            )
        )
    return dims


def _indicators(c: _Checker, d: dict, p: str) -> list[Indicator]:
    raw_inds = c.array(d, "indicators", p)
    out: list[Indicator] = []
    seen: dict[str, int] = {}
    for j, raw in enumerate(raw_inds or []):
        ip = f"{p}.indicators[{j}]"
        ind = c.table(raw, ip, _IND_KEYS)
        if ind is None:
            continue
        key = c.string(ind, "key", ip, required=True)
        if key is not None:
            if not KEY_RE.match(key):
                c.err(f"{ip}.key", f"{key!r} must start with a-z and hold only a-z, 0-9 and _")
                key = None
            elif key in seen:
                c.err(f"{ip}.key", f"duplicate indicator key {key!r} in this dimension (also indicators[{seen[key]}])")
                key = None
            else:
                seen[key] = j
        iname = c.string(ind, "name", ip, required=True)
        iname_en = c.string(ind, "name_en", ip)
        lo = c.number(ind, "min", ip)
        hi = c.number(ind, "max", ip)
        if lo is not None and hi is not None and lo > hi:
            c.err(f"{ip}.min", f"min {lo} is greater than max {hi}")
        items = _items(c, ind, ip)
        if key is not None and iname is not None:
            out.append(Indicator(key=key, name=iname, min=lo, max=hi, items=tuple(items),
                                 name_en=iname_en))
    return out


def _items(c: _Checker, ind: dict, ip: str) -> list[Item]:
    raw_items = c.array(ind, "items", ip)
    out: list[Item] = []
    for k, raw in enumerate(raw_items or []):
        kp = f"{ip}.items[{k}]"
        it = c.table(raw, kp, _ITEM_KEYS)
        if it is None:
            continue
        iname = c.string(it, "name", kp, required=True)
        iname_en = c.string(it, "name_en", kp)
        points = c.number(it, "points", kp, required=True)
        if points is not None and not is_cent_multiple(points):
            c.err(f"{kp}.points", f"{points} is not a multiple of 0.01")
            points = None
        if iname is not None and points is not None:
            out.append(Item(iname, points, iname_en))
    return out


def _overall(c: _Checker, top: dict, dims: list[Dimension]) -> Overall:
    raw = top.get("overall", _MISSING)
    if raw is _MISSING:
        c.err("overall", "missing required table [overall]")
        return Overall()
    o = c.table(raw, "overall", _OVERALL_KEYS)
    if o is None:
        return Overall()
    method = c.choice(o, "method", "overall", METHODS, "weighted")
    if method != "min_stars" and "thresholds" not in o:
        c.err("overall.thresholds", f"missing required key (needed by method {method!r})")
    thresholds = c.levels(o, "thresholds", "overall", "thresholds") or {}
    require: list[Requirement] = []
    for i, r in enumerate(c.array(o, "require", "overall") or []):
        rp = f"overall.require[{i}]"
        rt = c.table(r, rp, _REQ_KEYS)
        if rt is None:
            continue
        stars = c.stars(rt, "stars", rp, 1, required=True)
        least = c.stars(rt, "all_dimensions_at_least", rp, 0, required=True)
        if stars is not None and least is not None:
            require.append(Requirement(stars, least))
    quota = c.levels(o, "quota", "overall", "quota") or {}
    if method == "min_stars":
        if "quota" in o:
            c.err("overall.quota", "a quota cannot be used with method 'min_stars' (it has no score to rank by)")
        if "quota_scope" in o:
            c.err("overall.quota_scope", "a quota scope cannot be used with method 'min_stars' (it has no quota)")
    scope = c.choice(o, "quota_scope", "overall", QUOTA_SCOPES, "class")
    if method == "weighted" and dims and all(d.weight == 0 for d in dims):
        c.err("dimensions", "every weight is 0, so the weighted overall score cannot be formed")
    return Overall(method=method, thresholds=thresholds, require=tuple(require), quota=quota, quota_scope=scope)


def _caps(c: _Checker, top: dict, dims: list[Dimension]) -> tuple[Cap, ...]:
    by_key = {d.key: d for d in dims}
    indicator_keys = {f"{d.key}.{i.key}" for d in dims for i in d.indicators}
    out: list[Cap] = []
    for i, raw in enumerate(c.array(top, "caps", "") or []):
        p = f"caps[{i}]"
        cp = c.table(raw, p, _CAP_KEYS)
        if cp is None:
            continue
        n_errors = len(c.errors)
        name = c.string(cp, "name", p, required=True)
        name_en = c.string(cp, "name_en", p)
        c.one_condition(cp, p, "flag", ("indicator", "below"))
        flag = c.string(cp, "flag", p)
        indicator = c.string(cp, "indicator", p)
        if indicator is not None and indicator not in indicator_keys:
            c.err(f"{p}.indicator", f"{indicator!r} is not a known indicator (write it as dimension.indicator)")
        below = c.number(cp, "below", p)
        # effect: overall_max, or dimension + exactly one of max_stars / score
        has_overall = "overall_max" in cp
        has_dim = "dimension" in cp or "max_stars" in cp or "score" in cp
        if has_overall and has_dim:
            c.err(p, "has two effects: give either overall_max, or dimension with max_stars or score")
        elif not has_overall and not has_dim:
            c.err(p, "has no effect: give overall_max, or dimension with max_stars or score")
        elif has_dim:
            if "dimension" not in cp:
                c.err(f"{p}.dimension", "missing: max_stars and score need the dimension they apply to")
            if "max_stars" in cp and "score" in cp:
                c.err(p, "gives both max_stars and score: a dimension effect takes exactly one")
            elif "max_stars" not in cp and "score" not in cp:
                c.err(p, "dimension needs exactly one of max_stars and score")
        overall_max = c.stars(cp, "overall_max", p, 0)
        dimension = c.string(cp, "dimension", p)
        dim = None
        if dimension is not None:
            dim = by_key.get(dimension)
            if dim is None:
                c.err(f"{p}.dimension", f"{dimension!r} is not a known dimension")
        max_stars = c.stars(cp, "max_stars", p, 0)
        score = c.number(cp, "score", p)
        if score is not None and dim is not None and not 0 <= score <= dim.max:
            c.err(f"{p}.score", f"{score} is outside the dimension's [0, max] = [0, {dim.max}]")
        if len(c.errors) == n_errors and name is not None:
            out.append(Cap(name, flag, indicator, below, overall_max, dimension, max_stars, score, name_en))
    return tuple(out)


def _titles(c: _Checker, top: dict, dims: list[Dimension]) -> tuple[Title, ...]:
    keys = {d.key for d in dims}
    out: list[Title] = []
    for i, raw in enumerate(c.array(top, "titles", "") or []):
        p = f"titles[{i}]"
        t = c.table(raw, p, _TITLE_KEYS)
        if t is None:
            continue
        n_errors = len(c.errors)
        name = c.string(t, "name", p, required=True)
        name_en = c.string(t, "name_en", p)
        c.one_condition(t, p, "overall_at_least", ("dimension", "at_least"))
        overall_at_least = c.stars(t, "overall_at_least", p, 0)
        dimension = c.string(t, "dimension", p)
        if dimension is not None and dimension not in keys:
            c.err(f"{p}.dimension", f"{dimension!r} is not a known dimension")
        at_least = c.stars(t, "at_least", p, 0)
        if len(c.errors) == n_errors and name is not None:
            out.append(Title(name, overall_at_least, dimension, at_least, name_en))
    return tuple(out)
