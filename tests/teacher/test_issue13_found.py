"""Issue 13's "Found" items, each named after its item: a test that failed on main before the
fix and passes after."""

from __future__ import annotations

import re
from datetime import date

from starrating.extensions import db
from tests.teacher.conftest import live_entries, text
from tests.workflow.helpers import later, publish

DAY = "2026-10-08"


def _selected(html: str, name: str) -> str:
    """The value a browser would send for <select name=...>: its selected option, else ""."""
    select = html.split(f'name="{name}"', 1)[1].split("</select>", 1)[0]
    match = re.search(r'<option[^>]*value="([^"]*)"[^>]*selected', select) or re.search(
        r'<option[^>]*selected[^>]*value="([^"]*)"', select)
    return match.group(1) if match else ""


def test_found_1_editing_an_entry_keeps_its_catalogue_item(act, school):
    teacher = act(school.teacher)
    student = school.students[0]
    assert teacher.post("/teacher/entry/new", {
        "students": [str(student.id)], "indicator": "skill.competition",
        "item": "skill.competition|1", "points": "", "occurred_on": DAY,
        "note": ""}).status_code == 302
    [entry] = live_entries()
    assert entry.item_name == "国家级二等奖" and entry.points_cents == 2500
    form = teacher.get(f"/teacher/entry/{entry.id}/edit").get_data(as_text=True)
    assert _selected(form, "item") == "skill.competition|1"  # the form shows the item chosen
    # Save as the browser would: every field the form shows, with the points changed.
    response = teacher.post(f"/teacher/entry/{entry.id}/edit", {
        "indicator": "skill.competition", "item": _selected(form, "item"), "points": "26",
        "occurred_on": DAY, "note": "", "version": str(entry.version)})
    assert response.status_code == 302
    [entry] = live_entries()
    assert (entry.item_name, entry.points_cents) == ("国家级二等奖", 2600)


def test_found_5_a_locked_entry_opens_read_only_with_the_class_state(act, school, make):
    entry = make.entry(school.term, school.students[0], "moral.service", "2",
                       author=school.teacher, occurred_on=date.fromisoformat(DAY))
    db.session.commit()
    teacher = act(school.teacher)
    assert 'class="card entry-form"' in teacher.get(f"/teacher/entry/{entry.id}/edit").get_data(
        as_text=True)  # open class: the form
    publish(school)
    page = text(teacher.get(f"/teacher/entry/{entry.id}/edit"))
    assert 'class="card entry-form"' not in page and "保存修改" not in page
    assert "删除记录" not in page
    assert "本班结果正在公示，记录已锁定" in page and "+2.00" in page
    refused = teacher.post(f"/teacher/entry/{entry.id}/edit", {
        "indicator": "moral.service", "item": "", "points": "5", "occurred_on": DAY,
        "note": "", "version": str(entry.version)})
    assert refused.status_code == 409
    assert "本班结果正在公示，记录已锁定" in text(refused)
    assert live_entries()[0].points_cents == 200


def test_found_9_after_finalizing_the_student_reads_final_not_submitted(act, school):
    from starrating.services import workflow

    student = act(school.student_user)
    assert student.post("/student/statement", {"statement": "本学期参加了志愿服务。"}
                        ).status_code == 302
    publish(school, days=1)
    assert workflow.finalize_due(now=later(2)) == 1  # the notice period ended
    db.session.commit()
    page = text(student.get("/student/"))
    assert "你班结果已确认，自我陈述不能再修改。" in page
    assert "你班已提交" not in page


def test_found_3_the_comment_says_when_it_was_saved_in_the_schools_time(act, school):
    from datetime import UTC, datetime

    from starrating.services.notes import get_note

    teacher = act(school.teacher)
    student = school.students[0]
    assert teacher.post(f"/teacher/student/{student.id}/comment",
                        {"comment": "表现很好"}).status_code == 302
    note = get_note(school.term, student)
    note.comment_updated_at = datetime(2026, 11, 30, 23, 30, tzinfo=UTC)  # 07:30 in Shanghai
    db.session.commit()
    page = text(teacher.get(f"/teacher/student/{student.id}"))
    saved = page.split("上次保存", 1)[1][:40]
    assert "2026-12-01 07:30" in saved and "23:30" not in saved


def test_found_10_the_student_page_says_what_the_weights_are(act, school):
    publish(school)
    page = text(act(school.student_user).get("/student/"))
    assert "综合得分 = 各维度得分加权平均：思想品德 30%, 技能 30%, 社团 20%, 劳动 20%。" in page
