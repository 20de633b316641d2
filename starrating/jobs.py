"""Background jobs on huey: long exports and the periodic finalizing, never inside a request.

The queue is bound to the app by `init_app` (called from `register_extensions`), from the
app's configuration: Redis when REDIS_URL is set (several servers), else SQLite in the
instance folder (one server); with HUEY_IMMEDIATE (tests) a task runs at once in the
calling process. Nothing is read from the environment here: config.py does that.

Run the worker next to the web server, with the same environment:

    .venv/bin/huey_consumer starrating.jobs.huey -w 2

The worker builds the app once (`create_app()`, set as `huey.app_factory` by the package)
before it consumes; each task then runs in an app context of its own. An export commits its
progress each time the export reports it (report cards every 10 cards, workbooks every 1,000
rows: the `progress_every` of `services/reports/pdf.py` and `xlsx.py`); the page polls it.
Each report is also the run's heartbeat: a run silent for EXPORT_STALLED_AFTER is taken for
dead, and `fail_stalled_exports_task` (every 5 minutes) marks it failed so it can be retried.
Production runs this worker under systemd: docs/deploy.md.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

from flask import Flask, current_app, has_app_context
from flask_babel import force_locale, gettext
from huey import Huey, crontab
from huey.storage import RedisStorage, SqliteStorage
from sqlalchemy import event as sa_event

from .errors import DomainError
from .extensions import db
from .models import ExportJob, Term
from .services import channels, evaluation, notifications, workflow
from .services.reports import jobs as export_service

log = logging.getLogger(__name__)
# How often a worker finalizes the classes whose notice period has ended.
FINALIZE_EVERY = crontab(minute="*/15")
# Evaluation rounds past their end date are closed at 1, 16, 31 and 46 past the hour.
CLOSE_ROUNDS_EVERY = crontab(minute="1-59/15")
# How often a worker looks for exports whose worker died (EXPORT_STALLED_AFTER without progress).
SWEEP_STALLED_EVERY = crontab(minute="3-59/5")  # 3, 8, 13 …: never with the finalizing
# Pushes (email, group robots) due now: retries and those held back by quiet hours.
DELIVER_EVERY = crontab(minute="*")
# Hourly: "the notice period ends in a day" for the classes it concerns (once each).
NOTICE_ENDING_EVERY = crontab(minute="7")


class AppHuey(Huey):
    """A huey queue whose storage and app come from a Flask app (see `init_app`)."""

    #: builds the worker's app; the package sets it to `create_app`
    app_factory: Callable[[], Flask] | None = None

    def __init__(self, name: str) -> None:
        # In memory until an app binds it: importing this module opens no file or socket.
        super().__init__(name, immediate=True)
        self.app: Flask | None = None
        self._binding: tuple | None = None

    def bind(self, app: Flask) -> None:
        """Take storage and immediate mode from the app's config; run tasks in this app."""
        redis_url = app.config.get("REDIS_URL")
        if redis_url:
            storage_class, kwargs = RedisStorage, {"url": redis_url}
        else:
            path = app.config.get("HUEY_SQLITE_PATH") or str(Path(app.instance_path) / "huey.sqlite3")
            storage_class, kwargs = SqliteStorage, {"filename": path}
        immediate = bool(app.config.get("HUEY_IMMEDIATE", False))
        self.app = app
        binding = (storage_class, tuple(sorted(kwargs.items())), immediate)
        if binding == self._binding:
            return
        self._binding = binding
        self.storage_class, self.storage_kwargs, self._immediate = storage_class, kwargs, immediate
        if not immediate:
            Path(kwargs.get("filename", app.instance_path)).parent.mkdir(parents=True, exist_ok=True)
        self.storage = self.create_storage()

    def create_consumer(self, **options):
        """The worker: build the app first (binding the storage), then consume."""
        if self.app is None and self.app_factory is not None:
            self.app_factory()
        return super().create_consumer(**options)

    def task_app(self) -> Flask:
        """The app a task runs in: the caller's (immediate mode) or the bound one (worker)."""
        if has_app_context():
            return current_app._get_current_object()
        if self.app is None:
            raise RuntimeError("the job queue is not bound to an app (create_app() binds it)")
        return self.app


huey = AppHuey("starrating")


def init_app(app: Flask) -> None:
    """Bind the queue to the app (storage, HUEY_IMMEDIATE) so tasks run in it."""
    huey.bind(app)
    if not getattr(huey, "_deliveries_hooked", False):
        sa_event.listen(db.session, "after_commit", _kick_deliveries)
        sa_event.listen(db.session, "after_rollback", _forget_deliveries)
        huey._deliveries_hooked = True


# ---- pushes (services/channels.py) ----------------------------------------------------------
# A service that makes Delivery rows notes their ids in `session.info["new_deliveries"]`;
# once that transaction commits they are handed to the queue (a rollback forgets them).

def _kick_deliveries(session) -> None:
    ids = session.info.pop("new_deliveries", None)
    if not ids:
        return
    try:
        deliver_task(list(ids))
    except Exception:  # the queue being down never undoes the committed action
        log.exception("could not queue %s pushes; the periodic sweep sends them", len(ids))


def _forget_deliveries(session) -> None:
    session.info.pop("new_deliveries", None)


@huey.task()
def deliver_task(ids: list[int]) -> None:
    with huey.task_app().app_context():
        deliver_now(ids)


