"""The reports page: start a job (POST + CSRF), poll its status, download; who may."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import openpyxl

from starrating.extensions import db
from starrating.models import ExportJob
from tests.reports.conftest import RARE_NAME

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def start(actor, term, kind, scope, lang="zh"):
    return actor.post("/admin/reports/jobs",
                      {"term_id": term.id, "kind": kind, "scope": scope, "lang": lang})


def last_job() -> ExportJob:
    db.session.expire_all()
    return db.session.scalars(db.select(ExportJob).order_by(ExportJob.id.desc())).first()


def test_page_renders_in_both_languages(act, demo):
    admin = act(demo.admin)
    html = admin.get("/admin/reports").get_data(as_text=True)
    assert "报表" in html and "开始导出" in html and "全校" in html
    admin.post("/lang/en", {"next": "/admin/reports"})
    html = admin.get("/admin/reports").get_data(as_text=True)
    assert "Reports" in html and "Start export" in html and "Whole school" in html
    assert "开始导出" not in html


def test_admin_exports_school_workbook_and_downloads_it(act, demo, app):
    admin = act(demo.admin)
    response = start(admin, demo.term, "xlsx", "school")
    assert response.status_code == 302
    job = last_job()
    assert (job.status, job.kind, job.progress, job.total) == ("done", "xlsx", 13, 13)
    status = admin.get(f"/admin/reports/jobs/{job.id}.json").get_json()
    assert status["status"] == "done" and status["download_url"].endswith("/download")
    download = admin.get(status["download_url"])
    assert download.status_code == 200 and download.mimetype == XLSX
    assert download.headers["Content-Disposition"].startswith("attachment;")
    book = openpyxl.load_workbook(io.BytesIO(download.data), read_only=True)
    assert len(book.sheetnames) == 4
    # Files live outside static/, under <files>/exports/.
    assert (Path(app.config["STARRATING_FILES_DIR"]) / "exports" / job.file_name).is_file()


def test_teacher_exports_own_class_cards_only(act, demo):
    teacher = act(demo.teacher)
    html = teacher.get(f"/admin/reports?term={demo.term.id}").get_data(as_text=True)
    assert "24机电1班" in html and "24机电2班" not in html and "全校" not in html
    assert start(teacher, demo.term, "cards", str(demo.class_a.id)).status_code == 302
    job = last_job()
    assert job.status == "done" and job.total == 6
    download = teacher.get(f"/admin/reports/jobs/{job.id}/download")
    assert download.mimetype == "application/zip"
    names = zipfile.ZipFile(io.BytesIO(download.data)).namelist()
    assert len(names) == 6 and any(RARE_NAME in n for n in names)

    assert start(teacher, demo.term, "cards", str(demo.class_b.id)).status_code == 403
    assert start(teacher, demo.term, "xlsx", "school").status_code == 403
    # Another teacher cannot follow or download this teacher's job.
    other = act(demo.other_teacher)
    assert other.get(f"/admin/reports/jobs/{job.id}.json").status_code == 403
    assert other.get(f"/admin/reports/jobs/{job.id}/download").status_code == 403


def test_students_and_anonymous_cannot_start_or_download_jobs(act, demo):
    admin = act(demo.admin)
    start(admin, demo.term, "xlsx", "school")
    job = last_job()
    student = act(demo.student_user)
    assert student.get("/admin/reports").status_code == 403
    assert start(student, demo.term, "xlsx", str(demo.class_a.id)).status_code == 403
    assert student.get(f"/admin/reports/jobs/{job.id}/download").status_code == 403
    anonymous = act(None)
    assert anonymous.get(f"/admin/reports/jobs/{job.id}/download").status_code == 302


def test_unknown_export_kind_is_a_bad_request(act, demo):
    admin = act(demo.admin)
    assert start(admin, demo.term, "pptx", "school").status_code == 400
    assert last_job() is None


def test_start_needs_csrf(act, demo):
    admin = act(demo.admin)
    response = admin.post("/admin/reports/jobs", {"term_id": demo.term.id, "kind": "xlsx",
                                                  "scope": "school"}, csrf=False)
    assert response.status_code == 400
    assert last_job() is None


def test_single_card_download_rights(act, demo):
    url = f"/admin/reports/card?term={demo.term.id}&student_no={demo.rare.student_no}"
    for user in (demo.admin, demo.teacher):
        response = act(user).get(url)
        assert response.status_code == 200 and response.mimetype == "application/pdf"
        assert response.headers["Content-Disposition"].startswith("attachment;")
        assert response.data.startswith(b"%PDF")
    assert act(demo.other_teacher).get(url).status_code == 403
    # A student gets their own card, whatever 学号 they ask for.
    own = act(demo.student_user).get(
        f"/admin/reports/card?term={demo.term.id}&student_no={demo.rare.student_no}")
    assert own.status_code == 200
    assert demo.students[0].student_no in own.headers["Content-Disposition"]
    assert act(demo.student_user).get("/admin/reports/card").status_code == 200  # current term
    # Class B's results are not published yet: its students get no card.
    denied = act(demo.other_student_user).get(url)
    assert denied.status_code == 403 and "公布" in denied.get_data(as_text=True)


def test_failed_job_is_marked_failed_with_a_message(act, demo, monkeypatch):
    from starrating.services.reports import xlsx

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(xlsx, "write_workbook", broken)
    admin = act(demo.admin)
    start(admin, demo.term, "xlsx", "school")
    job = last_job()
    assert job.status == "failed" and "RuntimeError" in job.error
    assert "disk full" not in job.error  # internals stay in the server log
    assert admin.get(f"/admin/reports/jobs/{job.id}/download").status_code == 404
    html = admin.get("/admin/reports").get_data(as_text=True)
    assert "失败" in html
