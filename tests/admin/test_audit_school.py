"""The audit row's school is the changed row's school, never the actor's: a city-wide
admin (no school of their own) used to leave rows without a school."""

from __future__ import annotations

import sqlalchemy as sa

from starrating.extensions import db
from starrating.models import AuditLog, Club, Role
from starrating.services import audit


def _last_row() -> AuditLog:
    return db.session.scalars(sa.select(AuditLog).order_by(AuditLog.id.desc())).first()


def test_record_takes_the_school_of_the_object_for_a_city_wide_admin(make, school):
    city_admin = make.user(Role.ADMIN, None, username="city_admin")
    audit.record(city_admin, "update", school.term, before={}, after={})
    db.session.flush()
    row = _last_row()
    assert city_admin.school_id is None
    assert row.school_id == school.school.id and row.actor_id == city_admin.id


def test_recorded_snapshots_flushes_and_records_with_the_object_school(make, school):
    city_admin = make.user(Role.ADMIN, None, username="city_admin")
    with audit.recorded(city_admin, "update", school.major):  # a major has no school column
        school.major.name = "数控技术"
    row = _last_row()
    assert row.school_id == school.school.id
    assert row.object_type == "major" and row.object_id == school.major.id
    assert row.before["name"] == "机电一体化" and row.after["name"] == "数控技术"


def test_change_records_a_delete_without_after_and_a_create_with_it(make, school):
    city_admin = make.user(Role.ADMIN, None, username="city_admin")
    club = Club(school_id=school.school.id, name="篮球社")
    db.session.add(club)
    audit.change(city_admin, "create", club)
    created = _last_row()
    assert created.school_id == school.school.id and created.after["name"] == "篮球社"
    assert created.before is None
    with audit.recorded(city_admin, "delete", club):
        db.session.delete(club)
    deleted = _last_row()
    assert deleted.school_id == school.school.id and deleted.action == "delete"
    assert deleted.before["name"] == "篮球社" and deleted.after is None
