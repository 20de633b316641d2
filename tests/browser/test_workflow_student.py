"""The student's star page in Chromium: radar chart under the strict CSP, phone and desktop,
Chinese and English; screenshots in test-artifacts/screens/workflow_student_*.png."""

from __future__ import annotations

import pytest

from starrating.extensions import db
from tests.workflow.helpers import publish


@pytest.fixture
def published_school(school, make):
    s = school.students[0]
    make.entry(school.term, s, "moral.service", "8", school.teacher, item_name="大型活动志愿者")
    make.entry(school.term, s, "skill.competition", "12", school.teacher)
    make.entry(school.term, s, "labor.duty", "3", school.teacher)
    db.session.commit()
    publish(school)
    return school


@pytest.mark.parametrize("size", ["phone", "desktop"])
def test_radar_renders_under_csp_in_both_languages(published_school, page, phone, size):
    p = phone if size == "phone" else page
    p.login(published_school.students[0].student_no)
    for lang in ("zh_Hans_CN", "en"):
        if lang == "en":
            p.set_language("en")
        response = p.go("/student/")
        assert "default-src 'self'" in response.headers["content-security-policy"]
        p.wait_for_selector("#radar")
        drawn = p.evaluate(
            "() => { const c = document.getElementById('radar');"
            " const ch = Chart.getChart(c); return [c.width, c.height, !!ch,"
            " ch ? ch.data.datasets[0].data : null]; }")
        assert drawn[0] > 100 and drawn[1] > 100 and drawn[2], drawn
        assert drawn[3][:2] == [4, 3], drawn
        text = p.inner_text("main")
        if lang == "en":
            assert "Next star" in text and "Why these stars" in text
        else:
            assert "下一星" in text and "星级说明" in text and "思想品德 88 分" in text
        width = p.evaluate("() => document.documentElement.scrollWidth")
        assert width <= (375 if size == "phone" else 1280), width
        p.shot(f"workflow_student_{size}_{lang}")
        p.go("/student/entries")
        p.shot(f"workflow_student_entries_{size}_{lang}")
    assert p.console_errors == []
