"""Roster import: preview with per-row errors, all-or-nothing confirm, accounts, passwords."""

from __future__ import annotations

import io
import re
import subprocess
import zipfile
from io import BytesIO

import pytest
import sqlalchemy as sa
from openpyxl import Workbook
from werkzeug.security import check_password_hash

from starrating.errors import ValidationFailed
from starrating.extensions import db
from starrating.models import ImportBatch, Student, StudentStatus, User
from starrating.services import roster, sheets

HEADER = ["学号", "姓名", "性别", "班级", "状态"]


def xlsx(rows) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    out = BytesIO()
    workbook.save(out)
    return out.getvalue()


def roster_rows(n, classes, start=2025000001):
    return [HEADER] + [[start + i, f"新生{i}", "男" if i % 2 else "女",
                        classes[i % len(classes)], "在读"] for i in range(n)]


def pdf_text(data: bytes, tmp_path) -> str:
    path = tmp_path / "slip.pdf"
    path.write_bytes(data)
    return subprocess.run(["pdftotext", "-raw", str(path), "-"], capture_output=True,
                          text=True, check=True).stdout


def students_count():
    return db.session.scalar(sa.select(sa.func.count(Student.id)))


def upload(admin, data, name="roster.xlsx"):
    return admin.post("/admin/students/import", {"file": (BytesIO(data), name)},
                      content_type="multipart/form-data")


def test_a_500_student_roster_imports_with_accounts(act, school, tmp_path):
    data = xlsx(roster_rows(500, ["24机电1班", "24机电2班"]))
    admin = act(school.admin)
    before = students_count()
    preview = upload(admin, data).get_data(as_text=True)
    assert "导入 500 行" in preview
    assert students_count() == before  # the preview writes nothing
    token = preview.split("/admin/students/import/")[1].split('"')[0]

    done = admin.post(f"/admin/students/import/{token}")
    assert done.status_code == 200
    html = done.get_data(as_text=True)
    assert students_count() == before + 500
    accounts = db.session.scalars(sa.select(User).where(User.username.like("2025%"))).all()
    assert len(accounts) == 500
    assert all(a.must_change_password and a.student_id and a.active for a in accounts)
    assert all(a.password_hash.startswith("pbkdf2:sha256:50000") for a in accounts)

    # Each initial password is on the page and on its class's slip, and it works.
    sheet_url = html.split('href="/admin/students/import/passwords/')[1].split('"')[0]
    sheet = admin.get(f"/admin/students/import/passwords/{sheet_url}")
    assert sheet.status_code == 200
    assert sheet.headers["Cache-Control"] == "no-store"
    archive = zipfile.ZipFile(BytesIO(sheet.data))
    assert sorted(archive.namelist()) == ["24机电1班-初始密码.pdf", "24机电2班-初始密码.pdf"]
    accounts = {a.username: a for a in accounts}
    for name in archive.namelist():
        text = pdf_text(archive.read(name), tmp_path)
        class_name = name.split("-")[0]
        numbers = set(re.findall(r"2025\d{6}", text))
        # exactly that class's new students (rows alternate between the two classes)
        want = {str(2025000001 + i) for i in range(500)
                if ["24机电1班", "24机电2班"][i % 2] == class_name}
        assert numbers == want
        assert "初始密码" in text and "登录地址 http://localhost/s/S1/login" in text
    first = db.session.scalar(sa.select(Student).where(Student.student_no == "2025000001"))
    password = re.search(r"2025000001.*?初始密码\s+(\w+)", pdf_text(
        archive.read(f"{first.school_class.name}-初始密码.pdf"), tmp_path), re.S).group(1)
    assert password in html
    assert check_password_hash(accounts["2025000001"].password_hash, password)
    # Downloadable once; the plaintext file is gone afterwards.
    assert admin.get(f"/admin/students/import/passwords/{sheet_url}").status_code == 404
    assert not list((tmp_path / "files" / "tmp" / "passwords").iterdir())

    # The same file again writes nothing more.
    preview = upload(admin, data).get_data(as_text=True)
    token = preview.split("/admin/students/import/")[1].split('"')[0]
    assert admin.post(f"/admin/students/import/{token}").status_code == 200
    assert students_count() == before + 500
    assert db.session.scalar(sa.select(sa.func.count(ImportBatch.id))) == 1


def test_bad_rows_are_each_reported_and_nothing_is_written(act, school):
    rows = roster_rows(5, ["24机电1班"])
    rows[2][2] = "未知"          # row 3: 性别
    rows[3][3] = "不存在的班"     # row 4: 班级
    rows[4][0] = rows[1][0]      # row 5: duplicate 学号 of row 2
    rows[5][1] = ""              # row 6: 姓名 missing
    rows.append([2025009999, "某人", "女", "24机电1班", "请假"])  # row 7: 状态
    admin = act(school.admin)
    before = students_count()
    response = upload(admin, xlsx(rows))
    html = response.get_data(as_text=True)
    for row, column in [(3, "性别"), (4, "班级"), (5, "学号"), (6, "姓名"), (7, "状态")]:
        assert f'<td class="num">{row}</td><td>{column}</td>' in html, (row, column)
    assert "/admin/students/import/" not in html.split("<h2>")[1]  # no confirm button
    assert students_count() == before


