"""The SQL of one save: the grid, a single entry and an edit each send every SELECT once."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal

import pytest
import sqlalchemy as sa

from starrating.extensions import db
from starrating.models import EntrySource
from starrating.services.scoring import term_rules
from tests.teacher.conftest import live_entries

DAY = "2026-10-08"


class Statements:
    """Every statement (text and parameters) sent to the database while open."""

    def __init__(self):
        self.sent: list[tuple[str, str]] = []

    def __enter__(self):
        sa.event.listen(db.engine, "before_cursor_execute", self._on)
        return self

    def __exit__(self, *exc):
        sa.event.remove(db.engine, "before_cursor_execute", self._on)

    def _on(self, conn, cursor, statement, parameters, context, executemany):
        self.sent.append((" ".join(statement.split()), repr(parameters)))

    def repeated_selects(self) -> list:
        counts = Counter(s for s in self.sent if s[0].upper().startswith("SELECT"))
        return [(s, n) for s, n in counts.items() if n > 1]


@pytest.fixture
def teacher(act, school):
    actor = act(school.teacher)
    actor.csrf()  # fetch the CSRF token before counting
    return actor


def test_grid_save_repeats_no_select(teacher, school):
    s = school.students
    url = f"/teacher/class/{school.class_a.id}/grid"  # ids read before counting
    data = {"indicator": "moral.service", "item": "", "points": "2", "occurred_on": DAY,
            "note": "", "tick": [str(s[0].id), str(s[1].id)], f"cell-{s[2].id}": "3"}
    with Statements() as sql:
        response = teacher.post(url, data)
    assert response.status_code == 302
    assert len(live_entries()) == 3
    assert sql.sent and sql.repeated_selects() == []


def test_single_entry_save_repeats_no_select(teacher, school):
    data = {"students": [str(school.students[0].id)], "indicator": "moral.service",
            "item": "", "points": "2", "occurred_on": DAY, "note": "社区志愿服务"}
    with Statements() as sql:
        response = teacher.post("/teacher/entry/new", data)
    assert response.status_code == 302
    assert len(live_entries()) == 1
    assert sql.sent and sql.repeated_selects() == []


def test_edit_save_repeats_no_select(teacher, school):
    assert teacher.post("/teacher/entry/new", {
        "students": [str(school.students[0].id)], "indicator": "moral.service", "item": "",
        "points": "2", "occurred_on": DAY, "note": ""}).status_code == 302
    [entry] = live_entries()
    url = f"/teacher/entry/{entry.id}/edit"
    data = {"indicator": "moral.service", "item": "", "points": "5", "occurred_on": DAY,
            "note": "改", "version": str(entry.version)}
    with Statements() as sql:
        response = teacher.post(url, data)
    assert response.status_code == 302
    assert live_entries()[0].points_cents == 500
    assert sql.sent and sql.repeated_selects() == []


def test_grid_save_with_a_catalogue_item_and_no_points(teacher, school):
    rules = term_rules(school.term)
    key, index, item = next((f"{d.key}.{i.key}", n, it) for d in rules.dimensions
                            for i in d.indicators for n, it in enumerate(i.items)
                            if it.points != 0)
    s = school.students
    response = teacher.post(f"/teacher/class/{school.class_a.id}/grid", {
        "indicator": key, "item": f"{key}|{index}", "points": "", "occurred_on": DAY,
        "note": "", "tick": [str(s[0].id), str(s[3].id)]})
    assert response.status_code == 302
    rows = live_entries()
    assert [e.student_id for e in rows] == [s[0].id, s[3].id]
    for e in rows:
        assert e.indicator == key and e.item_name == item.name
        assert Decimal(e.points_cents) / 100 == item.points
        assert e.source == EntrySource.GRID and e.author_id == school.teacher.id
