"""Class workflow transitions: submit, return, publish, finalize, finalize_due, rules lock."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from starrating.errors import PermissionDenied, ValidationFailed
from starrating.extensions import db
from starrating.models import Appeal, AppealStatus, AuditLog, ClassState, StarResult
from starrating.services import class_state as cstate
from starrating.services import workflow
from starrating.services.class_state import Frozen
from tests.workflow.helpers import NOW, later, publish


def test_teacher_submits_own_class_only(school):
    with pytest.raises(PermissionDenied):
        workflow.submit_class(school.other_teacher, school.term, school.class_a.id)
    row = workflow.submit_class(school.teacher, school.term, school.class_a.id, now=NOW)
    db.session.commit()
    assert row.state == ClassState.SUBMITTED and row.submitted_by_id == school.teacher.id
    assert cstate.class_state(school.term, school.class_a.id) == ClassState.SUBMITTED
    with pytest.raises(ValidationFailed):
        workflow.submit_class(school.teacher, school.term, school.class_a.id)
    with pytest.raises(Frozen):
        cstate.ensure_editable(school.term, [school.class_a.id])
    assert db.session.scalar(sa.select(sa.func.count(AuditLog.id))
                             .where(AuditLog.action == "submit")) == 1


def test_admin_returns_submitted_class(school):
    workflow.submit_class(school.teacher, school.term, school.class_a.id, now=NOW)
    with pytest.raises(PermissionDenied):
        workflow.return_class(school.teacher, school.term, school.class_a.id)
    workflow.return_class(school.admin, school.term, school.class_a.id)
    assert cstate.class_state(school.term, school.class_a.id) == ClassState.OPEN
    cstate.ensure_editable(school.term, [school.class_a.id])


def test_publish_needs_submitted_and_computes(school, make):
    make.entry(school.term, school.students[0], "moral.service", "8", school.teacher)
    with pytest.raises(ValidationFailed):
        workflow.publish_classes(school.admin, school.term, [school.class_a.id])
    workflow.submit_class(school.teacher, school.term, school.class_a.id, now=NOW)
    with pytest.raises(PermissionDenied):
        workflow.publish_classes(school.teacher, school.term, [school.class_a.id])
    with pytest.raises(ValidationFailed) as e:
        workflow.publish_classes(school.admin, school.term, [school.class_a.id], notice_days=0)
    assert "notice_days" in e.value.errors
    rows = workflow.publish_classes(school.admin, school.term, [school.class_a.id],
                                    notice_days=7, now=NOW)
    db.session.commit()
    assert rows[0].state == ClassState.PUBLISHED
    assert rows[0].notice_ends_at.replace(tzinfo=NOW.tzinfo) == later(7)
    stored = db.session.scalars(sa.select(StarResult).where(
        StarResult.term_id == school.term.id)).all()
    assert {r.class_id for r in stored} == {school.class_a.id}
    assert len(stored) == 5


def test_publish_uses_term_notice_days_by_default(school):
    school.term.notice_days = 3
    workflow.submit_class(school.teacher, school.term, school.class_a.id, now=NOW)
    rows = workflow.publish_classes(school.admin, school.term, [school.class_a.id], now=NOW)
    assert rows[0].notice_ends_at.replace(tzinfo=NOW.tzinfo) == later(3)


def test_finalize_refused_with_pending_appeal_then_allowed(school):
    publish(school)
    appeal = Appeal(term_id=school.term.id, student_id=school.students[0].id, indicator="moral.service",
                    text="x", status=AppealStatus.PENDING)
    db.session.add(appeal)
    db.session.flush()
    with pytest.raises(ValidationFailed):
        workflow.finalize_classes(school.admin, school.term, [school.class_a.id],
                                  reason="核实无误", now=later(1))
    appeal.status = AppealStatus.REJECTED
    workflow.finalize_classes(school.admin, school.term, [school.class_a.id],
                              reason="核实无误", now=later(1))
    assert cstate.class_state(school.term, school.class_a.id) == ClassState.FINAL


def test_finalize_due_after_notice_period_and_no_open_appeal(school):
    publish(school, [school.class_a.id, school.class_b.id], days=5)
    db.session.add(Appeal(term_id=school.term.id, student_id=school.other_students[0].id,
                          indicator="moral.service", text="x", status=AppealStatus.PENDING))
    db.session.flush()
    assert workflow.finalize_due(later(4)) == 0
    assert workflow.finalize_due(later(5)) == 1
    states = cstate.class_states(school.term, [school.class_a.id, school.class_b.id])
    assert states == {school.class_a.id: ClassState.FINAL, school.class_b.id: ClassState.PUBLISHED}
    assert workflow.finalize_due(later(6)) == 0


def test_rules_changeable_until_a_class_is_published(school):
    cstate.ensure_rules_changeable(school.term)
    workflow.submit_class(school.teacher, school.term, school.class_a.id, now=NOW)
    cstate.ensure_rules_changeable(school.term)
    workflow.publish_classes(school.admin, school.term, [school.class_a.id], now=NOW)
    with pytest.raises(ValidationFailed) as e:
        cstate.ensure_rules_changeable(school.term)
    assert "rule_version_id" in e.value.errors
    workflow.finalize_classes(school.admin, school.term, [school.class_a.id],
                              reason="核实无误", now=NOW)
    with pytest.raises(ValidationFailed):
        cstate.ensure_rules_changeable(school.term)


def test_admin_setup_service_refuses_rule_change_after_final(school, make):
    """The admin terms service calls ensure_rules_changeable (acceptance 4)."""
    from starrating.services import setup

    publish(school)
    workflow.finalize_classes(school.admin, school.term, [school.class_a.id],
                              reason="核实无误", now=later(1))
    term = school.term
    data = {"name": term.name, "start_date": term.start_date, "end_date": term.end_date,
            "status": term.status.value, "rule_version_id": "", "notice_days": 3}
    with pytest.raises(ValidationFailed) as e:
        setup.update_term(school.admin, term, data)
    assert "rule_version_id" in e.value.errors
    db.session.rollback()
    assert db.session.get(type(term), term.id).rule_version_id is not None


def test_entries_refused_after_final(school, make):
    from starrating.services import entries, entry_input

    publish(school)
    workflow.finalize_classes(school.admin, school.term, [school.class_a.id],
                              reason="核实无误", now=later(1))
    db.session.commit()
    with pytest.raises(Frozen):
        entries.record_entries(school.teacher, school.term, [school.students[0].id],
                               entry_input.EntryInput(indicator="moral.service", points="2",
                                                  occurred_on=school.term.start_date))