def test_confirm_rechecks_and_writes_nothing_when_rows_are_bad(school):
    rows = roster_rows(3, ["24机电1班"])
    rows[3][3] = "不存在的班"
    before = students_count()
    with pytest.raises(ValidationFailed) as caught:
        roster.import_roster(school.admin, xlsx(rows), "r.xlsx")
    assert [(e.row, e.column) for e in caught.value.errors["rows"]] == [(4, "班级")]
    db.session.rollback()
    assert students_count() == before


def test_existing_students_are_updated_by_student_number(school):
    student = school.students[0]
    rows = [HEADER, [student.student_no, "改名了", "女", "24机电2班", "休学"]]
    result = roster.import_roster(school.admin, "\n".join(
        ",".join(str(c) for c in r) for r in rows).encode("utf-8"), "r.csv")
    assert (result.created, result.updated, result.passwords) == (0, 1, [])
    db.session.refresh(student)
    assert (student.name, student.class_id, student.status) == (
        "改名了", school.class_b.id, StudentStatus.SUSPENDED)
    account = db.session.scalar(sa.select(User).where(User.student_id == student.id))
    assert account.active is False  # a suspended student cannot sign in


def test_csv_in_gbk_is_read(school):
    data = "学号,姓名,性别,班级\n2025100001,张三,男,24机电1班\n".encode("gbk")
    result = roster.import_roster(school.admin, data, "名单.csv")
    assert result.created == 1


@pytest.mark.parametrize("data,name,message", [
    (b"this is not a zip", "roster.xlsx", "这不是有效的 .xlsx 文件。"),
    (b"PK\x03\x04broken", "roster.xlsx", "这不是有效的 .xlsx 文件。"),
    (b"a,b", "roster.txt", "请上传 .xlsx 或 .csv 文件。"),
])
def test_unreadable_files_are_refused_clearly(act, school, data, name, message):
    html = upload(act(school.admin), data, name).get_data(as_text=True)
    assert message in html


def test_a_zip_bomb_is_refused(act, school):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * (200 * 1024 * 1024))
    assert len(out.getvalue()) < 1024 * 1024
    html = upload(act(school.admin), out.getvalue()).get_data(as_text=True)
    assert "解压后大小异常" in html
    with pytest.raises(roster.SheetError):
        roster.read_sheet(out.getvalue(), "x.xlsx")


def test_too_big_a_file_is_refused(school):
    with pytest.raises(roster.SheetError):
        roster.read_sheet(b"x" * (roster.MAX_UPLOAD_BYTES + 1), "x.csv")


def test_a_missing_column_is_named(school):
    checked = roster.check_roster(school.admin, [["学号", "姓名", "班级"], ["1", "a", "b"]])
    assert [(e.row, e.column) for e in checked.errors] == [(1, "性别")]


def test_another_admin_cannot_confirm_my_upload(act, make, school):
    data = xlsx(roster_rows(2, ["24机电1班"]))
    preview = upload(act(school.admin), data).get_data(as_text=True)
    token = preview.split("/admin/students/import/")[1].split('"')[0]
    from starrating.models import Role

    other_admin = make.user(Role.ADMIN, school.school.id)
    db.session.commit()
    assert act(other_admin).post(f"/admin/students/import/{token}").status_code == 404


def test_preview_query_count_does_not_grow_with_rows(school, count_queries):
    small = roster_rows(10, ["24机电1班"])
    large = roster_rows(400, ["24机电1班"])
    roster.check_roster(school.admin, small)  # warm: loads the admin row once
    with count_queries() as q_small:
        roster.check_roster(school.admin, small)
    with count_queries() as q_large:
        roster.check_roster(school.admin, large)
    assert q_small.count == q_large.count


def test_confirm_of_a_kept_file_that_became_unreadable_starts_over(act, school, app):
    """No 500 when the kept upload can no longer be read: a message, back to the upload."""
    admin = act(school.admin)
    preview = upload(admin, xlsx(roster_rows(2, ["24机电1班"]))).get_data(as_text=True)
    token = preview.split("/admin/students/import/")[1].split('"')[0]
    kept = sheets.staged_path("roster", token)
    kept.write_bytes(b"not a workbook any more")
    before = students_count()
    response = admin.post(f"/admin/students/import/{token}")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/admin/students/import")
    assert students_count() == before
    assert not kept.exists()
