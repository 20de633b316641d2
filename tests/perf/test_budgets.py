"""Issue 15: each page's statement budget (the class page ≤ 8, the student pages ≤ 5, a save
≤ 10), pinned at the exact count today so any new statement is a decision, not a drift."""

from __future__ import annotations

import pytest

from starrating.extensions import db
from starrating.services import workflow
from starrating.services.results import compute_term

CLASS_PAGE_HIT = 7    # budget 8: login (with the school's zone and the inbox count), term,
#                       class, its assignment, workflow row, page version, the term line's terms
CLASS_PAGE_MISS = 12  # the rows too: rules, entry totals, memberships, flags, students
SAVE = 9              # budget 10 (+ the page-version bump sent with the COMMIT, below the
#                       statement events: 10 on the wire)
STARS_PAGE = 9        # budget 5: not met yet (see docs/performance.md); 12 before the cache
RECORDS_PAGE = 9      # budget 5: not met yet


@pytest.fixture
def filled(make, school):
    for student in school.students:
        make.entry(school.term, student, "moral.service", "2", author=school.teacher)
    db.session.commit()
    return school


def test_class_page_statements_on_a_cache_hit_and_a_miss(filled, act, count_queries):
    teacher = act(filled.teacher)
    url = f"/teacher/class/{filled.class_a.id}"
    with count_queries() as miss:
        assert teacher.get(url).status_code == 200
    with count_queries() as hit:
        assert teacher.get(url).status_code == 200
    assert hit.count == CLASS_PAGE_HIT <= 8, hit.statements
    assert miss.count == CLASS_PAGE_MISS, miss.statements


def test_saving_one_entry_statements(filled, act, count_queries):
    teacher = act(filled.teacher)
    form = {"students": [str(filled.students[0].id)], "indicator": "moral.service",
            "points": "2", "occurred_on": filled.term.start_date.isoformat(), "note": "",
            "csrf_token": teacher.csrf()}
    with count_queries() as saving:
        response = teacher.post("/teacher/entry/new", form)
    assert response.status_code in (302, 303)
    assert saving.count == SAVE and SAVE + 1 <= 10, saving.statements


def _published(s):
    workflow.submit_classes(s.admin, s.term, [s.class_a.id])
    workflow.publish_classes(s.admin, s.term, [s.class_a.id])
    compute_term(None, s.term)
    db.session.commit()


@pytest.mark.parametrize("url, pinned", [("/student/", STARS_PAGE),
                                         ("/student/entries", RECORDS_PAGE)])
def test_student_pages_statements(url, pinned, filled, act, count_queries):
    _published(filled)
    student = act(filled.student_user)
    assert student.get(url).status_code == 200
    with count_queries() as page:
        assert student.get(url).status_code == 200
    assert page.count == pinned, page.statements


@pytest.mark.xfail(strict=True, reason="the student pages' budget of 5 is not met yet")
@pytest.mark.parametrize("url", ["/student/", "/student/entries"])
def test_student_pages_within_the_budget_of_five(url, filled, act, count_queries):
    _published(filled)
    student = act(filled.student_user)
    student.get(url)
    with count_queries() as page:
        assert student.get(url).status_code == 200
    assert page.count <= 5
