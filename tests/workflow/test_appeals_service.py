"""Appeals: during the notice period only, one pending per entry, accept corrects and diffs."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from starrating.errors import NotFound, PermissionDenied, ValidationFailed
from starrating.extensions import db
from starrating.models import AppealStatus, Attachment, AuditLog, Entry, EntrySource
from starrating.services import appeals
from starrating.services.appeals import AppealInput, Decision, Upload
from tests.workflow.helpers import later, publish

PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 64


@pytest.fixture
def published(school, make):
    entry = make.entry(school.term, school.students[0], "moral.discipline", "-10", school.teacher)
    db.session.commit()
    publish(school)
    school.entry = entry
    return school


def test_student_appeals_own_entry_with_evidence(published, app):
    s = published
    appeal = appeals.create_appeal(s.student_user, s.term, AppealInput(
        entry_id=s.entry.id, text="那天我在参加比赛", files=[Upload("proof.png", PNG)]),
        now=later(1))
    db.session.commit()
    assert appeal.status == AppealStatus.PENDING
    att = db.session.scalar(sa.select(Attachment).where(Attachment.appeal_id == appeal.id))
    assert att.content_type == "image/png" and att.stored_name != "proof.png"
    with pytest.raises(ValidationFailed) as e:
        appeals.create_appeal(s.student_user, s.term, AppealInput(entry_id=s.entry.id, text="again"),
                              now=later(1))
    assert "entry_id" in e.value.errors


def test_bad_file_is_refused_and_nothing_written(published):
    s = published
    with pytest.raises(ValidationFailed) as e:
        appeals.create_appeal(s.student_user, s.term, AppealInput(
            entry_id=s.entry.id, text="x", files=[Upload("a.png", b"MZ\x90\0not an image")]),
            now=later(1))
    assert "evidence" in e.value.errors
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count(Attachment.id))) == 0


def test_appeal_after_deadline_or_before_publication_refused(school, make):
    entry = make.entry(school.term, school.students[0], "moral.discipline", "-2", school.teacher)
    with pytest.raises(ValidationFailed) as e:
        appeals.create_appeal(school.student_user, school.term,
                              AppealInput(entry_id=entry.id, text="x"))
    assert "公示后才能申诉" in str(e.value.message)
    publish(school, days=5)
    with pytest.raises(ValidationFailed) as e:
        appeals.create_appeal(school.student_user, school.term,
                              AppealInput(entry_id=entry.id, text="x"), now=later(5))
    assert "公示期已于" in str(e.value.message) and "不再受理申诉" in str(e.value.message)


def test_student_cannot_appeal_someone_elses_entry(published, make):
    s = published
    other = make.entry(s.term, s.students[1], "moral.discipline", "-2", s.teacher)
    with pytest.raises(NotFound):
        appeals.create_appeal(s.student_user, s.term, AppealInput(entry_id=other.id, text="x"),
                              now=later(1))
    with pytest.raises(PermissionDenied):
        appeals.create_appeal(s.teacher, s.term, AppealInput(entry_id=s.entry.id, text="x"),
                              now=later(1))


def test_accept_changes_entry_recomputes_and_keeps_before_after(published):
    s = published
    appeal = appeals.create_appeal(s.student_user, s.term,
                                   AppealInput(entry_id=s.entry.id, text="记错了"), now=later(1))
    with pytest.raises(PermissionDenied):
        appeals.accept_appeal(s.other_teacher, appeal.id, Decision("delete"))
    done = appeals.accept_appeal(s.teacher, appeal.id, Decision("delete", reason="核实无误"),
                                 now=later(2))
    db.session.commit()
    assert done.status == AppealStatus.ACCEPTED
    assert done.stars_before["dimensions"]["moral"]["score"] == "70.00"
    assert done.stars_after["dimensions"]["moral"]["score"] == "80.00"
    assert done.stars_after["dimensions"]["moral"]["stars"] > done.stars_before["dimensions"]["moral"]["stars"]
    assert db.session.get(Entry, s.entry.id).deleted_at is not None
    actions = db.session.scalars(sa.select(AuditLog.action).where(
        AuditLog.object_type == "entry")).all()
    assert "delete" in actions
    with pytest.raises(ValidationFailed):
        appeals.reject_appeal(s.teacher, appeal.id, "no")


def test_accept_missing_entry_adds_appeal_entry(published):
    s = published
    appeal = appeals.create_appeal(s.student_user, s.term, AppealInput(
        indicator="skill.competition", text="市赛二等奖没记"), now=later(1))
    appeals.accept_appeal(s.admin, appeal.id, Decision("add", points="6"), now=later(2))
    db.session.commit()
    entry = db.session.get(Entry, appeal.entry_id)
    assert entry.source == EntrySource.APPEAL and entry.points_cents == 600
    assert entry.indicator == "skill.competition"


def test_reject_needs_reason(published):
    s = published
    appeal = appeals.create_appeal(s.student_user, s.term,
                                   AppealInput(entry_id=s.entry.id, text="x"), now=later(1))
    with pytest.raises(ValidationFailed):
        appeals.reject_appeal(s.teacher, appeal.id, "  ")
    appeals.reject_appeal(s.teacher, appeal.id, "有记录为证")
    assert appeal.status == AppealStatus.REJECTED and appeal.decision_reason == "有记录为证"
    # a new appeal on the same entry is possible once the first is decided
    appeals.create_appeal(s.student_user, s.term, AppealInput(entry_id=s.entry.id, text="y"),
                          now=later(1))


def test_bad_points_or_action(published):
    s = published
    appeal = appeals.create_appeal(s.student_user, s.term,
                                   AppealInput(entry_id=s.entry.id, text="x"), now=later(1))
    for decision in (Decision("change", points="abc"), Decision("change", points="0"),
                     Decision("add", points="2"), Decision("")):
        with pytest.raises(ValidationFailed):
            appeals.accept_appeal(s.teacher, appeal.id, decision)
    assert appeal.status == AppealStatus.PENDING
