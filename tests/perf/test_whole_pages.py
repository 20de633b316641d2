"""Issue 15: whole pages served again from the page store (page_cache.whole_page) — one
statement for a repeat view, never stale after a write (over HTTP, as the CLI or worker
writes, on a second app instance), never one reader's page for another, each session its
own CSRF token, flashed messages never lost or repeated."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
import time_machine

from starrating.extensions import db
from starrating.models import Entry, StarResult, Student, StudentTermNote, User
from starrating.services import workflow
from starrating.services.results import compute_term
from tests.conftest import csrf_from
from tests.factories import _user_id_for
from tests.perf.helpers import entry_from_another_server


def shown(response) -> str:
    """The page without its CSRF tokens (signed with the second they were made in)."""
    return re.sub(r'name="csrf_token" (type="hidden" )?value="[^"]+"', "csrf",
                  response.get_data(as_text=True))


def store(app):
    return app.extensions["page_store"]


def stats(app) -> tuple[int, int]:
    return store(app).renders, store(app).hits


def count_cell(html: str, student_id: int) -> int:
    row = re.search(rf'<tr id="student-{student_id}".*?</tr>', html, re.S).group(0)
    return int(re.search(r'class="num count"[^>]*>(\d+)<', row).group(1))


def _published(s, make):
    for student in s.students:
        make.entry(s.term, student, "moral.service", "2", author=s.teacher)
    db.session.commit()
    workflow.submit_classes(s.admin, s.term, [s.class_a.id])
    workflow.publish_classes(s.admin, s.term, [s.class_a.id])
    compute_term(None, s.term)
    db.session.commit()


PAGES = {  # page: (who, address)
    "class page": ("teacher", lambda s: f"/teacher/class/{s.class_a.id}"),
    "teacher home": ("teacher", lambda s: "/teacher/"),
    "stars page": ("student_user", lambda s: "/student/"),
    "records page": ("student_user", lambda s: "/student/entries"),
    "publishing page": ("admin", lambda s: "/admin/workflow"),
    "admin dashboard": ("admin", lambda s: "/admin/dashboard"),
    "admin home": ("admin", lambda s: "/admin/"),
}


@pytest.mark.parametrize("page", sorted(PAGES))
def test_a_repeat_view_is_one_statement_and_the_same_page(page, app, school, make, act,
                                                        count_queries):
    _published(school, make)
    who, address = PAGES[page]
    reader, url = act(getattr(school, who)), address(school)
    first = reader.get(url)  # the session gets its CSRF token: not kept yet
    second = reader.get(url)  # built and kept
    renders, hits = stats(app)
    with count_queries() as repeat:
        third = reader.get(url)
    assert first.status_code == second.status_code == third.status_code == 200
    assert stats(app) == (renders, hits + 1)
    assert repeat.count == 1, repeat.statements  # the login, with the page version
    assert shown(third) == shown(second)


def test_each_session_gets_its_own_csrf_token_in_a_kept_page(app, school, act):
    """Two logins of the same student: the second is served the page the first built, with
    its own token, and its form works."""
    phone, laptop = act(school.student_user), act(school.student_user)
    phone.get("/student/")
    mine = csrf_from(phone.get("/student/").get_data(as_text=True))
    hits = stats(app)[1]
    served = laptop.get("/student/").get_data(as_text=True)
    laptop_again = laptop.get("/student/").get_data(as_text=True)
    assert stats(app)[1] >= hits + 1
    theirs = csrf_from(laptop_again)
    assert theirs != mine and csrf_from(served)
    saved = laptop.post("/student/statement", {"statement": "本学期我参加了志愿服务。",
                                               "csrf_token": theirs}, csrf=False)
    assert saved.status_code in (302, 303)
    note = db.session.scalar(sa.select(StudentTermNote).where(
        StudentTermNote.student_id == school.students[0].id))
    assert note.self_statement == "本学期我参加了志愿服务。"
    refused = laptop.post("/student/statement", {"statement": "x", "csrf_token": mine},
                          csrf=False)
    assert refused.status_code == 400  # the other session's token is not this one's


def test_a_kept_pages_token_is_signed_once_a_minute_and_works(app, school, act, monkeypatch):
    """Serving a kept page re-signs the session's token at most once a minute (signing cost
    as much as the rest of a repeat view); the token handed out again is valid, and after a
    minute a fresh one is signed."""
    from starrating import page_cache

    reader = act(school.student_user)
    reader.get("/student/"), reader.get("/student/")  # a token, then the page kept
    served = [csrf_from(reader.get("/student/").get_data(as_text=True)) for _ in range(3)]
    assert served[0] == served[1] == served[2]
    saved = reader.post("/student/statement", {"statement": "参加了志愿服务。",
                                               "csrf_token": served[0]}, csrf=False)
    assert saved.status_code in (302, 303)
    reader.get("/student/")  # the flashed message is shown (not from the store)
    monkeypatch.setattr(page_cache, "SIGNED_FOR", 0.0)
    with time_machine.travel(datetime.now(UTC) + timedelta(seconds=2)):
        fresh = csrf_from(reader.get("/student/").get_data(as_text=True))
    assert fresh != served[0]


def test_two_readers_never_share_a_page(app, school, make, act):
    _published(school, make)
    one = act(school.student_user)
    other_user = db.session.get(User, _user_id_for(school.students[1]))
    other = act(other_user)
    for _ in range(2):
        mine = one.get("/student/").get_data(as_text=True)
        theirs = other.get("/student/").get_data(as_text=True)
    assert school.students[0].name in mine and school.students[0].name not in theirs
    assert school.students[1].name in theirs and school.students[1].name not in mine
    url = f"/teacher/class/{school.class_a.id}"
    teacher, admin = act(school.teacher), act(school.admin)
    for _ in range(2):
        teacher.get(url), admin.get(url)
    keys = [k for k in store(app).items if k[1] == "teacher.class_page"]
    assert {k[3] for k in keys} == {school.teacher.id, school.admin.id}


def test_the_language_is_part_of_the_key(app, school, act):
    teacher = act(school.teacher)
    url = f"/teacher/class/{school.class_a.id}"
    for _ in range(2):
        zh = teacher.get(url).get_data(as_text=True)
    assert re.search(r'class="pl-count"[^>]*>\d+ 条<', zh)
    assert teacher.post("/lang/en").status_code in (302, 303)
    teacher.get(url)
    en = teacher.get(url).get_data(as_text=True)
    assert re.search(r'class="pl-count"[^>]*>\d+ entries<', en)


def _entry(s):
    db.session.add(Entry(term_id=s.term.id, student_id=s.students[0].id,
                         indicator="moral.service", points_cents=300,
                         occurred_on=s.term.start_date, source="form"))


def _rename(s):
    db.session.get(Student, s.students[0].id).name = "改名同学"


def _result(s):
    row = db.session.scalar(sa.select(StarResult).where(
        StarResult.student_id == s.students[0].id))
    row.overall_stars = 5 if row.overall_stars != 5 else 1


def _rules(s):
    from starrating.demo import default_rules_source
    from starrating.models import RuleSet, RuleSetVersion

    rule_set = RuleSet(school_id=s.school.id, name="细则（修订）")
    db.session.add(rule_set)
    db.session.flush()
    version = RuleSetVersion(rule_set_id=rule_set.id, version=1, source=default_rules_source()
                             .replace('name = "思想品德"', 'name = "德育表现"', 1))
    db.session.add(version)
    db.session.flush()
    db.session.get(type(s.term), s.term.id).rule_version_id = version.id


def _school_renamed(s):
    db.session.get(type(s.school), s.school.id).name = "改名技师学院"


WRITES = {  # a write as the CLI, the worker or another request makes it: (write, shows)
    "the term's rules changed, on the class page": (
        "teacher", lambda s: f"/teacher/class/{s.class_a.id}", _rules,
        lambda html, s, before: "德育表现" in html and "德育表现" not in before),
    "the school's settings (its name), on the records page": (
        "student_user", lambda s: "/student/entries", _school_renamed,
        lambda html, s, before: "改名技师学院" in html and "改名技师学院" not in before),
    "an entry, on the class page": (
        "teacher", lambda s: f"/teacher/class/{s.class_a.id}", _entry,
        lambda html, s, before: count_cell(html, s.students[0].id)
        == count_cell(before, s.students[0].id) + 1),
    "a student renamed, on the stars page": (
        "student_user", lambda s: "/student/", _rename, lambda html, s, before: "改名同学" in html),
    "an entry, on the records page": (
        "student_user", lambda s: "/student/entries", _entry,
        lambda html, s, before: html.count('class="card entry"')
        == before.count('class="card entry"') + 1),
    "a stored result changed, on the stars page": (
        "student_user", lambda s: "/student/", _result,
        lambda html, s, before: html != before),
    "a class step, on the publishing page": (
        "admin", lambda s: "/admin/workflow",
        lambda s: workflow.finalize_classes(s.admin, s.term, [s.class_a.id],
                                            reason="公示期满，无申诉"),
        lambda html, s, before: html != before),
}


@pytest.mark.parametrize("kind", sorted(WRITES))
def test_a_committed_write_shows_at_the_next_view(kind, app, school, make, act):
    _published(school, make)
    who, address, write, shows = WRITES[kind]
    reader, url = act(getattr(school, who)), address(school)
    reader.get(url)
    before = shown(reader.get(url))
    assert shown(reader.get(url)) == before  # kept
    write(school)
    db.session.commit()
    after = shown(reader.get(url))
    assert shows(after, school, before), kind


def test_an_entry_saved_over_http_shows_at_the_next_view(app, school, act):
    teacher = act(school.teacher)
    url = f"/teacher/class/{school.class_a.id}"
    sid = school.students[0].id
    teacher.get(url)
    assert count_cell(teacher.get(url).get_data(as_text=True), sid) == 0
    assert teacher.post("/teacher/entry/new", {
        "students": [str(sid)], "indicator": "moral.service", "points": "2",
        "occurred_on": school.term.start_date.isoformat(), "note": ""}).status_code in (302, 303)
    assert count_cell(teacher.get(url).get_data(as_text=True), sid) == 1


def test_a_write_through_a_second_app_instance_shows_at_the_next_view(app, school, act):
    teacher = act(school.teacher)
    url = f"/teacher/class/{school.class_a.id}"
    sid, term_id = school.students[0].id, school.term.id
    teacher.get(url)
    assert count_cell(teacher.get(url).get_data(as_text=True), sid) == 0
    entry_from_another_server(app, term_id, sid)
    assert count_cell(teacher.get(url).get_data(as_text=True), sid) == 1


def test_a_flashed_message_is_shown_once_and_never_kept(app, school, act):
    me = act(school.student_user)
    me.get("/student/")
    me.get("/student/")
    saved = me.post("/student/statement", {"statement": "我的自述"})
    assert saved.status_code in (302, 303)
    with_message = me.get("/student/").get_data(as_text=True)
    assert "自我陈述已保存。" in with_message
    again = me.get("/student/").get_data(as_text=True)
    assert "自我陈述已保存。" not in again
    assert "我的自述" in again


def test_a_kept_page_lasts_at_most_until_the_next_minute(app, school, act):
    """What changes with time alone (a notice period ending, a term starting) shows within a
    minute: the minute is part of the key."""
    teacher = act(school.teacher)
    url = f"/teacher/class/{school.class_a.id}"
    minute = datetime.now(UTC).replace(second=0, microsecond=0) + timedelta(minutes=2)
    with time_machine.travel(minute + timedelta(seconds=5), tick=False):
        teacher.get(url)
        teacher.get(url)
        renders, hits = stats(app)
        with time_machine.travel(minute + timedelta(seconds=59), tick=False):
            teacher.get(url)
        assert stats(app) == (renders, hits + 1)
    with time_machine.travel(minute + timedelta(seconds=60), tick=False):
        teacher.get(url)
        assert stats(app) == (renders + 1, hits + 1)


def test_at_the_turn_of_a_minute_one_request_builds_and_the_others_get_the_last_copy(
        app, school, act, make):
    """While a request of the server builds the page again for the new minute, the others
    are served the previous minute's copy — not a copy from before a write (the version is
    in the key), and not one older than the minute before."""
    teacher = act(school.teacher)
    url = f"/teacher/class/{school.class_a.id}"
    minute = datetime.now(UTC).replace(second=0, microsecond=0) + timedelta(minutes=2)
    with time_machine.travel(minute + timedelta(seconds=5), tick=False):
        teacher.get(url)
        kept = teacher.get(url)
    key = next(k for k in store(app).items if k[1] == "teacher.class_page")
    renders, hits = stats(app)
    store(app).claim(key)  # another thread of this server is building it
    try:
        with time_machine.travel(minute + timedelta(seconds=65), tick=False):
            again = teacher.get(url)
        assert stats(app) == (renders, hits + 1) and shown(again) == shown(kept)
        with time_machine.travel(minute + timedelta(seconds=125), tick=False):
            teacher.get(url)  # two minutes on: built, whoever else is building
        assert stats(app) == (renders + 1, hits + 1)
    finally:
        store(app).release(key)
    make.entry(school.term, school.students[0], "moral.service", "3", author=school.teacher)
    db.session.commit()
    store(app).claim(key)
    try:
        with time_machine.travel(minute + timedelta(seconds=130), tick=False):
            teacher.get(url)  # a write since: the new version's page is built, not served old
        assert stats(app) == (renders + 2, hits + 1)
    finally:
        store(app).release(key)


def test_anonymous_pages_and_posts_are_never_kept(app, school, act):
    anonymous = act(None)
    for _ in range(3):
        assert anonymous.get("/login").status_code == 200
    assert stats(app) == (0, 0)


def test_a_write_in_another_school_leaves_this_schools_pages_kept(app, school, make, act):
    """The version is per school: a teacher's save in school B is not a change for school
    A's pages; a save in school A is; a write outside any request (the CLI, the worker)
    is a change for every school."""
    other = make.school_setup()
    url = f"/teacher/class/{school.class_a.id}"
    teacher, b_teacher = act(school.teacher), act(other.teacher)
    teacher.get(url)
    teacher.get(url)

    def save(actor, setup):
        response = actor.post("/teacher/entry/new", {
            "students": [str(setup.students[0].id)], "indicator": "moral.service",
            "points": "2", "occurred_on": setup.term.start_date.isoformat(), "note": ""})
        assert response.status_code == 302

    save(b_teacher, other)
    renders, hits = stats(app)
    assert count_cell(teacher.get(url).get_data(as_text=True), school.students[0].id) == 0
    assert stats(app) == (renders, hits + 1)  # still the kept page
    save(teacher, school)
    teacher.get(url)  # shows the save's message: built, not kept
    assert stats(app)[0] == renders
    assert count_cell(teacher.get(url).get_data(as_text=True), school.students[0].id) == 1
    assert stats(app)[0] == renders + 1
    renders = stats(app)[0]
    _entry(school)  # as the CLI or the worker writes: the instance's row
    db.session.commit()
    assert count_cell(teacher.get(url).get_data(as_text=True), school.students[0].id) == 2
    assert stats(app)[0] == renders + 1


def test_a_city_office_write_inside_a_school_is_that_schools_change(app, school, make, act):
    from starrating.models import Role

    city = act(make.user(Role.CITY, None, username="city"))
    assert city.post(f"/city/schools/{school.school.id}/enter",
                     {"mode": "write"}).status_code == 302
    me = act(school.student_user)
    me.get("/student/entries")
    before = shown(me.get("/student/entries"))
    response = city.post("/teacher/entry/new", {
        "students": [str(school.students[0].id)], "indicator": "moral.service",
        "points": "2", "occurred_on": school.term.start_date.isoformat(), "note": ""})
    assert response.status_code == 302
    after = shown(me.get("/student/entries"))
    assert after.count('class="card entry"') == before.count('class="card entry"') + 1


def test_which_row_a_commit_bumps(app, school, act):
    rows = lambda: dict(db.session.execute(sa.text(  # noqa: E731
        "SELECT id, version FROM page_version")).all())
    db.session.rollback()
    start = rows()
    teacher = act(school.teacher)
    assert teacher.post("/teacher/entry/new", {
        "students": [str(school.students[0].id)], "indicator": "moral.service",
        "points": "2", "occurred_on": school.term.start_date.isoformat(),
        "note": ""}).status_code == 302
    db.session.rollback()
    after = rows()
    assert after.get(school.school.id, 0) == start.get(school.school.id, 0) + 1
    assert after.get(0, 0) == start.get(0, 0)
