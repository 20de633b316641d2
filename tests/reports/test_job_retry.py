"""Retrying an export: a failed or stalled job, by its creator or an admin of its school."""

from __future__ import annotations

from datetime import timedelta

import pytest

from starrating.extensions import db
from starrating.models import ExportJob, Role
from starrating.services.reports import jobs as service
from tests.reports.health_helpers import T0, fixed_clock, queued_job, reload, running_job
from tests.security.helpers import table_dump


@pytest.fixture
def clock(monkeypatch):
    return fixed_clock(monkeypatch)


def failed_job(actor, term, school_class=None) -> ExportJob:
    job = running_job(actor, term, school_class)
    service.finish(job.id, 1, status="failed", error="磁盘已满")
    db.session.commit()
    return reload(job)


def retry(actor, job, **data):
    return actor.post(f"/admin/reports/jobs/{job.id}/retry", data)


def test_creator_retries_a_failed_job_and_it_runs_again_with_the_same_params(act, demo,
                                                                            clock):
    school = demo
    job = failed_job(school.teacher, school.term, school.class_a)
    params = dict(job.params)
    clock.now = T0 + timedelta(hours=1)
    teacher = act(school.teacher)
    html = teacher.get("/admin/reports").get_data(as_text=True)
    assert f'action="/admin/reports/jobs/{job.id}/retry" class="retry-form">' in html
    response = retry(teacher, job, term=school.term.id)
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/admin/reports?term={school.term.id}")
    # HUEY_IMMEDIATE: enqueued after the commit, it ran at once, as the worker would.
    job = reload(job)
    assert (job.status, job.kind, job.params, job.attempt) == ("done", "xlsx", params, 2)
    assert (job.error, job.queued_at, job.started_at) == ("", clock.now, clock.now)
    assert (job.progress, job.total) == (6, 6)  # class A's six stored results
    assert teacher.get(f"/admin/reports/jobs/{job.id}/download").status_code == 200
    page = teacher.get("/admin/reports").get_data(as_text=True)
    assert "导出已重新排队，本页会显示进度。" in page


def test_an_admin_of_the_school_retries_a_teachers_stalled_job(act, school, clock):
    job = running_job(school.teacher, school.term, school.class_a)
    clock.now = T0 + timedelta(minutes=10, seconds=1)  # stalled, not yet swept
    assert retry(act(school.admin), job).status_code == 302
    job = reload(job)
    assert (job.status, job.attempt, job.created_by_id) == ("done", 2, school.teacher.id)


def test_a_retry_that_finds_no_worker_waits_and_says_so_again(act, school, clock, app,
                                                             monkeypatch):
    """With no worker the retried job is queued again and the notice comes back after 30 s."""
    monkeypatch.setattr("starrating.admin.reports.enqueue_export", lambda job_id: None)
    job = failed_job(school.admin, school.term)
    clock.now = T0 + timedelta(hours=1)
    admin = act(school.admin)
    assert retry(admin, job).status_code == 302
    assert reload(job).status == "queued"
    clock.now += timedelta(seconds=31)
    assert admin.get(f"/admin/reports/jobs/{job.id}.json").get_json()["worker"] == "no_worker"


@pytest.mark.parametrize("who", ["other_admin", "other_teacher", "student"])
def test_others_cannot_retry(act, school, make, clock, who):
    job = failed_job(school.teacher, school.term, school.class_a)
    if who == "other_admin":
        other = make.school(name="另一所学校")
        user = make.user(Role.ADMIN, other.id)
        db.session.commit()
    else:
        user = {"other_teacher": school.other_teacher, "student": school.student_user}[who]
    before = table_dump()
    response = retry(act(user), job)
    assert response.status_code == 403
    assert table_dump() == before


def test_retry_of_a_job_that_does_not_exist_is_404(act, school):
    assert act(school.admin).post("/admin/reports/jobs/999999/retry").status_code == 404


def test_retry_needs_the_csrf_token(act, school, clock):
    job = failed_job(school.admin, school.term)
    before = table_dump()
    response = act(school.admin).post(f"/admin/reports/jobs/{job.id}/retry", csrf=False)
    assert response.status_code == 400
    assert table_dump() == before


def done_job(actor, term):
    job = queued_job(actor, term)
    from starrating.jobs import run_export_now

    run_export_now(job.id)
    return reload(job)


@pytest.mark.parametrize("state", ["done", "queued", "running"])
def test_only_failed_or_stalled_jobs_may_be_retried(act, school, clock, state):
    job = {"done": lambda: done_job(school.admin, school.term),
           "queued": lambda: queued_job(school.admin, school.term),
           "running": lambda: running_job(school.admin, school.term)}[state]()
    clock.now = T0 + timedelta(minutes=9)  # running but not stalled; queued and waiting
    before = table_dump()
    response = retry(act(school.admin), job, term=school.term.id)
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert "只有失败或已停滞的导出才能重试。" in html and "<h1>报表</h1>" in html
    assert table_dump() == before


def test_retry_is_refused_in_english_too(act, school, clock):
    job = done_job(school.admin, school.term)
    admin = act(school.admin)
    admin.post("/lang/en", {"next": "/admin/reports"})
    response = retry(admin, job)
    assert response.status_code == 409
    assert "Only a failed or stalled export can be retried." in response.get_data(as_text=True)


def test_a_done_jobs_row_has_no_retry_button(act, school, clock):
    job = done_job(school.admin, school.term)
    html = act(school.admin).get("/admin/reports").get_data(as_text=True)
    assert f"/admin/reports/jobs/{job.id}/retry" not in html


def test_double_retry_queues_once(act, school, clock, monkeypatch):
    monkeypatch.setattr("starrating.admin.reports.enqueue_export", lambda job_id: None)
    job = failed_job(school.admin, school.term)
    admin = act(school.admin)
    assert retry(admin, job).status_code == 302
    assert retry(admin, job).status_code == 409  # queued now: not again
    assert reload(job).status == "queued"
