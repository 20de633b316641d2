"""审核 (issue 17, acceptance 2): an entry above the school's threshold, or on a chosen
indicator, is 待审核 on the pages that show it and left out of the computation until the
学生处 approves it; a rejected one never counts; the approver sees evidence and history."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from starrating.errors import PermissionDenied
from starrating.extensions import db
from starrating.models import AuditLog, Entry
from starrating.services import entries, evidence, review, scoring
from starrating.services.entry_input import EntryInput
from starrating.services.review import SettingInput
from tests.security.helpers import TINY_PNG

DAY = date(2026, 12, 1)


@pytest.fixture
def rule(school):
    review.save_setting(school.admin, school.term,
                        SettingInput(threshold="5", indicators=["moral.honor"]))
    db.session.commit()


def record(school, points, indicator="moral.service", author=None, files=()):
    made = entries.record_entries(author or school.teacher, school.term, [school.students[0].id],
                                  EntryInput(indicator=indicator, points=points,
                                             occurred_on=date(2026, 11, 2), note="市级志愿者",
                                             evidence=list(files)), today=DAY)
    db.session.commit()
    return made[0]


def moral(school):
    return scoring.evaluate_term(school.term)[school.students[0].id].dimensions["moral"].score


def test_an_entry_above_the_threshold_waits_and_does_not_count_until_approved(school, rule,
                                                                               act):
    base = moral(school)
    small = record(school, "5")  # not above 5: counts at once
    assert small.review is None and moral(school) == base + 5
    big = record(school, "6")
    assert big.review == "pending" and moral(school) == base + 5
    for actor, url in ((school.teacher, f"/teacher/student/{school.students[0].id}"),
                       (school.student_user, "/student/entries"),
                       (school.teacher, f"/teacher/entry/{big.id}/history")):
        html = act(actor).get(url).get_data(as_text=True)
        assert "待审核" in html, url
    review.approve(school.admin, big.id)
    db.session.commit()
    assert big.review == "approved" and moral(school) == base + 10  # moral.service max 10


def test_an_entry_on_a_chosen_indicator_waits_and_a_rejected_one_never_counts(school, rule):
    base = moral(school)
    held = record(school, "1", indicator="moral.honor")
    assert held.review == "pending"
    review.reject(school.admin, held.id, "证明材料不全")
    db.session.commit()
    assert held.deleted_at is not None and moral(school) == base
    assert review.rejection_reasons([held.id]) == {held.id: "证明材料不全"}


def test_grid_and_bulk_entries_are_held_too(school, rule):
    from starrating.services.entries import GridInput, GridRow

    entries.save_grid(school.teacher, school.term, school.class_a, GridInput(
        indicator="moral.service", occurred_on=date(2026, 11, 3), points="8",
        rows=[GridRow(student_id=s.id, ticked=True) for s in school.students[:2]]), today=DAY)
    db.session.commit()
    assert set(db.session.scalars(sa.select(Entry.review))) == {"pending"}


def test_the_admins_own_entries_are_not_held(school, rule):
    assert record(school, "8", author=school.admin).review is None


def test_the_queue_shows_evidence_and_links_the_history(school, rule, act):
    big = record(school, "9", files=[(TINY_PNG, "证书.png")])
    html = act(school.admin).get("/admin/review").get_data(as_text=True)
    assert "证书.png" in html and f"/teacher/entry/{big.id}/history" in html
    attachment = evidence_of(big)
    assert act(school.admin).get(f"/teacher/evidence/{attachment}").status_code == 200
    response = act(school.admin).post(f"/admin/review/{big.id}/approve", {})
    assert response.status_code == 302
    history = act(school.admin).get(f"/teacher/entry/{big.id}/history").get_data(as_text=True)
    assert "批准" in history or "approved" in history
    assert db.session.scalar(sa.select(AuditLog.action).where(
        AuditLog.object_id == big.id, AuditLog.action == "approve")) == "approve"


def evidence_of(entry):
    db.session.expire_all()
    return db.session.get(Entry, entry.id).evidence[0].id


def test_only_the_schools_admin_approves(school, rule):
    big = record(school, "9")
    for who in (school.teacher, school.student_user):
        with pytest.raises(PermissionDenied):
            review.approve(who, big.id)
    assert big.review == "pending"
    assert evidence is not None
