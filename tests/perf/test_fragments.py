"""Issue 15: the class page's table comes from the fragment cache (page_cache.py) — never
stale after a write (through the web, a service as the CLI or worker runs it, or a second
app instance on the same database), never one reader's fragment for another."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from flask import g

from starrating.extensions import db
from starrating.models import StarResult, Student, User
from starrating.page_cache import watched_write
from starrating.services import entries, sanctions, workflow
from starrating.services.entry_input import EntryInput
from starrating.services.results import compute_term
from tests.factories import _user_id_for
from tests.perf.helpers import entry_from_another_server


def version(rollback: bool = True) -> int:
    if rollback:
        db.session.rollback()
    return db.session.scalar(sa.text("SELECT sum(version) FROM page_version")) or 0


def cache(app):
    return app.extensions["page_cache"]


@pytest.fixture(autouse=True)
def no_whole_pages(app):
    """These tests are about the fragments: pages are built each time (whole pages:
    test_whole_pages.py)."""
    from starrating.page_cache import PageStore

    app.extensions["page_store"] = PageStore(0)


def count_cell(html: str, student_id: int) -> int:
    row = re.search(rf'<tr id="student-{student_id}".*?</tr>', html, re.S).group(0)
    return int(re.search(r'class="num count"[^>]*>(\d+)<', row).group(1))


@pytest.mark.parametrize("statement, watched", [
    ("INSERT INTO entry (term_id) VALUES (?)", True),
    ('UPDATE "user" SET display_name=%(x)s', True),
    ("DELETE FROM flag WHERE id = ?", True),
    ("INSERT OR REPLACE INTO star_result (id) VALUES (1)", True),
    ('TRUNCATE "entry", "term" RESTART IDENTITY', True),
    ("INSERT INTO login_session (token) VALUES (?)", False),
    ("UPDATE login_attempt SET failures = 1", False),
    ("INSERT INTO audit_log (action) VALUES (?)", False),
    ("SELECT * FROM entry", False),
    ("  select version from page_version", False),
])
def test_which_statements_count_as_writes_pages_show(statement, watched):
    assert watched_write(statement) is watched


def test_a_committed_write_bumps_the_version_a_page_view_or_login_does_not(app, school, act,
                                                                          make):
    teacher = act(school.teacher)  # logging in writes a login session only
    start = version()
    assert teacher.get(f"/teacher/class/{school.class_a.id}").status_code == 200
    assert version() == start
    make.entry(school.term, school.students[0], "moral.service", "2", author=school.teacher)
    assert version(rollback=False) == start  # flushed, not committed
    db.session.commit()
    assert version() == start + 1
    make.entry(school.term, school.students[0], "moral.service", "2", author=school.teacher)
    db.session.rollback()
    db.session.commit()
    assert version() == start + 1  # a rolled-back write bumps nothing


def test_a_repeat_view_is_served_from_the_cache(app, school, act):
    teacher = act(school.teacher)
    url = f"/teacher/class/{school.class_a.id}"
    first = teacher.get(url).get_data(as_text=True)
    renders = cache(app).renders
    second = teacher.get(url).get_data(as_text=True)
    assert cache(app).renders == renders and cache(app).hits >= 1
    assert count_cell(first, school.students[0].id) == count_cell(second, school.students[0].id)


def test_an_entry_saved_over_http_shows_at_the_next_view(app, school, act):
    teacher = act(school.teacher)
    url = f"/teacher/class/{school.class_a.id}"
    sid = school.students[0].id
    assert count_cell(teacher.get(url).get_data(as_text=True), sid) == 0
    saved = teacher.post("/teacher/entry/new", {
        "students": [str(sid)], "indicator": "moral.service", "points": "2",
        "occurred_on": school.term.start_date.isoformat(), "note": ""})
    assert saved.status_code in (302, 303)
    assert count_cell(teacher.get(url).get_data(as_text=True), sid) == 1


def _write_entry(s):
    entries.record_entries(s.teacher, s.term, [s.students[0].id],
                           EntryInput(indicator="moral.service", points="3",
                                      occurred_on=s.term.start_date), today=s.term.start_date)


def _write_grid_like_bulk(s):  # the grid and imports write through entries.bulk_insert
    entries.bulk_insert(s.teacher, s.term, [{
        "student_id": s.students[0].id, "indicator": "moral.service", "points_cents": 300,
        "item_name": "", "note": "", "occurred_on": s.term.start_date, "source": "grid"}])


def _write_flag(s):
    sanctions.add_flag(s.admin, s.term, s.students[0].student_no, "sanction.warning",
                       s.term.start_date, None, "")


def _write_rename(s):
    db.session.get(Student, s.students[0].id).name = "改名同学"


WRITES = {
    "an entry (service)": (_write_entry, lambda html, s: count_cell(html, s.students[0].id) == 1),
    "bulk entries (grid, import)": (_write_grid_like_bulk,
                                    lambda html, s: count_cell(html, s.students[0].id) == 1),
    "a sanction": (_write_flag, lambda html, s: "flag-badge" in html),
    "a student renamed (roster)": (_write_rename, lambda html, s: "改名同学" in html),
}


@pytest.mark.parametrize("kind", sorted(WRITES))
def test_a_write_made_as_the_cli_or_worker_makes_it_shows_at_the_next_view(kind, app, school,
                                                                         act):
    write, shows = WRITES[kind]
    teacher = act(school.teacher)
    url = f"/teacher/class/{school.class_a.id}"
    assert not shows(teacher.get(url).get_data(as_text=True), school)
    write(school)
    db.session.commit()
    assert shows(teacher.get(url).get_data(as_text=True), school), kind


def test_a_workflow_step_and_the_computed_results_show_at_once(app, school, act, make):
    make.entry(school.term, school.students[0], "moral.service", "2", author=school.teacher)
    db.session.commit()
    teacher = act(school.teacher)
    url = f"/teacher/class/{school.class_a.id}"
    before = teacher.get(url).get_data(as_text=True)
    assert 'class="button small primary"' in before  # open: the Record buttons
    workflow.submit_classes(school.admin, school.term, [school.class_a.id])
    db.session.commit()
    after = teacher.get(url).get_data(as_text=True)
    assert 'class="button small primary"' not in after
    workflow.publish_classes(school.admin, school.term, [school.class_a.id])
    compute_term(None, school.term)
    db.session.commit()
    assert teacher.get(url).status_code == 200


def test_a_write_through_a_second_app_instance_shows_at_the_next_view(app, school, act):
    teacher = act(school.teacher)
    url = f"/teacher/class/{school.class_a.id}"
    sid, term_id = school.students[0].id, school.term.id
    assert count_cell(teacher.get(url).get_data(as_text=True), sid) == 0
    entry_from_another_server(app, term_id, sid)
    assert count_cell(teacher.get(url).get_data(as_text=True), sid) == 1


def test_two_readers_never_share_a_fragment(app, school, act):
    """The class's teacher and an admin see the same class: each gets a fragment rendered
    for them, and the language is part of the key."""
    url = f"/teacher/class/{school.class_a.id}"
    teacher, admin = act(school.teacher), act(school.admin)
    teacher.get(url)
    renders = cache(app).renders
    assert admin.get(url).status_code == 200
    assert cache(app).renders == renders + 1, "the admin must not get the teacher's fragment"
    keys = list(cache(app).items)
    assert {k[1] for k in keys} == {school.teacher.id, school.admin.id}
    # the language: after switching to English the page is rendered in English, not
    # served the Chinese fragment
    zh = teacher.get(url).get_data(as_text=True)
    assert re.search(r'class="pl-count"[^>]*>\d+ 条<', zh)
    assert teacher.post("/lang/en").status_code in (302, 303)
    en = teacher.get(url).get_data(as_text=True)
    assert re.search(r'class="pl-count"[^>]*>\d+ entries<', en)


def _big_stars(html: str) -> int:
    line = re.search(r'<p class="big-stars">(.*?)</p>', html, re.S).group(1)
    return line.count('class="on"')


def test_the_student_stars_block_follows_its_stored_result_and_is_the_students_own(
        app, school, act, make):
    for s in school.students:
        make.entry(school.term, s, "moral.service", "2", author=school.teacher)
    db.session.commit()
    workflow.submit_classes(school.admin, school.term, [school.class_a.id])
    workflow.publish_classes(school.admin, school.term, [school.class_a.id])
    db.session.commit()
    me = act(school.student_user)
    shown = _big_stars(me.get("/student/").get_data(as_text=True))
    renders = cache(app).renders
    assert _big_stars(me.get("/student/").get_data(as_text=True)) == shown
    assert cache(app).renders == renders  # a repeat view: from the cache
    # a result changed (as an appeal decision or a recompute writes it) shows at once
    row = db.session.scalar(sa.select(StarResult).where(
        StarResult.student_id == school.students[0].id))
    row.overall_stars = 5 if shown != 5 else 1
    db.session.commit()
    assert _big_stars(me.get("/student/").get_data(as_text=True)) == row.overall_stars
    # another student of the class gets a block of their own
    other = db.session.get(User, _user_id_for(school.students[1]))
    before = cache(app).renders
    assert act(other).get("/student/").status_code == 200
    assert cache(app).renders == before + 1


def test_memo_keeps_data_until_the_next_committed_write(app, school, make):
    from starrating import page_cache

    calls = []

    def compute():
        calls.append(1)
        return {"n": len(calls)}

    # each request has an app context (and `g`) of its own, as on a server
    with app.app_context(), app.test_request_context("/"):
        g._login_user = school.admin  # as Flask-Login's loader leaves it
        assert page_cache.memo("test", (1,), compute) == {"n": 1}
        assert page_cache.memo("test", (1,), compute) == {"n": 1}
        assert page_cache.memo("test", (2,), compute) == {"n": 2}  # another key
    make.entry(school.term, school.students[0], "moral.service", "2", author=school.teacher)
    db.session.commit()
    with app.app_context(), app.test_request_context("/"):  # the next request: new version
        g._login_user = school.admin  # as Flask-Login's loader leaves it
        assert page_cache.memo("test", (1,), compute) == {"n": 3}
    with app.app_context(), app.test_request_context("/"):  # nobody logged in: not kept
        assert page_cache.memo("test", (1,), compute) == {"n": 4}
        assert page_cache.memo("test", (1,), compute) == {"n": 5}
    assert page_cache.memo("test", (1,), compute) == {"n": 6}  # no request: always computed


def test_the_publishing_page_shows_a_class_published_meanwhile(app, school, act, make):
    for s in school.students:
        make.entry(school.term, s, "moral.service", "2", author=school.teacher)
    db.session.commit()
    admin = act(school.admin)
    before = admin.get("/admin/workflow").get_data(as_text=True)
    workflow.submit_classes(school.admin, school.term, [school.class_a.id])
    db.session.commit()
    after = admin.get("/admin/workflow").get_data(as_text=True)
    assert before != after
