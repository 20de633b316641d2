"""Issue 15: a GET reads through the engine's read-only twin (extensions.read_only_engine).

On PostgreSQL the twin is in autocommit, so a page costs its statements and no BEGIN and
ROLLBACK round trips; on every database a write statement sent during a GET is refused
before it reaches the database (a GET's writes were always rolled back; in autocommit they
would stay). A POST still runs in one transaction that the boundary commits or rolls back.
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from flask import Blueprint

from starrating.db_events import WriteInReadingRequest
from starrating.extensions import READ_ONLY, db
from starrating.models import Student
from tests.conftest import USE_PG


@pytest.fixture
def probe(app):
    """Routes that report how their request reaches the database, and one that writes."""
    seen: dict = {}
    bp = Blueprint("probe", __name__)

    def report():
        conn = db.session.connection()
        seen["read_only"] = bool(conn.get_execution_options().get(READ_ONLY))
        seen["autocommit"] = getattr(conn.connection.dbapi_connection, "autocommit", None)
        return "ok"

    def rename(student_id):
        db.session.execute(sa.update(Student).where(Student.id == student_id)
                           .values(name="改过的名字"))
        db.session.flush()
        return "renamed"

    bp.add_url_rule("/probe/report", "report", report, methods=["GET", "POST"])
    bp.add_url_rule("/probe/rename/<int:student_id>", "rename", rename, methods=["GET", "POST"])
    app.register_blueprint(bp)
    from starrating import boundary
    boundary.install(app)
    app.config["WTF_CSRF_ENABLED"] = False
    return seen


def test_a_get_reads_on_the_read_only_twin_and_a_post_does_not(app, probe):
    client = app.test_client()
    assert client.get("/probe/report").status_code == 200
    assert probe["read_only"] is True
    if USE_PG:
        assert probe["autocommit"] is True  # no BEGIN, no ROLLBACK: the one statement
    assert client.post("/probe/report").status_code == 200
    assert probe["read_only"] is False
    if USE_PG:
        assert probe["autocommit"] is False  # the pooled connection came back as it was


def test_a_write_in_a_get_is_refused_and_the_same_write_in_a_post_is_kept(app, probe, school):
    student = school.students[0]
    name = student.name
    db.session.commit()
    client = app.test_client()
    with pytest.raises(WriteInReadingRequest):
        client.get(f"/probe/rename/{student.id}")
    db.session.expire_all()
    assert db.session.get(Student, student.id).name == name  # nothing reached the database
    assert client.post(f"/probe/rename/{student.id}").status_code == 200
    db.session.expire_all()
    assert db.session.get(Student, student.id).name == "改过的名字"


def test_writes_outside_a_request_are_not_refused(app, school):
    # The CLI and the job worker have no request: their session writes as before.
    student = school.students[0]
    db.session.execute(sa.update(Student).where(Student.id == student.id).values(name="新名"))
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(Student, student.id).name == "新名"
