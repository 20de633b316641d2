"""tests/snapshot.py: a restored context is the database, the files and the objects its build
made — so a test that gets a restored build_context tests what it tested with a fresh one."""

from __future__ import annotations

import itertools
import shutil
from pathlib import Path

import sqlalchemy as sa
from flask import current_app

from starrating.extensions import db
from tests import snapshot
from tests.security.helpers import table_dump
from tests.security.test_matrix import _build_context


def _files() -> dict:
    root = Path(current_app.config["STARRATING_FILES_DIR"])
    return {str(p.relative_to(root)): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def _empty_everything() -> None:
    db.session.rollback()
    with db.engine.begin() as conn:
        for table in reversed(db.metadata.sorted_tables):
            conn.execute(table.delete())
    shutil.rmtree(current_app.config["STARRATING_FILES_DIR"])


def test_a_restored_context_is_what_its_build_made(app, make):
    key = ("test_snapshot", id(app))  # this test's own: the first call builds
    built = snapshot.cached(key, make, lambda: _build_context(make, True))
    dump, files = table_dump(ignore=()), _files()
    ids = (built.school.id, built.b.school.id, [s.id for s in built.students], built.entry.id)
    after_build = make.school()  # the ids and numbers that come next
    next_after_build = (after_build.id, after_build.code)
    db.session.rollback()

    _empty_everything()
    make._seq = itertools.count(1)  # a fresh maker, as a new test has
    restored = snapshot.cached(key, make, lambda: _build_context(make, True))
    try:
        assert table_dump(ignore=()) == dump
        assert _files() == files and files  # the evidence and the finished exports
        assert (restored.school.id, restored.b.school.id, [s.id for s in restored.students],
                restored.entry.id) == ids
        assert sorted(vars(restored)) == sorted(vars(built))
        assert restored.students[0] in db.session  # loaded in this test's session
        after_restore = make.school()
        assert (after_restore.id, after_restore.code) == next_after_build
    finally:
        db.session.rollback()
        shutil.rmtree(snapshot._SNAPSHOTS.pop(key)["files"], ignore_errors=True)


def test_no_snapshot_is_used_when_the_database_is_not_empty(app, make):
    make.school()  # a row of the test's own: restoring would drop it or collide with it
    db.session.commit()
    key = ("test_snapshot_not_empty", id(app))
    built = snapshot.cached(key, make, lambda: _build_context(make, True))
    assert key not in snapshot._SNAPSHOTS  # built for real, nothing kept
    assert db.session.scalar(sa.select(sa.func.count()).select_from(
        db.metadata.tables["school"])) == 3  # its own school, and the context's two
    assert built.school.id != built.b.school.id
