"""Saved quick events without HTTP: saving checks like an entry, one tap records for exactly
the chosen students with today's date through record_entries (audit included), ownership."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
import sqlalchemy as sa

from starrating.errors import NotFound, PermissionDenied, ValidationFailed
from starrating.extensions import db
from starrating.models import QuickEvent
from starrating.services import entry_input as entry_in
from starrating.services import quick_events as qe
from tests.teacher.conftest import audit_rows, live_entries

TODAY = date(2026, 11, 20)


def duty(**kw):
    data = {"label": "值日 +2", "indicator": "moral.service", "points": "2", "note": "值日"}
    data.update(kw)
    return qe.QuickEventInput(**data)


def catalogue_item(term):
    rules = entry_in.rules_for(term)
    key = next(k for k in rules.indicator_keys() if rules.indicator(k).items)
    return key, f"{key}|0", rules.indicator(key).items[0]


def test_quick_event_records_for_the_chosen_students_today(school):
    event = qe.save_quick_event(school.teacher, school.term, school.class_a.id, duty(),
                                today=TODAY)
    db.session.commit()
    chosen = [s.id for s in school.students[1:4]]
    created = qe.record_quick_event(school.teacher, school.term, event.id, chosen, today=TODAY)
    db.session.commit()
    rows = live_entries()
    assert sorted(e.student_id for e in rows) == chosen
    assert all(e.occurred_on == TODAY and e.points == Decimal("2.00") and e.note == "值日"
               and e.indicator == "moral.service" and e.author_id == school.teacher.id
               for e in rows)
    assert len(audit_rows(action="create", object_type="entry")) == len(created) == 3


def test_quick_event_with_an_item_uses_the_item_and_its_points(school):
    key, value, item = catalogue_item(school.term)
    event = qe.save_quick_event(school.teacher, school.term, school.class_a.id,
                                duty(indicator=key, item=value, points=""), today=TODAY)
    assert event.points_cents is None and event.item_name == item.name
    [entry] = qe.record_quick_event(school.teacher, school.term, event.id,
                                    [school.students[0].id], today=TODAY)
    assert entry.item_name == item.name and entry.points == item.points


@pytest.mark.parametrize("field,kw", [
    ("label", {"label": "  "}),
    ("label", {"label": "x" * 41}),
    ("indicator", {"indicator": "moral.nonsense"}),
    ("points", {"points": "0"}),
    ("points", {"points": ""}),
    ("points", {"points": "5000"}),
])
def test_a_bad_quick_event_is_refused_and_nothing_saved(school, field, kw):
    with pytest.raises(ValidationFailed) as e:
        qe.save_quick_event(school.teacher, school.term, school.class_a.id, duty(**kw),
                            today=TODAY)
    assert field in e.value.errors
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(QuickEvent)) == 0


def test_no_student_chosen_records_nothing(school):
    event = qe.save_quick_event(school.teacher, school.term, school.class_a.id, duty(),
                                today=TODAY)
    with pytest.raises(ValidationFailed) as e:
        qe.record_quick_event(school.teacher, school.term, event.id, [], today=TODAY)
    assert "students" in e.value.errors
    assert live_entries() == []


def test_only_the_class_teacher_uses_or_changes_a_class_quick_events(school):
    event = qe.save_quick_event(school.teacher, school.term, school.class_a.id, duty(),
                                today=TODAY)
    db.session.commit()
    for actor in (school.other_teacher, school.admin, school.student_user):
        with pytest.raises(PermissionDenied):
            qe.record_quick_event(actor, school.term, event.id, [school.students[0].id],
                                  today=TODAY)
        with pytest.raises(PermissionDenied):
            qe.delete_quick_event(actor, school.term, event.id)
        with pytest.raises(PermissionDenied):
            qe.save_quick_event(actor, school.term, school.class_a.id, duty(), today=TODAY)
        with pytest.raises(PermissionDenied):
            qe.class_quick_events(actor, school.term, school.class_a.id)
    assert live_entries() == []
    assert db.session.get(QuickEvent, event.id) is not None


def test_a_quick_event_records_only_students_of_its_class(school):
    event = qe.save_quick_event(school.teacher, school.term, school.class_a.id, duty(),
                                today=TODAY)
    with pytest.raises(PermissionDenied):
        qe.record_quick_event(school.teacher, school.term, event.id,
                              [school.students[0].id, school.other_students[0].id], today=TODAY)
    assert live_entries() == []


def test_another_schools_class_is_not_found(school, make):
    other_school = make.school()
    major = make.major(make.department(other_school, "信息工程系"), "软件技术")
    other_class = make.school_class(major, other_school, "24软件1班")
    with pytest.raises(NotFound):
        qe.class_quick_events(school.teacher, school.term, other_class.id)
    with pytest.raises(NotFound):
        qe.record_quick_event(school.teacher, school.term, 10_000, [], today=TODAY)


def test_not_in_a_term_that_is_no_longer_in_force(school, make):
    event = qe.save_quick_event(school.teacher, school.term, school.class_a.id, duty(),
                                today=TODAY)
    old = make.term(school.school, name="2025—2026学年第二学期", start=date(2026, 2, 20),
                    end=date(2026, 7, 10))
    make.assign(old, school.class_a, school.teacher)
    with pytest.raises(PermissionDenied):
        qe.record_quick_event(school.teacher, old, event.id, [school.students[0].id],
                              today=TODAY)


def test_listing_is_by_label(school):
    for label in ("卫生 +1", "值日 +2"):
        qe.save_quick_event(school.teacher, school.term, school.class_a.id, duty(label=label),
                            today=TODAY)
    got = [e.label for e in qe.class_quick_events(school.teacher, school.term,
                                                  school.class_a.id)]
    assert got == sorted(got)
