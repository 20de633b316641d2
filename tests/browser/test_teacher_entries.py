"""Teacher entries in headless Chromium: record → class page changes; the grid by keyboard;
screenshots of the class page, the entry form and the grid (zh/en, desktop/375 px)."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from starrating.extensions import db
from starrating.models import Entry, EntrySource
from starrating.services import class_pages, entry_input, sanctions


@pytest.fixture
def busy_class(make, school):
    for i, student in enumerate(school.students):
        make.entry(school.term, student, "moral.service", str(1 + i), author=school.teacher)
    sanctions.add_flag(school.admin, school.term, school.students[1].student_no,
                     "sanction.warning", date(2026, 10, 1), None)
    db.session.commit()
    return school


def moral_score(page, student_id) -> float:
    return float(page.inner_text(f"#student-{student_id} td[data-dimension=moral] .score"))


def test_teacher_records_an_entry_and_the_class_page_changes(page, busy_class):
    school = busy_class
    student = school.students[0]
    page.login(school.teacher.username)
    page.go(f"/teacher/class/{school.class_a.id}")
    before = moral_score(page, student.id)
    page.shot("teacher-class-zh-desktop")
    page.click(f"#student-{student.id} a.button.primary")
    page.wait_for_load_state()
    assert page.input_value("#occurred_on") == class_pages.default_entry_date(school.term).isoformat()
    page.select_option("#indicator", "moral.service")
    page.fill("#points", "6")
    page.fill("#note", "敬老院志愿服务")
    page.shot("teacher-entry-form-zh-desktop")
    with page.expect_navigation():
        page.click("form.entry-form input[type=submit]")
    assert "+6.00" in page.inner_text("table.entries-table")
    page.go(f"/teacher/class/{school.class_a.id}")
    assert moral_score(page, student.id) == before + 6
    assert not page.console_errors


def test_catalogue_item_fills_points_and_note(page, school):
    page.login(school.teacher.username)
    page.go(f"/teacher/entry/new?class={school.class_a.id}")
    rules = entry_input.rules_for(school.term)
    key = next(k for k in rules.indicator_keys() if rules.indicator(k).items)
    item = rules.indicator(key).items[0]
    page.select_option("#item", f"{key}|0")
    assert page.input_value("#indicator") == key
    assert float(page.input_value("#points")) == float(item.points)
    assert page.input_value("#note") == item.name
    assert not page.console_errors


def test_grid_filled_with_the_keyboard_only(page, school):
    s = school.students
    page.login(school.teacher.username)
    page.go(f"/teacher/class/{school.class_a.id}/grid")
    page.select_option("#indicator", "moral.service")
    page.fill("#note", "班级大扫除")
    page.focus(f"#cell-{s[0].id}")
    kb = page.keyboard
    kb.type("2")
    kb.press("Enter")          # → next student's cell
    kb.type("1.5")
    kb.press("Tab")            # Tab moves down the column too
    kb.press("Enter")          # skip s[2]
    kb.type("-1")
    kb.press("Enter")
    assert page.evaluate("document.activeElement.id") == f"cell-{s[4].id}"
    page.shot("teacher-grid-zh-desktop")
    with page.expect_navigation():
        kb.press("Enter")      # Enter in the last cell saves
    assert page.url.endswith(f"/teacher/class/{school.class_a.id}")
    db.session.expire_all()
    got = {e.student_id: e.points_cents for e in db.session.scalars(
        sa.select(Entry).where(Entry.source == EntrySource.GRID))}
    assert got == {s[0].id: 200, s[1].id: 150, s[3].id: -100}
    assert not page.console_errors


def test_grid_ctrl_enter_saves_ticked_students_and_errors_sit_beside_cells(page, school):
    s = school.students
    page.login(school.teacher.username)
    page.go(f"/teacher/class/{school.class_a.id}/grid")
    page.select_option("#indicator", "moral.service")
    page.focus(f"#cell-{s[0].id}")
    kb = page.keyboard
    kb.press(" ")              # tick s[0]
    kb.press("Enter")
    kb.type("abc")             # a bad cell
    with page.expect_navigation():
        kb.press("Control+Enter")
    assert page.is_visible(f"#cell-{s[1].id}-errors")
    assert page.input_value(f"#cell-{s[1].id}") == "abc"
    assert page.is_checked(f"#tick-{s[0].id}")
    page.shot("teacher-grid-error-zh-desktop")
    page.fill(f"#cell-{s[1].id}", "3")
    page.fill("#points", "1")
    page.focus(f"#cell-{s[1].id}")
    with page.expect_navigation():
        page.keyboard.press("Control+Enter")
    db.session.expire_all()
    got = {e.student_id: e.points_cents for e in db.session.scalars(sa.select(Entry))}
    assert got == {s[0].id: 100, s[1].id: 300}


def test_screens_in_english_and_on_a_phone(page, phone, busy_class):
    school = busy_class
    c = school.class_a.id
    page.login(school.teacher.username)
    page.set_language("en")
    for path, name in ((f"/teacher/class/{c}", "class"), (f"/teacher/entry/new?class={c}", "entry-form"),
                       (f"/teacher/class/{c}/grid", "grid"), ("/teacher/", "home"),
                       (f"/teacher/student/{school.students[1].id}", "student"),
                       (f"/teacher/class/{c}/import", "import")):
        page.go(path)
        page.shot(f"teacher-{name}-en-desktop")
    phone.login(school.teacher.username)
    phone.set_language("zh_Hans_CN")  # the account remembers English from the desktop
    for path, name in ((f"/teacher/class/{c}", "class"), (f"/teacher/entry/new?class={c}", "entry-form"),
                       (f"/teacher/class/{c}/grid", "grid")):
        phone.go(path)
        phone.shot(f"teacher-{name}-zh-phone")
        width = phone.evaluate("document.documentElement.scrollWidth")
        assert width <= 375 + 1, f"{name} scrolls sideways on a phone ({width}px)"
    phone.set_language("en")
    for path, name in ((f"/teacher/class/{c}", "class"), (f"/teacher/entry/new?class={c}", "entry-form"),
                       (f"/teacher/class/{c}/grid", "grid")):
        phone.go(path)
        phone.shot(f"teacher-{name}-en-phone")
    page.logout()
    page.login(school.admin.username)
    page.go("/admin/flags")
    page.shot("admin-flags-en-desktop")
    assert not page.console_errors and not phone.console_errors
