"""Makers for the evaluation tests: a round on moral.honor ([0, 10]) scaled 1–5."""

from __future__ import annotations

from datetime import date

from starrating.extensions import db
from starrating.models import User
from starrating.services import evaluation
from starrating.services.evaluation import DimensionInput, RoundInput

DAY = date(2026, 12, 1)  # inside the round below
AFTER = date(2026, 12, 11)  # the day after its end


def open_round(c, *, mode="class", count="", drop="1", weights=("2", "3", "5"),
               indicator="moral.honor", name="期末综合评价", dims=None):
    dims = dims or [DimensionInput(name="品德表现", indicator=indicator, weight_self=weights[0],
                                   weight_peer=weights[1], weight_teacher=weights[2])]
    rnd = evaluation.open_round(c.admin, c.term, RoundInput(
        name=name, starts_on=date(2026, 11, 20), ends_on=date(2026, 12, 10), scale_min="1",
        scale_max="5", peer_mode=mode, peer_count=count, drop_k=drop, dimensions=dims))
    db.session.commit()
    return rnd


def user_of(student) -> User:
    import sqlalchemy as sa

    return db.session.scalar(sa.select(User).where(User.student_id == student.id))


def matrix_context(c) -> None:
    """What the authorization matrix needs of this area (tests/security/test_matrix.py): an
    open round of the school, students[0] a class officer of class_a with a waiting proposal,
    and an entry waiting for the 学生处 (审核)."""
    from starrating.services import entries, proposals, review
    from starrating.services.entry_input import EntryInput
    from starrating.services.proposals import ProposalInput
    from starrating.services.review import SettingInput

    c.round_id = open_round(c).id
    c.officer = proposals.save_officer(c.teacher, c.term, c.class_a.id, c.students[0].id,
                                       "劳动委员", ["moral.service"])
    db.session.commit()
    c.proposal_id = proposals.propose(c.student_user, c.term, ProposalInput(
        student_ids=[c.students[1].id], indicator="moral.service", points="1",
        occurred_on=date(2026, 10, 2)), today=DAY)[0].id
    review.save_setting(c.admin, c.term, SettingInput(threshold="5"))
    c.pending_entry_id = entries.record_entries(c.teacher, c.term, [c.students[0].id], EntryInput(
        indicator="moral.service", points="6", occurred_on=date(2026, 10, 3)), today=DAY)[0].id
    db.session.commit()