@huey.periodic_task(DELIVER_EVERY)
def deliver_due_task() -> None:
    with huey.task_app().app_context():
        deliver_now()


def deliver_now(ids=None) -> tuple[int, int]:
    """Send due pushes (only `ids` if given), committed: (sent, not sent)."""
    try:
        outcome = channels.deliver_due(ids=ids)
        db.session.commit()
    except Exception:
        db.session.rollback()
        log.exception("sending pushes failed")
        return 0, 0
    return outcome


@huey.periodic_task(NOTICE_ENDING_EVERY)
def notice_ending_task() -> int:
    with huey.task_app().app_context():
        return notice_ending_now()


# Hourly: each school's monthly summary goes on its day from 08:00 in the school's own zone
# (notifications.monthly_due), so schools in other zones are served on their own day.
MONTHLY_EVERY = crontab(minute="5")


@huey.periodic_task(MONTHLY_EVERY)
def monthly_summaries_task() -> int:
    """On each school's day: one job per class for last month's summary (月小结)."""
    with huey.task_app().app_context():
        return monthly_summaries_now()


def monthly_summaries_now(now=None) -> int:
    """Queue the summary job of every class due now (not yet made); the number of classes."""
    due = notifications.monthly_due(now)
    for term_id, class_id, year, month in due:
        monthly_summary_task(term_id, class_id, year, month)
    return len(due)


@huey.task(retries=2, retry_delay=300)
def monthly_summary_task(term_id: int, class_id: int, year: int, month: int) -> int:
    """One class's monthly summary, committed (once per class and month)."""
    with huey.task_app().app_context():
        made = notifications.monthly_summary(db.session.get(Term, term_id), class_id, year,
                                             month)
        db.session.commit()
        return made


def notice_ending_now() -> int:
    """The inbox items (and pushes) for notice periods ending within a day, committed."""
    count = notifications.notice_ending_due()
    db.session.commit()
    return count


@huey.task()
def run_export(job_id: int) -> None:
    with huey.task_app().app_context():  # a fresh context: its own database session
        run_export_now(job_id)


@huey.periodic_task(FINALIZE_EVERY)
def finalize_due_task() -> int:
    """Finalize the classes whose notice period has ended (the pages only show it)."""
    with huey.task_app().app_context():
        return finalize_due_now()


@huey.periodic_task(SWEEP_STALLED_EVERY)
def fail_stalled_exports_task() -> int:
    """Mark failed the exports whose worker died (the pages only show them as stalled)."""
    with huey.task_app().app_context():
        return fail_stalled_exports_now()


@huey.periodic_task(CLOSE_ROUNDS_EVERY)
def close_due_rounds_task() -> int:
    """Close the evaluation rounds whose end date has passed and store their results."""
    with huey.task_app().app_context():
        return close_due_rounds_now()


def close_due_rounds_now() -> int:
    """What the periodic task does, committed: the number of rounds closed."""
    count = evaluation.close_due()
    db.session.commit()
    if count:
        log.info("closed %s evaluation rounds whose end date passed", count)
    return count


def fail_stalled_exports_now() -> int:
    """What the periodic sweep does, committed: the number of jobs marked failed."""
    count = export_service.fail_stalled()
    db.session.commit()
    if count:
        log.warning("marked %s export jobs failed: no progress from their worker", count)
    return count


def finalize_due_now() -> int:
    """What the periodic task does, committed: the number of classes finalized."""
    count = workflow.finalize_due()
    db.session.commit()
    if count:
        log.info("finalized %s classes whose notice period ended", count)
    return count


def run_export_now(job_id: int) -> None:
    """Run one export job, committing its status and progress as it goes.

    The job is claimed first (only a queued job is taken, so a job queued twice runs once);
    every progress report is also a heartbeat, and writes only while the job is still this
    run's: a run given up for dead (`fail_stalled`) or retried meanwhile stops and keeps no file.
    """
    attempt = export_service.claim(job_id)
    db.session.commit()
    if attempt is None:
        return
    job = db.session.get(ExportJob, job_id)

    def progress(done: int, total: int) -> None:
        export_service.heartbeat(job_id, attempt, done, total)
        db.session.commit()

    try:
        name = export_service.execute(job, progress)
    except export_service.JobGivenUp:
        db.session.rollback()
        log.warning("export job %s was given up while it ran (attempt %s); stopped", job_id,
                    attempt)
        return
    except Exception as e:  # the job must end as failed, whatever went wrong
        db.session.rollback()
        log.exception("export job %s failed", job_id)
        export_service.finish(job_id, attempt, status="failed", error=_message(e))
        db.session.commit()
        return
    if not export_service.finish(job_id, attempt, status="done", file_name=name,
                                 progress=ExportJob.total):
        (export_service.exports_dir() / name).unlink(missing_ok=True)
        log.warning("export job %s was given up before it finished; its file is removed", job_id)
    db.session.commit()


def _message(error: Exception) -> str:
    """A domain error's own words; anything else stays in the log (paths, internals)."""
    if isinstance(error, DomainError) and error.message:
        return str(error.message)[:500]
    with force_locale("zh_Hans_CN"):
        return f"{gettext('The export failed; the server log has the details.')} " \
               f"({type(error).__name__})"


def enqueue_export(job_id: int) -> None:
    run_export(job_id)
