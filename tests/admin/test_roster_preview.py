"""The roster preview names every new student and, per changed student, each field's
before → after, in the reader's language; unchanged students are only counted."""

from __future__ import annotations

import re
from io import BytesIO

from openpyxl import Workbook

from starrating.extensions import db
from starrating.models import Gender

HEADER = ["学号", "姓名", "性别", "班级", "状态"]
NEW_NO = "2025123456"


def xlsx(rows) -> bytes:
    workbook = Workbook()
    for row in rows:
        workbook.active.append(row)
    out = BytesIO()
    workbook.save(out)
    return out.getvalue()


def gender_word(student) -> str:
    return "男" if student.gender == Gender.MALE else "女"


def mixed_roster(school) -> bytes:
    """One new, two changed (class; status and name), one unchanged student."""
    moved, renamed, same = school.students[:3]
    return xlsx([HEADER,
                 [NEW_NO, "新来的", "女", "24机电2班", "在读"],
                 [moved.student_no, moved.name, gender_word(moved), "24机电2班", "在读"],
                 [renamed.student_no, "改了名", gender_word(renamed), "24机电1班", "休学"],
                 [same.student_no, same.name, gender_word(same), "24机电1班", "在读"]])


def preview(admin, data) -> str:
    response = admin.post("/admin/students/import", {"file": (BytesIO(data), "roster.xlsx")},
                          content_type="multipart/form-data")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def table_rows(html: str, css: str) -> list[list[str]]:
    """The body rows of the preview table with that class, as lists of cell texts."""
    table = re.search(rf'<table class="preview-table {css}">(.*?)</table>', html, re.S)
    assert table, css
    body = table.group(1).split("<tbody>")[1]
    return [[re.sub(r"<br>", " | ", cell).strip() for cell in
             re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
            for row in re.findall(r"<tr>(.*?)</tr>", body, re.S)]


def _school_ready(school):
    for student in school.students[:3]:  # the roster's statuses are 在读 unless said
        assert student.status == "active"
    db.session.commit()


def test_preview_lists_new_and_changed_students_in_chinese(act, school):
    _school_ready(school)
    moved, renamed, same = school.students[:3]
    html = preview(act(school.admin), mixed_roster(school))
    assert table_rows(html, "roster-new") == [["2", NEW_NO, "新来的", "女", "24机电2班", "在读"]]
    assert table_rows(html, "roster-changed") == [
        ["3", moved.student_no, moved.name, "班级：24机电1班 → 24机电2班"],
        ["4", renamed.student_no, "改了名", f"姓名：{renamed.name} → 改了名 | 状态：在读 → 休学"],
    ]
    assert same.student_no not in html  # unchanged rows are counted, not listed
    assert "无变动的学生（不列出）：1 名" in html


def test_preview_lists_new_and_changed_students_in_english(act, school):
    _school_ready(school)
    moved, renamed, same = school.students[:3]
    admin = act(school.admin)
    assert admin.post("/lang/en", {"next": "/admin/"}).status_code == 302
    html = preview(admin, mixed_roster(school))
    assert table_rows(html, "roster-new") == [
        ["2", NEW_NO, "新来的", "Female", "24机电2班", "Enrolled"]]
    assert table_rows(html, "roster-changed") == [
        ["3", moved.student_no, moved.name, "Class: 24机电1班 → 24机电2班"],
        ["4", renamed.student_no, "改了名",
         f"Full name: {renamed.name} → 改了名 | Status: Enrolled → Suspended"],
    ]
    assert same.student_no not in html
    assert "Unchanged students (not listed): 1" in html
    for heading in ("New students", "Changed students", "Student number", "Gender"):
        assert heading in html


def test_a_gender_change_is_shown_with_its_labels(act, school):
    student = school.students[0]
    db.session.commit()
    other = "女" if student.gender == Gender.MALE else "男"
    html = preview(act(school.admin), xlsx([
        HEADER, [student.student_no, student.name, other, "24机电1班", "在读"]]))
    assert table_rows(html, "roster-changed") == [
        ["2", student.student_no, student.name, f"性别：{gender_word(student)} → {other}"]]
    assert "roster-new" not in html
