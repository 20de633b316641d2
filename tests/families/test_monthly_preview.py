"""The class teacher's preview of the monthly summary (月小结) and the line they add; the
monthly day in each school's own time zone."""

from __future__ import annotations

import html
from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa
import time_machine
from flask_babel import force_locale

from starrating import jobs
from starrating.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from starrating.extensions import db
from starrating.models import AuditLog, FamilySettings, MonthlyNote, Notification
from starrating.services import history, notifications
from tests.security.helpers import table_dump

LINE = "本月班级劳动周表现很好"
BEFORE = datetime(2026, 10, 25, 2, tzinfo=UTC)  # 10:00 in Shanghai, a week before the day
DAY = datetime(2026, 11, 1, 1, tzinfo=UTC)  # 09:00 in Shanghai on the day


def _monthly_day(school_id, day=1):
    db.session.add(FamilySettings(school_id=school_id, show_deduction_notes=True,
                                  show_evidence=False, thresholds=[], monthly_day=day))


@pytest.fixture
def month(fam, make):
    """October's records of class A's child, and the school's day (the 1st)."""
    for day, indicator, points in ((date(2026, 9, 30), "moral.service", "5"),
                                   (date(2026, 10, 8), "moral.discipline", "-2"),
                                   (date(2026, 10, 20), "moral.service", "3")):
        make.entry(fam.term, fam.child_a, indicator, points, author=fam.teacher,
                   occurred_on=day)
    _monthly_day(fam.school.id)
    db.session.commit()
    return fam


def _preview_texts(actor, class_id) -> dict:
    texts = {}
    for lang, locale in (("zh", "zh_Hans_CN"), ("en", "en")):
        with force_locale(locale):
            page = notifications.monthly_preview(actor, class_id)
        texts.update({(r.message.student_id, lang): r.text for r in page.rows})
    return page, texts


def test_the_preview_reads_exactly_as_the_messages_sent_with_the_line(month, act):
    f = month
    with time_machine.travel(BEFORE, tick=False):
        page, _ = _preview_texts(f.teacher, f.class_a.id)
        assert (page.month_text, page.send_on, page.sent) == ("2026-10", date(2026, 11, 1),
                                                              False)
        notifications.save_line(f.teacher, f.class_a.id, "2026-10", LINE)
        db.session.commit()
        page, texts = _preview_texts(f.teacher, f.class_a.id)
        shown = act(f.teacher).get(f"/families/class/{f.class_a.id}/monthly")
    assert shown.status_code == 200
    body = shown.get_data(as_text=True)
    assert html.escape(texts[(f.child_a.id, "zh")]) in body
    assert texts[(f.child_a.id, "zh")].endswith(f"班主任寄语：{LINE}")
    assert "2 records, +1.00 points in all" in texts[(f.child_a.id, "en")]
    assert "10-08" in texts[(f.child_a.id, "en")] and "09-30" not in texts[(f.child_a.id, "en")]
    receives = {r.message.student_id: r.recipients for r in page.rows}
    assert any(f.guardian.name in who for who in receives[f.child_a.id])

    with time_machine.travel(DAY, tick=False):
        assert jobs.monthly_summaries_now() == 2  # class A and class B
    sent = db.session.scalars(sa.select(Notification).where(
        Notification.event == "monthly", Notification.student_id.in_(
            [s.id for s in f.students]))).all()
    # the guardian and the student of child_a, the student accounts of the others
    assert {n.user_id for n in sent if n.student_id == f.child_a.id} == {
        f.guardian_user.id, f.student_user.id}
    for n in sent:
        for lang in ("zh", "en"):
            assert notifications.sentence("monthly", n.params, lang) == texts[
                (n.student_id, lang)]
    # class B's summary has no line: none was written for it
    other = db.session.scalar(sa.select(Notification).where(
        Notification.event == "monthly", Notification.student_id == f.child_b.id,
        Notification.user_id == f.guardian_user.id))
    assert LINE not in notifications.sentence("monthly", other.params, "zh")
    assert db.session.scalar(sa.select(MonthlyNote.sent_at)) is not None


def test_the_line_cannot_change_once_the_summary_went(month, act):
    f = month
    with time_machine.travel(BEFORE, tick=False):
        notifications.save_line(f.teacher, f.class_a.id, "2026-10", LINE)
        db.session.commit()
    with time_machine.travel(DAY, tick=False):
        jobs.monthly_summaries_now()
        with pytest.raises(Conflict) as refused:
            notifications.save_line(f.teacher, f.class_a.id, "2026-10", "改一下")
        db.session.rollback()
        assert "已经发出" in str(refused.value.message)
        before = table_dump()
        teacher = act(f.teacher)
        answer = teacher.post(f"/families/class/{f.class_a.id}/monthly",
                              {"month": "2026-10", "line": "改一下"})
        assert answer.status_code == 409
        assert "2026-10 的月小结已经发出，寄语不能再修改。" in answer.get_data(as_text=True)
        assert table_dump() == before
        # the page now shows the sent month read-only, and the next summary (November)
        page = teacher.get(f"/families/class/{f.class_a.id}/monthly?month=2026-10")
        assert "本次月小结已经发出" in page.get_data(as_text=True)
        assert 'name="line"' not in page.get_data(as_text=True)
        coming = notifications.monthly_preview(f.teacher, f.class_a.id)
        assert (coming.month_text, coming.send_on, coming.sent) == ("2026-11",
                                                                    date(2026, 12, 1), False)
    assert db.session.scalar(sa.select(MonthlyNote.line)) == LINE


