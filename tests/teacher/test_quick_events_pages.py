"""Quick events over HTTP: the one-tap post records for the ticked students, needs its CSRF
token, is refused to another class's teacher; the pages' statement counts stay flat."""

from __future__ import annotations

import pytest

from starrating.extensions import db
from starrating.services import quick_events as qe
from tests.teacher.conftest import live_entries
from tests.test_query_counts import grow


def duty(label="值日 +2"):
    return qe.QuickEventInput(label=label, indicator="moral.service", points="2", note="值日")


@pytest.fixture
def event(school):
    e = qe.save_quick_event(school.teacher, school.term, school.class_a.id, duty())
    db.session.commit()
    return e


def test_one_tap_records_for_the_ticked_students(school, act, event):
    teacher = act(school.teacher)
    chosen = [str(s.id) for s in school.students[:2]]
    page = teacher.get(f"/teacher/entry/new?class={school.class_a.id}").get_data(as_text=True)
    assert f"/teacher/quick/{event.id}/record" in page and "值日 +2" in page
    r = teacher.post(f"/teacher/quick/{event.id}/record?class={school.class_a.id}",
                     data={"students": chosen})
    assert r.status_code == 302 and f"/teacher/entry/new?class={school.class_a.id}" in r.location
    assert sorted(str(e.student_id) for e in live_entries(note="值日")) == sorted(chosen)


def test_one_tap_without_its_csrf_token_records_nothing(school, act, event):
    teacher = act(school.teacher)
    teacher.post(f"/teacher/quick/{event.id}/record", csrf=False,
                 data={"students": [str(school.students[0].id)]})
    assert live_entries() == []


def test_another_teacher_cannot_use_or_see_a_class_quick_events(school, act, event):
    other = act(school.other_teacher)
    assert other.get(f"/teacher/class/{school.class_a.id}/quick").status_code == 403
    r = other.post(f"/teacher/quick/{event.id}/record",
                   data={"students": [str(school.students[0].id)]})
    assert r.status_code == 403
    assert other.post(f"/teacher/quick/{event.id}/delete").status_code == 403
    assert live_entries() == []
    page = other.get(f"/teacher/entry/new?class={school.class_a.id}").get_data(as_text=True)
    assert "/quick/" not in page


@pytest.mark.parametrize("url", ["/teacher/entry/new?class={c}", "/teacher/class/{c}/quick"])
def test_quick_event_pages_statement_count_does_not_grow(url, make, school, act,
                                                          count_queries, event):
    teacher = act(school.teacher)
    url = url.format(c=school.class_a.id)
    assert teacher.get(url).status_code == 200
    with count_queries() as small:
        assert teacher.get(url).status_code == 200
    grow(make, school, students=30, entries_each=2)
    for n in range(5):
        qe.save_quick_event(school.teacher, school.term, school.class_a.id, duty(f"卫生 +{n}"))
    db.session.commit()
    teacher.get(url)
    with count_queries() as large:
        assert teacher.get(url).status_code == 200
    assert large.count == small.count, (url, small.count, large.count)
