"""The publishing page's bulk steps in Chromium: choosing classes by state (static JS), each
confirmation page, finalizing early with a reason, reopening and the class's history; zh and
en, 1280 and 375 px; and the page without JavaScript."""

from __future__ import annotations

import pytest

from starrating.extensions import db
from starrating.models import ClassState, Role
from starrating.services import appeals, workflow
from starrating.services import class_state as cstate
from starrating.services.appeals import AppealInput
from tests.factories import PASSWORD
from tests.workflow.helpers import publish


@pytest.fixture
def year(school, make):
    """Class A published with an appeal open, class B submitted, C and D open, E final."""
    s = school
    wrong = make.entry(s.term, s.students[0], "moral.discipline", "-4", s.teacher)
    for st in s.students[1:3]:
        make.entry(s.term, st, "moral.service", "6", s.teacher)
    make.entry(s.term, s.other_students[0], "moral.service", "2", s.other_teacher)
    extra = []
    for name in ("24机电3班", "23数控1班", "23数控2班"):
        c = make.school_class(s.major, s.school, name, grade=2023 if "23" in name else 2024)
        make.assign(s.term, c, make.user(Role.TEACHER, s.school.id, display_name=f"{name}班主任"))
        for _ in range(3):
            make.student(c)
        extra.append(c)
    db.session.commit()
    publish(s, [s.class_a.id])
    workflow.submit_classes(s.admin, s.term, [s.class_b.id])
    final = extra[2]
    workflow.submit_classes(s.admin, s.term, [final.id])
    workflow.publish_classes(s.admin, s.term, [final.id], notice_days=3)
    workflow.finalize_classes(s.admin, s.term, [final.id], reason="核对无误")
    db.session.commit()
    appeals.create_appeal(s.student_user, s.term, AppealInput(entry_id=wrong.id, text="请假"))
    db.session.commit()
    s.extra, s.final = extra, final
    return s


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_bulk_pages(year, new_page, size):
    s = year
    p = new_page(375, 780, mobile=True) if size == "phone" else new_page()
    p.login("admin1")
    for lang in ("zh_Hans_CN", "en"):
        if lang == "en":
            p.set_language("en")
        tag = f"{size}_{lang}"
        p.go(f"/admin/workflow?term={s.term.id}")
        assert p.locator("#select-tools").is_visible()
        p.click("button[data-select=open]")
        checked = p.eval_on_selector_all("input[name=class_id]:checked", "els => els.map(e => +e.value)")
        assert sorted(checked) == sorted(c.id for c in s.extra[:2])
        assert p.inner_text("#chosen-count") == "2"
        p.click("button[data-select=all]")
        assert p.inner_text("#chosen-count") == "5"
        p.click("button[data-select=none]")
        p.click("button[data-select=published]")
        p.shot(f"bulk_1_publishing_selected_{tag}")
        p.click("button[data-select=all]")
        for step in ("submit", "publish", "return"):
            p.go(f"/admin/workflow?term={s.term.id}")
            p.click("button[data-select=all]")
            p.click(f"button[formaction$='/{step}/confirm']")
            p.wait_for_load_state()
            assert p.locator("#skipped li").count() >= 3
            p.shot(f"bulk_2_confirm_{step}_{tag}")
        # finalize: class A has an undecided appeal and is left out; class E is already final
        p.go(f"/admin/workflow?term={s.term.id}")
        p.click("button[data-select=all]")
        p.click("button[formaction$='/finalize/confirm']")
        p.wait_for_load_state()
        assert p.locator("#acting tbody tr").count() == 0  # A is held by its appeal
        p.shot(f"bulk_3_confirm_finalize_all_left_out_{tag}")
        # reopen form, refused without a reason, and the history
        p.go(f"/admin/workflow/reopen/{s.final.id}?term={s.term.id}")
        p.shot(f"bulk_5_reopen_form_{tag}")
        p.click("#reopen-form button[type=submit]")
        p.wait_for_load_state()
        assert p.locator(".has-error textarea[name=reason]").count() == 1
        p.shot(f"bulk_6_reopen_refused_{tag}")
        p.go(f"/admin/workflow/history/{s.final.id}?term={s.term.id}")
        p.shot(f"bulk_7_history_{tag}")
        width = p.evaluate("() => document.documentElement.scrollWidth")
        assert width <= (375 if size == "phone" else 1280) + 1
    assert p.console_errors == []


