"""No GET request writes to the database: every GET route, as each kind of user.

The routes come from `app.url_map` (as in test_matrix, whose ROWS build each URL from the
school's real ids). Before and after every request the whole database is dumped, every table
included, and the two dumps must be equal.

The school is in the state where a page is most tempted to write: class_a is published and
in its notice period with an appeal open, class_b is published and its notice period has
ended with no appeal open — so it is due to become final. Finalizing it is the job of
`stars finalize-due` (cron, the worker's periodic task); a page shows the state that is due
without writing it.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from starrating.extensions import db
from starrating.models import ClassState, ClassTermStatus
from starrating.models.base import utcnow
from starrating.services import workflow
from tests.security.helpers import WriteWatch
from tests.security.test_matrix import build_context, routes, row_for, users_of

ACTORS = ("anon", "admin", "teacher", "other_teacher", "student")

# The same routes again with the query strings that take another branch of their view.
QUERIES = {
    "student.index": lambda c: [f"?term={c.term.id}"],
    "student.entries": lambda c: [f"?term={c.term.id}"],
    "student.appeals": lambda c: [f"?entry={c.entry.id}"],
    "teacher.new_entry": lambda c: [f"?class={c.class_a.id}&student={c.students[0].id}"],
    "teacher.student_entries": lambda c: ["?dimension=moral&date_from=2026-09-01"],
    "admin.dashboard": lambda c: [f"?term={c.term.id}"],
    "admin.workflow": lambda c: [f"?term={c.term.id}"],
    "admin.workflow_confirm": lambda c: [f"?term={c.term.id}&state=published",
                                         f"?class_id={c.class_a.id}&class_id={c.class_b.id}"],
    "admin.classes": lambda c: [f"?term_id={c.term.id}"],
    "admin.students": lambda c: [f"?class_id={c.class_a.id}&q={c.students[0].name}"],
    "admin.audit": lambda c: ["?action=publish&object_type=class_term_status"],
    "admin.what_if": lambda c: [f"?term={c.term.id}&version={c.version_id}"],
    "admin.reports": lambda c: [f"?term={c.term.id}&student_no={c.students[0].student_no}"],
}

NO_TABLE_IGNORED = ()  # a GET may not even touch the login sessions or the attempts


def get_routes() -> list[tuple[str, str]]:
    return [(endpoint, rule) for endpoint, rule, methods in routes() if "GET" in methods]


def end_notice_period(c, class_id) -> None:
    """Move the class's notice end into the past: the class is due to become final."""
    row = db.session.scalar(sa.select(ClassTermStatus).where(
        ClassTermStatus.term_id == c.term.id, ClassTermStatus.class_id == class_id))
    assert row.state == ClassState.PUBLISHED
    row.notice_ends_at = utcnow() - timedelta(days=1)
    row.published_at = row.notice_ends_at - timedelta(days=5)
    db.session.commit()


def workflow_rows() -> list[tuple]:
    return list(db.session.execute(sa.select(
        ClassTermStatus.id, ClassTermStatus.state, ClassTermStatus.finalized_at,
        ClassTermStatus.finalized_by_id)).all())


def restore_workflow(saved) -> None:
    """Put the classes back in the state the test set up, so that a page that wrongly
    finalized a due class does not hide the same fault in the pages tried after it."""
    for row_id, state, finalized_at, finalized_by_id in saved:
        row = db.session.get(ClassTermStatus, row_id)
        row.state, row.finalized_at, row.finalized_by_id = state, finalized_at, finalized_by_id
    db.session.commit()


def changes(before: dict, after: dict) -> dict[str, str]:
    out = {}
    for table in before:
        gone = set(before[table]) - set(after[table])
        new = set(after[table]) - set(before[table])
        if gone or new:
            out[table] = f"{len(gone)} row(s) changed or removed, {len(new)} changed or added"
    return out


@pytest.fixture
def due_school(make):
    c = build_context(make, publish=True)
    end_notice_period(c, c.class_b.id)
    return c


def test_the_school_has_a_class_due_to_become_final(app, due_school):
    """Sanity: class_b is what finalize_due would finalize, class_a is kept by its appeal."""
    c = due_school
    assert workflow.finalize_due(school_id=c.school.id) == 1
    states = dict(db.session.execute(sa.select(ClassTermStatus.class_id,
                                               ClassTermStatus.state)).all())
    assert states == {c.class_a.id: ClassState.PUBLISHED, c.class_b.id: ClassState.FINAL}
    db.session.rollback()


def test_every_get_route_is_tried():
    assert len(get_routes()) > 40
    missing = [f"{e} {r}" for e, r in get_routes() if row_for(e, r) is None]
    assert not missing, f"GET routes without a row in test_matrix.ROWS: {missing}"


@pytest.mark.parametrize("who", ACTORS)
def test_no_get_request_writes(app, act, due_school, who):
    c = due_school
    actor = act(users_of(c)[who])
    urls = []
    for endpoint, rule in get_routes():
        url = row_for(endpoint, rule)["url"](c, who)  # may stage a file: before the dump
        extra = QUERIES.get(endpoint, lambda c: [])(c)
        urls += [(endpoint, url)] + [(endpoint, url.split("?")[0] + q) for q in extra]
    saved = workflow_rows()
    problems = []
    with WriteWatch(ignore=NO_TABLE_IGNORED) as watch:  # dumps again only after a write
        before = watch.dump()
        for endpoint, url in urls:
            response = actor.get(url)
            assert response.status_code < 500, (who, url, response.status_code)
            after = watch.dump()
            changed = changes(before, after)
            if changed:
                problems.append(f"GET {url} ({endpoint}, {response.status_code}): {changed}")
                restore_workflow(saved)
                after = watch.dump()
            before = after
    assert not problems, f"{who}: GET requests that wrote to the database:\n  " + \
        "\n  ".join(problems)
