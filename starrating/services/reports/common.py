"""What every export needs: the term's dimensions, its rule-set version, whether the
results are still provisional, file names. (Who may export what is in
services/access.py: `ensure_term_export`, `ensure_class_export`.)"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import sqlalchemy as sa

from ...errors import NotFound
from ...extensions import db
from ...models import ClassState, RuleSet, RuleSetVersion, Term
from ...services.class_state import class_states
from ...services.scoring import term_rules

# Printed on every card and workbook sheet until the class is final (the families' copy
# must never look official before the results are).
PROVISIONAL_ZH = "暂定（未确认）"
PROVISIONAL_EN = "PROVISIONAL (not confirmed)"


@dataclass(frozen=True)
class DimensionInfo:
    key: str
    name: str
    max: float


@dataclass(frozen=True)
class RuleVersion:
    """The rule set a term's results were computed with: its name and version number."""

    name: str
    version: int

    def label(self, lang: str = "zh") -> str:
        if lang == "en":
            return f"{self.name}, version {self.version}"
        return f"{self.name} 第{self.version}版"


def dimensions_of(term: Term) -> tuple[list[DimensionInfo], int]:
    """The term's dimensions (key, name, maximum score) and its top star level."""
    rules = term_rules(term)
    if rules is None:
        raise NotFound("the term has no rule set")
    return ([DimensionInfo(d.key, d.name, float(d.max)) for d in rules.dimensions],
            rules.max_stars)


def rule_version(term: Term) -> RuleVersion | None:
    """The term's rule set and version (one query), None when the term has none."""
    if term.rule_version_id is None:
        return None
    row = db.session.execute(
        sa.select(RuleSet.name, RuleSetVersion.version)
        .join(RuleSet, RuleSet.id == RuleSetVersion.rule_set_id)
        .where(RuleSetVersion.id == term.rule_version_id)).first()
    return RuleVersion(row[0], row[1]) if row else None


def final_classes(term: Term, class_ids: Iterable[int]) -> set[int]:
    """Those of the classes whose results are final (due classes count as final)."""
    return {cid for cid, state in class_states(term, class_ids).items()
            if state == ClassState.FINAL}


def safe_file_part(text: str) -> str:
    """A name part usable in a file name on every system (keeps Chinese)."""
    return "".join("_" if ch in '\\/:*?"<>|\0' or ord(ch) < 32 else ch for ch in text).strip()
