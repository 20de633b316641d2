"""Star-rating rule engine (星级评价细则): parse, validate, evaluate, explain.

Pure Python on the standard library only: nothing here may import Flask or a
database layer, so the engine runs the same in the app, the CLI and the tests.
See ``docs/rules-engine.md`` and the contract ``rules.md``.
"""

from importlib.resources import files

from .engine import (
    DimensionResult,
    IndicatorResult,
    NextStar,
    QuotaDrop,
    Reason,
    StudentInput,
    StudentResult,
    evaluate,
    tie_groups,
)
from .model import (
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
from .numbers import round_score
from .parse import load_rules
from .students import (
    StudentsInputError,
    aggregate_entries,
    evaluate_json,
    parse_students_json,
    result_to_json,
    results_to_json,
)


def load_default_rules() -> RuleSet:
    """The bundled default 细则 (``default.toml``) for a technician college."""
    return load_rules(files(__name__).joinpath("default.toml").read_bytes())


__all__ = [
    "Cap",
    "Dimension",
    "DimensionResult",
    "Indicator",
    "IndicatorResult",
    "Item",
    "NextStar",
    "Overall",
    "QuotaDrop",
    "Reason",
    "Requirement",
    "RuleError",
    "RuleSet",
    "RuleValidationError",
    "StudentInput",
    "StudentResult",
    "StudentsInputError",
    "Title",
    "aggregate_entries",
    "evaluate",
    "evaluate_json",
    "load_default_rules",
    "load_rules",
    "parse_students_json",
    "result_to_json",
    "results_to_json",
    "tie_groups",
    "round_score",
]
