"""Export jobs nobody runs: the worker notice after 30 s queued, stalled runs, the sweep.

The time is a fixed clock (`service.clock`), moved by hand: no test waits.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from starrating import jobs
from starrating.extensions import db
from starrating.models import ExportJob
from starrating.services.reports import jobs as service
from tests.reports.health_helpers import (
    T0,
    fixed_clock,
    notice_tag,
    queued_job,
    reload,
    row_tag,
    running_job,
)

SECOND = timedelta(seconds=1)


@pytest.fixture
def clock(monkeypatch):
    return fixed_clock(monkeypatch)


def test_notice_appears_once_a_job_has_waited_more_than_30_seconds(act, school, clock):
    job = queued_job(school.admin, school.term)
    admin = act(school.admin)

    clock.now = T0 + timedelta(seconds=30)  # not yet: exactly 30 s
    html = admin.get("/admin/reports").get_data(as_text=True)
    assert 'data-notice=""' in notice_tag(html) and " hidden" in notice_tag(html)
    assert 'data-health=""' in row_tag(html, job)
    status = admin.get(f"/admin/reports/jobs/{job.id}.json").get_json()
    assert (status["health"], status["worker"], status["retryable"]) == ("", None, False)

    clock.now = T0 + timedelta(seconds=31)
    html = admin.get("/admin/reports").get_data(as_text=True)
    tag = notice_tag(html)
    assert 'data-notice="no_worker"' in tag and "hidden" not in tag
    assert "似乎没有任务进程在运行。" in html and "30 秒" in html
    assert service.WORKER_COMMAND in html  # exactly what to run
    assert ".venv/bin/huey_consumer starrating.jobs.huey -w 2" == service.WORKER_COMMAND
    assert 'data-health="waiting"' in row_tag(html, job) and "等待任务进程" in row_tag(html, job)
    status = admin.get(f"/admin/reports/jobs/{job.id}.json").get_json()
    assert (status["health"], status["worker"]) == ("waiting", "no_worker")
    assert status["health_label"] == "等待任务进程" and status["status"] == "queued"


def test_the_command_in_the_notice_is_the_one_the_quick_start_runs():
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    assert service.WORKER_COMMAND in (root / "scripts" / "demo.sh").read_text()
    assert service.WORKER_COMMAND in (root / "README.md").read_text()


def test_notice_in_english(act, school, clock):
    queued_job(school.teacher, school.term, school.class_a)
    teacher = act(school.teacher)
    teacher.post("/lang/en", {"next": "/admin/reports"})
    clock.now = T0 + timedelta(minutes=5)
    html = teacher.get("/admin/reports").get_data(as_text=True)
    assert 'data-notice="no_worker"' in notice_tag(html)
    assert "No job worker seems to be running." in html
    assert "waited more than 30 seconds" in html and "Waiting for a worker" in html


def test_a_job_a_worker_took_raises_no_notice(act, school, clock):
    job = running_job(school.admin, school.term)
    clock.now = T0 + timedelta(minutes=5)  # running, quiet for 5 minutes: not stalled yet
    html = act(school.admin).get("/admin/reports").get_data(as_text=True)
    assert 'data-notice=""' in notice_tag(html)
    assert 'data-health=""' in row_tag(html, job)


def test_notice_says_busy_when_a_worker_reports_progress_on_another_job(act, school, make,
                                                                        clock):
    busy = running_job(school.admin, school.term)
    clock.now = T0 + timedelta(minutes=3)
    service.heartbeat(busy.id, 1, 10, 100)
    db.session.commit()
    waiting = queued_job(school.admin, school.term, school.class_a)
    clock.now += timedelta(seconds=31)
    admin = act(school.admin)
    html = admin.get("/admin/reports").get_data(as_text=True)
    assert 'data-notice="busy"' in notice_tag(html) and "所有任务进程都在忙。" in html
    assert admin.get(f"/admin/reports/jobs/{waiting.id}.json").get_json()["worker"] == "busy"
    # Once that worker has been quiet for the stall timeout, nothing is taken for busy.
    clock.now = T0 + timedelta(minutes=3) + timedelta(minutes=10, seconds=1)
    html = admin.get("/admin/reports").get_data(as_text=True)
    assert 'data-notice="no_worker"' in notice_tag(html)


def test_another_schools_waiting_job_raises_no_notice_here(act, school, make, clock):
    from starrating.models import Role

    other = make.school(name="另一所学校")
    other_term = make.term(other)
    other_admin = make.user(Role.ADMIN, other.id)
    queued_job(other_admin, other_term)
    clock.now = T0 + timedelta(minutes=1)
    html = act(school.admin).get("/admin/reports").get_data(as_text=True)
    assert 'data-notice=""' in notice_tag(html)
    assert 'data-notice="no_worker"' in notice_tag(
        act(other_admin).get("/admin/reports").get_data(as_text=True))


def test_a_quiet_running_job_shows_as_stalled_after_the_timeout(act, school, clock):
    job = running_job(school.teacher, school.term, school.class_a)
    clock.now = T0 + timedelta(minutes=2)
    service.heartbeat(job.id, 1, 3, 6)
    db.session.commit()
    teacher = act(school.teacher)
    clock.now = T0 + timedelta(minutes=12)  # exactly 10 minutes since the heartbeat
    html = teacher.get("/admin/reports").get_data(as_text=True)
    assert 'data-health=""' in row_tag(html, job)
    assert 'class="retry-form" hidden' in row_tag(html, job)
    clock.now += SECOND
    html = teacher.get("/admin/reports").get_data(as_text=True)
    row = row_tag(html, job)
    assert 'data-health="stalled"' in row and "已停滞：任务进程无进展" in row
    assert 'class="retry-form" hidden' not in row and "重试" in row
    status = teacher.get(f"/admin/reports/jobs/{job.id}.json").get_json()
    assert (status["status"], status["health"], status["retryable"]) == \
        ("running", "stalled", True)
    assert 'data-notice=""' in notice_tag(html)  # stalled is not "no worker took it"
    assert reload(job).status == "running"  # the page only shows it


def test_periodic_sweep_marks_stalled_jobs_failed_in_their_creators_language(school, clock):
    school.teacher.locale = "en"
    db.session.commit()
    stale_en = running_job(school.teacher, school.term, school.class_a)
    stale_zh = running_job(school.admin, school.term)
    clock.now = T0 + timedelta(minutes=5)
    alive = running_job(school.admin, school.term, school.class_b)
    waiting = queued_job(school.admin, school.term)

    clock.now = T0 + timedelta(minutes=10)  # not yet: exactly the timeout
    assert jobs.fail_stalled_exports_task.call_local() == 0
    assert reload(stale_en).status == "running"

    clock.now = T0 + timedelta(minutes=10) + SECOND
    assert jobs.fail_stalled_exports_task.call_local() == 2
    en, zh = reload(stale_en), reload(stale_zh)
    assert (en.status, en.finished_at) == ("failed", clock.now)
    assert en.error.startswith("The job worker stopped while writing this export (no "
                               "progress for 10 minutes)")
    assert zh.status == "failed" and zh.error.startswith("任务进程在生成此导出时停止了（10 分钟")
    assert reload(alive).status == "running" and reload(waiting).status == "queued"
    assert jobs.fail_stalled_exports_task.call_local() == 0  # done once


def test_the_stall_timeout_is_a_setting(app, school, clock, monkeypatch):
    monkeypatch.setitem(app.config, "EXPORT_STALLED_AFTER", timedelta(minutes=2))
    job = running_job(school.admin, school.term)
    clock.now = T0 + timedelta(minutes=2, seconds=1)
    assert jobs.fail_stalled_exports_now() == 1
    assert "2 分钟" in reload(job).error


def test_the_sweep_runs_every_five_minutes_never_with_the_finalizing():
    def due(minute):
        return {task.name for task in jobs.huey.read_periodic(datetime(2026, 12, 1, 9, minute))}

    assert [m for m in range(60) if "fail_stalled_exports_task" in due(m)] == \
        list(range(3, 60, 5))
    assert all("finalize_due_task" not in due(m) for m in range(3, 60, 5))


def test_a_run_given_up_for_dead_stops_and_keeps_nothing(app, school, clock, monkeypatch):
    """The worker was only slow: the sweep failed its job; when it reports again it stops."""
    job = queued_job(school.admin, school.term)
    calls = []

    def slow_export(job, progress):
        progress(0, 13)
        clock.now = T0 + timedelta(minutes=11)
        assert service.fail_stalled() == 1  # the periodic sweep, meanwhile
        db.session.commit()
        calls.append("swept")
        progress(5, 13)  # the worker wakes up
        calls.append("went on")  # never reached
        return "never.xlsx"

    monkeypatch.setattr(service, "execute", slow_export)
    jobs.run_export_now(job.id)
    assert calls == ["swept"]
    job = reload(job)
    assert job.status == "failed" and job.error.startswith("任务进程在生成此导出时停止了")
    assert (job.progress, job.file_name) == (0, None)


def test_a_run_given_up_just_before_it_finished_removes_its_file(app, school, clock,
                                                                 monkeypatch):
    job = queued_job(school.admin, school.term)
    real_execute = service.execute

    def export_then_sweep(job, progress):
        name = real_execute(job, progress)
        clock.now = T0 + timedelta(minutes=11)
        service.fail_stalled()
        db.session.commit()
        return name

    monkeypatch.setattr(service, "execute", export_then_sweep)
    jobs.run_export_now(job.id)
    job = reload(job)
    assert job.status == "failed" and job.file_name is None
    assert list(service.exports_dir().iterdir()) == []


def test_a_job_queued_twice_runs_once(school, clock):
    job = queued_job(school.admin, school.term)
    jobs.run_export_now(job.id)
    done = reload(job)
    assert (done.status, done.attempt, done.started_at, done.heartbeat_at) == \
        ("done", 1, T0, T0)
    jobs.run_export_now(job.id)  # the same id again from the queue
    assert reload(job).attempt == 1
    assert len(list(service.exports_dir().iterdir())) == 1


@pytest.mark.parametrize("status", ["done", "failed"])
def test_the_worker_takes_only_queued_jobs(school, clock, status):
    job = queued_job(school.admin, school.term)
    db.session.get(ExportJob, job.id).status = status
    db.session.commit()
    assert service.claim(job.id) is None
