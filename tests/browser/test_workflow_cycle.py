"""The whole term cycle in Chromium: teacher submits, admin publishes, student appeals,
teacher accepts, the stars change and the diff shows, admin finalizes, edits refused."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from starrating.extensions import db
from starrating.models import Appeal, AppealStatus, ClassState, Entry
from starrating.services import class_state as cstate
from starrating.services import entries, entry_input
from starrating.services.class_state import Frozen

PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 64


def test_whole_cycle(school, make, new_page, tmp_path, app):
    s0 = school.students[0]
    for i, st in enumerate(school.students):
        make.entry(school.term, st, "moral.service", str(2 + i), school.teacher)
    db.session.commit()

    teacher = new_page()
    teacher.login("teacher_a")
    # the teacher records the (wrong) entry with the entry form of the teacher pages
    teacher.go(f"/teacher/entry/new?class={school.class_a.id}&student={s0.id}")
    teacher.select_option("select[name=indicator]", "moral.discipline")
    teacher.fill("input[name=points]", "-10")
    teacher.fill("input[name=occurred_on]", "2026-10-08")
    teacher.fill("textarea[name=note]", "打架斗殴")
    teacher.click("form input[type=submit]")
    teacher.wait_for_load_state()
    wrong = db.session.scalar(sa.select(Entry).where(Entry.indicator == "moral.discipline"))
    assert wrong is not None and wrong.points_cents == -1000 and wrong.student_id == s0.id
    # and submits the class from its class page
    teacher.go(f"/teacher/class/{school.class_a.id}")
    teacher.shot("workflow_cycle_1_teacher_before_submit")
    teacher.click("#workflow button[type=submit]")
    teacher.wait_for_load_state()
    assert "已提交" in teacher.inner_text("#workflow")
    assert cstate.class_state(school.term, school.class_a.id) == ClassState.SUBMITTED

    admin = new_page()
    admin.login("admin1")
    admin.go("/admin/workflow")
    row = admin.inner_text(f"#class-{school.class_a.id}")
    assert "已提交" in row and "★" in row
    admin.click(f"#class-{school.class_a.id} details summary")
    admin.shot("workflow_cycle_2_admin_before_publish")
    # choose the class, then confirm on the confirmation page
    admin.check(f"#pick-{school.class_a.id}")
    admin.click("button[formaction$='/publish/confirm']")
    admin.wait_for_load_state()
    assert school.class_a.name in admin.inner_text("#acting")
    admin.fill("input[name=notice_days]", "5")
    admin.click("#confirm-form button[type=submit]")
    admin.wait_for_load_state()
    assert "公示中" in admin.inner_text(f"#class-{school.class_a.id}")

    student = new_page(375, 780, mobile=True)
    student.login(s0.student_no)
    student.go("/student/")
    student.wait_for_selector("#radar")
    moral_before = student.inner_text("#dim-moral")
    assert "72.00" in moral_before
    student.shot("workflow_cycle_3_student_published")
    student.go("/student/entries")
    student.click(f"#entry-{wrong.id} a.button")
    student.wait_for_load_state()
    student.fill("textarea[name=text]", "那天我在参加技能比赛，不在学校，这条记录记错了人。")
    proof = tmp_path / "比赛证明.png"
    proof.write_bytes(PNG)
    student.set_input_files("input[name=evidence]", str(proof))
    student.click("form[enctype] input[type=submit]")
    student.wait_for_load_state()
    assert "申诉已提交" in student.inner_text("main")
    student.shot("workflow_cycle_4_student_appealed")

    teacher.go("/teacher/appeals")
    teacher.click("a.button.primary:has-text('处理')")
    teacher.wait_for_load_state()
    assert "比赛证明.png" in teacher.inner_text("main")
    teacher.check("input[name=accept-action][value=delete]")
    teacher.fill("textarea[name=accept-reason]", "核实为记错，已删除。")
    teacher.click("form[action$='/accept'] input[type=submit]")
    teacher.wait_for_load_state()
    text = teacher.inner_text("main")
    assert "已同意" in text and "处理前" in text
    teacher.shot("workflow_cycle_5_teacher_accepted")

    student.go("/student/appeals")
    text = student.inner_text("main")
    assert "已同意" in text and "核实为记错" in text and "72.00" in text and "82.00" in text
    student.shot("workflow_cycle_6_student_diff")
    student.go("/student/")
    assert "82.00" in student.inner_text("#dim-moral")

    admin.go("/admin/workflow")
    admin.click(f"#class-{school.class_a.id} a.danger")
    admin.wait_for_load_state()
    assert "公示期尚未结束" in admin.inner_text("#notice-warning")
    admin.fill("textarea[name=reason]", "申诉已处理完毕，提前确认。")
    admin.click("#confirm-form button[type=submit]")
    admin.wait_for_load_state()
    assert "已确认" in admin.inner_text(f"#class-{school.class_a.id}")
    admin.shot("workflow_cycle_7_admin_final")

    db.session.expire_all()
    assert db.session.query(Appeal).one().status == AppealStatus.ACCEPTED
    # later edits are refused: entries, rules, appeals
    with pytest.raises(Frozen):
        entries.record_entries(school.teacher, school.term, [s0.id], entry_input.EntryInput(
            indicator="moral.service", points="2", occurred_on=school.term.start_date))
    db.session.rollback()
    from starrating.errors import ValidationFailed

    with pytest.raises(ValidationFailed):
        cstate.ensure_rules_changeable(school.term)
    student.go("/student/appeals")
    assert "不再受理申诉" in student.inner_text("main")
    student.go("/student/entries")
    assert student.locator(f"#entry-{wrong.id}").count() == 0
    assert student.locator("a:has-text('对这条记录申诉')").count() == 0
    for p in (teacher, admin, student):
        assert p.console_errors == []
