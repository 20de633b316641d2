"""Holes found by an outside attack on the teacher's writing side, each shut at its root."""

from __future__ import annotations

import errno
import io
import re
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
import time_machine

from starrating.extensions import db
from starrating.models import Attachment, Entry
from starrating.services import appeals
from starrating.services.appeals import AppealInput, Upload
from tests.teacher.conftest import TINY_PNG, live_entries, text
from tests.workflow.helpers import publish

DAY = "2026-10-08"


# ---- write rights follow the current class assignment ------------------------------------------

@pytest.fixture
def handed_over(make, school):
    """class_a's entry of last term (still open) by its teacher; in the newer term (in force:
    the clock stands in it) the class belongs to the other teacher."""
    entry = make.entry(school.term, school.students[0], "moral.service", "2",
                       author=school.teacher)
    newer = make.term(school.school, name="2027学年第二学期", start=date(2027, 2, 20),
                      end=date(2027, 7, 10))
    make.assign(newer, school.class_a, school.other_teacher)
    db.session.commit()
    with time_machine.travel(datetime(2027, 3, 1, 9, tzinfo=ZoneInfo("Asia/Shanghai"))):
        yield entry


def test_last_terms_class_teacher_cannot_edit_after_handover(act, school, handed_over):
    entry = handed_over
    response = act(school.teacher).post(f"/teacher/entry/{entry.id}/edit", {
        "indicator": "moral.service", "item": "", "points": "9", "occurred_on": DAY,
        "note": "", "version": str(entry.version)})
    assert response.status_code == 403
    [stored] = live_entries()
    assert stored.points_cents == 200 and stored.version == entry.version


def test_last_terms_class_teacher_cannot_delete_after_handover(act, school, handed_over):
    entry = handed_over
    response = act(school.teacher).post(f"/teacher/entry/{entry.id}/delete",
                                        {"version": str(entry.version)})
    assert response.status_code == 403
    assert [e.id for e in live_entries()] == [entry.id]


def test_the_current_class_teacher_still_edits_their_entries(act, school):
    teacher = act(school.teacher)
    assert teacher.post("/teacher/entry/new", {
        "students": [str(school.students[0].id)], "indicator": "moral.service", "item": "",
        "points": "2", "occurred_on": DAY, "note": ""}).status_code == 302
    [entry] = live_entries()
    response = teacher.post(f"/teacher/entry/{entry.id}/edit", {
        "indicator": "moral.service", "item": "", "points": "9", "occurred_on": DAY,
        "note": "", "version": str(entry.version)})
    assert response.status_code == 302
    assert live_entries()[0].points_cents == 900


# ---- every evidence link a user is shown downloads as an attachment ----------------------------

def _links(html: str) -> list[str]:
    return re.findall(r'href="(/[^"]*(?:evidence|file)/\d+)"', html)


def _assert_downloads(actor, url):
    got = actor.get(url)
    assert got.status_code == 200, url
    assert got.headers["Content-Disposition"].startswith("attachment"), url
    assert got.headers["X-Content-Type-Options"] == "nosniff"
    assert got.headers["Cache-Control"] == "private, no-store"


def test_students_own_evidence_is_an_attachment(act, school):
    teacher = act(school.teacher)
    assert teacher.post("/teacher/entry/new", {
        "students": [str(school.students[0].id)], "indicator": "moral.service", "item": "",
        "points": "2", "occurred_on": DAY, "note": "",
        "evidence": (io.BytesIO(TINY_PNG), "奖状.png")},
        content_type="multipart/form-data").status_code == 302
    me = act(school.student_user)
    [link] = _links(me.get("/student/entries").get_data(as_text=True))
    _assert_downloads(me, link)


def test_appeal_files_are_attachments_for_student_and_teacher(act, make, school):
    entry = make.entry(school.term, school.students[0], "moral.discipline", "-10",
                       author=school.teacher)
    db.session.commit()
    publish(school)
    appeal = appeals.create_appeal(school.student_user, school.term, AppealInput(
        entry_id=entry.id, text="那天我请了病假", files=[Upload("假条.png", TINY_PNG)]))
    db.session.commit()
    me, teacher = act(school.student_user), act(school.teacher)
    [mine] = _links(me.get("/student/appeals").get_data(as_text=True))
    _assert_downloads(me, mine)
    [theirs] = _links(teacher.get(f"/teacher/appeals/{appeal.id}").get_data(as_text=True))
    _assert_downloads(teacher, theirs)
    assert act(school.other_student_user).get(theirs).status_code == 403
    assert act(school.other_teacher).get(theirs).status_code == 403


# ---- a full disk while storing evidence ------------------------------------------------------

@pytest.fixture
def disk_full(monkeypatch):
    """Path.write_bytes writes half the bytes, then the disk is full."""
    def write_bytes(self, data):
        with open(self, "wb") as f:
            f.write(data[: len(data) // 2])
        raise OSError(errno.ENOSPC, "No space left on device", str(self))

    monkeypatch.setattr(Path, "write_bytes", write_bytes)


def _files(app) -> list[Path]:
    return [p for p in Path(app.config["STARRATING_FILES_DIR"]).rglob("*") if p.is_file()]


def test_disk_full_refuses_the_entry_with_a_message_and_leaves_nothing(app, act, school,
                                                                       disk_full):
    response = act(school.teacher).post("/teacher/entry/new", {
        "students": [str(school.students[0].id), str(school.students[1].id)],
        "indicator": "moral.service", "item": "", "points": "2", "occurred_on": DAY,
        "note": "社区志愿服务", "evidence": (io.BytesIO(TINY_PNG), "奖状.png")},
        content_type="multipart/form-data")
    assert response.status_code == 507
    page = text(response)
    assert "服务器没有空间保存文件" in page  # the teacher's language: Chinese by default
    assert 'name="students"' in page and "社区志愿服务" in page  # the form, as typed
    assert db.session.scalar(sa.select(sa.func.count(Entry.id))) == 0
    assert db.session.scalar(sa.select(sa.func.count(Attachment.id))) == 0
    assert _files(app) == []


def test_disk_full_message_in_english(app, act, school, disk_full):
    teacher = act(school.teacher)
    teacher.post("/lang/en")
    response = teacher.post("/teacher/entry/new", {
        "students": [str(school.students[0].id)], "indicator": "moral.service", "item": "",
        "points": "2", "occurred_on": DAY, "note": "",
        "evidence": (io.BytesIO(TINY_PNG), "proof.png")}, content_type="multipart/form-data")
    assert response.status_code == 507
    assert "The server has no room left to store the file" in text(response)
    assert live_entries() == [] and _files(app) == []
