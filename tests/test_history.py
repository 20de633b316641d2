"""The history in the school's words (issue 13, found 2): every audit action and object type
the code writes has words in Chinese and English, and the audit page shows sentences with
names, points and school times — no field names, ids or ISO timestamps."""

from __future__ import annotations

import ast
import re
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from flask_babel import force_locale

from starrating.extensions import db
from starrating.models import AuditLog
from starrating.services import appeals, entries, history, setup, workflow
from starrating.services.appeals import AppealInput, Decision
from starrating.services.entry_input import EntryInput
from tests.workflow.helpers import publish

PACKAGE = Path(__file__).resolve().parents[1] / "starrating"
AUDIT_CALLS = {"record", "change", "recorded"}


def _written_actions() -> set[str]:
    """Every action literal the code passes to audit.record/change/recorded, the workflow's
    _audit, or a bulk audit row ({"action": ...})."""
    found = set()
    for path in PACKAGE.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                name = getattr(node.func, "attr", getattr(node.func, "id", ""))
                args = node.args
                if name in AUDIT_CALLS and len(args) >= 2:
                    found |= _literals(args[1])
                elif name == "_audit" and args:
                    found |= _literals(args[-1])
                elif name == "_transition" and len(args) >= 2:
                    found |= _literals(args[1])
            if isinstance(node, ast.Assign) and any(
                    getattr(t, "id", "") == "STEPS" for t in node.targets):
                found |= {e.value for e in node.value.elts}  # the workflow's steps
            if isinstance(node, ast.Dict):
                for key, value in zip(node.keys, node.values, strict=False):
                    if isinstance(key, ast.Constant) and key.value == "action" \
                            and "audit" in path.read_text(encoding="utf-8"):
                        found |= _literals(value)
    return {a for a in found if a != "action"}


def _literals(node) -> set[str]:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return {node.value}
    if isinstance(node, ast.IfExp):
        return _literals(node.body) | _literals(node.orelse)
    return set()


def test_every_action_the_code_writes_has_words_in_both_languages(app):
    written = _written_actions()
    assert {"create", "update", "delete", "submit", "publish", "finalize", "accept"} <= written
    assert sorted(written - set(history.ACTIONS)) == []
    with app.test_request_context():
        for action, label in history.ACTIONS.items():
            with force_locale("zh_Hans_CN"):
                zh = str(label)
            with force_locale("en"):
                en = str(label)
            assert zh != en and re.search(r"[\u4e00-\u9fff]", zh), action


def test_every_audited_table_has_a_name_and_its_columns_words_or_silence(app):
    for table in ("entry", "appeal", "class_term_status", "term", "department", "major",
                  "school_class", "student", "user", "club", "club_membership",
                  "class_assignment", "rule_set", "rule_set_version", "import_batch", "flag",
                  "student_term_note"):
        assert table in history.OBJECTS
        for column in db.metadata.tables[table].columns:
            assert column.name in history.FIELDS or column.name in history.QUIET, (
                table, column.name)


@pytest.fixture
def year(school, make):
    """A term's worth of history: entries recorded, changed and deleted, a class published,
    an appeal accepted, the class finalized, a department created."""
    teacher, student = school.teacher, school.students[0]
    first = entries.record_entries(teacher, school.term, [student.id], EntryInput(
        indicator="skill.competition", item="skill.competition|1", occurred_on=date(2026, 10, 8)),
        today=date(2026, 11, 1))[0]
    entries.update_entry(teacher, first.id, first.version, EntryInput(
        indicator="skill.competition", item="skill.competition|1", points="15",
        occurred_on=date(2026, 10, 8)), today=date(2026, 11, 1))
    gone = entries.record_entries(teacher, school.term, [student.id], EntryInput(
        indicator="moral.discipline", points="-2", occurred_on=date(2026, 10, 9)),
        today=date(2026, 11, 1))[0]
    entries.delete_entry(teacher, gone.id, gone.version)
    late = entries.record_entries(teacher, school.term, [student.id], EntryInput(
        indicator="moral.attendance", points="-1", occurred_on=date(2026, 10, 10)),
        today=date(2026, 11, 1))[0]
    setup.save_department(school.admin, "信息系")
    db.session.commit()
    publish(school)
    appeal = appeals.create_appeal(school.student_user, school.term,
                                   AppealInput(entry_id=late.id, text="请过假"))
    appeals.accept_appeal(teacher, appeal.id, Decision(action="delete", reason="属实"))
    workflow.finalize_due(now=datetime(2099, 1, 1, tzinfo=UTC))
    db.session.commit()
    return school


