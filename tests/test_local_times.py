"""Issue 13, found 3: every time people read is the school's wall time, written one way
(clock.local_time), on every page — checked with a fixed clock at 23:30 UTC, when UTC is
still on the day before the school."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

import time_machine

from starrating.extensions import db
from starrating.services import appeals, workflow
from starrating.services.appeals import AppealInput

LATE = datetime(2026, 11, 30, 23, 30, tzinfo=UTC)  # 2026-12-01 07:30 in Shanghai


def test_pages_write_the_schools_time_one_way(act, school, make):
    entry = make.entry(school.term, school.students[0], "moral.discipline", "-2",
                       author=school.teacher, occurred_on=date(2026, 10, 8))
    db.session.commit()
    with time_machine.travel(LATE, tick=False):
        workflow.submit_class(school.admin, school.term, school.class_a.id)
        workflow.publish_classes(school.admin, school.term, [school.class_a.id], notice_days=5)
        appeals.create_appeal(school.student_user, school.term,
                              AppealInput(entry_id=entry.id, text="请过假"))
        db.session.commit()
        pages = {
            "student appeals": act(school.student_user).get("/student/appeals"),
            "student stars": act(school.student_user).get("/student/"),
            "teacher appeals": act(school.teacher).get("/teacher/appeals"),
            "publishing": act(school.admin).get("/admin/workflow"),
            "audit": act(school.admin).get("/admin/audit"),
        }
    for name, response in pages.items():
        html = response.get_data(as_text=True)
        assert response.status_code == 200, name
        # published at 07:30 on 1 December; its notice ends at 07:30 on the 6th
        times = set(re.findall(r"2026-12-0\d \d\d:\d\d", html))
        assert times & {"2026-12-01 07:30", "2026-12-06 07:30"}, (name, times)
        assert not re.search(r"2026-11-30 23:30|2026/11/30|23:30", html), name
