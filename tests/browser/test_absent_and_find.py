"""Issue 13, phones, in headless Chromium at 375 px: the checklist's "except absentees" (the
class teacher marks today's absentees, then ticks everyone else in one tap) and the indicator
choice with type-ahead (typing narrows, a tap or Enter picks, saving works; without script the
plain select). Screenshots zh/en, desktop and phone, also in /tmp/shots-finish13/."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import sqlalchemy as sa

from starrating.extensions import db
from starrating.models import Absence, Entry
from tests.browser.conftest import Page

SHOTS = Path("/tmp/shots-finish13")


def shot(p, name: str, full_page: bool = True) -> None:
    path = p.shot(name, full_page=full_page)
    SHOTS.mkdir(parents=True, exist_ok=True)
    shutil.copy(path, SHOTS / path.name)


@pytest.fixture
def phone(new_page):
    return new_page(width=375, height=780, mobile=True)


@pytest.fixture
def big_class(make, school):
    """class_a with 40 students."""
    school.big = list(school.students) + [make.student(school.class_a)
                                          for _ in range(40 - len(school.students))]
    db.session.commit()
    return school


def test_except_absentees_ticks_everyone_but_todays_absentees_on_a_phone(phone, page,
                                                                          big_class):
    school, p = big_class, phone
    absent = school.big[3:6]
    p.login(school.teacher.username)
    p.go(f"/teacher/entry/new?class={school.class_a.id}")
    # the roll call: tick the absent ones, mark them
    for s in absent:
        p.check(f"input[name=students][value='{s.id}']")
    with p.expect_navigation():
        p.click(".js-mark-absent")
    assert all(s.name in p.inner_text(".flash") for s in absent)
    assert p.inner_text(".js-checklist-count") == "0"
    assert p.locator("li[data-absent] .absent-tag").count() == 3
    # later that day, another entry form: the absentees are still marked
    p.go(f"/teacher/entry/new?class={school.class_a.id}")
    assert p.locator("li[data-absent]").count() == 3
    p.fill("#student-search", absent[0].name)  # the search is cleared by the button
    p.click(".js-check-present")
    assert p.inner_text(".js-checklist-count") == "37"
    assert p.input_value("#student-search") == ""
    assert p.locator(".js-checklist-item:visible").count() == 40
    for s in absent:
        assert not p.is_checked(f"input[name=students][value='{s.id}']")
    shot(p, "finish13-checklist-absent-zh-375", full_page=False)
    box = p.locator(".js-check-present").bounding_box()
    assert box["height"] >= 44 and box["x"] + box["width"] <= 375
    p.select_option("#indicator", "labor.duty")
    p.fill("#points", "1")
    p.fill("#note", "大扫除")
    with p.expect_navigation():
        p.click("form.entry-form input[type=submit]")
    got = set(db.session.scalars(sa.select(Entry.student_id).where(Entry.note == "大扫除")))
    assert got == {s.id for s in school.big} - {s.id for s in absent}
    p.go(f"/teacher/entry/new?class={school.class_a.id}")
    p.set_language("en")
    assert p.inner_text(".js-check-present") == "Except absentees"
    shot(p, "finish13-checklist-absent-en-375")
    assert not p.console_errors, p.console_errors
    page.login(school.teacher.username)
    page.go(f"/teacher/entry/new?class={school.class_a.id}")
    page.set_language("zh_Hans_CN")  # the account remembers English from the phone
    shot(page, "finish13-checklist-absent-zh-1280")
    page.set_language("en")
    shot(page, "finish13-checklist-absent-en-1280")
    assert not page.console_errors, page.console_errors


def test_marking_absentees_works_without_javascript(browser, live_server, big_class):
    school = big_class
    context = browser.new_context(viewport={"width": 375, "height": 780},
                                  java_script_enabled=False, locale="zh-CN")
    try:
        p = Page(context.new_page(), live_server.url)
        p.login(school.teacher.username)
        p.go(f"/teacher/entry/new?class={school.class_a.id}")
        assert not p.is_visible(".js-check-present")
        p.check(f"input[name=students][value='{school.big[7].id}']")
        with p.expect_navigation():
            p.click(".js-mark-absent")
        assert set(db.session.scalars(sa.select(Absence.student_id))) == {school.big[7].id}
        assert p.locator("li[data-absent] .absent-tag").is_visible()
    finally:
        context.close()


def _find(p, text):
    p.fill("#indicator-find", text)
    return [t.strip() for t in p.locator(".js-indicator-match .match-name").all_inner_texts()]


def test_indicator_type_ahead_narrows_and_picks_on_a_phone(phone, page, big_class):
    school, p = big_class, phone
    p.login(school.teacher.username)
    p.go(f"/teacher/entry/new?class={school.class_a.id}&student={school.big[0].id}")
    # the select is still there, with the search box above it
    assert p.is_visible("#indicator") and p.is_visible("#indicator-find")
    assert _find(p, "值") == ["值日"]
    # English words find Chinese names on a Chinese page; the dimension's name too
    assert _find(p, "labour") == ["劳动学时", "值日", "实习实训"]
    assert _find(p, "劳动") == ["劳动学时", "值日", "实习实训"]
    # an item's name finds its indicator
    assert _find(p, "迟到") == ["出勤"]
    assert _find(p, "zzz") == [] and p.is_visible(".match-none")
    _find(p, "值")
    shot(p, "finish13-find-indicator-zh-375", full_page=False)
    box = p.locator(".js-indicator-match").first.bounding_box()
    assert box["height"] >= 44 and box["x"] + box["width"] <= 375
    p.locator(".js-indicator-match").first.tap()
    assert p.input_value("#indicator") == "labor.duty"
    assert not p.is_visible(".js-indicator-matches")
    # the item list follows the choice; an item fills the points
    p.select_option("#item", "labor.duty|0")
    assert p.input_value("#points") == "1"
    with p.expect_navigation():
        p.click("form.entry-form input[type=submit]")
    [entry] = db.session.scalars(sa.select(Entry)).all()
    assert (entry.indicator, entry.student_id, entry.points_cents) == ("labor.duty",
                                                                     school.big[0].id, 100)
    # keyboard: arrows and Enter pick, Enter never posts the form
    p.go(f"/teacher/entry/new?class={school.class_a.id}")
    p.set_language("en")
    assert _find(p, "labour") == ["Labour hours", "Duty", "Internship and practical training"]
    p.press("#indicator-find", "ArrowDown")
    p.press("#indicator-find", "Enter")
    assert p.input_value("#indicator") == "labor.duty"
    assert "/teacher/entry/new" in p.url and db.session.scalar(
        sa.select(sa.func.count(Entry.id))) == 1
    _find(p, "值")
    shot(p, "finish13-find-indicator-en-375", full_page=False)
    p.press("#indicator-find", "Escape")
    assert not p.is_visible(".js-indicator-matches")
    assert not p.console_errors, p.console_errors
    page.login(school.teacher.username)
    page.go(f"/teacher/entry/new?class={school.class_a.id}")
    page.set_language("zh_Hans_CN")  # the account remembers English from the phone
    _find(page, "labour")
    shot(page, "finish13-find-indicator-zh-1280", full_page=False)
    page.set_language("en")
    _find(page, "duty")
    shot(page, "finish13-find-indicator-en-1280", full_page=False)
    assert not page.console_errors, page.console_errors


def test_type_ahead_on_the_quick_event_form(phone, big_class):
    school, p = big_class, phone
    p.login(school.teacher.username)
    p.go(f"/teacher/class/{school.class_a.id}/quick")
    p.fill("#label", "值日 +1")
    assert _find(p, "值") == ["值日"]
    p.locator(".js-indicator-match").first.tap()
    p.select_option("#item", "labor.duty|0")
    with p.expect_navigation():
        p.click("form.quick-form input[type=submit]")
    assert "值日 +1" in p.inner_text("ul.quick-list")
    shot(p, "finish13-quick-find-zh-375")
    assert not p.console_errors, p.console_errors


def test_without_javascript_the_plain_select_remains(browser, live_server, big_class):
    school = big_class
    context = browser.new_context(viewport={"width": 375, "height": 780},
                                  java_script_enabled=False, locale="zh-CN")
    try:
        p = Page(context.new_page(), live_server.url)
        p.login(school.teacher.username)
        p.go(f"/teacher/entry/new?class={school.class_a.id}&student={school.big[1].id}")
        assert p.locator("#indicator-find").count() == 0
        p.select_option("#indicator", "labor.duty")
        p.fill("#points", "1")
        with p.expect_navigation():
            p.click("form.entry-form input[type=submit]")
        assert db.session.scalars(sa.select(Entry.indicator)).all() == ["labor.duty"]
    finally:
        context.close()


def test_enter_in_a_field_saves_the_entry_not_a_side_button(phone, big_class):
    """The checklist's absentee button and the quick events' buttons come before Save in the
    form: Enter in the points field must still save the typed entry."""
    from starrating.services import quick_events as qe

    school, p = big_class, phone
    qe.save_quick_event(school.teacher, school.term, school.class_a.id, qe.QuickEventInput(
        label="值日 +2", indicator="moral.service", points="2", note="值日"))
    db.session.commit()
    p.login(school.teacher.username)
    p.go(f"/teacher/entry/new?class={school.class_a.id}&student={school.big[0].id}")
    p.select_option("#indicator", "moral.service")
    p.fill("#points", "3")
    with p.expect_navigation():
        p.press("#points", "Enter")
    assert db.session.execute(sa.select(Entry.student_id, Entry.points_cents)).all() == [
        (school.big[0].id, 300)]
    assert db.session.scalars(sa.select(Absence.id)).all() == []
    assert not p.console_errors, p.console_errors