def test_the_audit_page_tells_the_year_in_sentences(act, year):
    name = year.students[0].name
    html = act(year.admin).get("/admin/audit").get_data(as_text=True)
    body = re.sub(r"\s+", " ", html.split('id="audit-rows"', 1)[1].split("</table>", 1)[0])
    for sentence in (
        f"王老师 为 {name}（{year.students[0].student_no}） 记录了『技能 · 技能大赛』+25.00",
        f"王老师 把 {name}（{year.students[0].student_no}） 的『技能 · 技能大赛』从 +25.00 改为 +15.00",
        f"王老师 删除了 {name}（{year.students[0].student_no}） 的『思想品德 · 纪律』-2.00",
        f"学生处 公示了 {year.class_a.name} 的结果",
        f"王老师 采纳了 {name}（{year.students[0].student_no}） 关于『思想品德 · 出勤』的申诉",
        f"系统（公示期结束） 确认了 {year.class_a.name} 的结果",
        "学生处 新建了系部『信息系』",
    ):
        assert sentence in body, sentence
    # No raw field names, ids or ISO timestamps anywhere in the rows.
    assert not re.search(r"\b(points_cents|class_id|finalized_by_id|state|notice_ends_at)\b",
                         body)
    assert not re.search(r"#\d", body)
    assert not re.search(r"\d{4}-\d\d-\d\dT\d\d:", body)


def test_the_audit_page_in_english(act, year):
    admin = act(year.admin)
    admin.client.set_cookie("lang", "en")
    html = admin.get("/admin/audit").get_data(as_text=True)
    assert "王老师 changed" in html and "from +25.00 to +15.00" in html
    assert "finalized the results of" in html


def test_history_times_are_the_schools_at_23_30_utc(act, school, app):
    db.session.add(AuditLog(action="create", object_type="department", school_id=school.school.id,
                            actor_id=school.admin.id, after={"name": "夜间系"},
                            at=datetime(2026, 11, 30, 23, 30, tzinfo=UTC)))
    db.session.commit()
    html = act(school.admin).get("/admin/audit").get_data(as_text=True)
    row = html.split("夜间系", 1)[0].rsplit("<tr>", 1)[1]
    assert "2026-12-01 07:30" in row and "23:30" not in row


def test_an_entrys_history_is_on_the_entry_also_when_deleted(act, school, make):
    teacher = act(school.teacher)
    student = school.students[0]
    entry = entries.record_entries(school.teacher, school.term, [student.id], EntryInput(
        indicator="moral.service", points="2", occurred_on=date(2026, 10, 8)),
        today=date(2026, 11, 1))[0]
    entries.update_entry(school.teacher, entry.id, entry.version, EntryInput(
        indicator="moral.service", points="3", occurred_on=date(2026, 10, 8)),
        today=date(2026, 11, 1))
    entries.delete_entry(school.teacher, entry.id, entry.version)
    db.session.commit()
    live = teacher.get(f"/teacher/student/{student.id}").get_data(as_text=True)
    assert f'id="entry-{entry.id}"' not in live and "查看已删除的记录" in live
    deleted = teacher.get(f"/teacher/student/{student.id}?deleted=1").get_data(as_text=True)
    assert f'id="entry-{entry.id}"' in deleted and f"/teacher/entry/{entry.id}/history" in deleted
    assert f"/teacher/entry/{entry.id}/edit" not in deleted
    page = re.sub(r"\s+", " ", teacher.get(f"/teacher/entry/{entry.id}/history").get_data(
        as_text=True))
    lines = re.findall(r'<li class="card history-line">.*?</li>\s*(?=<li class="card|</ol>)', page)
    assert len(lines) == 3
    assert "记录了『思想品德 · 志愿服务』+2.00" in lines[0]
    assert "从 +2.00 改为 +3.00" in lines[1]
    assert "删除了" in lines[2] and "+3.00" in lines[2]
    # Only those who may see the student in that term: not another class's teacher, not the
    # student.
    assert act(school.other_teacher).get(f"/teacher/entry/{entry.id}/history").status_code == 403
    assert act(school.student_user).get(f"/teacher/entry/{entry.id}/history").status_code == 403
