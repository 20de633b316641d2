"""What every export needs: who may export what, the term's dimensions, file names."""

from __future__ import annotations

from dataclasses import dataclass

from ...errors import NotFound, PermissionDenied
from ...models import Role, SchoolClass, Term, User
from ...services.access import ensure_class_access, same_school
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


def ensure_term_export(actor: User | None, term: Term) -> None:
    """School-wide exports: administrators of the term's school (None: the command line)."""
    if actor is None:
        return
    if actor.role == Role.ADMIN and same_school(actor, term.school_id):
        return
    raise PermissionDenied()


def ensure_class_export(actor: User | None, term: Term, school_class: SchoolClass) -> None:
    """A class's exports: admins of the school, or its class teacher in the term."""
    if school_class.school_id != term.school_id:
        raise NotFound()
    if actor is None:
        return
    ensure_class_access(actor, school_class, term)


def safe_file_part(text: str) -> str:
    """A name part usable in a file name on every system (keeps Chinese)."""
    return "".join("_" if ch in '\\/:*?"<>|\0' or ord(ch) < 32 else ch for ch in text).strip()
