"""A city-wide admin (an admin account with no school) as the app treats it today: the admin
pages open, show no school's records, and every save is refused. Pinned so that the coming
"city of schools" work changes it on purpose, not by accident."""

from __future__ import annotations

import sqlalchemy as sa

from starrating.extensions import db
from starrating.models import Role

SCHOOL_DATA = ("24机电1班", "24机电2班", "王老师", "李老师")


def _city_admin(make):
    user = make.user(Role.ADMIN, None, username="city", display_name="市教育局")
    db.session.commit()
    return user


def _row_counts() -> dict[str, int]:
    return {t.name: db.session.scalar(sa.select(sa.func.count()).select_from(t))
            for t in db.metadata.sorted_tables}


def test_the_admin_pages_open_without_any_schools_data(act, school, make):
    city = act(_city_admin(make))
    pages = ("/admin/", "/admin/classes", "/admin/students", "/admin/teachers", "/admin/terms",
             "/admin/flags", "/admin/clubs", "/admin/departments", "/admin/rules",
             "/admin/workflow", "/admin/reports", "/teacher/")
    for url in pages:
        response = city.get(url)
        assert response.status_code == 200, url
        html = response.get_data(as_text=True)
        assert not [name for name in SCHOOL_DATA if name in html], url
        assert "市教育局" in html, url
    for url in ("/admin/dashboard", "/admin/audit", "/student/"):  # refused outright
        assert city.get(url).status_code == 403, url


def test_every_save_is_refused_and_writes_nothing(act, school, make):
    city = act(_city_admin(make))
    before = _row_counts()
    posts = {
        "/admin/terms/new": {"name": "2027春", "start_date": "2027-02-20",
                             "end_date": "2027-07-10", "status": "open", "notice_days": "5"},
        f"/admin/students/{school.students[0].id}": {"name": "改名"},
        f"/admin/teachers/{school.teacher.id}/reset": {},
        f"/admin/teachers/{school.teacher.id}/active": {"active": "0"},
    }
    for url, data in posts.items():
        assert city.post(url, data).status_code == 403, url
    assert city.post("/admin/classes/new", {"name": "新班"}).status_code == 404
    assert _row_counts() == before
