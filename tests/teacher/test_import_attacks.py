"""Found by an outside attack on the Excel import: zero-point rows, and two confirms of one
staged import at the same moment."""

from __future__ import annotations

import re
import threading
from datetime import date

import pytest
import sqlalchemy as sa

from starrating.errors import ValidationFailed
from starrating.extensions import db
from starrating.models import ImportBatch
from starrating.services import entry_import
from tests.teacher.conftest import live_entries, text
from tests.teacher.test_import import fill, template, upload

ZERO = "分值不能为 0。"


def test_rows_of_zero_and_minus_zero_points_are_refused_and_nothing_is_written(act, school):
    teacher = act(school.teacher)
    s = school.students
    data = fill(template(teacher, school), [
        (s[0].student_no, s[0].name, "moral.service", 2, date(2026, 10, 8), "好"),
        (s[1].student_no, s[1].name, "moral.service", 0, date(2026, 10, 8), "零"),
        (s[2].student_no, s[2].name, "moral.service", "-0", date(2026, 10, 8), "负零"),
        (s[3].student_no, s[3].name, "moral.service", -0.0, date(2026, 10, 8), "负零"),
        (s[4].student_no, s[4].name, "moral.service", "0.00", date(2026, 10, 8), "零"),
    ])
    response = upload(teacher, school, data)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    rows = re.findall(r'<tr><td class="num">(\d+)</td><td>([^<]+)</td><td>([^<]+)</td>', html)
    assert rows == [(str(n), "分值", ZERO) for n in (3, 4, 5, 6)]
    assert not re.search(r'/import/[0-9a-f]{32}"', html)  # nothing staged to confirm
    with pytest.raises(ValidationFailed) as refused:
        entry_import.import_entries(school.teacher, school.term, school.class_a.id, data, "x.xlsx")
    assert [(e.row, e.column) for e in refused.value.errors["rows"]] == [
        (3, "分值"), (4, "分值"), (5, "分值"), (6, "分值")]
    db.session.rollback()
    assert live_entries() == []
    assert db.session.scalar(sa.select(sa.func.count(ImportBatch.id))) == 0


def test_two_confirms_of_one_staged_import_at_once_write_once_and_never_500(
        app, school, act, monkeypatch):
    tabs = [act(school.teacher), act(school.teacher)]
    s = school.students
    data = fill(template(tabs[0], school), [
        (s[0].student_no, s[0].name, "moral.service", 2, date(2026, 10, 8), "一"),
        (s[1].student_no, s[1].name, "moral.attendance", -1, date(2026, 10, 9), "二")])
    preview = upload(tabs[0], school, data)
    token = re.search(r'/import/([0-9a-f]{32})"', preview.get_data(as_text=True)).group(1)
    url = f"/teacher/class/{school.class_a.id}/import/{token}"

    # Both requests pass the "already imported?" check before either writes: the race.
    checked = threading.Barrier(2, timeout=20)
    real_check = entry_import.check_upload

    def check_then_wait(*args, **kwargs):
        result = real_check(*args, **kwargs)
        checked.wait()
        return result

    monkeypatch.setattr(entry_import, "check_upload", check_then_wait)
    start = threading.Barrier(2, timeout=20)
    responses = [None, None]
    tokens = [tab.csrf() for tab in tabs]

    def confirm(i):
        with app.app_context():
            start.wait()
            try:
                responses[i] = tabs[i].client.post(url, data={"csrf_token": tokens[i]})
            except Exception as e:  # the test client re-raises what a server answers with 500
                responses[i] = e

    threads = [threading.Thread(target=confirm, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    statuses = sorted(getattr(r, "status_code", 500) for r in responses)
    assert statuses == [302, 302], responses  # never a 500
    places = sorted(r.headers["Location"] for r in responses)
    assert places == [f"/teacher/class/{school.class_a.id}",
                      f"/teacher/class/{school.class_a.id}/import"]
    loser = next(i for i, r in enumerate(responses) if r.headers["Location"].endswith("/import"))
    told = text(tabs[loser].get(f"/teacher/class/{school.class_a.id}/import"))
    assert "该文件刚刚已被导入；没有重复写入。" in told
    assert sorted(e.points_cents for e in live_entries()) == [-100, 200]  # written once
    assert db.session.scalar(sa.select(sa.func.count(ImportBatch.id))) == 1
