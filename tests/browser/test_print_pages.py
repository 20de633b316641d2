"""Print pages in headless Chromium: a class's password reset (form, result, one-time
slip link) and the merged-PDF export kind on the reports page; zh and en, desktop and phone."""

from __future__ import annotations


def test_class_password_reset_and_print_export_pages(page, phone, school):
    for lang in ("zh", "en"):
        for p, size in ((phone, "phone"), (page, "desktop")):
            if lang == "zh":
                p.login(school.admin.username)
            p.go(f"/admin/classes/{school.class_a.id}")
            if lang == "en":
                p.set_language("en")
            p.select_option("select[name=who]", "all")
            p.shot(f"print-class-passwords-{lang}-{size}")
            p.click("#passwords input[type=submit]")
            p.wait_for_load_state()
            text = p.inner_text("main")
            assert ("已为 5 名学生生成新的初始密码" if lang == "zh"
                    else "New initial passwords for 5 students") in text
            assert p.locator("a[href^='/admin/students/import/passwords/']").count() == 1
            p.shot(f"print-passwords-reset-{lang}-{size}")
            p.go("/admin/reports")
            options = p.inner_text("select[name=kind]")
            assert ("班级报告单合并 PDF（打印用）" if lang == "zh"
                    else "Class report cards, one PDF to print") in options
            p.select_option("select[name=kind]", "cards_pdf")
            p.select_option("select[name=scope]", str(school.class_a.id))
            p.fill("input[name=students]", school.students[0].student_no)
            p.shot(f"print-reports-{lang}-{size}")
            assert not p.console_errors, p.console_errors
        assert phone.evaluate("document.documentElement.scrollWidth") <= 375
