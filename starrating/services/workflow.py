"""The per-class term workflow: open → submitted → published (公示) → final.

Core state queries live here; transitions (submit, publish, finalize) are added beside them.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from ..errors import DomainError
from ..extensions import db
from ..models import ClassState, ClassTermStatus, Term, TermStatus


class Frozen(DomainError):
    """Entries cannot change now (class submitted, published or final; term not open)."""

    status = 409


def class_states(term: Term, class_ids) -> dict[int, ClassState]:
    """State per class (OPEN when no row exists yet), in one query."""
    class_ids = list(class_ids)
    states = {cid: ClassState.OPEN for cid in class_ids}
    if class_ids:
        rows = db.session.execute(
            sa.select(ClassTermStatus.class_id, ClassTermStatus.state).where(
                ClassTermStatus.term_id == term.id, ClassTermStatus.class_id.in_(class_ids))
        )
        states.update(dict(rows.all()))
    return states


def class_state(term: Term, class_id: int) -> ClassState:
    return class_states(term, [class_id])[class_id]


def ensure_editable(term: Term, class_ids) -> None:
    """Raise Frozen unless the term is open and every class is still open for entries."""
    if term.status != TermStatus.OPEN:
        raise Frozen(_l("This term is not open for entries."))
    states = class_states(term, class_ids)
    if any(state != ClassState.OPEN for state in states.values()):
        raise Frozen(_l("Entries for this class are locked: it has been submitted, "
                        "published or finalized."))