def test_finalize_early_with_a_reason_and_reopen(year, new_page):
    s = year
    workflow.run_step(s.admin, s.term, "publish", [s.class_b.id], notice_days=5)
    db.session.commit()
    for size, p in (("desktop", new_page()), ("phone", new_page(375, 780, mobile=True))):
        p.login("admin1")
        for lang in ("zh_Hans_CN", "en"):
            p.set_language(lang)  # the choice is kept on the account: set it every time
            p.go(f"/admin/workflow/finalize/confirm?term={s.term.id}&class_id={s.class_b.id}")
            assert p.locator("#notice-warning").is_visible()
            p.shot(f"bulk_4_confirm_finalize_early_{size}_{lang}")
            p.click("#confirm-form button[type=submit]")
            p.wait_for_load_state()
            assert p.locator(".has-error textarea[name=reason]").count() == 1
            p.shot(f"bulk_4b_finalize_without_reason_{size}_{lang}")
        assert p.console_errors == []
    p.fill("textarea[name=reason]", "Parents' meeting: confirmed early after checking.")
    p.click("#confirm-form button[type=submit]")
    p.wait_for_load_state()
    assert cstate.class_state(s.term, s.class_b.id) == ClassState.FINAL
    p.go(f"/admin/workflow/reopen/{s.class_b.id}?term={s.term.id}")
    p.fill("textarea[name=reason]", "A competition award was missed.")
    p.click("#reopen-form button[type=submit]")
    p.wait_for_load_state()
    assert "/history/" in p.url and "A competition award was missed." in p.inner_text("#history")
    p.shot("bulk_8_history_after_reopen_phone_en")
    assert cstate.class_state(s.term, s.class_b.id) == ClassState.PUBLISHED
    desk = new_page()
    desk.login("admin1")
    desk.set_language("zh_Hans_CN")
    desk.go(f"/admin/workflow/history/{s.class_b.id}?term={s.term.id}")
    assert "已重新开放" in desk.inner_text("#history")
    desk.shot("bulk_8_history_after_reopen_desktop_zh_Hans_CN")
    desk.go(f"/admin/workflow?term={s.term.id}")
    assert "公示中" in desk.inner_text(f"#class-{s.class_b.id}")
    assert desk.console_errors == [] and p.console_errors == []


def test_publishing_page_works_without_javascript(year, browser, live_server):
    s = year
    context = browser.new_context(java_script_enabled=False, locale="zh-CN",
                                  viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(live_server.url + "/login")
    page.fill("input[name=username]", "admin1")
    page.fill("input[name=password]", PASSWORD)
    page.click("input[type=submit], button[type=submit]")
    page.goto(f"{live_server.url}/admin/workflow?term={s.term.id}")
    assert not page.locator("#select-tools").is_visible()  # the JS-only tools stay hidden
    page.click("a[href*='/submit/confirm'][href*='state=open']")  # every open class
    page.wait_for_load_state()
    assert page.locator("#acting tbody tr").count() == 2
    page.click("#confirm-form button[type=submit]")
    page.wait_for_load_state()
    assert {cstate.class_state(s.term, c.id) for c in s.extra[:2]} == {ClassState.SUBMITTED}
    page.check(f"#pick-{s.class_b.id}")
    page.click("button[formaction$='/return/confirm']")
    page.wait_for_load_state()
    page.click("#confirm-form button[type=submit]")
    page.wait_for_load_state()
    assert cstate.class_state(s.term, s.class_b.id) == ClassState.OPEN
    context.close()
