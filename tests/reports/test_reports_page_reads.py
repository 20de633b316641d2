"""The reports page only reads: waiting and stalled jobs are shown, never written; its
statement count does not grow with the number of jobs listed."""

from __future__ import annotations

from datetime import timedelta

import pytest

from starrating.extensions import db
from starrating.models import ExportJob, Role
from starrating.services.reports import jobs as service
from tests.reports.health_helpers import T0, fixed_clock, queued_job, running_job
from tests.security.helpers import table_dump


@pytest.fixture
def clock(monkeypatch):
    return fixed_clock(monkeypatch)


def jobs_in_every_state(school, clock):
    """A stalled run, a failed one, and (30 s later) a job no worker took."""
    stalled = running_job(school.teacher, school.term, school.class_a)
    failed = running_job(school.admin, school.term)
    service.finish(failed.id, 1, status="failed", error="x")
    db.session.commit()
    clock.now = T0 + timedelta(minutes=20)
    waiting = queued_job(school.admin, school.term, school.class_b)
    clock.now += timedelta(seconds=31)
    return stalled, failed, waiting


@pytest.mark.parametrize("who", ["admin", "teacher"])
def test_get_of_the_reports_page_and_the_job_status_writes_nothing(act, school, clock, who):
    stalled, failed, waiting = jobs_in_every_state(school, clock)
    user = getattr(school, who)
    actor = act(user)
    before = table_dump()
    html = actor.get("/admin/reports").get_data(as_text=True)
    assert 'data-health="stalled"' in html
    for job in (stalled, failed, waiting):
        actor.get(f"/admin/reports/jobs/{job.id}.json")
    assert table_dump() == before
    # The stalled job is still "running" in the database: only the sweep marks it failed.
    db.session.expire_all()
    assert db.session.get(type(stalled), stalled.id).status == "running"


def add_jobs(make, school, user, how_many: int) -> None:
    """More of `user`'s jobs, over more classes and terms (a teacher's earlier classes
    too, which the page does not load otherwise), in every state."""
    for n in range(how_many):
        school_class = make.school_class(school.major, school.school)
        term = make.term(school.school) if n % 3 == 0 else school.term
        job = ExportJob(school_id=school.school.id, kind="xlsx" if n % 2 else "cards",
                        params={"term_id": term.id, "class_id": school_class.id, "lang": "zh"},
                        status="queued", created_by_id=user.id, queued_at=service.clock())
        db.session.add(job)
        db.session.flush()
        if n % 4 == 1:
            service.claim(job.id)
        elif n % 4 == 2:
            service.claim(job.id)
            service.finish(job.id, 1, status="failed", error="x")
    db.session.commit()


@pytest.mark.parametrize("who, listed", [("admin", 3), ("teacher", 1)])
def test_statement_count_does_not_grow_with_the_jobs_listed(act, make, school, clock,
                                                            count_queries, who, listed):
    jobs_in_every_state(school, clock)
    user = getattr(school, who)
    add_jobs(make, school, user, 1)  # one of the user's own waiting, as later
    clock.now += timedelta(hours=1)
    actor = act(user)
    assert actor.get("/admin/reports").status_code == 200  # warm
    with count_queries() as few:
        html = actor.get("/admin/reports").get_data(as_text=True)
    assert html.count('class="export-job"') == listed + 1
    add_jobs(make, school, user, 15)
    clock.now += timedelta(hours=1)  # every new one waits or is stalled now
    with count_queries() as many:
        html = actor.get("/admin/reports").get_data(as_text=True)
    assert html.count('class="export-job"') == listed + 16
    assert 'data-notice="no_worker"' in html
    assert many.count == few.count, "\n".join(many.statements)


def test_teachers_list_only_their_own_jobs(act, school, make, clock):
    stalled, failed, waiting = jobs_in_every_state(school, clock)
    other = make.user(Role.TEACHER, school.school.id)
    db.session.commit()
    html = act(school.teacher).get("/admin/reports").get_data(as_text=True)
    assert f'data-job-id="{stalled.id}"' in html and f'data-job-id="{failed.id}"' not in html
    # The admin's waiting job is not the teacher's: no notice for the teacher.
    assert 'data-notice=""' in html
    assert 'class="export-job"' not in act(other).get("/admin/reports").get_data(as_text=True)
