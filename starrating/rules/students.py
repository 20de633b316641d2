"""STUDENTS.json in, results JSON out: the file side of ``flask rules eval``.

Points are read with ``parse_float=Decimal`` / ``parse_int=Decimal`` so their exact
value is checked: a JSON number (not a string or boolean) that is a multiple of 0.01.
Extra keys on a student or an entry (``name``, ``date``, ``note``, ``evidence`` …) are
ignored. A student ``id`` may be a string or a whole JSON number (kept as its text).
Every problem is reported, one per line, naming the student id (or its index when the
id itself is missing) and the entry index, both 0-based.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

from .engine import StudentInput, StudentResult, evaluate
from .model import RuleSet
from .numbers import round_score
from .parse import is_cent_multiple


class StudentsInputError(ValueError):
    """STUDENTS.json was refused; ``errors`` lists every problem found."""

    def __init__(self, errors: list[str]):
        self.errors = list(errors)
        super().__init__("\n".join(self.errors))


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a valid number")


def aggregate_entries(entries: Iterable[tuple[str, Decimal]]) -> dict[str, Decimal]:
    """Sum points per indicator key, as the app does in SQL."""
    totals: dict[str, Decimal] = {}
    get = totals.get
    for key, points in entries:
        totals[key] = get(key, 0) + points
    return totals


def parse_students_json(text: str | bytes, ruleset: RuleSet) -> list[StudentInput]:
    """Parse STUDENTS.json into per-indicator totals; raise StudentsInputError on any problem."""
    try:
        doc = json.loads(text, parse_float=Decimal, parse_int=Decimal, parse_constant=_refuse_constant)
    except UnicodeDecodeError as exc:
        raise StudentsInputError([f"students file: not valid UTF-8 text ({exc.reason})"]) from None
    except ValueError as exc:
        raise StudentsInputError([f"students file: not valid JSON: {exc}"]) from None
    except RecursionError:
        raise StudentsInputError(["students file: not readable: nested too deeply"]) from None
    if not isinstance(doc, dict) or not isinstance(doc.get("students"), list):
        raise StudentsInputError(['students file: must be an object {"students": [...]}'])
    known = set(ruleset.indicator_keys())
    errors: list[str] = []
    out: list[StudentInput] = []
    seen: dict[str, int] = {}
    for i, raw in enumerate(doc["students"]):
        if not isinstance(raw, dict):
            errors.append(f"student {i}: must be an object")
            continue
        sid = raw.get("id")
        if isinstance(sid, Decimal) and sid == sid.to_integral_value():
            sid = str(int(sid))
        if not isinstance(sid, str) or not sid.strip():
            errors.append(f"student {i}: missing id (a non-empty string)")
            label = f"student {i}"
            sid = None
        else:
            label = f"student {sid}"
            if sid in seen:
                errors.append(f"{label}: duplicate id (students {seen[sid]} and {i})")
            else:
                seen[sid] = i
        n_errors = len(errors)
        group = {}
        for field in ("class", "grade"):
            value = raw.get(field)
            if not isinstance(value, str) or not value.strip():
                errors.append(f"{label}: missing {field} (a non-empty string)")
            group[field] = value
        flags = raw.get("flags", [])
        if not isinstance(flags, list) or not all(isinstance(f, str) for f in flags):
            errors.append(f"{label}: flags must be a list of strings")
            flags = []
        entries = raw.get("entries", [])
        if not isinstance(entries, list):
            errors.append(f"{label}: entries must be a list")
            entries = []
        pairs = []
        for j, entry in enumerate(entries):
            where = f"{label} entry {j}"
            if not isinstance(entry, dict):
                errors.append(f"{where}: must be an object with indicator and points")
                continue
            key = entry.get("indicator")
            if not isinstance(key, str):
                errors.append(f"{where}: missing indicator")
            elif key not in known:
                errors.append(f"{where}: unknown indicator {key!r}")
            points = entry.get("points")
            if "points" not in entry:
                errors.append(f"{where}: missing points")
            elif not isinstance(points, Decimal) or not points.is_finite():
                errors.append(f"{where}: points must be a JSON number, got {json.dumps(points, default=str)}")
            elif not is_cent_multiple(points):
                errors.append(f"{where}: points {points} is not a multiple of 0.01")
            else:
                pairs.append((key, points))
        if len(errors) == n_errors and sid is not None:
            out.append(StudentInput(sid, group["class"], group["grade"], frozenset(flags), aggregate_entries(pairs)))
    if errors:
        raise StudentsInputError(errors)
    return out


def _num(value: Decimal) -> float:
    return float(round_score(value))


def result_to_json(res: StudentResult, lang: str | None = "zh") -> dict:
    """One student's output object; ``lang=None`` leaves out ``explain``."""
    exact = res.exact_overall_score
    out = {
        "id": res.id,
        "dimensions": {k: {"score": _num(r.score), "stars": r.stars} for k, r in res.dimensions.items()},
        "overall": {
            "score": None if exact is None else float(round_score(exact)),
            "stars": res.overall_stars,
        },
        "titles": list(res.titles),
    }
    if lang is not None:
        out["explain"] = res.explain(lang)
    return out


def results_to_json(results: Sequence[StudentResult], lang: str | None = "zh") -> dict:
    """The ``eval`` output: scores rounded half up to 2 places; input order kept."""
    return {"students": [result_to_json(r, lang) for r in results]}


def evaluate_json(rules: RuleSet, students_text: str | bytes, lang: str | None = "zh") -> dict:
    """Parse STUDENTS.json, evaluate, and return the output document."""
    return results_to_json(evaluate(rules, parse_students_json(students_text, rules)), lang)
