"""Typed, immutable rule objects (星级评价细则) as produced by :func:`load_rules`.

Every number is a :class:`~decimal.Decimal` (or an ``int`` for star counts) so that
evaluation is exact. Level tables (thresholds, quotas) map a star level to a value;
a missing level is never reached.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import NamedTuple

METHODS = ("weighted", "star_sum", "min_stars")
QUOTA_SCOPES = ("class", "grade", "school")


class Item(NamedTuple):
    """One standard event of an indicator's catalogue, offered by the entry forms."""

    name: str
    points: Decimal
    name_en: str | None = None


@dataclass(frozen=True)
class Indicator:
    """A scored item inside a dimension; its subtotal is clamped to ``[min, max]``."""

    key: str
    name: str
    min: Decimal | None = None
    max: Decimal | None = None
    items: tuple[Item, ...] = ()
    name_en: str | None = None  # shown on English pages; the engine ignores it


@dataclass(frozen=True)
class Dimension:
    """An evaluation dimension (评价维度) with its indicators, thresholds and quota."""

    key: str
    name: str
    base: Decimal
    max: Decimal
    weight: Decimal = Decimal(1)
    thresholds: dict[int, Decimal] = field(default_factory=dict)
    quota: dict[int, Decimal] = field(default_factory=dict)
    quota_scope: str = "class"
    indicators: tuple[Indicator, ...] = ()
    name_en: str | None = None  # shown on English pages; the engine ignores it

    def indicator(self, key: str) -> Indicator:
        """The indicator with this (short) key; KeyError when there is none."""
        for ind in self.indicators:
            if ind.key == key:
                return ind
        raise KeyError(key)


@dataclass(frozen=True)
class Requirement:
    """Overall level ``stars`` and above need every dimension at ``all_dimensions_at_least``."""

    stars: int
    all_dimensions_at_least: int


@dataclass(frozen=True)
class Overall:
    """How the overall score and stars are formed."""

    method: str = "weighted"
    thresholds: dict[int, Decimal] = field(default_factory=dict)
    require: tuple[Requirement, ...] = ()
    quota: dict[int, Decimal] = field(default_factory=dict)
    quota_scope: str = "class"


@dataclass(frozen=True)
class Cap:
    """An override (一票否决 etc.): one condition, one effect.

    Condition: ``flag``, or ``indicator`` (full key) whose raw total is below ``below``.
    Effect: ``overall_max``, or ``dimension`` with ``max_stars`` or ``score``.
    """

    name: str
    flag: str | None = None
    indicator: str | None = None
    below: Decimal | None = None
    overall_max: int | None = None
    dimension: str | None = None
    max_stars: int | None = None
    score: Decimal | None = None
    name_en: str | None = None  # shown on English pages; the engine ignores it


@dataclass(frozen=True)
class Title:
    """A title (称号) given when the overall or one dimension's final stars reach a level."""

    name: str
    overall_at_least: int | None = None
    dimension: str | None = None
    at_least: int | None = None
    name_en: str | None = None  # shown on English pages; the engine ignores it


@dataclass(frozen=True)
class RuleSet:
    """A validated rule file."""

    name: str
    max_stars: int
    dimensions: tuple[Dimension, ...]
    overall: Overall
    caps: tuple[Cap, ...] = ()
    titles: tuple[Title, ...] = ()
    name_en: str | None = None  # shown on English pages; the engine ignores it

    def indicator_keys(self) -> list[str]:
        """Full indicator keys ``dimension.indicator`` in file order."""
        return [f"{d.key}.{i.key}" for d in self.dimensions for i in d.indicators]

    def dimension(self, key: str) -> Dimension:
        """The dimension with this key; KeyError when there is none."""
        for dim in self.dimensions:
            if dim.key == key:
                return dim
        raise KeyError(key)

    def indicator(self, full_key: str) -> Indicator:
        """The indicator named ``dimension.indicator``; KeyError when there is none."""
        dim_key, _, ind_key = full_key.partition(".")
        try:
            return self.dimension(dim_key).indicator(ind_key)
        except KeyError:
            raise KeyError(full_key) from None


def shown_name(thing, lang: str) -> str:
    """The name people read: ``name_en`` on English pages when the rules give one, else ``name``.

    `thing` is any named rule object (rule set, dimension, indicator, item, cap, title)."""
    name_en = getattr(thing, "name_en", None)
    return name_en if lang == "en" and name_en else thing.name


class RuleError(NamedTuple):
    """One problem of a rule file: the field path (0-based indices) and a plain reason."""

    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


class RuleValidationError(ValueError):
    """A rule file was refused; ``errors`` lists every problem found."""

    def __init__(self, errors: list[RuleError]):
        self.errors = list(errors)
        super().__init__("\n".join(str(e) for e in self.errors))
