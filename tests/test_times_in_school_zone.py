"""Issue 13, acceptance 3: every time shown on any page, export and card is in the school's
time zone, through one helper (services/clock.py). The clock stands at 23:30 UTC on
30 November, which is 07:30 on 1 December in Shanghai: the UTC day and hour must never show.

(tests/test_local_times.py checks the appeal and publishing pages the same way.)"""

from __future__ import annotations

import io
import re
from datetime import UTC, date, datetime
from pathlib import Path

import sqlalchemy as sa
import time_machine
from openpyxl import load_workbook

from starrating.extensions import db
from starrating.models import Entry, ExportJob
from starrating.services import appeals, entries, quick_events, results, workflow
from starrating.services.appeals import AppealInput, Decision
from starrating.services.entry_input import EntryInput
from starrating.services.reports import pdf
from starrating.services.reports.xlsx import write_workbook
from tests.teacher.test_import import confirm, fill, template, upload

LATE = datetime(2026, 11, 30, 23, 30, tzinfo=UTC)
SCHOOL_DAY = "2026-12-01"
SCHOOL_TIME = "2026-12-01 07:30"
UTC_TRACES = re.compile(r"2026-11-30|2026/11/30|11-30|23:30")


def late():
    return time_machine.travel(LATE, tick=False)


def page(actor, url: str) -> str:
    response = actor.get(url)
    assert response.status_code == 200, url
    return response.get_data(as_text=True)


def school_time_only(html: str, what: str, expect: str = SCHOOL_TIME) -> None:
    assert expect in html, what
    assert not UTC_TRACES.search(html), (what, UTC_TRACES.findall(html))


def test_workbook_says_when_it_was_exported_in_the_schools_time(school, make):
    for s in school.students:
        make.entry(school.term, s, "moral.service", "2", author=school.teacher)
    db.session.commit()
    with late():
        results.compute_term(school.admin, school.term)
        out = io.BytesIO()
        write_workbook(school.admin, school.term, out)
    book = load_workbook(io.BytesIO(out.getvalue()))
    cells = [c.value for sheet in book for row in sheet.iter_rows() for c in row
             if c.value is not None]
    titles = [book[name]["A1"].value for name in book.sheetnames]
    assert all(f"导出时间：{SCHOOL_TIME}" in t for t in titles), titles
    assert not any(isinstance(v, datetime | date) for v in cells)
    assert not any(UTC_TRACES.search(str(v)) for v in cells)
    # the printed page header says it too
    assert all(SCHOOL_TIME in book[name].oddHeader.center.text for name in book.sheetnames)


def test_card_is_dated_the_schools_today(school, make):
    student = school.students[0]
    make.entry(school.term, student, "skill.competition", "10", author=school.teacher,
               item_name="市级技能大赛二等奖", occurred_on=date(2026, 11, 20))
    db.session.commit()
    with late():
        results.compute_term(school.admin, school.term)
        cards = pdf.card_data(school.term, [student.id])
        html = {lang: pdf.cards_html(school.term, cards, lang) for lang in ("zh", "en")}
    for lang, text in html.items():
        footer = re.search(r'<p class="footer">(.*?)</p>', text).group(1)
        assert footer.endswith(SCHOOL_DAY), (lang, footer)
        assert '<td class="date">11-20</td>' in text  # a notable record's month and day
        assert not UTC_TRACES.search(text), lang


def test_entry_import_takes_the_schools_today_and_says_when_it_was_imported(act, school):
    s = school.students
    with late():
        teacher = act(school.teacher)
        # a record dated the school's today is not "in the future" at 23:30 UTC
        data = fill(template(teacher, school), [
            (s[0].student_no, s[0].name, "moral.service", 2, date(2026, 12, 1), "晨会"),
        ])
        preview = upload(teacher, school, data)
        assert preview.status_code == 200, preview.get_data(as_text=True)
        assert confirm(teacher, school, preview).status_code == 302
        again = upload(teacher, school, data).get_data(as_text=True)
    assert [e.occurred_on for e in db.session.scalars(sa.select(Entry))] == [date(2026, 12, 1)]
    school_time_only(again, "import page, same file again")


def test_comment_last_saved_is_the_schools_time(act, school):
    student = school.students[0]
    with late():
        teacher = act(school.teacher)
        assert teacher.post(f"/teacher/student/{student.id}/comment",
                            {"comment": "踏实肯干。"}).status_code == 302
        html = page(teacher, f"/teacher/student/{student.id}")
    assert "上次保存于" in html or "Last saved" in html
    school_time_only(html, "comment")


