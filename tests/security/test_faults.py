"""Faults: an import killed with SIGKILL in the middle of its write leaves nothing behind;
two edits of one entry from the same
version: exactly one wins, the other gets 409."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from starrating import create_app
from starrating.extensions import db
from tests.conftest import _config_dict, csrf_from
from tests.security.gunicorn_helpers import PG_ADMIN, pg_available

ROOT = Path(__file__).resolve().parents[2]

# Runs in the child process only: the hook that makes the import stop halfway is installed
# here, never in the application.
WRAPPER = textwrap.dedent('''
    import io, sys, time
    sys.path.insert(0, {root!r})
    from openpyxl import Workbook
    import sqlalchemy as sa
    from starrating import create_app
    from starrating.extensions import db
    from starrating.models import Student, User, Role
    from tests.conftest import _config_dict, login_as
    import starrating.auth.services as auth_services

    url, marker = sys.argv[1], sys.argv[2]
    app = create_app({{**_config_dict(), "SQLALCHEMY_DATABASE_URI": url,
                       "STARRATING_FILES_DIR": sys.argv[3]}})
    real = auth_services.generate_initial_password
    calls = []

    def halfway():
        # The students are inserted (flushed, not committed); the accounts come next.
        calls.append(1)
        if len(calls) == 50:
            n = db.session.scalar(sa.select(sa.func.count(Student.id)))
            open(marker, "w").write(str(n))
            time.sleep(120)  # the parent kills us here
        return real()

    auth_services.generate_initial_password = halfway
    with app.app_context():
        admin = db.session.scalar(sa.select(User).where(User.role == Role.ADMIN))
        client = app.test_client()
        actor = login_as(client, admin)
        book = Workbook()
        book.active.append(["学号", "姓名", "性别", "班级", "状态"])
        for i in range(300):
            book.active.append([f"2031{{i:06d}}", f"新生{{i}}", "男", "24机电1班", "在读"])
        out = io.BytesIO(); book.save(out)
        r = actor.post("/admin/students/import",
                       {{"file": (io.BytesIO(out.getvalue()), "roster.xlsx")}},
                       content_type="multipart/form-data")
        import re
        token = re.search(r"/admin/students/import/([0-9a-f]+)", r.get_data(as_text=True)).group(1)
        actor.post(f"/admin/students/import/{{token}}")
        open(marker + ".done", "w").write("finished")
''')


def _prepare(url: str):
    app = create_app({**_config_dict(), "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        db.drop_all()
        db.create_all()
        from tests.factories import Maker

        school = Maker().school_setup()
        counts = (db.session.scalar(sa.select(sa.func.count()).select_from(db.metadata.tables["student"])),
                  db.session.scalar(sa.select(sa.func.count()).select_from(db.metadata.tables["user"])))
        assert school.class_a.name == "24机电1班"
        db.session.remove()
        db.engine.dispose()
    return counts


def _kill_halfway(url: str, tmp_path: Path) -> int:
    script = tmp_path / "import_child.py"
    script.write_text(WRAPPER.format(root=str(ROOT)))
    marker = tmp_path / "halfway"
    proc = subprocess.Popen([sys.executable, str(script), url, str(marker),
                             str(tmp_path / "files")], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        for _ in range(600):
            if marker.exists() and marker.read_text():
                break
            if proc.poll() is not None:
                raise AssertionError(f"child ended early: {proc.stderr.read().decode()[-3000:]}")
            time.sleep(0.1)
        else:
            raise AssertionError("the import never reached its halfway point")
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(10)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == -signal.SIGKILL
    assert not (tmp_path / "halfway.done").exists()
    return int(marker.read_text())


def _counts_after(url: str) -> dict:
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        # table names are this module's constants, never input
        result = {name: conn.scalar(sa.text(f'SELECT count(*) FROM "{name}"'))  # noqa: S608
                  for name in ("student", "user", "import_batch", "audit_log")}
        result["new"] = conn.scalar(sa.text(
            "SELECT count(*) FROM student WHERE student_no LIKE '2031%'"))
        if url.startswith("sqlite"):
            result["integrity"] = conn.scalar(sa.text("PRAGMA integrity_check"))
            result["fk"] = conn.execute(sa.text("PRAGMA foreign_key_check")).all()
    engine.dispose()
    return result


def test_roster_import_killed_halfway_leaves_no_rows_sqlite(tmp_path):
    url = f"sqlite:///{tmp_path / 'faults.sqlite3'}"
    students, users = _prepare(url)
    seen_inside = _kill_halfway(url, tmp_path)
    assert seen_inside == students + 300  # the child had written the students when killed
    after = _counts_after(url)
    assert after["new"] == 0 and after["student"] == students and after["user"] == users
    assert after["import_batch"] == 0 and after["audit_log"] == 0
    assert after["integrity"] == "ok" and after["fk"] == []


@pytest.fixture
def pg_database(worker_id):
    if not pg_available():
        pytest.skip("PostgreSQL not reachable")
    name = f"starrating_faults_{worker_id}"
    admin = sa.create_engine(f"{PG_ADMIN}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    yield f"{PG_ADMIN}/{name}"
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def test_roster_import_killed_halfway_leaves_no_rows_postgresql(tmp_path, pg_database):
    students, users = _prepare(pg_database)
    seen_inside = _kill_halfway(pg_database, tmp_path)
    assert seen_inside == students + 300
    time.sleep(0.5)  # the server notices the dead client and rolls its transaction back
    after = _counts_after(pg_database)
    assert after["new"] == 0 and after["student"] == students and after["user"] == users
    assert after["import_batch"] == 0 and after["audit_log"] == 0


# ---- two edits of the same entry at once ------------------------------------------------------

def test_concurrent_edits_one_wins_the_other_gets_409(app, school, make, act):
    from starrating.models import Entry

    entry = make.entry(school.term, school.students[0], "moral.service", "2",
                       author=school.teacher)
    db.session.commit()
    entry_id, version = entry.id, entry.version
    url = f"/teacher/entry/{entry_id}/edit"
    tabs = [act(school.teacher), act(school.admin)]
    tokens = [csrf_from(t.get(url).get_data(as_text=True)) for t in tabs]
    barrier = threading.Barrier(2)
    results = [None, None]

    def edit(i):
        data = {"csrf_token": tokens[i], "indicator": "moral.service", "points": str(3 + i),
                "occurred_on": "2026-10-01", "note": f"tab {i}", "version": str(version)}
        with app.app_context():
            barrier.wait()
            results[i] = tabs[i].client.post(url, data=data).status_code

    threads = [threading.Thread(target=edit, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sorted(results) == [302, 409], results
    db.session.expire_all()
    stored = db.session.get(Entry, entry_id)
    assert stored.version == version + 1
    winner = results.index(302)
    assert stored.note == f"tab {winner}" and stored.points_cents == (3 + winner) * 100


def test_sequential_stale_edit_gets_409_and_keeps_the_first(app, school, make, act):
    from starrating.models import Entry

    entry = make.entry(school.term, school.students[0], "moral.service", "2",
                       author=school.teacher)
    db.session.commit()
    url = f"/teacher/entry/{entry.id}/edit"
    first, second = act(school.teacher), act(school.teacher)
    base = {"indicator": "moral.service", "occurred_on": "2026-10-01",
            "version": str(entry.version)}
    assert first.post(url, {**base, "points": "5", "note": "first"}).status_code == 302
    assert second.post(url, {**base, "points": "7", "note": "second"}).status_code == 409
    db.session.expire_all()
    assert db.session.get(Entry, entry.id).note == "first"
