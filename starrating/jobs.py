"""Background jobs on huey: long exports run here, never inside a request.

Storage comes from the configuration: RedisHuey when REDIS_URL is set (several servers),
else SqliteHuey in the instance folder (one server). With HUEY_IMMEDIATE (tests) a task
runs at once in the calling process.

Run the worker next to the web server, with the same environment:

    .venv/bin/huey_consumer starrating.jobs.huey -w 2

Each task opens an app context (the worker builds the app once with create_app()).
"""

from __future__ import annotations

import logging
from functools import lru_cache
from pathlib import Path

from flask import Flask, current_app, has_app_context
from huey import Huey, SqliteHuey

from config import config_from_env

from .models import utcnow

log = logging.getLogger(__name__)
# Progress is committed at most this often (in students or rows); the page polls it.
PROGRESS_EVERY = 10


def _make_huey() -> Huey:
    cfg = config_from_env()
    immediate = bool(getattr(cfg, "HUEY_IMMEDIATE", False))
    if cfg.REDIS_URL:
        from huey import RedisHuey

        return RedisHuey("starrating", url=cfg.REDIS_URL, immediate=immediate)
    # Same instance folder as create_app(): Flask derives it from the package name.
    instance = Path(Flask("starrating", instance_relative_config=True).instance_path)
    instance.mkdir(parents=True, exist_ok=True)
    return SqliteHuey("starrating", filename=str(instance / "huey.sqlite3"),
                      immediate=immediate)


huey = _make_huey()


def init_app(app: Flask) -> None:
    """Follow the app's HUEY_IMMEDIATE (the tests' config turns it on)."""
    huey.immediate = bool(app.config.get("HUEY_IMMEDIATE", False))


@lru_cache(maxsize=1)
def _worker_app() -> Flask:
    from . import create_app

    return create_app()


@huey.task()
def run_export(job_id: int) -> None:
    app = current_app._get_current_object() if has_app_context() else _worker_app()
    with app.app_context():  # a fresh context: its own database session
        run_export_now(job_id)


def run_export_now(job_id: int) -> None:
    """Run one export job, committing its status and progress as it goes."""
    from .extensions import db
    from .models import ExportJob
    from .services.reports import jobs as service

    job = db.session.get(ExportJob, job_id)
    if job is None or job.status not in ("queued", "running"):
        return
    job.status, job.progress, job.error = "running", 0, ""
    db.session.commit()

    def progress(done: int, total: int) -> None:
        job.progress, job.total = done, total
        db.session.commit()

    try:
        name = service.execute(job, progress)
    except Exception as e:  # the job must end as failed, whatever went wrong
        db.session.rollback()
        log.exception("export job %s failed", job_id)
        job = db.session.get(ExportJob, job_id)
        job.status, job.error, job.finished_at = "failed", _message(e), utcnow()
        db.session.commit()
        return
    job.status, job.file_name, job.finished_at = "done", name, utcnow()
    job.progress = job.total
    db.session.commit()


def _message(error: Exception) -> str:
    """A domain error's own words; anything else stays in the log (paths, internals)."""
    from flask_babel import force_locale, gettext

    from .errors import DomainError

    if isinstance(error, DomainError) and error.message:
        return str(error.message)[:500]
    with force_locale("zh_Hans_CN"):
        return f"{gettext('The export failed; the server log has the details.')} " \
               f"({type(error).__name__})"


def enqueue_export(job_id: int) -> None:
    run_export(job_id)
