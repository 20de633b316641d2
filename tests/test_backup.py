"""backup and restore: a round trip gives back exactly the same data."""

from __future__ import annotations

import shutil

import pytest
import sqlalchemy as sa

from starrating.extensions import db


def dump_all() -> dict:
    """Every row of every table, in a stable order."""
    db.session.remove()
    out = {}
    with db.engine.connect() as conn:
        for table in db.metadata.sorted_tables:
            rows = conn.execute(sa.select(table).order_by(*table.primary_key.columns)).all()
            out[table.name] = [tuple(r) for r in rows]
    return out


def test_backup_restore_round_trip(app, runner, tmp_path):
    if db.engine.dialect.name == "postgresql" and not shutil.which("pg_dump"):
        pytest.skip("pg_dump not installed")
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    before = dump_all()
    assert sum(len(rows) for rows in before.values()) > 3000

    target = tmp_path / "backup.db"
    result = runner.invoke(args=["backup", str(target)])
    assert result.exit_code == 0, result.output
    assert target.stat().st_size > 0

    # damage the live data after the backup
    with db.engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM audit_log"))
        conn.execute(sa.text("DELETE FROM entry WHERE id % 2 = 0 AND id NOT IN "
                             "(SELECT entry_id FROM appeal WHERE entry_id IS NOT NULL)"))
        conn.execute(sa.text("UPDATE student SET name = 'changed'"))
    assert dump_all() != before

    result = runner.invoke(args=["restore", str(target), "--yes"])
    assert result.exit_code == 0, result.output
    assert dump_all() == before


def test_restore_refuses_a_missing_file(runner, tmp_path):
    result = runner.invoke(args=["restore", str(tmp_path / "nope.db"), "--yes"])
    assert result.exit_code != 0
    assert "no such backup file" in result.output
    assert "Traceback" not in result.output
