"""Reports page in Chromium with no worker: the notice appears by polling once a job has
waited 30 s, a stalled run gets its retry button, a failed job is retried from the page.

The server's clock is fixed (`service.clock`) and moved by the test; the page's own polling
brings the change, which the test waits for as a condition (no timed assertion)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from starrating.extensions import db
from starrating.services.reports import jobs as service
from tests.reports.conftest import demo  # noqa: F401  (fixture)
from tests.reports.health_helpers import T0, fixed_clock, queued_job, running_job


@pytest.fixture
def clock(monkeypatch):
    return fixed_clock(monkeypatch)


def failed_by_the_sweep(actor, term, school_class, clock):
    job = running_job(actor, term, school_class)
    clock.now = T0 + timedelta(minutes=11)
    assert service.fail_stalled() == 1
    db.session.commit()
    return job


def test_notice_appears_while_the_page_is_open_and_a_failed_job_is_retried(
        page, demo, clock):  # noqa: F811
    failed = failed_by_the_sweep(demo.admin, demo.term, demo.class_a, clock)
    waiting = queued_job(demo.admin, demo.term)
    clock.now += timedelta(seconds=10)
    page.login(demo.admin.username)
    page.go(f"/admin/reports?term={demo.term.id}")
    notice = page.locator("#worker-notice")
    assert notice.is_hidden()
    clock.now += timedelta(seconds=21)  # 31 s since it was queued: the next poll says so
    notice.wait_for(state="visible")
    assert "似乎没有任务进程在运行。" in notice.inner_text()
    assert service.WORKER_COMMAND in notice.inner_text()
    row = page.locator(f"tr[data-job-id='{waiting.id}']")
    assert "等待任务进程" in row.inner_text()
    failed_row = page.locator(f"tr[data-job-id='{failed.id}']")
    assert "任务进程在生成此导出时停止了" in failed_row.inner_text()
    assert failed_row.locator(".retry-form button").is_visible()
    assert row.locator(".retry-form").is_hidden()
    page.shot("jobs-reports-zh-desktop")
    failed_row.locator(".retry-form button").click()  # runs at once (HUEY_IMMEDIATE)
    page.wait_for_load_state()
    assert "导出已重新排队" in page.inner_text(".flash-success")
    done_row = page.locator(f"tr[data-job-id='{failed.id}']")
    assert done_row.get_attribute("data-status") == "done"
    assert done_row.locator("a.download").is_visible()
    assert page.console_errors == []


def test_a_run_that_stalls_while_the_page_is_open_gets_its_retry_button(
        page, demo, clock):  # noqa: F811
    job = running_job(demo.teacher, demo.term, demo.class_a)
    page.login(demo.teacher.username)
    page.set_language("en")
    page.go(f"/admin/reports?term={demo.term.id}")
    row = page.locator(f"tr[data-job-id='{job.id}']")
    assert row.locator(".retry-form").is_hidden()
    clock.now = T0 + timedelta(minutes=10, seconds=1)
    row.locator(".retry-form button").wait_for(state="visible")
    assert "Stalled: no progress from its worker" in row.inner_text()
    assert page.locator("#worker-notice").is_hidden()  # a worker took it: no such notice
    assert page.console_errors == []


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_notice_and_failed_job_at_both_sizes(request, demo, clock, lang, size):  # noqa: F811
    view = request.getfixturevalue("page" if size == "desktop" else "phone")
    failed = failed_by_the_sweep(demo.teacher, demo.term, demo.class_a, clock)
    queued_job(demo.teacher, demo.term, demo.class_a, kind="cards")
    clock.now += timedelta(minutes=1)
    view.login(demo.teacher.username)
    if lang == "en":
        view.set_language("en")
    view.go(f"/admin/reports?term={demo.term.id}")
    notice = view.locator("#worker-notice")
    assert notice.is_visible()
    expected = "No job worker seems to be running." if lang == "en" else "似乎没有任务进程在运行。"
    assert expected in notice.inner_text()
    assert view.locator(f"tr[data-job-id='{failed.id}'] .retry-form button").is_visible()
    width = view.evaluate("document.documentElement.scrollWidth")
    assert width <= (1280 if size == "desktop" else 375), width
    view.shot(f"jobs-reports-{lang}-{size}")
    assert view.console_errors == []
