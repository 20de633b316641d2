"""The inbox: each event gives exactly one item per entitled person, in their language;
reading clears the badge; choices mute events; quiet hours delay pushes, not the inbox."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime

import sqlalchemy as sa
import time_machine
from flask_babel import force_locale

from starrating.extensions import db
from starrating.models import Delivery, Notification, NotificationSettings, User
from starrating.services import appeals, entries, notifications, workflow
from starrating.services.appeals import AppealInput, Decision
from starrating.services.entry_input import EntryInput
from tests.workflow.helpers import NOW, publish


def _items(event=None):
    query = sa.select(Notification)
    if event:
        query = query.where(Notification.event == event)
    return list(db.session.scalars(query))


def _per_user(event):
    return Counter(n.user_id for n in _items(event))


def _deduct(fam, student, points="-2"):
    made = entries.record_entries(fam.teacher, fam.term, [student.id], EntryInput(
        indicator="moral.discipline", points=points, occurred_on=date(2026, 10, 9)),
        today=date(2026, 11, 1))
    db.session.commit()
    return made


def test_a_deduction_reaches_the_student_and_guardians_once_each(fam, app):
    _deduct(fam, fam.child_a)
    student_user = fam.student_user
    assert _per_user("deduction") == {student_user.id: 1, fam.guardian_user.id: 1}
    item = _items("deduction")[0]
    with app.test_request_context(), force_locale("zh_Hans_CN"):
        zh = notifications.sentence(item.event, item.params, "zh")
    en = notifications.sentence(item.event, item.params, "en")
    assert fam.child_a.name in zh and "-2.00" in zh and zh != en
    assert "-2.00" in en


def test_a_reward_is_no_deduction_event(fam):
    entries.record_entries(fam.teacher, fam.term, [fam.child_a.id], EntryInput(
        indicator="moral.service", points="2", occurred_on=date(2026, 10, 9)),
        today=date(2026, 11, 1))
    db.session.commit()
    assert _items("deduction") == []


def test_the_inbox_is_in_the_readers_language_and_reading_clears_the_badge(fam, act):
    _deduct(fam, fam.child_a)
    guardian = act(fam.guardian_user)
    page = guardian.get("/guardian/").get_data(as_text=True)
    assert 'class="badge inbox-badge"' in page
    zh = guardian.get("/inbox/").get_data(as_text=True)
    assert fam.child_a.name in zh and "unread" in zh
    user = db.session.get(User, fam.guardian_user.id)
    user.locale = "en"
    db.session.commit()
    en = guardian.get("/inbox/").get_data(as_text=True)
    assert "on 2026-10-09" in en
    assert guardian.post("/inbox/read").status_code == 302
    assert "inbox-badge" not in guardian.get("/guardian/").get_data(as_text=True)
    assert all(n.read_at is not None for n in _items() if n.user_id == fam.guardian_user.id)
    # the student's own item is still unread: reading is per person
    assert any(n.read_at is None for n in _items() if n.user_id == fam.student_user.id)


def test_marking_one_item_read(fam, act):
    _deduct(fam, fam.child_a)
    _deduct(fam, fam.child_a, "-1")
    mine = [n for n in _items() if n.user_id == fam.guardian_user.id]
    assert len(mine) == 2
    act(fam.guardian_user).post("/inbox/read", data={"id": mine[0].id})
    db.session.expire_all()
    assert sum(n.read_at is None for n in _items() if n.user_id == fam.guardian_user.id) == 1
    # another person's item id does nothing
    theirs = next(n for n in _items() if n.user_id == fam.student_user.id)
    act(fam.guardian_user).post("/inbox/read", data={"id": theirs.id})
    db.session.expire_all()
    assert db.session.get(Notification, theirs.id).read_at is None


def test_appeal_filed_reaches_the_class_teacher_and_decided_the_student_and_guardians(fam):
    made = _deduct(fam, fam.child_a)
    publish(fam)
    appeal = appeals.create_appeal(fam.student_user, fam.term,
                                   AppealInput(entry_id=made[0].id, text="请过假"))
    db.session.commit()
    assert _per_user("appeal_filed") == {fam.teacher.id: 1}
    appeals.reject_appeal(fam.teacher, appeal.id, "无假条")
    db.session.commit()
    assert _per_user("appeal_decided") == {fam.student_user.id: 1, fam.guardian_user.id: 1}
    item = _items("appeal_decided")[0]
    assert "rejected" in notifications.sentence(item.event, item.params, "en")


def test_accepted_appeal_says_so(fam):
    made = _deduct(fam, fam.child_a)
    publish(fam)
    appeal = appeals.create_appeal(fam.student_user, fam.term,
                                   AppealInput(entry_id=made[0].id, text="请过假"))
    appeals.accept_appeal(fam.teacher, appeal.id, Decision(action="delete", reason="属实"))
    db.session.commit()
    item = _items("appeal_decided")[0]
    assert "accepted" in notifications.sentence(item.event, item.params, "en")


def test_class_submitted_reaches_the_admins_and_published_the_students_and_guardians(fam):
    workflow.submit_class(fam.teacher, fam.term, fam.class_a.id, now=NOW)
    db.session.commit()
    assert _per_user("class_submitted") == {fam.admin.id: 1}
    workflow.publish_classes(fam.admin, fam.term, [fam.class_a.id], notice_days=5, now=NOW)
    db.session.commit()
    published = _per_user("published")
    class_a_users = set(db.session.scalars(sa.select(User.id).where(
        User.student_id.in_([s.id for s in fam.students]))))
    assert published == {**{uid: 1 for uid in class_a_users}, fam.guardian_user.id: 1}
    assert fam.other_student_user.id not in published


def test_notice_ending_in_a_day_comes_once_from_the_periodic_task(fam):
    from starrating import jobs

    publish(fam, now=datetime(2026, 11, 20, 8, tzinfo=UTC), days=5)
    with time_machine.travel(datetime(2026, 11, 23, 8, tzinfo=UTC), tick=False):
        assert jobs.notice_ending_now() == 0  # two days left
    with time_machine.travel(datetime(2026, 11, 24, 9, tzinfo=UTC), tick=False):
        first = jobs.notice_ending_now()
        assert jobs.notice_ending_now() == 0  # once
    assert first == len(fam.students) + 1
    assert max(_per_user("notice_ending").values()) == 1


def test_muted_events_make_no_item(fam, act):
    guardian = act(fam.guardian_user)
    answer = guardian.post("/inbox/settings", data={"inbox": ["appeal_decided", "published"],
                                                    "email": ""})
    assert answer.status_code == 302
    _deduct(fam, fam.child_a)
    assert _per_user("deduction") == {fam.student_user.id: 1}


def test_email_needs_an_address(fam, act):
    answer = act(fam.guardian_user).post("/inbox/settings", data={
        "inbox": ["deduction"], "by_email": ["deduction"], "email": ""})
    assert answer.status_code == 400
    assert db.session.get(NotificationSettings, fam.guardian_user.id) is None


def _email_choice(user, email="parent@example.com"):
    db.session.add(NotificationSettings(user_id=user.id, email=email, muted=[],
                                        by_email=["deduction"]))
    db.session.commit()


def test_quiet_hours_delay_the_push_and_keep_the_inbox_item(fam, app):
    app.config.update(SMTP_HOST="", SMTP_SENDER="")  # nothing is sent here
    _email_choice(fam.guardian_user)
    # 23:30 in Shanghai = 15:30 UTC
    with time_machine.travel(datetime(2026, 10, 20, 15, 30, tzinfo=UTC), tick=False):
        _deduct(fam, fam.child_a)
    assert _per_user("deduction")[fam.guardian_user.id] == 1
    push = db.session.scalar(sa.select(Delivery))
    assert push.channel == "email" and push.status == "pending" and push.attempts == 0
    assert push.due_at == datetime(2026, 10, 20, 23, 0, tzinfo=UTC)  # 07:00 Shanghai
    # daytime: due at once
    with time_machine.travel(datetime(2026, 10, 21, 2, 0, tzinfo=UTC), tick=False):
        assert notifications.push_due_at(fam.school.id) == datetime(2026, 10, 21, 2, 0,
                                                                     tzinfo=UTC)
    # 06:59 Shanghai: still quiet
    with time_machine.travel(datetime(2026, 10, 20, 22, 59, tzinfo=UTC), tick=False):
        assert notifications.push_due_at(fam.school.id) == datetime(2026, 10, 20, 23, 0,
                                                                     tzinfo=UTC)


def test_an_item_per_person_also_when_they_are_guardian_of_two_in_one_event(fam, make):
    from tests.families.conftest import make_guardian

    sibling = fam.students[2]
    make_guardian(fam, [sibling], phone="13800000001")  # the same guardian
    db.session.commit()
    workflow.submit_class(fam.teacher, fam.term, fam.class_a.id, now=NOW)
    workflow.publish_classes(fam.admin, fam.term, [fam.class_a.id], notice_days=5, now=NOW)
    db.session.commit()
    # one item per child the guardian is entitled to hear about, never duplicates
    mine = [n for n in _items("published") if n.user_id == fam.guardian_user.id]
    assert sorted(n.student_id for n in mine) == sorted([fam.child_a.id, sibling.id])
