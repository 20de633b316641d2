"""What every export needs: the term's dimensions, file names. (Who may export what is in
services/access.py: `ensure_term_export`, `ensure_class_export`.)"""

from __future__ import annotations

from dataclasses import dataclass

from ...errors import NotFound
from ...models import Term
from ...services.scoring import term_rules


@dataclass(frozen=True)
class DimensionInfo:
    key: str
    name: str
    max: float


def dimensions_of(term: Term) -> tuple[list[DimensionInfo], int]:
    """The term's dimensions (key, name, maximum score) and its top star level."""
    rules = term_rules(term)
    if rules is None:
        raise NotFound("the term has no rule set")
    return ([DimensionInfo(d.key, d.name, float(d.max)) for d in rules.dimensions],
            rules.max_stars)


def safe_file_part(text: str) -> str:
    """A name part usable in a file name on every system (keeps Chinese)."""
    return "".join("_" if ch in '\\/:*?"<>|\0' or ord(ch) < 32 else ch for ch in text).strip()
