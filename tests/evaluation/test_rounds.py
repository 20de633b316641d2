"""Evaluation rounds (issue 17, acceptance 1): a round of 30 students gives exactly the
documented points (docs/evaluation.md), checked against a hand calculation; ratings after the
close are refused with a message; the round's indicator must be the term's."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest
import sqlalchemy as sa

from starrating.errors import Conflict, PermissionDenied, ValidationFailed
from starrating.extensions import db
from starrating.models import Entry, EntrySource, Rating, RoundResult
from starrating.services import evaluation, scoring
from starrating.services.evaluation import DimensionInput, RoundInput
from tests.evaluation.helpers import AFTER, DAY, open_round, user_of


def test_peer_mean_drops_k_highest_and_lowest_only_with_more_than_2k_ratings():
    assert evaluation.peer_mean([1, 5, 3], 1) == (Fraction(3), 1)
    assert evaluation.peer_mean([1, 5], 1) == (Fraction(3), 2)  # 2 = 2k: all kept
    assert evaluation.peer_mean([1, 2, 2, 5, 4], 1) == (Fraction(8, 3), 3)
    assert evaluation.peer_mean([1, 2, 2, 5, 4], 2) == (Fraction(2), 1)
    assert evaluation.peer_mean([], 1) == (None, 0)


def test_weights_are_renormalised_over_the_present_sources():
    assert evaluation.weighted([(2, Fraction(5)), (3, Fraction(2)), (5, Fraction(3))]) \
        == Fraction(31, 10)
    assert evaluation.weighted([(2, None), (3, Fraction(5)), (5, Fraction(3))]) \
        == Fraction(30, 8)
    assert evaluation.weighted([(2, None), (3, None), (5, None)]) is None
    assert evaluation.weighted([(0, Fraction(5)), (3, None), (5, None)]) is None


def test_the_scale_maps_linearly_onto_the_indicator_rounded_half_up_to_cents():
    assert evaluation.to_points(Fraction(1), 1, 5, Decimal(0), Decimal(10)) == 0
    assert evaluation.to_points(Fraction(5), 1, 5, Decimal(0), Decimal(10)) == 1000
    assert evaluation.to_points(Fraction(30, 8), 1, 5, Decimal(0), Decimal(10)) == 688  # 6.875
    assert evaluation.to_points(Fraction(3), 1, 5, Decimal(-4), Decimal(4)) == 0


# The hand calculation. 30 students s0..s29 in one class; weights 自评:互评:师评 = 2:3:5;
# scale 1–5 onto moral.honor [0, 10]: points = (r − 1) × 10 / 4 = (r − 1) × 2.5.
#   self    = 5, except s9, s19, s29 who do not rate themselves;
#   peer    = every classmate rates s_i with b = 1 + i % 5, except s1, who gives everyone 5,
#             and s2, who gives everyone 1: 29 ratings each; dropping the highest and the
#             lowest leaves 27 ratings of b, so the peer mean is b (a plain mean would not be);
#   teacher = 3, except s0, whom the teacher does not rate.
# r = (2·5 + 3·b + 5·3) / 10 = (25 + 3b) / 10:
#   b=1: 2.8 → 4.50   b=2: 3.1 → 5.25   b=3: 3.4 → 6.00   b=4: 3.7 → 6.75   b=5: 4.0 → 7.50
# without self (s9, s19, s29, all b=5): r = (3·5 + 5·3) / 8 = 3.75 → 2.75 × 2.5 = 6.875 → 6.88
# without teacher (s0, b=1): r = (2·5 + 3·1) / 5 = 2.6 → 1.6 × 2.5 = 4.00
BY_B = {1: "4.50", 2: "5.25", 3: "6.00", 4: "6.75", 5: "7.50"}
EXPECTED = {i: BY_B[1 + i % 5] for i in range(30)}
EXPECTED.update({9: "6.88", 19: "6.88", 29: "6.88", 0: "4.00"})


def peer_score(rater: int, target: int) -> int:
    return {1: 5, 2: 1}.get(rater, 1 + target % 5)


@pytest.fixture
def thirty(make):
    c = make.school_setup(students_per_class=30)
    return c


def test_a_round_of_thirty_gives_exactly_the_hand_calculated_points(thirty):
    c = thirty
    rnd = open_round(c)
    dim = rnd.dimensions[0]
    users = [user_of(s) for s in c.students]
    for i, (student, user) in enumerate(zip(c.students, users, strict=True)):
        if i not in (9, 19, 29):
            evaluation.submit_rating(user, rnd.id, student.id, {dim.id: "5"}, "我很努力",
                                     today=DAY)
        for j, mate in enumerate(c.students):
            if j != i:
                evaluation.submit_rating(user, rnd.id, mate.id, {dim.id: str(peer_score(i, j))},
                                         today=DAY)
    evaluation.save_teacher_ratings(
        c.teacher, rnd.id, c.class_a.id,
        {(s.id, dim.id): "3" for i, s in enumerate(c.students) if i != 0}, {}, today=DAY)
    db.session.commit()
    assert db.session.scalar(sa.select(sa.func.count(Rating.id))) == 27 + 30 * 29 + 29

    written = evaluation.close_round(c.admin, rnd.id)
    db.session.commit()
    assert written == 30
    entries = {e.student_id: e for e in db.session.scalars(
        sa.select(Entry).where(Entry.source == EntrySource.EVALUATION))}
    got = {i: f"{entries[s.id].points:.2f}" for i, s in enumerate(c.students)}
    assert got == EXPECTED
    assert all(e.indicator == "moral.honor" and e.item_name == "期末综合评价"
               for e in entries.values())
    result = db.session.scalar(sa.select(RoundResult).where(
        RoundResult.student_id == c.students[3].id))
    assert (result.self_score, result.peer_mean, result.peer_count, result.peer_used,
            result.teacher_score, result.weighted) == ("5.00", "4.00", 29, 27, "3.00", "3.70")
    # the engine counts them like any other entry
    totals = {int(i.id): i.totals for i in scoring.collect_inputs(c.term).inputs}
    assert totals[c.students[3].id]["moral.honor"] == Decimal(EXPECTED[3])


def test_a_random_draw_is_stable_and_everyone_is_rated_the_same_number_of_times(thirty):
    c = thirty
    rnd = open_round(c, mode="random", count="4")
    ids = [s.id for s in c.students]
    first = evaluation.peer_targets(rnd, ids)
    assert first == evaluation.peer_targets(rnd, list(reversed(ids)))  # stable
    assert all(len(t) == 4 and sid not in t for sid, t in first.items())
    rated = {sid: 0 for sid in ids}
    for targets in first.values():
        for t in targets:
            rated[t] += 1
    assert set(rated.values()) == {4}  # fair
    other = open_round(c, mode="random", count="4", name="第二轮")
    assert evaluation.peer_targets(other, ids) != first  # drawn anew per round


def test_a_student_rates_only_their_drawn_classmates(thirty):
    c = thirty
    rnd = open_round(c, mode="random", count="3")
    me = c.students[0]
    page = evaluation.student_round_page(user_of(me), rnd.id)
    drawn = {t.student.id for t in page.targets if not t.is_self}
    assert len(drawn) == 3
    stranger = next(s for s in c.students[1:] if s.id not in drawn)
    with pytest.raises(Exception) as refused:
        evaluation.submit_rating(user_of(me), rnd.id, stranger.id,
                                 {rnd.dimensions[0].id: "3"}, today=DAY)
    assert refused.value.status == 404


def test_rating_after_the_close_is_refused_with_a_message(school):
    rnd = open_round(school)
    dim = rnd.dimensions[0]
    me, mate = school.students[0], school.students[1]
    evaluation.submit_rating(school.student_user, rnd.id, me.id, {dim.id: "4"}, today=DAY)
    with pytest.raises(Conflict):
        evaluation.submit_rating(school.student_user, rnd.id, me.id, {dim.id: "5"}, today=DAY)
    with pytest.raises(ValidationFailed, match="2026-12-10 结束，不再接受评价"):
        evaluation.submit_rating(school.student_user, rnd.id, mate.id, {dim.id: "4"},
                                 today=AFTER)
    evaluation.close_round(school.admin, rnd.id)
    db.session.commit()
    with pytest.raises(ValidationFailed, match="不再接受评价"):
        evaluation.submit_rating(school.student_user, rnd.id, mate.id, {dim.id: "4"}, today=DAY)
    with pytest.raises(ValidationFailed, match="不再接受评价"):
        evaluation.save_teacher_ratings(school.teacher, rnd.id, school.class_a.id,
                                        {(mate.id, dim.id): "4"}, {}, today=DAY)
    with pytest.raises(Conflict):
        evaluation.close_round(school.admin, rnd.id)


def test_rating_after_the_close_is_refused_on_the_page(school, act):
    rnd = open_round(school)
    evaluation.close_round(school.admin, rnd.id)
    db.session.commit()
    actor = act(school.student_user)
    url = f"/student/evaluation/{rnd.id}/rate/{school.students[1].id}"
    response = actor.post(url, {f"dim-{rnd.dimensions[0].id}": "4"}, follow_redirects=True)
    assert "no longer accepted" in response.get_data(as_text=True) \
        or "不再接受" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(Rating.id))) == 0


def test_a_missing_source_of_every_kind_and_no_source_at_all(school):
    rnd = open_round(school, drop="1")
    dim = rnd.dimensions[0]
    a, b, nobody = school.students[0], school.students[1], school.students[4]
    evaluation.submit_rating(school.student_user, rnd.id, b.id, {dim.id: "5"}, today=DAY)
    evaluation.save_teacher_ratings(school.teacher, rnd.id, school.class_a.id,
                                    {(a.id, dim.id): "1"}, {}, today=DAY)
    evaluation.close_round(school.admin, rnd.id)
    results = {r.student_id: r for r in db.session.scalars(sa.select(RoundResult))}
    assert results[a.id].points_cents == 0  # teacher only: 1 → 0.00
    assert results[b.id].points_cents == 1000  # one peer only (no drop with 1 rating): 5 → 10
    assert results[nobody.id].points_cents is None and results[nobody.id].entry_id is None


def test_the_round_indicator_must_exist_in_the_terms_rules_and_have_bounds(school):
    with pytest.raises(ValidationFailed) as refused:
        open_round(school, indicator="moral.evaluation")
    assert "dimensions-0" in refused.value.errors
    with pytest.raises(ValidationFailed):
        open_round(school, indicator="moral")  # not an indicator
    with pytest.raises(ValidationFailed):  # outside the term
        evaluation.open_round(school.admin, school.term, RoundInput(
            name="x", starts_on=school.term.start_date.replace(year=2025),
            ends_on=school.term.end_date, dimensions=[DimensionInput(indicator="moral.honor")]))
    with pytest.raises(PermissionDenied):
        evaluation.open_round(school.teacher, school.term, RoundInput())


def test_evaluation_entries_cannot_be_edited_by_hand(school, act):
    rnd = open_round(school)
    evaluation.save_teacher_ratings(school.teacher, rnd.id, school.class_a.id,
                                    {(school.students[0].id, rnd.dimensions[0].id): "4"}, {},
                                    today=DAY)
    evaluation.close_round(school.admin, rnd.id)
    db.session.commit()
    entry = db.session.scalar(sa.select(Entry).where(Entry.source == EntrySource.EVALUATION))
    response = act(school.admin).post(f"/teacher/entry/{entry.id}/edit", {
        "version": entry.version, "indicator": "moral.honor", "points": "10",
        "occurred_on": "2026-12-01"})
    assert response.status_code in (302, 400)
    db.session.expire_all()
    assert db.session.get(Entry, entry.id).points_cents == 750


def test_close_due_closes_rounds_whose_end_date_passed(school):
    rnd = open_round(school)
    assert evaluation.close_due(today=DAY) == 0
    assert evaluation.close_due(today=AFTER) == 1
    db.session.commit()
    assert rnd.closed_at is not None and rnd.closed_by_id is None


def test_the_periodic_job_closes_ended_rounds_and_commits(school):
    from starrating import jobs

    rnd = open_round(school)
    rnd.ends_on = school.term.start_date  # long ended
    db.session.commit()
    assert jobs.close_due_rounds_now() == 1
    db.session.rollback()
    assert db.session.get(type(rnd), rnd.id).closed_at is not None


def test_the_worked_example_of_docs_evaluation_md():
    peer, used = evaluation.peer_mean([5, 2, 2, 2, 1], 1)
    assert (peer, used) == (Fraction(2), 3)
    result = evaluation.weighted([(2, Fraction(5)), (3, peer), (5, Fraction(3))])
    assert result == Fraction(31, 10)
    assert evaluation.to_points(result, 1, 5, Decimal(0), Decimal(10)) == 525
    without_self = evaluation.weighted([(2, None), (3, peer), (5, Fraction(3))])
    assert evaluation.to_points(without_self, 1, 5, Decimal(0), Decimal(10)) == 406