def test_the_line_is_checked_audited_and_an_empty_one_removes_it(month):
    f = month
    with pytest.raises(ValidationFailed) as e:
        notifications.save_line(f.teacher, f.class_a.id, "2026-10", "好" * 201)
    assert "line" in e.value.errors
    with pytest.raises(ValidationFailed):
        notifications.save_line(f.teacher, f.class_a.id, "2026-13", LINE)
    notifications.save_line(f.teacher, f.class_a.id, "2026-10", LINE)
    notifications.save_line(f.teacher, f.class_a.id, "2026-10", "  本月   进步大 ")
    db.session.commit()
    assert db.session.scalar(sa.select(MonthlyNote.line)) == "本月 进步大"
    rows = db.session.scalars(sa.select(AuditLog).where(
        AuditLog.object_type == "monthly_note").order_by(AuditLog.id)).all()
    assert [r.action for r in rows] == ["create", "update"]
    with force_locale("zh_Hans_CN"):
        told = history.tell(rows)
    assert told[0].sentence == "王老师 为 24机电1班 的月小结添加了寄语"
    notifications.save_line(f.teacher, f.class_a.id, "2026-10", "")
    db.session.commit()
    with time_machine.travel(BEFORE, tick=False):
        page = notifications.monthly_preview(f.teacher, f.class_a.id)
    assert all("班主任寄语" not in r.text for r in page.rows)


def test_only_the_class_teacher_or_the_schools_admin_sees_the_preview(month, act, make):
    f = month
    with pytest.raises(PermissionDenied):
        notifications.monthly_preview(f.other_teacher, f.class_a.id)
    with pytest.raises(PermissionDenied):
        notifications.save_line(f.other_teacher, f.class_a.id, "2026-10", LINE)
    with pytest.raises(PermissionDenied):
        notifications.monthly_preview(f.guardian_user, f.class_a.id)
    assert notifications.monthly_preview(f.admin, f.class_a.id).school_class.id == f.class_a.id
    other_school = make.school_setup()
    with pytest.raises(NotFound):
        notifications.monthly_preview(other_school.admin, f.class_a.id)
    before = table_dump()
    stranger = act(f.other_teacher)
    assert stranger.get(f"/families/class/{f.class_a.id}/monthly").status_code == 403
    assert stranger.post(f"/families/class/{f.class_a.id}/monthly",
                         {"month": "2026-10", "line": LINE}).status_code == 403
    assert act(other_school.admin).get(
        f"/families/class/{f.class_a.id}/monthly").status_code == 404
    assert table_dump() == before
    # the class teacher finds it from their home and from the families page
    teacher = act(f.teacher)
    link = f'href="/families/class/{f.class_a.id}/monthly"'
    assert link in teacher.get("/teacher/").get_data(as_text=True)
    assert link in teacher.get("/families/").get_data(as_text=True)


def test_each_school_gets_its_summary_on_its_own_day_in_its_own_zone(month, make):
    f = month
    west = make.school_setup()
    west.school.timezone = "America/Los_Angeles"
    _monthly_day(west.school.id)
    db.session.commit()
    # 01:00 UTC on 1 November: 09:00 on the 1st in Shanghai, 18:00 on 31 October in LA
    due = notifications.monthly_due(datetime(2026, 11, 1, 1, tzinfo=UTC))
    assert {cid for _t, cid, _y, _m in due} == {f.class_a.id, f.class_b.id}
    assert {(y, m) for _t, _c, y, m in due} == {(2026, 10)}
    # before 08:00 on the day it is not yet due (23:30 UTC the evening before: 07:30 there)
    assert notifications.monthly_due(datetime(2026, 10, 31, 23, 30, tzinfo=UTC)) == []
    with time_machine.travel(datetime(2026, 11, 1, 1, tzinfo=UTC), tick=False):
        assert jobs.monthly_summaries_now() == 2
    # 17:00 UTC: 09:00 on 1 November in LA (PST); Shanghai's are made already
    due = notifications.monthly_due(datetime(2026, 11, 1, 17, tzinfo=UTC))
    assert {cid for _t, cid, _y, _m in due} == {west.class_a.id, west.class_b.id}
    assert {t for t, _c, _y, _m in due} == {west.term.id}
    with time_machine.travel(datetime(2026, 11, 1, 17, tzinfo=UTC), tick=False):
        assert jobs.monthly_summaries_now() == 2
        assert jobs.monthly_summaries_now() == 0  # once per class and month
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Notification).where(
        Notification.event == "monthly", Notification.user_id == west.student_user.id)) == 1
    # 2 December 03:00 UTC: the 2nd (11:00) in Shanghai, still 1 December (19:00) in LA
    due = notifications.monthly_due(datetime(2026, 12, 2, 3, tzinfo=UTC))
    assert {(cid, y, m) for _t, cid, y, m in due} == {(west.class_a.id, 2026, 11),
                                                      (west.class_b.id, 2026, 11)}
    # 2 December 20:00 UTC: the 3rd in Shanghai, the 2nd in LA: nobody's day
    assert notifications.monthly_due(datetime(2026, 12, 2, 20, tzinfo=UTC)) == []
