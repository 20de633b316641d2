"""The roster preview in headless Chromium: new and changed students with before → after,
zh and en, desktop and phone (the tables scroll inside their box on a phone)."""

from __future__ import annotations

import sqlalchemy as sa

from starrating.extensions import db
from starrating.models import Gender, Student


def _roster(school, tmp_path):
    moved, renamed, same = school.students[:3]
    word = lambda s: "男" if s.gender == Gender.MALE else "女"  # noqa: E731
    sheet = tmp_path / "花名册.csv"
    sheet.write_text(
        "学号,姓名,性别,班级,状态\n2025123456,一位名字相当长的新同学,女,24机电2班,在读\n"
        f"{moved.student_no},{moved.name},{word(moved)},24机电2班,在读\n"
        f"{renamed.student_no},改了名,{word(renamed)},24机电1班,休学\n"
        f"{same.student_no},{same.name},{word(same)},24机电1班,在读\n", encoding="utf-8")
    return sheet


def test_roster_preview_lists_what_will_change(page, phone, school, tmp_path):
    db.session.commit()
    sheet = _roster(school, tmp_path)
    before = db.session.scalar(sa.select(sa.func.count(Student.id)))
    for lang, expected in (("zh", ("班级：24机电1班 → 24机电2班", "状态：在读 → 休学")),
                           ("en", ("Class: 24机电1班 → 24机电2班", "Status: Enrolled → Suspended"))):
        for p, size in ((phone, "phone"), (page, "desktop")):
            if lang == "zh":
                p.login(school.admin.username)
            p.go("/admin/students/import")
            if lang == "en":
                p.set_language("en")
            p.set_input_files("input[name='file']", str(sheet))
            p.click("form[action='/admin/students/import'] input[type=submit]")
            p.wait_for_load_state()
            changed = p.inner_text(".roster-changed")
            assert all(text in changed for text in expected), changed
            assert "2025123456" in p.inner_text(".roster-new")
            assert school.students[2].student_no not in p.inner_text("main")
            p.shot(f"admin-roster-preview-{lang}-{size}")
            assert not p.console_errors, p.console_errors
        assert phone.evaluate("document.documentElement.scrollWidth") <= 375
    assert db.session.scalar(sa.select(sa.func.count(Student.id))) == before  # nothing yet
