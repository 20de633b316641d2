"""The term in force is the one whose dates contain the school's today; a term's status never
makes a future term current (issue 12). Every test here stands on a fixed clock."""

from __future__ import annotations

import re
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
import time_machine

from starrating.extensions import db
from starrating.models import ClassAssignment, Term, TermStatus
from starrating.services.terms import current_term

SHANGHAI = ZoneInfo("Asia/Shanghai")
NEXT_START, NEXT_END = date(2027, 2, 20), date(2027, 7, 10)


def at(*args):
    """A fixed clock at a Shanghai wall time (ticking, so requests still take time)."""
    return time_machine.travel(datetime(*args, tzinfo=SHANGHAI), tick=False)


def _page(actor, url: str) -> str:
    response = actor.get(url)
    assert response.status_code == 200, url
    # CSRF tokens differ per request; nothing else may.
    return re.sub(r'name="csrf_token"[^>]*value="[^"]+"', "csrf", response.get_data(as_text=True))


def _pages(act, school) -> dict[str, str]:
    teacher, student = act(school.teacher), act(school.student_user)
    return {
        "teacher home": _page(teacher, "/teacher/"),
        "class page": _page(teacher, f"/teacher/class/{school.class_a.id}"),
        "student page (teacher)": _page(teacher, f"/teacher/student/{school.students[0].id}"),
        "entry form": _page(teacher, f"/teacher/entry/new?class={school.class_a.id}"),
        "teacher appeals": _page(teacher, "/teacher/appeals"),
        "stars": _page(student, "/student/"),
        "records": _page(student, "/student/entries"),
        "student appeals": _page(student, "/student/appeals"),
    }


def _create_next_term_as_open(act, school) -> Term:
    """The clerk creates next term early, as 进行中, through the admin form, and copies the
    class teachers into it."""
    admin = act(school.admin)
    response = admin.post("/admin/terms/new", {
        "name": "2026—2027学年第二学期", "start_date": NEXT_START.isoformat(),
        "end_date": NEXT_END.isoformat(), "status": "open", "notice_days": "5",
        "rule_version_id": str(school.term.rule_version_id), "club_indicator": "club.membership"})
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    term = db.session.scalar(sa.select(Term).where(Term.name == "2026—2027学年第二学期"))
    assert term.status == TermStatus.OPEN
    for a in db.session.scalars(sa.select(ClassAssignment).where(
            ClassAssignment.term_id == school.term.id)).all():
        db.session.add(ClassAssignment(term_id=term.id, class_id=a.class_id,
                                       teacher_id=a.teacher_id))
    db.session.commit()
    return term


def test_a_future_open_term_changes_no_teachers_or_students_page_until_it_starts(
        act, school, make):
    make.entry(school.term, school.students[0], "moral.service", "2", author=school.teacher)
    db.session.commit()
    with at(2026, 12, 1, 10):
        before = _pages(act, school)
        _create_next_term_as_open(act, school)
        after = _pages(act, school)
    changed = [name for name in before if before[name] != after[name]]
    assert changed == []
    assert "2026—2027学年第二学期" not in "".join(after.values())


def test_on_its_first_day_the_new_term_is_in_force_and_last_term_reads_only(act, school, make):
    make.entry(school.term, school.students[0], "moral.service", "2", author=school.teacher)
    db.session.commit()
    with at(2026, 12, 1, 10):
        new = _create_next_term_as_open(act, school)
    old = school.term
    # The evening before, in Shanghai, it is still last term (UTC is already the 19th's noon).
    with at(2027, 2, 19, 23, 30):
        assert current_term(school.school.id).id == old.id
    with at(2027, 2, 20, 0, 30):  # 16:30 UTC on the 19th: the school's day has turned
        assert current_term(school.school.id).id == new.id
        teacher = act(school.teacher)
        home = teacher.get("/teacher/").get_data(as_text=True)
        assert "2026—2027学年第二学期" in home and "当前学期" in home
        # The entry form's dates are the new term's.
        form = teacher.get(f"/teacher/entry/new?class={school.class_a.id}").get_data(as_text=True)
        assert "2026—2027学年第二学期 · " in form and "2027-02-20 – 2027-07-10" in form
        # Last term's class page: there, read-only — no record buttons, a note saying so.
        old_page = teacher.get(f"/teacher/class/{school.class_a.id}?term={old.id}")
        html = old_page.get_data(as_text=True)
        assert old_page.status_code == 200
        assert old.name in html and "往期" in html and "只能查看" in html
        assert "/teacher/entry/new" not in html
        # The student row links keep the old term.
        assert f"/teacher/student/{school.students[0].id}?term={old.id}" in html
        student_page = teacher.get(f"/teacher/student/{school.students[0].id}?term={old.id}")
        text = student_page.get_data(as_text=True)
        assert "2026-10-01" in text  # last term's entry is listed ...
        assert "/edit" not in text and "/teacher/entry/new" not in text  # ... read-only


def test_between_terms_the_last_ended_term_is_in_force_until_the_next_starts(make, app):
    school = make.school()
    first = make.term(school, name="秋", start=date(2026, 9, 1), end=date(2027, 1, 20))
    second = make.term(school, name="春", start=date(2027, 2, 20), end=date(2027, 7, 10),
                       status=TermStatus.PLANNING)
    db.session.commit()
    with at(2026, 8, 1, 12):  # before any term: the first one
        assert current_term(school.id).id == first.id
    with at(2027, 2, 1, 12):  # winter holiday: autumn's term until spring starts
        assert current_term(school.id).id == first.id
    with at(2027, 2, 20, 12):  # a planning term is in force from its first day too
        assert current_term(school.id).id == second.id
    with at(2027, 8, 30, 12):
        assert current_term(school.id).id == second.id


@pytest.mark.parametrize("status", [TermStatus.OPEN, TermStatus.CLOSED, TermStatus.ARCHIVED])
def test_status_never_decides_which_term_is_in_force(make, app, status):
    school = make.school()
    now = make.term(school, name="now", start=date(2026, 9, 1), end=date(2027, 1, 20),
                    status=TermStatus.CLOSED)
    make.term(school, name="later", start=date(2027, 2, 20), end=date(2027, 7, 10), status=status)
    db.session.commit()
    with at(2026, 12, 1, 12):
        assert current_term(school.id).id == now.id


def test_a_student_can_switch_to_an_earlier_term_with_records(act, school, make):
    earlier = make.term(school.school, name="2025—2026学年第二学期", start=date(2026, 2, 20),
                        end=date(2026, 7, 10), status=TermStatus.CLOSED)
    make.term(school.school, name="空学期", start=date(2025, 9, 1), end=date(2026, 1, 20))
    make.entry(earlier, school.students[0], "moral.service", "3", author=school.teacher,
               occurred_on=date(2026, 3, 2))
    db.session.commit()
    with at(2026, 12, 1, 10):
        html = act(school.student_user).get("/student/").get_data(as_text=True)
    options = re.findall(r'<option value="(\d+)"[^>]*>([^<]+)</option>', html)
    assert [name.split(" · ")[0] for _id, name in options] == [school.term.name, earlier.name]
