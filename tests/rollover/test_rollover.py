"""Rollover: a new term from a previous one copies exactly what is ticked — class teachers,
club members (not those who left, nor students no longer enrolled; roles kept), the rules —
and nothing else; the preview writes nothing; overlapping dates and other schools' terms are
refused. Whole tables are compared before and after."""

from __future__ import annotations

from datetime import date

import pytest

from starrating.extensions import db
from starrating.models import Club, ClubMembership, Role, StudentStatus, TermStatus
from tests.rollover.helpers import (
    changed_tables,
    new_rows,
    plan_of,
    preview_then_confirm,
    speaking,
    tables,
)

NEW = {"name": "2026—2027学年第二学期", "start_date": "2027-02-22", "end_date": "2027-07-09",
       "notice_days": "7", "status": "planning"}
ALL = {"copy_assignments": "y", "copy_memberships": "y", "copy_rules": "y"}


@pytest.fixture
def year(school, make):
    """The school fixture plus: clubs with a kept member (社长), a member who left, a member
    no longer enrolled; a class whose teacher is deactivated; a class with no enrolled
    student; and another school with its own term and club."""
    s = school
    chess = Club(school_id=s.school.id, name="棋社")
    robots = Club(school_id=s.school.id, name="机器人社")
    db.session.add_all([chess, robots])
    db.session.flush()
    start = s.term.start_date
    left, graduated = s.students[1], s.students[2]
    graduated.status = StudentStatus.GRADUATED
    members = [
        ClubMembership(club_id=chess.id, student_id=s.students[0].id, term_id=s.term.id,
                       role="社长", joined_on=start),
        ClubMembership(club_id=chess.id, student_id=left.id, term_id=s.term.id, role="成员",
                       joined_on=start, left_on=date(2026, 11, 1)),
        ClubMembership(club_id=robots.id, student_id=graduated.id, term_id=s.term.id,
                       role="", joined_on=start),
        ClubMembership(club_id=robots.id, student_id=s.other_students[0].id,
                       term_id=s.term.id, role="成员", joined_on=date(2026, 10, 8)),
    ]
    db.session.add_all(members)
    gone = make.user(Role.TEACHER, s.school.id, display_name="已离职老师")
    gone.active = False
    class_c = make.school_class(s.major, s.school, "24机电3班")
    make.student(class_c)
    make.assign(s.term, class_c, gone)
    empty = make.school_class(s.major, s.school, "21机电1班", grade=2021)
    alumni = make.student(empty)
    alumni.status = StudentStatus.GRADUATED
    make.assign(s.term, empty, make.user(Role.TEACHER, s.school.id))
    other = make.school()
    other_term = make.term(other, name="别校学期")
    other_club = Club(school_id=other.id, name="别校社团")
    db.session.add(other_club)
    db.session.flush()
    other_class = make.school_class(make.major(make.department(other)), other, "别校1班")
    other_student = make.student(other_class)
    db.session.add(ClubMembership(club_id=other_club.id, student_id=other_student.id,
                                  term_id=other_term.id, joined_on=other_term.start_date))
    make.assign(other_term, other_class, make.user(Role.TEACHER, other.id))
    other_admin = make.user(Role.ADMIN, other.id)
    db.session.commit()
    s.chess, s.robots, s.class_c, s.empty = chess, robots, class_c, empty
    s.other_term, s.other_admin = other_term, other_admin
    return s


def form(source, **extra) -> dict:
    return {"source_term_id": str(source.id), **NEW, **extra}


def test_everything_ticked_copies_exactly_the_term_teachers_members_and_rules(year, act):
    actor = speaking(act, year.admin)
    before = tables()
    response = preview_then_confirm(actor, "/admin/rollover", form(year.term, **ALL))
    assert response.status_code == 302
    after = tables()
    assert changed_tables(before, after) == {"term", "class_assignment", "club_membership",
                                             "audit_log"}
    [term] = new_rows(before, after, "term")
    assert {k: term[k] for k in ("school_id", "name", "start_date", "end_date", "status",
                                 "notice_days", "rule_version_id", "club_indicator")} == {
        "school_id": year.school.id, "name": NEW["name"], "start_date": date(2027, 2, 22),
        "end_date": date(2027, 7, 9), "status": TermStatus.PLANNING, "notice_days": 7,
        "rule_version_id": year.term.rule_version_id, "club_indicator": "club.membership"}
    assignments = new_rows(before, after, "class_assignment")
    assert sorted((a["term_id"], a["class_id"], a["teacher_id"]) for a in assignments) == sorted([
        (term["id"], year.class_a.id, year.teacher.id),
        (term["id"], year.class_b.id, year.other_teacher.id)])  # not 3班 (teacher gone), not 21级
    members = new_rows(before, after, "club_membership")
    assert sorted((m["club_id"], m["student_id"], m["term_id"], m["role"], m["joined_on"],
                   m["left_on"]) for m in members) == sorted([
        (year.chess.id, year.students[0].id, term["id"], "社长", date(2027, 2, 22), None),
        (year.robots.id, year.other_students[0].id, term["id"], "成员", date(2027, 2, 22), None)])
    [log] = new_rows(before, after, "audit_log")
    assert (log["action"], log["actor_id"], log["school_id"], log["term_id"]) == (
        "rollover", year.admin.id, year.school.id, term["id"])
    assert log["after"]["from_term_id"] == year.term.id
    assert (log["after"]["class_assignments"], log["after"]["club_memberships"]) == (2, 2)
    assert log["after"]["skipped"] == {
        "class_assignments": {"teacher_inactive": 1, "class_empty": 1},
        "club_memberships": {"member_left": 1, "student_not_enrolled": 1}}


