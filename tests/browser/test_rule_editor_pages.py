"""The structured rule editor and English rule names in headless Chromium: zh and en,
desktop and phone; adding a row and a refused save work without JavaScript."""

from __future__ import annotations

from tests.workflow.helpers import publish


def test_rule_editor_pages(page, phone, school):
    rule_set_id = school.term.rule_version.rule_set_id
    url = f"/admin/rules/{rule_set_id}/editor"
    for lang in ("zh", "en"):
        for p, size in ((phone, "phone"), (page, "desktop")):
            if lang == "zh":
                p.login(school.admin.username)
            p.go(url)
            if lang == "en":
                p.set_language("en")
            assert p.input_value("#dimensions-0-name_en") == "Moral conduct"
            p.shot(f"ruleedit-editor-{lang}-{size}")
            p.click("button[value='add:dimensions-0-indicators-0-items']")
            p.wait_for_load_state()
            assert p.locator("#dimensions-0-indicators-0-items-4-name").count() == 1
            p.fill("#dimensions-0-weight", "-5")
            p.click("#save")
            p.wait_for_load_state()
            expected = "-5 不能为负数" if lang == "zh" else "-5 must not be negative"
            assert expected in p.inner_text("#dimensions-0-weight-errors")
            p.locator("#dimensions-0-weight").scroll_into_view_if_needed()
            p.shot(f"ruleedit-editor-refused-{lang}-{size}", full_page=False)
            # the added (empty) item is refused beside its own fields
            missing = "必填，但没有填写" if lang == "zh" else "is required but missing"
            assert missing in p.inner_text("#dimensions-0-indicators-0-items-4-points-errors")
            p.locator("#dimensions-0-indicators-0-items-3-name").scroll_into_view_if_needed()
            p.shot(f"ruleedit-editor-items-{lang}-{size}", full_page=False)
            p.locator("#caps-h").scroll_into_view_if_needed()
            p.shot(f"ruleedit-editor-caps-{lang}-{size}", full_page=False)
            assert not p.console_errors, p.console_errors
        assert phone.evaluate("document.documentElement.scrollWidth") <= 375


def test_english_names_on_student_and_entry_pages(page, phone, school):
    publish(school)
    for p, size in ((phone, "phone"), (page, "desktop")):
        p.login(school.student_user.username)
        p.set_language("en")
        p.go("/student/")
        assert "Moral conduct" in p.inner_text("main")
        p.shot(f"ruleedit-student-en-{size}")
        p.page.context.clear_cookies()
        p.login(school.teacher.username)
        p.go(f"/teacher/entry/new?class={school.class_a.id}")
        p.set_language("en")
        p.go(f"/teacher/entry/new?class={school.class_a.id}")
        assert "Volunteering" in p.inner_text("select[name=indicator]")
        p.shot(f"ruleedit-entry-en-{size}")
        p.set_language("zh_Hans_CN")
        p.go(f"/teacher/entry/new?class={school.class_a.id}")
        assert "志愿服务" in p.inner_text("select[name=indicator]")
        p.shot(f"ruleedit-entry-zh-{size}")
        p.page.context.clear_cookies()
