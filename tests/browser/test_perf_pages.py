"""Issue 15: the class page and the student's stars page, now partly served from the
fragment cache, in Chromium: desktop and 375 px, Chinese and English, a first view and a
cached one alike; screenshots in test-artifacts/screens/perf_*.png."""

from __future__ import annotations

import pytest

from starrating.extensions import db
from tests.workflow.helpers import publish


@pytest.fixture
def filled(school, make):
    for i, s in enumerate(school.students):
        make.entry(school.term, s, "moral.service", str(2 + i), school.teacher)
    db.session.commit()
    return school


@pytest.mark.parametrize("size", ["phone", "desktop"])
def test_class_page_first_and_cached_view_in_both_languages(filled, page, phone, size):
    p = phone if size == "phone" else page
    p.login(filled.teacher.username)
    url = f"/teacher/class/{filled.class_a.id}"
    for lang in ("zh_Hans_CN", "en"):
        if lang == "en":
            p.set_language("en")
        p.go(url)
        first = p.inner_text("main")
        p.go(url)  # from the fragment cache
        assert p.inner_text("main") == first
        name = filled.students[0].name
        assert name in first
        if size == "phone":
            assert p.is_visible(f"#phone-student-{filled.students[0].id}")
        else:
            assert p.is_visible(f"#student-{filled.students[0].id}")
            assert ("Record" if lang == "en" else "记录") in first
        width = p.evaluate("() => document.documentElement.scrollWidth")
        assert width <= (375 if size == "phone" else 1280), width
        p.shot(f"perf_class_{size}_{lang}")
    assert p.console_errors == []


@pytest.mark.parametrize("size", ["phone", "desktop"])
def test_stars_page_cached_view_still_draws_the_radar(filled, page, phone, size):
    publish(filled)
    p = phone if size == "phone" else page
    p.login(filled.students[0].student_no)
    for lang in ("zh_Hans_CN", "en"):
        if lang == "en":
            p.set_language("en")
        for _ in range(2):  # a first view, then the cached block
            p.go("/student/")
            p.wait_for_selector("#radar")
            drawn = p.evaluate("() => !!Chart.getChart(document.getElementById('radar'))")
            assert drawn
        p.shot(f"perf_stars_{size}_{lang}")
    assert p.console_errors == []
