"""Issue 15: no `SELECT 1` before every request (pool_pre_ping), yet a pooled connection the
database dropped is survived: the first statement of a transaction is sent again on a new
connection (extensions.Session)."""

from __future__ import annotations

import time

import pytest
import sqlalchemy as sa

from config import Config
from starrating.extensions import db
from starrating.models import Entry
from tests.conftest import USE_PG


def test_no_ping_before_every_checkout_but_connections_are_recycled():
    options = Config.SQLALCHEMY_ENGINE_OPTIONS
    assert not options.get("pool_pre_ping")
    assert 0 < options["pool_recycle"] <= 3600


def _terminate_the_pools_connections() -> int:
    """pg_terminate_backend every other connection to this database (the app's pooled
    ones, the test's own included), from a connection of its own."""
    killer = sa.create_engine(db.engine.url, poolclass=sa.pool.NullPool)
    others = ("FROM pg_stat_activity WHERE datname = current_database() "
              "AND pid <> pg_backend_pid()")
    with killer.connect() as conn:
        killed = conn.scalar(sa.text(f"SELECT count(pg_terminate_backend(pid)) {others}"))
        for _ in range(100):  # pg_terminate_backend only signals: wait until they are gone
            if not conn.scalar(sa.text(f"SELECT count(*) {others}")):
                break
            time.sleep(0.05)
    killer.dispose()
    return killed


@pytest.mark.skipif(not USE_PG, reason="needs PostgreSQL (STARRATING_TEST_DATABASE_URL)")
def test_a_request_after_the_database_dropped_the_pooled_connection_succeeds(
        school, act, make):
    make.entry(school.term, school.students[0], "moral.service", "2", author=school.teacher)
    db.session.commit()
    name, other, start = (school.students[0].name, school.students[1].id,
                          school.term.start_date.isoformat())
    db.session.rollback()  # the test's own session holds no transaction across the drop
    teacher = act(school.teacher)
    url = f"/teacher/class/{school.class_a.id}"
    assert teacher.get(url).status_code == 200  # the pool now holds a connection
    connects = []

    def opened(*_args):
        connects.append(1)

    sa.event.listen(db.engine, "connect", opened)
    try:
        assert _terminate_the_pools_connections() >= 1
        response = teacher.get(url)
        assert response.status_code == 200
        assert name in response.get_data(as_text=True)
        assert connects, "the request should have opened a new connection"

        # a write after another drop is made once, and kept
        _terminate_the_pools_connections()
        form = teacher.get(f"/teacher/entry/new?class={school.class_a.id}")
        assert form.status_code == 200
        _terminate_the_pools_connections()
        saved = teacher.post("/teacher/entry/new", {
            "students": [str(other)], "indicator": "moral.service",
            "points": "3", "occurred_on": start, "note": "after"})
        assert saved.status_code in (302, 303), saved.get_data(as_text=True)[:400]
    finally:
        sa.event.remove(db.engine, "connect", opened)
    reader = sa.create_engine(db.engine.url, poolclass=sa.pool.NullPool)
    with reader.connect() as conn:  # the test's own connection was dropped too
        rows = conn.execute(sa.select(Entry.student_id, Entry.points_cents)
                            .where(Entry.note == "after")).all()
    reader.dispose()
    try:
        db.session.remove()
    except sa.exc.DBAPIError:  # the test's own transaction was on a dropped connection
        db.session.remove()
    db.engine.dispose()  # the fixture's clean-up gets connections of its own
    assert [tuple(r) for r in rows] == [(other, 300)]
