"""No GET writes: a class whose notice period has ended reads as final on every page, while
its row is written only by `flask stars finalize-due` (cron, the worker's periodic task)."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from starrating.errors import ValidationFailed
from starrating.extensions import db
from starrating.models import AuditLog, ClassState, ClassTermStatus, StarResult
from starrating.services import class_state as cstate
from starrating.services import results, workflow
from tests.security.helpers import table_dump
from tests.workflow.helpers import publish


def _notice_over(school) -> ClassTermStatus:
    publish(school)
    row = db.session.scalar(sa.select(ClassTermStatus).where(
        ClassTermStatus.class_id == school.class_a.id))
    row.notice_ends_at = row.published_at + timedelta(minutes=1)
    db.session.commit()
    return row


def _stored(school) -> ClassTermStatus:
    db.session.expire_all()
    return db.session.scalar(sa.select(ClassTermStatus).where(
        ClassTermStatus.class_id == school.class_a.id))


def test_pages_write_nothing_when_a_notice_period_has_ended(school, act, runner):
    _notice_over(school)
    student, teacher, admin = act(school.student_user), act(school.teacher), act(school.admin)
    pages = [(student, "/student/"), (student, "/student/entries"),
             (student, "/student/appeals"),
             (teacher, f"/teacher/class/{school.class_a.id}/status"),
             (teacher, "/teacher/appeals"), (admin, "/teacher/appeals"),
             (admin, "/admin/workflow")]
    before = table_dump()
    html = {}
    for actor, url in pages:
        response = actor.get(url)
        assert response.status_code == 200, url
        html[url] = response.get_data(as_text=True)
    assert table_dump() == before
    assert _stored(school).state == ClassState.PUBLISHED
    # ... and yet every page shows the state that is due
    assert "state-final" in html["/student/"]
    assert "不再受理申诉" in html["/student/appeals"]
    assert "state-final" in html[f"/teacher/class/{school.class_a.id}/status"]
    assert f'id="class-{school.class_a.id}" data-state="final"' in html["/admin/workflow"]

    result = runner.invoke(args=["stars", "finalize-due"])
    assert result.exit_code == 0, result.output
    assert "1 classes finalized." in result.output
    row = _stored(school)
    assert row.state == ClassState.FINAL and row.finalized_by_id is None
    assert db.session.scalar(sa.select(sa.func.count(AuditLog.id)).where(
        AuditLog.action == "finalize")) == 1
    assert "1 classes finalized." not in runner.invoke(args=["stars", "finalize-due"]).output


def test_a_due_class_counts_as_final_for_the_writes(school):
    _notice_over(school)
    before = {r.id: r.computed_at for r in db.session.scalars(sa.select(StarResult))}
    summary = results.compute_term(school.admin, school.term, [school.class_a.id, school.class_b.id])
    assert summary.skipped_final == [school.class_a.id]
    assert {r.id: r.computed_at for r in db.session.scalars(
        sa.select(StarResult).where(StarResult.class_id == school.class_a.id))} == before
    with pytest.raises(ValidationFailed):  # already final: nothing left to confirm
        workflow.finalize_classes(school.admin, school.term, [school.class_a.id], reason="核实无误")
    db.session.rollback()
    assert cstate.class_state(school.term, school.class_a.id) == ClassState.FINAL
    assert _stored(school).state == ClassState.PUBLISHED
