"""The job queue: bound from the app's config, and the periodic finalizing of due classes."""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from huey.storage import MemoryStorage, RedisStorage, SqliteStorage

from starrating import create_app, jobs
from starrating.extensions import db
from starrating.models import ClassState, ClassTermStatus
from tests.conftest import _config_dict
from tests.workflow.helpers import NOW, publish


def _state(school, school_class) -> ClassState:
    db.session.rollback()  # read what is committed, not this session's view
    return db.session.scalar(sa.select(ClassTermStatus.state).where(
        ClassTermStatus.term_id == school.term.id, ClassTermStatus.class_id == school_class.id))


def test_periodic_task_finalizes_classes_whose_notice_period_ended_and_commits(school):
    publish(school, [school.class_a.id], now=NOW - timedelta(days=10), days=5)  # ended
    publish(school, [school.class_b.id], now=NOW, days=5)  # still in its notice period
    assert jobs.finalize_due_task.call_local() == 1
    assert _state(school, school.class_a) == ClassState.FINAL
    assert _state(school, school.class_b) == ClassState.PUBLISHED
    assert jobs.finalize_due_task.call_local() == 0


def _due_at(hour: int, minute: int) -> list[str]:
    """The names of the periodic tasks a worker starts at that minute."""
    return [task.name for task in jobs.huey.read_periodic(datetime(2025, 3, 1, hour, minute))
            if task.name not in FAMILIES_TASKS]


# Issue 16's periodic tasks (pushes every minute, notice endings hourly, the monthly summary
# at 08:00) are tested in tests/families/.
FAMILIES_TASKS = {"deliver_due_task", "notice_ending_task", "monthly_summaries_task"}


def test_periodic_task_runs_every_quarter_hour():
    assert _due_at(8, 0) == _due_at(8, 15) == _due_at(8, 45) == ["finalize_due_task"]
    assert _due_at(8, 7) == []


def test_queue_storage_follows_the_app_config(app, tmp_path):
    base = _config_dict()
    try:
        sqlite_app = create_app({**base, "HUEY_IMMEDIATE": False,
                                 "HUEY_SQLITE_PATH": str(tmp_path / "q" / "huey.sqlite3")})
        assert isinstance(jobs.huey.storage, SqliteStorage)
        assert jobs.huey.storage.filename == str(tmp_path / "q" / "huey.sqlite3")
        assert not jobs.huey.immediate and jobs.huey.app is sqlite_app
        create_app({**base, "HUEY_IMMEDIATE": False, "REDIS_URL": "redis://127.0.0.1:1/0"})
        assert isinstance(jobs.huey.storage, RedisStorage)  # no connection until a task
    finally:
        jobs.init_app(app)
    assert jobs.huey.immediate and isinstance(jobs.huey.storage, MemoryStorage)
