"""Excel round trip: template → fill (openpyxl) → upload → preview → confirm; errors; twice."""

from __future__ import annotations

import io
import re
import zipfile
from datetime import date

from openpyxl import load_workbook

from starrating.extensions import db
from starrating.models import EntrySource, ImportBatch
from tests.teacher.conftest import audit_rows, live_entries, text


def template(teacher, school) -> bytes:
    response = teacher.get(f"/teacher/class/{school.class_a.id}/import/template.xlsx")
    assert response.status_code == 200
    assert response.mimetype.endswith("spreadsheetml.sheet")
    return response.data


def fill(data: bytes, rows: list[tuple]) -> bytes:
    """Write rows (学号 … 备注) from the template's row 2 on."""
    book = load_workbook(io.BytesIO(data))
    sheet = book["记录"]
    for r, values in enumerate(rows, start=2):
        for c, value in enumerate(values, start=1):
            sheet.cell(row=r, column=c, value=value)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def upload(teacher, school, data: bytes, name="记录.xlsx"):
    return teacher.post(f"/teacher/class/{school.class_a.id}/import",
                        {"file": (io.BytesIO(data), name)}, content_type="multipart/form-data")


def confirm(teacher, school, response):
    token = re.search(r'/import/([0-9a-f]+)"', response.get_data(as_text=True)).group(1)
    return teacher.post(f"/teacher/class/{school.class_a.id}/import/{token}")


def test_template_has_the_class_and_instructions(act, school):
    book = load_workbook(io.BytesIO(template(act(school.teacher), school)))
    assert book.sheetnames == ["记录", "说明"]
    sheet = book["记录"]
    assert [c.value for c in sheet[1]] == ["学号", "姓名", "指标", "分值", "日期", "事项/备注"]
    numbers = [sheet.cell(row=r, column=1).value for r in range(2, 7)]
    assert numbers == [s.student_no for s in school.students]
    assert "moral.service" in [c.value for c in book["说明"]["A"]]


def test_round_trip_preview_then_confirm_then_same_file_again(act, school):
    teacher = act(school.teacher)
    s = school.students
    data = fill(template(teacher, school), [
        (s[0].student_no, s[0].name, "moral.service", 2, date(2026, 10, 8), "社区服务"),
        (s[1].student_no, s[1].name, "出勤", "-1.5", "2026-10-09", "迟交"),
        (s[2].student_no, s[2].name, None, None, None, None),  # unused pre-filled row
        (s[0].student_no, s[0].name, "moral.service", 1, date(2026, 10, 10), "第二件事"),
    ])
    preview = upload(teacher, school, data)
    assert preview.status_code == 200
    page = text(preview)
    assert "社区服务" in page and "迟交" in page and "第二件事" in page
    assert live_entries() == []  # nothing until confirm
    done = confirm(teacher, school, preview)
    assert done.status_code == 302
    got = [(e.student_id, e.points_cents, e.source) for e in live_entries()]
    assert sorted(got) == sorted([(s[0].id, 200, EntrySource.EXCEL), (s[1].id, -150, EntrySource.EXCEL),
                                  (s[0].id, 100, EntrySource.EXCEL)])
    batch = db.session.query(ImportBatch).one()
    assert batch.kind == "entries" and batch.scope == f"term:{school.term.id}/class:{school.class_a.id}"
    assert len(audit_rows(action="create", object_type="entry")) == 3
    # the same file again: told so, nothing written twice
    again = upload(teacher, school, data)
    assert again.status_code == 200 and "flash-warning" in again.get_data(as_text=True)
    assert not re.search(r'/import/[0-9a-f]{32}"', again.get_data(as_text=True))
    # Issue 13, found 9: the heading does not say the rows are still "to write".
    assert "文件中的 3 条记录（已写入）" in text(again) and "将写入 3 条记录" not in text(again)
    assert len(live_entries()) == 3
    assert db.session.query(ImportBatch).count() == 1


def test_three_bad_rows_give_three_errors_with_row_numbers_and_nothing_is_written(act, school):
    teacher = act(school.teacher)
    s = school.students
    data = fill(template(teacher, school), [
        (s[0].student_no, s[0].name, "moral.service", 2, date(2026, 10, 8), "好"),
        (s[1].student_no, s[1].name, "no.such", 2, date(2026, 10, 8), ""),
        (s[2].student_no, s[2].name, "moral.service", "abc", date(2026, 10, 8), ""),
        ("99999999", "查无此人", "moral.service", 1, date(2026, 10, 8), ""),
    ])
    response = upload(teacher, school, data)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    rows = re.findall(r'<tr><td class="num">(\d+)</td><td>([^<]+)</td>', html)
    assert rows == [("3", "指标"), ("4", "分值"), ("5", "学号")]
    assert not re.search(r'/import/[0-9a-f]{32}"', html)  # no confirm button
    assert live_entries() == []


def test_not_an_xlsx_is_refused_clearly(act, school):
    teacher = act(school.teacher)
    for data, name in ((b"student,points\n1,2\n", "x.csv"), (b"\xd0\xcf\x11\xe0old xls", "x.xls"),
                       (b"PK\x03\x04 broken zip", "x.xlsx")):
        response = upload(teacher, school, data, name)
        assert response.status_code == 400
        assert "这不是 Excel .xlsx 文件。请下载模板，填写后另存为 .xlsx（旧版 .xls 或 .csv 无法读取）。" in text(response)
    assert live_entries() == []


def test_zip_bomb_is_refused(act, school):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"0" * (60 * 1024 * 1024))
    response = upload(act(school.teacher), school, buffer.getvalue())
    assert response.status_code == 400
    assert live_entries() == []


def test_confirm_token_is_bound_to_the_uploader(act, school):
    teacher = act(school.teacher)
    s = school.students
    data = fill(template(teacher, school), [
        (s[0].student_no, s[0].name, "moral.service", 2, date(2026, 10, 8), "x")])
    preview = upload(teacher, school, data)
    token = re.search(r'/import/([0-9a-f]+)"', preview.get_data(as_text=True)).group(1)
    admin = act(school.admin)
    assert admin.post(f"/teacher/class/{school.class_a.id}/import/{token}").status_code == 404
    assert live_entries() == []
