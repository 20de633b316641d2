"""Helpers for the export-job health tests: a fixed clock and jobs in a given state."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from starrating.extensions import db
from starrating.models import ExportJob
from starrating.services.reports import jobs as service

T0 = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)


class Clock:
    """The time the job-health checks read (`service.clock`), moved by hand."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def fixed_clock(monkeypatch) -> Clock:
    """Put a clock at T0 in place of the service's (each test file's `clock` fixture)."""
    fixed = Clock(T0)
    monkeypatch.setattr(service, "clock", fixed)
    return fixed


def queued_job(actor, term, school_class=None, kind="xlsx") -> ExportJob:
    """A job started (and committed) with no worker to take it: it stays queued."""
    job = service.start_export(actor, kind, term, school_class)
    db.session.commit()
    return job


def running_job(actor, term, school_class=None, kind="xlsx") -> ExportJob:
    """A job a worker has claimed at the clock's time (and reported nothing since)."""
    job = queued_job(actor, term, school_class, kind)
    assert service.claim(job.id) == 1
    db.session.commit()
    db.session.refresh(job)
    return job


def reload(job: ExportJob) -> ExportJob:
    db.session.rollback()  # what is committed, not this session's view
    return db.session.get(ExportJob, job.id)


NOTICE_RE = re.compile(r'<div id="worker-notice"[^>]*>')


def notice_tag(html: str) -> str:
    """The opening tag of the page's worker notice (its state and whether it is hidden)."""
    match = NOTICE_RE.search(html)
    assert match, "no worker notice on the page"
    return match.group(0)


def row_tag(html: str, job: ExportJob) -> str:
    """The job's row in the list, up to the end of the row."""
    match = re.search(rf'<tr class="export-job" data-job-id="{job.id}".*?</tr>', html, re.S)
    assert match, f"job {job.id} is not listed"
    return match.group(0)
