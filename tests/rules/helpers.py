"""Helpers for the rule-engine tests: build rule sets from plain dicts, make students."""

from __future__ import annotations

import copy
import json
from decimal import Decimal
from pathlib import Path

import pytest

from starrating.rules import RuleSet, RuleValidationError, StudentInput, load_rules

EXAMPLES = Path(__file__).parent / "examples"


def base_doc() -> dict:
    """A small valid rule document: two dimensions, caps and titles of every kind."""
    return copy.deepcopy({
        "name": "测试细则",
        "max_stars": 5,
        "dimensions": [
            {
                "key": "moral", "name": "思想品德", "base": 80, "max": 100, "weight": 1,
                "thresholds": {"5": 95, "4": 85, "3": 75, "2": 60},
                "indicators": [
                    {"key": "discipline", "name": "纪律", "min": -40, "max": 0,
                     "items": [{"name": "迟到", "points": -2}]},
                    {"key": "service", "name": "志愿服务", "min": 0, "max": 15},
                ],
            },
            {
                "key": "skill", "name": "技能", "base": 60, "max": 100, "weight": 1,
                "thresholds": {"5": 90, "4": 80, "3": 70, "2": 60, "1": 40},
                "indicators": [{"key": "course", "name": "课程"}],
            },
        ],
        "overall": {"method": "weighted", "thresholds": {"5": 90, "4": 80, "3": 70, "2": 60, "1": 0}},
        "caps": [
            {"name": "记过", "flag": "sanction.demerit", "overall_max": 1},
            {"name": "差", "indicator": "moral.discipline", "below": -20, "dimension": "moral", "max_stars": 2},
            {"name": "定分", "flag": "fixed", "dimension": "skill", "score": 50},
        ],
        "titles": [
            {"name": "五星", "overall_at_least": 5},
            {"name": "德育之星", "dimension": "moral", "at_least": 5},
        ],
    })


def rules_from(doc: dict) -> RuleSet:
    return load_rules(json.dumps(doc, ensure_ascii=False), "json")


def errors_of(doc: dict | str, fmt: str = "json") -> list[tuple[str, str]]:
    """The (path, message) pairs a document is refused with; fails if it is accepted."""
    text = doc if isinstance(doc, str) else json.dumps(doc, ensure_ascii=False)
    with pytest.raises(RuleValidationError) as info:
        load_rules(text, fmt)
    return [(e.path, e.message) for e in info.value.errors]


def paths_of(doc: dict | str, fmt: str = "json") -> list[str]:
    return [p for p, _ in errors_of(doc, fmt)]


def student(sid: str, class_: str = "c1", grade: str = "g1", flags=(), **totals) -> StudentInput:
    """A student with totals given as keyword ``moral__service=10`` (``__`` for ``.``)."""
    return StudentInput(
        sid, class_, grade, frozenset(flags),
        {k.replace("__", "."): Decimal(str(v)) for k, v in totals.items()},
    )
