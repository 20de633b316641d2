"""Issue 13, phones: today's absentees on the entry form's checklist, so that "except
absentees" ticks everyone else. Marked by the class teacher per class and school day; kept
for the day only, never an entry or a score; others cannot see or mark them."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa
import time_machine

from starrating.errors import PermissionDenied
from starrating.extensions import db
from starrating.models import Absence, AuditLog, StudentStatus
from starrating.services import absences
from tests.teacher.conftest import live_entries, text
from tests.test_query_counts import grow

TODAY = date(2026, 11, 20)


def absent_ids(school, today=TODAY, class_id=None):
    return absences.absent_today(school.teacher, school.term, class_id, today=today)


def test_marked_students_are_absent_today_and_only_today(school):
    chosen = [school.students[1].id, school.students[3].id]
    result = absences.mark_absent(school.teacher, school.term, school.class_a.id, chosen,
                                  today=TODAY)
    db.session.commit()
    assert [s.id for s in result.students] == sorted(chosen) and result.day == TODAY
    assert absent_ids(school) == set(chosen)
    assert absent_ids(school, today=date(2026, 11, 21)) == set()
    # nothing is scored and nothing audited: a selection aid
    assert live_entries() == [] and db.session.scalar(sa.select(sa.func.count(AuditLog.id))) == 0


def test_marking_again_replaces_todays_list_and_forgets_earlier_days(school):
    a, b, c = (s.id for s in school.students[:3])
    absences.mark_absent(school.teacher, school.term, school.class_a.id, [a, b],
                         today=date(2026, 11, 19))
    absences.mark_absent(school.teacher, school.term, school.class_a.id, [a, b], today=TODAY)
    absences.mark_absent(school.teacher, school.term, school.class_a.id, [c], today=TODAY)
    db.session.commit()
    assert absent_ids(school) == {c}
    assert set(db.session.scalars(sa.select(Absence.day))) == {TODAY}
    absences.mark_absent(school.teacher, school.term, school.class_a.id, [], today=TODAY)
    assert absent_ids(school) == set()


def test_the_day_is_the_schools_day(school):
    # 23:30 UTC on 19 November is 07:30 on the 20th in Shanghai: the morning roll call
    with time_machine.travel(datetime(2026, 11, 19, 23, 30, tzinfo=UTC), tick=False):
        result = absences.mark_absent(school.teacher, school.term, school.class_a.id,
                                      [school.students[0].id])
    assert result.day == TODAY
    assert absent_ids(school, today=TODAY) == {school.students[0].id}


def test_without_a_class_the_teachers_classes_are_marked_together(school, make):
    second = make.school_class(school.major, school.school, "24机电3班")
    make.assign(school.term, second, school.teacher)
    other = make.student(second)
    absences.mark_absent(school.teacher, school.term, None, [school.students[0].id, other.id],
                         today=TODAY)
    assert absent_ids(school) == {school.students[0].id, other.id}
    assert absent_ids(school, class_id=second.id) == {other.id}
    # marking one class leaves the other's list alone
    absences.mark_absent(school.teacher, school.term, second.id, [], today=TODAY)
    assert absent_ids(school) == {school.students[0].id}


@pytest.mark.parametrize("who", ["other_teacher", "admin"])
def test_only_the_class_teacher_marks_or_sees_absentees(school, who):
    absences.mark_absent(school.teacher, school.term, school.class_a.id,
                         [school.students[0].id], today=TODAY)
    actor = getattr(school, who)
    with pytest.raises(PermissionDenied):
        absences.mark_absent(actor, school.term, school.class_a.id, [school.students[1].id],
                             today=TODAY)
    assert absences.absent_today(actor, school.term, school.class_a.id, today=TODAY) == set()
    page = absences.entry_form_page(actor, school.term, school.class_a.id, today=TODAY)
    assert page.absent == frozenset() and not page.may_mark_absent


def test_a_student_of_another_class_or_not_enrolled_is_refused_and_nothing_changes(school):
    absences.mark_absent(school.teacher, school.term, school.class_a.id,
                         [school.students[0].id], today=TODAY)
    for bad in (school.other_students[0].id, 999_999):
        with pytest.raises(PermissionDenied):
            absences.mark_absent(school.teacher, school.term, school.class_a.id,
                                 [school.students[1].id, bad], today=TODAY)
    school.students[2].status = StudentStatus.SUSPENDED
    with pytest.raises(PermissionDenied):
        absences.mark_absent(school.teacher, school.term, school.class_a.id,
                             [school.students[2].id], today=TODAY)
    assert absent_ids(school) == {school.students[0].id}


def test_the_form_tags_absentees_and_the_button_marks_the_ticked(school, act):
    teacher = act(school.teacher)
    url = f"/teacher/entry/new?class={school.class_a.id}"
    page = text(teacher.get(url))
    assert "js-check-present" in page and "/teacher/absences?class=" in page
    assert "data-absent" not in page
    chosen = [str(s.id) for s in school.students[1:3]]
    r = teacher.post(f"/teacher/absences?class={school.class_a.id}", data={"students": chosen})
    assert r.status_code == 302 and r.location.endswith(url)
    page = text(teacher.get(url))
    assert page.count('data-absent="1"') == 2
    for student in school.students[1:3]:
        assert f'data-absent="1"><label><input type="checkbox" name="students" value="{student.id}"' \
            in page
    # the flash names who is absent
    assert all(s.name in page for s in school.students[1:3])


def test_marking_needs_its_csrf_token(school, act):
    teacher = act(school.teacher)
    teacher.post(f"/teacher/absences?class={school.class_a.id}", csrf=False,
                 data={"students": [str(school.students[0].id)]})
    assert db.session.scalar(sa.select(sa.func.count(Absence.id))) == 0


def test_the_forms_statement_count_does_not_grow_with_absentees(school, act, make,
                                                                  count_queries):
    teacher = act(school.teacher)
    url = f"/teacher/entry/new?class={school.class_a.id}"
    absences.mark_absent(school.teacher, school.term, school.class_a.id,
                         [school.students[0].id])
    db.session.commit()
    teacher.get(url)
    with count_queries() as small:
        assert teacher.get(url).status_code == 200
    grow(make, school, students=30, entries_each=1)
    absences.mark_absent(school.teacher, school.term, school.class_a.id,
                         [s.id for s in school.class_a.students[:12]])
    db.session.commit()
    teacher.get(url)
    with count_queries() as large:
        assert teacher.get(url).status_code == 200
    assert large.count == small.count