def test_history_pages_show_the_schools_time(act, school):
    with late():
        [entry] = entries.record_entries(
            school.teacher, school.term, [school.students[0].id],
            EntryInput(indicator="moral.service", points="2", occurred_on=date(2026, 11, 2),
                       note="图书馆整理"))
        entries.update_entry(school.teacher, entry.id, str(entry.version),
                             EntryInput(indicator="moral.service", points="3",
                                        occurred_on=date(2026, 11, 2), note="图书馆整理"))
        workflow.submit_class(school.teacher, school.term, school.class_a.id)
        workflow.publish_classes(school.admin, school.term, [school.class_a.id], notice_days=5)
        db.session.commit()
        shown = {
            "entry history (teacher)": page(act(school.teacher),
                                            f"/teacher/entry/{entry.id}/history"),
            "entry history (admin)": page(act(school.admin), f"/teacher/entry/{entry.id}/history"),
            "audit": page(act(school.admin), "/admin/audit"),
            "workflow history": page(act(school.admin),
                                     f"/admin/workflow/history/{school.class_a.id}"),
        }
        class_page = page(act(school.teacher), f"/teacher/class/{school.class_a.id}")
    for what, html in shown.items():
        school_time_only(html, what)
    # published at 07:30 on the 1st, for five days
    school_time_only(class_page, "class page", "2026-12-06 07:30")


def test_an_appeal_accepted_late_adds_its_entry_on_the_schools_day(school):
    with late():
        workflow.submit_class(school.teacher, school.term, school.class_a.id)
        workflow.publish_classes(school.admin, school.term, [school.class_a.id], notice_days=5)
        appeal = appeals.create_appeal(school.student_user, school.term, AppealInput(
            indicator="moral.service", text="漏记了志愿服务"))
        appeals.accept_appeal(school.teacher, appeal.id, Decision("add", points="2"))
        db.session.commit()
    added = db.session.scalar(sa.select(Entry).where(Entry.student_id == school.students[0].id))
    assert added.occurred_on == date(2026, 12, 1)


def test_forms_default_to_the_schools_today(act, school):
    with late():
        html = page(act(school.teacher), f"/teacher/entry/new?class={school.class_a.id}")
        event = quick_events.save_quick_event(school.teacher, school.term, school.class_a.id,
                                              quick_events.QuickEventInput(
                                                  label="值日 +2", indicator="moral.service",
                                                  points="2"))
        [entry] = quick_events.record_quick_event(school.teacher, school.term, event.id,
                                                  [school.students[0].id])
    assert f'value="{SCHOOL_DAY}"' in html
    assert entry.occurred_on == date(2026, 12, 1)


def test_admin_pages_show_the_schools_time(act, school, make):
    with late():
        admin = act(school.admin)
        make.entry(school.term, school.students[0], "moral.service", "2",
                   author=school.teacher)
        db.session.add(ExportJob(school_id=school.school.id, kind="xlsx",
                                 params={"term_id": school.term.id},
                                 created_by_id=school.admin.id))
        version = make.rules(school.school)
        db.session.commit()
        shown = {
            "reports": page(admin, "/admin/reports"),
            "rule set": page(admin, f"/admin/rules/{version.rule_set_id}"),
        }
        rule_sets = page(admin, "/admin/rules")
    for what, html in shown.items():
        school_time_only(html, what)
    school_time_only(rule_sets, "rule sets", SCHOOL_DAY)


# ---- "through one helper": no other way of writing a time for people --------------------

ROOT = Path(__file__).resolve().parents[1]
DIRECT = re.compile(r"\.strftime\(|\.isoformat\(\)|\bformat_(?:datetime|date|time)\(|"
                    r"\bdate\.today\(\)|datetime\.(?:today|utcnow)\(")
# Not for people: stored JSON (audit before/after, read back by history.py through
# local_time) and the reports page's poll (reports.js does not show the time).
ALLOWED = {
    "starrating/services/audit.py": 1,
    "starrating/services/reports/jobs.py": 1,
    # a log line for the operator (not a page), in UTC like the rest of the log
    "starrating/services/channels.py": 1,
    # an inbox item's stored parameters (a calendar date, no zone) and a de-duplication key
    "starrating/services/notifications.py": 2,
}


def _sources():
    yield from sorted((ROOT / "templates").rglob("*.html"))
    for path in sorted((ROOT / "starrating").rglob("*.py")):
        if path.relative_to(ROOT).as_posix() != "starrating/services/clock.py":
            yield path


def test_times_for_people_go_through_the_clock_helpers():
    offenders = {}
    for path in _sources():
        name = path.relative_to(ROOT).as_posix()
        found = DIRECT.findall(path.read_text(encoding="utf-8"))
        if len(found) > ALLOWED.get(name, 0):
            offenders[name] = found
    assert not offenders, (
        f"these write a date or time themselves: {offenders}; use clock.local_time / "
        "local_date (the |local_time and |local_date filters in templates)")
