"""Class officers' proposals (issue 17, acceptance 2): a proposal changes no star until the
class teacher accepts it; a rejection says why, to the officer; accepting all at once."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from starrating.errors import PermissionDenied, ValidationFailed
from starrating.extensions import db
from starrating.models import AuditLog, Entry, Proposal, ProposalStatus
from starrating.services import proposals, scoring
from starrating.services.proposals import ProposalInput

DAY = date(2026, 12, 1)


@pytest.fixture
def officer(school):
    o = proposals.save_officer(school.teacher, school.term, school.class_a.id,
                               school.students[0].id, "劳动委员", ["moral.service"])
    db.session.commit()
    return o


def propose(school, targets, points="2", indicator="moral.service", user=None):
    made = proposals.propose(user or school.student_user, school.term, ProposalInput(
        student_ids=[s.id for s in targets], indicator=indicator, points=points,
        occurred_on=date(2026, 11, 30), note="值日认真"), today=DAY)
    db.session.commit()
    return made


def stars(school, student):
    return scoring.evaluate_term(school.term)[student.id]


def test_a_proposal_changes_no_star_until_accepted(school, officer):
    mate = school.students[1]
    before = stars(school, mate)
    made = propose(school, [mate], points="10")
    assert stars(school, mate).dimensions["moral"].score == before.dimensions["moral"].score
    assert db.session.scalar(sa.select(sa.func.count(Entry.id))) == 0
    entry = proposals.accept(school.teacher, school.term, made[0].id, today=DAY)
    db.session.commit()
    after = stars(school, mate)
    assert after.dimensions["moral"].score == before.dimensions["moral"].score + 10
    assert entry.author_id == school.teacher.id and made[0].entry_id == entry.id
    assert made[0].status == ProposalStatus.ACCEPTED


def test_a_rejection_says_why_to_the_officer(school, officer, act):
    made = propose(school, [school.students[1]])
    with pytest.raises(ValidationFailed):
        proposals.reject(school.teacher, school.term, made[0].id, "  ")
    proposals.reject(school.teacher, school.term, made[0].id, "那天不是他值日")
    db.session.commit()
    html = act(school.student_user).get("/student/proposals").get_data(as_text=True)
    assert "那天不是他值日" in html
    assert db.session.scalar(sa.select(sa.func.count(Entry.id))) == 0


def test_accept_all_at_once_through_the_page(school, officer, act):
    propose(school, school.students[1:4])
    teacher = act(school.teacher)
    page = teacher.get(f"/teacher/class/{school.class_a.id}/proposals")
    assert page.status_code == 200 and "值日认真" in page.get_data(as_text=True)
    response = teacher.post(f"/teacher/class/{school.class_a.id}/proposals/accept-all",
                            {"class_id": school.class_a.id})
    assert response.status_code == 302
    assert db.session.scalar(sa.select(sa.func.count(Entry.id))) == 3
    assert set(db.session.scalars(sa.select(Proposal.status))) == {ProposalStatus.ACCEPTED}
    actions = set(db.session.scalars(sa.select(AuditLog.action).where(
        AuditLog.object_type == "proposal")))
    assert actions == {"propose", "accept"}


def test_an_officer_proposes_only_on_the_allowed_indicators_for_their_own_class(
        school, officer):
    with pytest.raises(ValidationFailed) as refused:
        propose(school, [school.students[1]], indicator="moral.discipline", points="-2")
    assert "indicator" in refused.value.errors
    with pytest.raises(PermissionDenied):
        propose(school, [school.other_students[0]])
    with pytest.raises(PermissionDenied):  # a classmate who is no officer
        from tests.evaluation.helpers import user_of

        propose(school, [school.students[2]], user=user_of(school.students[1]))
    assert db.session.scalar(sa.select(sa.func.count(Proposal.id))) == 0


def test_only_the_class_teacher_names_officers_and_decides(school, officer):
    made = propose(school, [school.students[1]])
    for who in (school.other_teacher, school.admin, school.student_user):
        with pytest.raises(PermissionDenied):
            proposals.accept(who, school.term, made[0].id, today=DAY)
        with pytest.raises(PermissionDenied):
            proposals.save_officer(who, school.term, school.class_a.id, school.students[2].id,
                                   "", ["moral.service"])
    assert made[0].status == ProposalStatus.PENDING
