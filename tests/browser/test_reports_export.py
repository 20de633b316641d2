"""Reports page in Chromium: start an export, watch it finish by polling, download it."""

from __future__ import annotations

import io
import zipfile

import openpyxl

from starrating.extensions import db
from starrating.jobs import run_export_now
from starrating.services.reports.jobs import start_export
from tests.reports.conftest import RARE_NAME, demo  # noqa: F401  (fixture)


def test_admin_starts_workbook_export_and_downloads_it(page, demo, tmp_path):  # noqa: F811
    page.login(demo.admin.username)
    page.go("/admin/reports")
    assert "报表" in page.inner_text("h1")
    page.select_option("select[name=kind]", "xlsx")
    page.select_option("select[name=scope]", "school")
    page.click("form.export-form input[type=submit]")
    page.wait_for_load_state()
    row = page.locator("tr.export-job").first
    assert row.get_attribute("data-status") == "done"  # HUEY_IMMEDIATE in tests
    assert "已完成" in row.inner_text()
    with page.expect_download() as info:
        row.locator("a.download").click()
    download = info.value
    assert download.suggested_filename.endswith("-全校-星级评价.xlsx")
    path = tmp_path / "school.xlsx"
    download.save_as(path)
    book = openpyxl.load_workbook(path, read_only=True)
    assert book.sheetnames[0] == "汇总" and len(book.sheetnames) == 4
    page.shot("reports-zh-desktop")
    assert page.console_errors == []


def test_progress_is_polled_until_the_download_appears(page, demo, tmp_path):  # noqa: F811
    job = start_export(demo.teacher, "cards", demo.term, demo.class_a)
    db.session.commit()
    page.login(demo.teacher.username)
    page.set_language("en")
    page.go(f"/admin/reports?term={demo.term.id}")
    row = page.locator(f"tr[data-job-id='{job.id}']")
    assert row.get_attribute("data-status") == "queued"
    assert "Queued" in row.inner_text()
    assert page.locator("select[name=scope] option").all_inner_texts() == ["24机电1班"]
    page.shot("reports-en-queued")
    run_export_now(job.id)  # what the worker does; the page only polls
    row.locator("a.download").wait_for()
    assert row.get_attribute("data-status") == "done"
    assert "Done" in row.inner_text() and "6 / 6" in row.inner_text()
    page.shot("reports-en-done")
    with page.expect_download() as info:
        row.locator("a.download").click()
    path = tmp_path / "cards.zip"
    info.value.save_as(path)
    names = zipfile.ZipFile(path).namelist()
    assert len(names) == 6 and any(RARE_NAME in n for n in names)
    assert page.console_errors == []


def test_reports_page_on_a_phone(phone, demo):  # noqa: F811
    phone.login(demo.admin.username)
    phone.go("/admin/reports")
    assert phone.locator("form.export-form").is_visible()
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 380, f"page scrolls sideways: {width}px"
    phone.shot("reports-zh-phone")


def test_student_downloads_own_card(page, demo):  # noqa: F811
    page.login(demo.student_user.username)
    with page.expect_download() as info:
        page.evaluate(f"window.location.href = '/admin/reports/card?term={demo.term.id}'")
    data = open(info.value.path(), "rb").read()
    assert data.startswith(b"%PDF")
    assert io.BytesIO(data).getbuffer().nbytes > 10_000
