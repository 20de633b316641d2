"""Appeal decisions check their points as every way in does (entry_input.validate_event)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from starrating.errors import ValidationFailed
from starrating.extensions import db
from starrating.models import Appeal, AppealStatus
from starrating.services import appeals, entry_input
from starrating.services.appeals import AppealInput, Decision
from tests.security.helpers import table_dump
from tests.workflow.helpers import later, publish


@pytest.fixture
def appealed(school, make):
    entry = make.entry(school.term, school.students[0], "moral.discipline", "-10", school.teacher)
    db.session.commit()
    publish(school)
    school.entry_appeal = appeals.create_appeal(school.student_user, school.term, AppealInput(
        entry_id=entry.id, text="那天我请了病假"))
    school.missing_appeal = appeals.create_appeal(school.student_user, school.term, AppealInput(
        indicator="skill.competition", text="缺一条竞赛记录"))
    db.session.commit()
    return school


@pytest.mark.parametrize("points", ["0", "-0", "0.00", "０", "+0"])
def test_a_zero_correction_is_refused_beside_the_points_field(appealed, act, points):
    teacher = act(appealed.teacher)
    for appeal, action in ((appealed.entry_appeal, "change"), (appealed.missing_appeal, "add")):
        before = table_dump()
        response = teacher.post(f"/teacher/appeals/{appeal.id}/accept", data={
            "accept-action": action, "accept-points": points})
        assert response.status_code == 400
        html = response.get_data(as_text=True)
        assert "分值不能为 0。" in html
        assert table_dump() == before
        assert db.session.get(Appeal, appeal.id).status == AppealStatus.PENDING


def test_decisions_use_the_one_entry_validation(appealed, monkeypatch):
    calls = []
    real = entry_input.validate_event

    def spy(*args, **kwargs):
        calls.append(args[2].points)
        return real(*args, **kwargs)

    monkeypatch.setattr(appeals, "validate_event", spy)
    with pytest.raises(ValidationFailed) as error:
        appeals.accept_appeal(appealed.teacher, appealed.missing_appeal.id,
                              Decision("add", points="1000.5"), now=later(1))
    assert "points" in error.value.errors and calls == ["1000.5"]
    db.session.rollback()
    appeals.accept_appeal(appealed.teacher, appealed.entry_appeal.id,
                          Decision("change", points="-2"), now=later(1))
    assert calls == ["1000.5", "-2"]
    assert db.session.scalar(sa.select(Appeal.status).where(
        Appeal.id == appealed.entry_appeal.id)) == AppealStatus.ACCEPTED


def test_found_6_a_correction_beyond_the_indicators_bounds_is_refused(appealed, act):
    """Issue 13, found 6: "将分值改为 15" on 课堂纪律, whose rules allow at most 0 a term."""
    teacher = act(appealed.teacher)
    before = table_dump()
    response = teacher.post(f"/teacher/appeals/{appealed.entry_appeal.id}/accept", data={
        "accept-action": "change", "accept-points": "15"})
    assert response.status_code == 400
    assert "该指标只记扣分：请填写负数。" in response.get_data(as_text=True)
    assert table_dump() == before


def test_found_6_the_appeal_list_shows_the_appealed_value_beside_the_outcome(appealed, act):
    teacher = act(appealed.teacher)
    response = teacher.post(f"/teacher/appeals/{appealed.entry_appeal.id}/accept", data={
        "accept-action": "change", "accept-points": "-2", "accept-reason": "核实后改为 -2"})
    assert response.status_code == 302
    html = act(appealed.student_user).get("/student/appeals").get_data(as_text=True)
    card = html.split(f'id="appeal-{appealed.entry_appeal.id}"', 1)[1].split("</li>", 1)[0]
    assert "-10.00" in card.split("申诉时", 1)[0]  # the row names the value appealed ...
    assert "申诉时：-10.00 → 处理后：-2.00" in card  # ... and the outcome beside it
