"""Issue 15: each page's statement budget (the class page ≤ 8, the student pages ≤ 5, a save
≤ 10), pinned at the exact count today so any new statement is a decision, not a drift.

A page is counted twice: *built* (after a committed write elsewhere, so neither the whole
page nor its fragments are kept: the cost of showing something new) and *repeated* (the
page store's copy: the login statement alone, which brings the page version)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from starrating.extensions import db
from starrating.page_cache import BUMP
from starrating.services import workflow
from starrating.services.results import compute_term

CLASS_PAGE = 8   # budget 8: login (user, school, zone, inbox count, page version), the
#                  school's terms (with the teacher's), the class with the teacher's
#                  assignment, its workflow row; the rows: entry totals, memberships,
#                  flags, students (rules come with the terms)
STARS_PAGE = 4   # budget 5: login (with the student and their class), terms (with the
#                  student's), their results (this term's and earlier published ones),
#                  the class's workflow row with the student's note
RECORDS_PAGE = 4  # budget 5: login, terms, entries with their evidence, the workflow row
SAVE = 5         # budget 10: login, terms, the students with the teacher's assignment,
#                  their classes' workflow rows and the review setting, the entry INSERT,
#                  the audit INSERT (+ the page-version bump sent with the COMMIT, below
#                  the statement events: 6 on the wire)
REPEAT = 1       # any kept page: the login statement


@pytest.fixture
def filled(make, school):
    for student in school.students:
        make.entry(school.term, student, "moral.service", "2", author=school.teacher)
    db.session.commit()
    return school


def _something_changed():
    """A committed write elsewhere: every kept page and fragment is out of date."""
    db.session.execute(sa.text(BUMP))
    db.session.commit()


def _counts(reader, url, count_queries) -> tuple[int, int, list, list]:
    assert reader.get(url).status_code == 200  # the session's CSRF token is made
    _something_changed()
    with count_queries() as built:
        assert reader.get(url).status_code == 200
    with count_queries() as repeat:
        assert reader.get(url).status_code == 200
    return built.count, repeat.count, built.statements, repeat.statements


def test_class_page_statements_built_and_repeated(filled, act, count_queries):
    built, repeat, statements, again = _counts(
        act(filled.teacher), f"/teacher/class/{filled.class_a.id}", count_queries)
    assert built == CLASS_PAGE <= 8, statements
    assert repeat == REPEAT, again


def test_saving_one_entry_statements(filled, act, count_queries):
    teacher = act(filled.teacher)
    form = {"students": [str(filled.students[0].id)], "indicator": "moral.service",
            "points": "2", "occurred_on": filled.term.start_date.isoformat(), "note": "",
            "csrf_token": teacher.csrf()}
    with count_queries() as saving:
        response = teacher.post("/teacher/entry/new", form)
    assert response.status_code == 302
    assert saving.count == SAVE and SAVE + 1 <= 10, saving.statements


def _published(s):
    workflow.submit_classes(s.admin, s.term, [s.class_a.id])
    workflow.publish_classes(s.admin, s.term, [s.class_a.id])
    compute_term(None, s.term)
    db.session.commit()


@pytest.mark.parametrize("url, pinned", [("/student/", STARS_PAGE),
                                         ("/student/entries", RECORDS_PAGE)])
def test_student_pages_statements_built_and_repeated(url, pinned, filled, act,
                                                      count_queries):
    _published(filled)
    built, repeat, statements, again = _counts(act(filled.student_user), url, count_queries)
    assert built == pinned <= 5, statements
    assert repeat == REPEAT, again


@pytest.mark.parametrize("url", ["/student/", "/student/entries"])
def test_student_pages_show_what_they_counted(url, filled, act):
    """The counts above are of the real page: the stars and the records are on it."""
    _published(filled)
    html = act(filled.student_user).get(url).get_data(as_text=True)
    if url == "/student/":
        assert 'class="big-stars"' in html
    else:
        assert html.count('class="card entry"') == 1
