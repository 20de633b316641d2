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
