"""Every admin page renders for an admin, in Chinese and English; others get 403."""

from __future__ import annotations

import pytest

from starrating.extensions import db
from starrating.models import Club, ClubMembership

PAGES = ["/admin/terms", "/admin/terms/new", "/admin/departments", "/admin/classes",
         "/admin/students", "/admin/teachers", "/admin/clubs", "/admin/students/import"]


def _with_club(school):
    club = Club(school_id=school.school.id, name="机器人社")
    db.session.add(club)
    db.session.flush()
    db.session.add(ClubMembership(club_id=club.id, student_id=school.students[0].id,
                                  term_id=school.term.id, role="社长",
                                  joined_on=school.term.start_date))
    db.session.commit()
    return club


def test_admin_pages_render_in_both_languages(act, school):
    club = _with_club(school)
    pages = PAGES + [f"/admin/terms/{school.term.id}", f"/admin/classes/{school.class_a.id}",
                     f"/admin/students/{school.students[0].id}", f"/admin/clubs/{club.id}"]
    admin = act(school.admin)
    for url in pages:
        response = admin.get(url)
        assert response.status_code == 200, url
        html = response.get_data(as_text=True)
        assert "学生星级评价" in html or "星级" in html, url
    admin.post("/lang/en", {"next": "/admin/"})
    for url in pages:
        response = admin.get(url)
        assert response.status_code == 200, url


@pytest.mark.parametrize("who", ["teacher", "student_user"])
def test_admin_pages_refuse_other_roles(act, school, who):
    actor = act(getattr(school, who))
    for url in PAGES:
        assert actor.get(url).status_code == 403, url
