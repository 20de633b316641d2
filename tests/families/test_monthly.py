"""The monthly summary (月小结): on the school's day, one job per class; its messages match
the month's records (a fixed clock)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import sqlalchemy as sa
import time_machine

from starrating import jobs
from starrating.extensions import db
from starrating.models import FamilySettings, Notification
from starrating.services import notifications


def test_the_monthly_summary_is_one_job_per_class_matching_the_months_records(
        fam, make, monkeypatch):
    for day, points in ((date(2026, 9, 30), "5"), (date(2026, 10, 8), "-2"),
                        (date(2026, 10, 20), "3"), (date(2026, 11, 1), "-1")):
        make.entry(fam.term, fam.child_a, "moral.service" if float(points) > 0
                   else "moral.discipline", points, author=fam.teacher, occurred_on=day)
    db.session.add(FamilySettings(school_id=fam.school.id, show_deduction_notes=True,
                                  show_evidence=False, thresholds=[], monthly_day=1))
    db.session.commit()
    calls = []
    real = jobs.monthly_summary_task

    def counted(*args):
        calls.append(args)
        return real(*args)

    monkeypatch.setattr(jobs, "monthly_summary_task", counted)
    with time_machine.travel(datetime(2026, 10, 31, 1, tzinfo=UTC), tick=False):
        assert jobs.monthly_summaries_now() == 0  # not the school's day
    with time_machine.travel(datetime(2026, 11, 1, 1, tzinfo=UTC), tick=False):  # 09:00
        assert jobs.monthly_summaries_now() == 2  # class A and class B
    assert sorted(c[1] for c in calls) == sorted([fam.class_a.id, fam.class_b.id])
    assert {c[2:] for c in calls} == {(2026, 10)}
    mine = db.session.scalars(sa.select(Notification).where(
        Notification.event == "monthly", Notification.user_id == fam.guardian_user.id,
        Notification.student_id == fam.child_a.id)).all()
    assert len(mine) == 1
    text = notifications.sentence("monthly", mine[0].params, "en")
    assert "2026-10" in text and "2 records" in text and "+1.00 points" in text
    assert "10-08" in text and "10-20" in text and "09-30" not in text and "11-01" not in text
    # the student too, and class B's child; and only once per month
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Notification).where(
        Notification.event == "monthly", Notification.user_id == fam.student_user.id)) == 1
    with time_machine.travel(datetime(2026, 11, 1, 2, tzinfo=UTC), tick=False):
        jobs.monthly_summaries_now()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Notification).where(
        Notification.event == "monthly", Notification.user_id == fam.guardian_user.id)) == 2