def test_nothing_ticked_makes_only_the_term_without_rules(year, act):
    actor = speaking(act, year.admin)
    before = tables()
    response = preview_then_confirm(actor, "/admin/rollover", form(year.term))
    assert response.status_code == 302
    after = tables()
    assert changed_tables(before, after) == {"term", "audit_log"}
    [term] = new_rows(before, after, "term")
    assert (term["rule_version_id"], term["club_indicator"]) == (None, None)


@pytest.mark.parametrize("ticked, changed", [
    ("copy_assignments", {"class_assignment"}),
    ("copy_memberships", {"club_membership"}),
    ("copy_rules", set()),
])
def test_each_tick_copies_its_own_kind_only(year, act, ticked, changed):
    actor = speaking(act, year.admin)
    before = tables()
    response = preview_then_confirm(actor, "/admin/rollover",
                                    form(year.term, **{ticked: "y"}))
    assert response.status_code == 302
    after = tables()
    assert changed_tables(before, after) == {"term", "audit_log", *changed}
    [term] = new_rows(before, after, "term")
    rules = (year.term.rule_version_id, "club.membership") if ticked == "copy_rules" else (
        None, None)
    assert (term["rule_version_id"], term["club_indicator"]) == rules


def test_preview_lists_copies_and_skips_with_reasons_and_writes_nothing(year, act):
    actor = speaking(act, year.admin)
    before = tables()
    response = actor.post("/admin/rollover", {**form(year.term, **ALL),
                                                        "preview": "1"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert tables() == before
    for shown in ("24机电1班", "王老师", "棋社", "社长", year.students[0].student_no):
        assert shown in html
    assert "the teacher&#39;s account is deactivated" in html or \
        "the teacher's account is deactivated" in html
    for reason in ("the class has no enrolled students", "the student left the club",
                   "the student is no longer enrolled"):
        assert reason in html
    assert "已离职老师" in html and "21机电1班" in html


def test_preview_in_chinese_names_the_reasons(year, act):
    actor = speaking(act, year.admin, "zh")
    html = actor.post("/admin/rollover", {**form(year.term, **ALL), "preview": "1"}
                      ).get_data(as_text=True)
    assert "该生已退出社团" in html and "预览" in html


def test_overlapping_dates_are_refused_with_a_message(year, act):
    actor = speaking(act, year.admin)
    before = tables()
    response = actor.post("/admin/rollover", {
        **form(year.term, **ALL), "start_date": "2027-01-10", "preview": "1"})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "overlap the term" in html and year.term.name in html
    assert tables() == before


def test_overlap_is_refused_at_confirm_too(year, act, make):
    actor = speaking(act, year.admin)
    data = form(year.term, **ALL)
    plan = plan_of(actor.post("/admin/rollover", {**data, "preview": "1"}
                              ).get_data(as_text=True))
    make.term(year.school, name="抢先建的学期", start=date(2027, 3, 1), end=date(2027, 3, 30))
    db.session.commit()
    before = tables()
    response = actor.post("/admin/rollover/confirm", {**data, "plan": plan, "confirm": "1"})
    assert response.status_code == 400
    assert "overlap the term" in response.get_data(as_text=True)
    assert tables() == before


def test_a_plan_changed_since_the_preview_is_refused(year, act, make):
    actor = speaking(act, year.admin)
    data = form(year.term, **ALL)
    plan = plan_of(actor.post("/admin/rollover", {**data, "preview": "1"}
                              ).get_data(as_text=True))
    db.session.add(ClubMembership(club_id=year.chess.id, student_id=year.students[3].id,
                                  term_id=year.term.id, joined_on=year.term.start_date))
    db.session.commit()
    before = tables()
    response = actor.post("/admin/rollover/confirm", {**data, "plan": plan, "confirm": "1"})
    assert response.status_code == 409
    assert "changed since the preview" in response.get_data(as_text=True)
    assert tables() == before


def test_a_name_already_used_is_refused(year, act):
    response = speaking(act, year.admin).post("/admin/rollover", {
        **form(year.term, **ALL), "name": year.term.name, "preview": "1"})
    assert response.status_code == 400
    assert "A term with this name exists." in response.get_data(as_text=True)


def test_another_schools_term_is_not_found(year, act):
    actor = speaking(act, year.other_admin)
    before = tables()
    assert actor.post("/admin/rollover", {**form(year.term, **ALL), "preview": "1"}
                      ).status_code == 404
    assert actor.post("/admin/rollover/confirm", {**form(year.term, **ALL), "plan": "0",
                                                  "confirm": "1"}).status_code == 404
    assert tables() == before


@pytest.mark.parametrize("who", ["teacher", "student_user"])
def test_teachers_and_students_are_refused(year, act, who):
    response = act(getattr(year, who)).post("/admin/rollover", {**form(year.term, **ALL),
                                                                "preview": "1"})
    assert response.status_code == 403


def test_the_clerk_may_open_the_new_term(year, act):
    actor = speaking(act, year.admin)
    before = tables()
    assert preview_then_confirm(actor, "/admin/rollover",
                                form(year.term, status="open")).status_code == 302
    [term] = new_rows(before, tables(), "term")
    assert term["status"] == TermStatus.OPEN


def test_a_closed_status_is_not_offered_for_a_new_term(year, act):
    response = speaking(act, year.admin).post("/admin/rollover", {**form(year.term), "status": "closed",
                                                        "preview": "1"})
    assert response.status_code == 400

