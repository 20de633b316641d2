"""Issue 13 item 8 (phones) in headless Chromium at 375 px: the entry form's searchable student
checklist, the class page as a compact list, the entries table as cards, the dashboard charts
inside their cards. Screenshots zh/en, desktop and phone."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from starrating.extensions import db
from starrating.models import Entry

SCREEN = {"width": 375, "height": 667}


@pytest.fixture
def phone667(new_page):
    return new_page(width=375, height=667, mobile=True)


@pytest.fixture
def big_class(make, school):
    """class_a with 40 students; three named 王…, a few entries each."""
    big = list(school.students)
    big += [make.student(school.class_a, name=name) for name in ("王小明", "王芳", "王建国")]
    big += [make.student(school.class_a) for _ in range(40 - len(big))]
    school.big = big
    for i, student in enumerate(big):
        make.entry(school.term, student, "moral.service", str(1 + i % 5), author=school.teacher)
    db.session.commit()
    return school


def test_item8_checklist_search_and_select_all_on_a_phone(phone667, big_class):
    school, p = big_class, phone667
    wangs = [s for s in school.big if s.name.startswith("王")]
    other = next(s for s in school.big if not s.name.startswith("王"))
    p.login(school.teacher.username)
    p.go(f"/teacher/entry/new?class={school.class_a.id}&student={other.id}")
    assert "Ctrl" not in p.inner_text("form.entry-form")
    assert p.inner_text(".js-checklist-count") == "1"
    p.fill("#student-search", "王")
    visible = p.locator(".js-checklist-item:visible")
    assert visible.count() == 3
    p.click(".js-check-all")
    assert p.inner_text(".js-checklist-count") == "4"
    p.shot("phones-checklist-zh-375", full_page=False)
    # a row is a large tap target
    box = visible.first.locator("label").bounding_box()
    assert box["height"] >= 44 and box["width"] >= 300
    # the search also finds a student number
    p.fill("#student-search", wangs[1].student_no)
    assert p.locator(".js-checklist-item:visible").count() == 1
    p.fill("#student-search", "")
    assert p.locator(".js-checklist-item:visible").count() == 40
    p.select_option("#indicator", "moral.service")
    p.fill("#points", "2")
    p.fill("#note", "值日")
    with p.expect_navigation():
        p.click("form.entry-form input[type=submit]")
    got = db.session.scalars(sa.select(Entry.student_id).where(Entry.note == "值日")).all()
    assert sorted(got) == sorted([s.id for s in wangs] + [other.id])
    assert not p.console_errors, p.console_errors


def test_item8_checklist_invert_and_clear_act_as_named(phone667, page, big_class):
    school, p = big_class, phone667
    p.login(school.teacher.username)
    p.go(f"/teacher/entry/new?class={school.class_a.id}")
    p.fill("#student-search", "王")
    p.click(".js-check-invert")
    assert p.inner_text(".js-checklist-count") == "3"
    p.fill("#student-search", "")
    p.click(".js-check-invert")
    assert p.inner_text(".js-checklist-count") == "37"
    p.click(".js-check-none")
    assert p.inner_text(".js-checklist-count") == "0"
    p.set_language("en")
    p.fill("#student-search", "王")
    p.click(".js-check-all")
    p.shot("phones-checklist-en-375", full_page=False)
    page.login(school.teacher.username)
    page.go(f"/teacher/entry/new?class={school.class_a.id}")
    page.fill("#student-search", "学生1")
    page.shot("phones-checklist-zh-1280")
    page.set_language("en")
    page.shot("phones-checklist-en-1280")
    assert not p.console_errors and not page.console_errors


def test_item8_checklist_without_javascript_posts_the_same_field(browser, live_server, big_class):
    school = big_class
    context = browser.new_context(viewport=SCREEN, java_script_enabled=False, locale="zh-CN")
    try:
        from tests.browser.conftest import Page

        p = Page(context.new_page(), live_server.url)
        p.login(school.teacher.username)
        p.go(f"/teacher/entry/new?class={school.class_a.id}")
        assert not p.is_visible("#student-search")
        chosen = school.big[5:7]
        for s in chosen:
            p.check(f"input[name=students][value='{s.id}']")
        p.select_option("#indicator", "moral.service")
        p.fill("#points", "1")
        p.fill("#note", "无脚本")
        with p.expect_navigation():
            p.click("form.entry-form input[type=submit]")
        got = db.session.scalars(sa.select(Entry.student_id).where(Entry.note == "无脚本")).all()
        assert sorted(got) == sorted(s.id for s in chosen)
    finally:
        context.close()


def test_item8_class_page_fits_four_screens_on_a_phone(phone667, page, big_class):
    school, p = big_class, phone667
    p.login(school.teacher.username)
    p.go(f"/teacher/class/{school.class_a.id}")
    height = p.evaluate("document.documentElement.scrollHeight")
    p.shot("phones-class-zh-375-top", full_page=False)
    assert height <= 4 * SCREEN["height"], height
    assert p.evaluate("document.documentElement.scrollWidth") <= SCREEN["width"]
    p.shot("phones-class-zh-375")
    # tapping a row opens the student
    student = school.big[3]
    with p.expect_navigation():
        p.click(f"#phone-student-{student.id}")
    assert p.url.endswith(f"/teacher/student/{student.id}") or f"/teacher/student/{student.id}?" in p.url
    # the desktop keeps the table with one column per dimension
    page.login(school.teacher.username)
    page.go(f"/teacher/class/{school.class_a.id}")
    assert page.is_visible("table.class-table")
    assert not page.is_visible("ul.phone-list")
    page.shot("phones-class-zh-1280")
    page.set_language("en")
    page.shot("phones-class-en-1280")
    p.set_language("en")
    p.shot("phones-class-en-375")


NARROW_CELLS = """sel => {
  const probe = document.createElement('span');
  probe.textContent = '中中中';
  probe.style.position = 'absolute';
  document.body.appendChild(probe);
  const three = probe.getBoundingClientRect().width;
  probe.remove();
  // the width the text gets: the cell's content box, without its padding
  const inner = td => {
    const cs = getComputedStyle(td);
    return td.getBoundingClientRect().width - parseFloat(cs.paddingLeft)
           - parseFloat(cs.paddingRight);
  };
  // the width its text would take on one line (a short "+2.50" needs less than three)
  const natural = td => {
    const p = document.createElement('span');
    p.textContent = td.textContent.trim();
    p.style.position = 'absolute';
    p.style.whiteSpace = 'nowrap';
    td.appendChild(p);
    const w = p.getBoundingClientRect().width;
    p.remove();
    return w;
  };
  const cells = [...document.querySelectorAll(sel + ' td')].filter(
      td => td.offsetParent !== null && td.textContent.trim().length > 2);
  return {three, count: cells.length,
          narrow: cells.filter(td => inner(td) + 1 < Math.min(three, natural(td)))
                       .map(td => [Math.round(inner(td)), td.textContent.trim().slice(0, 20)])};
}"""


def test_item8_entries_table_has_no_squeezed_cells_on_a_phone(phone667, page, big_class, make):
    school, p = big_class, phone667
    student = school.big[0]
    make.entry(school.term, student, "moral.service", "2.5", author=school.teacher,
               note="在社区敬老院做志愿服务，打扫卫生并陪老人聊天两个小时")
    db.session.commit()
    for who in (p, page):
        who.login(school.teacher.username)
        who.go(f"/teacher/student/{student.id}")
    found = p.evaluate(NARROW_CELLS, "table.entries-table")
    assert found["count"] >= 8 and not found["narrow"], found
    assert p.evaluate("document.documentElement.scrollWidth") <= SCREEN["width"]
    p.shot("phones-student-entries-zh-375")
    page.shot("phones-student-entries-zh-1280")
    assert page.is_visible("table.entries-table thead")
    p.set_language("en")
    p.shot("phones-student-entries-en-375")


def test_item8_dashboard_charts_fit_their_cards_on_a_phone(phone667, page, big_class):
    school = big_class
    for p, name in ((phone667, "375"), (page, "1280")):
        p.login(school.admin.username)
        p.go("/admin/dashboard")
        p.wait_for_function("window.Chart && Object.keys(Chart.instances).length >= 4")
        out = p.evaluate("""() => [...document.querySelectorAll('.chart-box canvas')].map(c => {
            const card = c.closest('.card').getBoundingClientRect();
            const r = c.getBoundingClientRect();
            return {id: c.id, left: r.left - card.left, right: card.right - r.right,
                    width: r.width};
        })""")
        assert len(out) == 4
        for chart in out:
            assert chart["left"] >= 0 and chart["right"] >= 0 and chart["width"] > 0, out
        p.shot(f"phones-dashboard-zh-{name}")
        assert not p.console_errors, p.console_errors
    phone667.set_language("en")
    phone667.wait_for_function("window.Chart && Object.keys(Chart.instances).length >= 4")
    phone667.shot("phones-dashboard-en-375")


def test_item8_appeals_page_tables_are_cards_on_a_phone(phone667, big_class):
    school, p = big_class, phone667
    p.login(school.teacher.username)
    p.go("/teacher/appeals")
    found = p.evaluate(NARROW_CELLS, "table.stack")
    assert found["count"] >= 3 and not found["narrow"], found
    assert p.evaluate("document.documentElement.scrollWidth") <= SCREEN["width"]
    p.shot("phones-teacher-appeals-zh-375")


def test_quick_event_saved_then_recorded_in_one_tap_on_a_phone(phone667, page, big_class):
    from starrating.services.clock import school_today

    school, p = big_class, phone667
    p.login(school.teacher.username)
    p.go(f"/teacher/entry/new?class={school.class_a.id}")
    with p.expect_navigation():
        p.click("a[href$='/quick']")
    p.fill("#label", "值日 +2")
    p.select_option("#indicator", "moral.service")
    p.fill("#points", "2")
    p.fill("#note", "值日")
    with p.expect_navigation():
        p.click("form.quick-form input[type=submit]")
    assert "值日 +2" in p.inner_text("ul.quick-list")
    p.shot("phones-quick-events-zh-375")
    p.go(f"/teacher/entry/new?class={school.class_a.id}")
    p.fill("#student-search", "王")
    p.click(".js-check-all")
    p.shot("phones-quick-button-zh-375", full_page=False)
    with p.expect_navigation():
        p.click("button.quick")
    wangs = sorted(s.id for s in school.big if s.name.startswith("王"))
    db.session.expire_all()
    got = db.session.execute(sa.select(Entry.student_id, Entry.occurred_on, Entry.points_cents)
                             .where(Entry.note == "值日")).all()
    assert sorted(r[0] for r in got) == wangs
    assert {(r[1], r[2]) for r in got} == {(school_today(school.school.id), 200)}
    assert not p.console_errors, p.console_errors
    page.login(school.teacher.username)
    page.go(f"/teacher/entry/new?class={school.class_a.id}")
    page.set_language("en")
    page.shot("phones-quick-button-en-1280", full_page=False)
    page.go(f"/teacher/class/{school.class_a.id}/quick")
    page.shot("phones-quick-events-en-1280")
