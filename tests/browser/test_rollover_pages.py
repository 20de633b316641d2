"""The rollover form and preview, the cohort preview, the school settings and a graduate's
read-only page in Chromium: zh and en, 1280 and 375 px, no console errors, nothing wider
than the screen except scrolling tables; screenshots for a person to look at."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from starrating.extensions import db
from starrating.models import Club, ClubMembership, StudentStatus

SHOTS = Path("/work/wt/shots/rollover")


def overflow(page) -> int:
    """How far the page is wider than the viewport (tables scroll inside .table-wrap)."""
    return page.evaluate("document.documentElement.scrollWidth - window.innerWidth")


def keep(page, name: str) -> None:
    path = page.shot(name)
    if SHOTS.parent.exists():
        SHOTS.mkdir(exist_ok=True)
        shutil.copy(path, SHOTS / path.name)


@pytest.fixture
def setup(school):
    club = Club(school_id=school.school.id, name="机器人社")
    db.session.add(club)
    db.session.flush()
    for i, student in enumerate(school.students):
        db.session.add(ClubMembership(club_id=club.id, student_id=student.id,
                                      term_id=school.term.id, role="社长" if i == 0 else "成员",
                                      joined_on=school.term.start_date))
    school.students[4].status = StudentStatus.SUSPENDED
    db.session.commit()
    return school


@pytest.mark.parametrize("size", ["page", "phone"])
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_rollover_cohort_and_settings_pages(setup, request, size, lang):
    p = request.getfixturevalue(size)
    width = "1280" if size == "page" else "375"
    p.login(setup.admin.username)
    if lang == "en":
        p.set_language("en")
    p.go("/admin/terms")
    p.click("a[href='/admin/rollover']")
    p.fill("input[name=name]", "2026—2027学年第二学期")
    p.fill("input[name=start_date]", "2027-02-22")
    p.fill("input[name=end_date]", "2027-07-09")
    assert overflow(p) <= 0
    keep(p, f"rollover-form-{lang}-{width}")
    p.click("input[name=preview]")
    p.wait_for_load_state()
    html = p.content()
    assert ("预览" if lang == "zh" else "Preview") in html and "机器人社" in html
    assert overflow(p) <= 0
    keep(p, f"rollover-preview-{lang}-{width}")
    p.go("/admin/cohorts")
    assert overflow(p) <= 0
    keep(p, f"cohorts-form-{lang}-{width}")
    p.click("input[name=preview]")
    p.wait_for_load_state()
    html = p.content()
    assert setup.students[0].student_no in html
    assert ("毕业" if lang == "zh" else "Graduated") in html
    assert overflow(p) <= 0
    keep(p, f"cohort-preview-{lang}-{width}")
    p.go("/admin/settings")
    assert overflow(p) <= 0
    keep(p, f"settings-{lang}-{width}")
    assert p.console_errors == []


@pytest.mark.parametrize("size", ["page", "phone"])
def test_a_graduate_reads_their_page(setup, request, size):
    setup.students[0].status = StudentStatus.GRADUATED
    db.session.commit()
    p = request.getfixturevalue(size)
    p.login(setup.students[0].student_no)
    assert "仅供查看" in p.content()
    assert overflow(p) <= 0
    keep(p, f"graduate-student-zh-{'1280' if size == 'page' else '375'}")
    assert p.console_errors == []
