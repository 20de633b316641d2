"""Found by an outside attack: a full disk while an export is written. The job must end as
failed with a message its reader understands, in their language, and leave no file."""

from __future__ import annotations

import errno
import zipfile
from pathlib import Path

import pytest

from starrating.extensions import db
from tests.reports.test_views import last_job, start


@pytest.fixture
def disk_full(monkeypatch):
    """Every zip member write puts a few bytes on disk, then the disk is full."""
    def full(self, *args, **kwargs):
        self.fp.write(b"PK\x03\x04 half a member")
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(zipfile.ZipFile, "write", full)
    monkeypatch.setattr(zipfile.ZipFile, "writestr", full)


def _files(app) -> list[Path]:
    root = Path(app.config["STARRATING_FILES_DIR"])
    return [p for p in root.rglob("*") if p.is_file()]


def _check_failed_cleanly(app, admin, job) -> None:
    assert job.status == "failed" and job.file_name is None
    assert _files(app) == []  # neither the half-written file nor its .part
    assert admin.get(f"/admin/reports/jobs/{job.id}/download").status_code == 404


def test_workbook_on_a_full_disk_fails_with_a_message_in_chinese(app, act, demo, disk_full):
    admin = act(demo.admin)
    assert start(admin, demo.term, "xlsx", "school").status_code == 302
    job = last_job()
    _check_failed_cleanly(app, admin, job)
    assert "磁盘已满" in job.error and "OSError" not in job.error
    assert "磁盘已满" in admin.get("/admin/reports").get_data(as_text=True)


def test_workbook_on_a_full_disk_fails_with_a_message_in_english(app, act, demo, disk_full):
    demo.admin.locale = "en"
    db.session.commit()
    admin = act(demo.admin)
    start(admin, demo.term, "xlsx", str(demo.class_a.id))
    job = last_job()
    _check_failed_cleanly(app, admin, job)
    assert "disk is full" in job.error and "磁盘" not in job.error


def test_report_cards_on_a_full_disk_leave_no_zip(app, act, demo, disk_full):
    admin = act(demo.admin)
    start(admin, demo.term, "cards", str(demo.class_a.id))
    job = last_job()
    _check_failed_cleanly(app, admin, job)
    assert "磁盘已满" in job.error
