"""The city office (Role.CITY, no school), as issue 14 defines it. Before, an admin account
without a school was a "city-wide admin" with no defined powers (pages full of zeros, 403 on
every save); migration 0012 turns such accounts into Role.CITY (tests/city/test_upgrade.py).

Outside a school the city user reads only the city's pages: every school's admin, teacher
and student pages are refused. After entering a school read-only they read that school's
pages as its admin does and every POST is refused, nothing written; after choosing to act,
writes succeed and each leaves a `city_write` audit row besides the change's own rows, all
with the city user as the actor. See also the authorization matrix (tests/security/)."""

from __future__ import annotations

import sqlalchemy as sa

from starrating.extensions import db
from starrating.models import AuditLog, Role, Term, User
from tests.conftest import csrf_from

SCHOOL_DATA = ("24机电1班", "24机电2班", "王老师", "李老师")


def _city(make):
    user = make.user(Role.CITY, None, username="city", display_name="市教育局")
    db.session.commit()
    return user


def _row_counts() -> dict[str, int]:
    db.session.expire_all()
    counts = {t.name: db.session.scalar(sa.select(sa.func.count()).select_from(t))
              for t in db.metadata.sorted_tables if t.name not in ("login_session",)}
    db.session.rollback()
    return counts


def _enter(office, school, mode):
    page = office.get(f"/city/schools/{school.id}")
    assert page.status_code == 200
    response = office.client.post(f"/city/schools/{school.id}/enter", data={
        "mode": mode, "csrf_token": csrf_from(page.get_data(as_text=True))})
    assert response.status_code == 302 and response.headers["Location"] == "/admin/"
    office._token = None  # the page's token is fine, but read a fresh one after the switch
    return office


ADMIN_PAGES = ("/admin/", "/admin/classes", "/admin/students", "/admin/teachers",
               "/admin/terms", "/admin/flags", "/admin/clubs", "/admin/departments",
               "/admin/rules", "/admin/workflow", "/admin/reports", "/admin/dashboard",
               "/admin/audit", "/teacher/")


def test_outside_a_school_the_city_reads_only_the_city_pages(act, school, make):
    office = act(_city(make))
    for url in ADMIN_PAGES + ("/student/",):
        response = office.get(url)
        assert response.status_code == 403, url
        assert not [name for name in SCHOOL_DATA if name in response.get_data(as_text=True)]
    for url in ("/city/", f"/city/schools/{school.school.id}", "/city/schools/new"):
        assert office.get(url).status_code == 200, url
    assert office.get("/").headers["Location"] == "/city/"
    assert school.school.code in office.get("/city/").get_data(as_text=True)


def test_a_read_only_visit_reads_the_schools_pages_and_writes_nothing(act, school, make):
    office = _enter(act(_city(make)), school.school, "read")
    for url in ADMIN_PAGES:
        assert office.get(url).status_code == 200, url
    assert "24机电1班" in office.get("/admin/classes").get_data(as_text=True)
    banner = office.get("/admin/").get_data(as_text=True)
    assert 'class="city-visit "' in banner and "city-visit-write" not in banner
    before = _row_counts()
    for url, data in _writes(school).items():
        assert office.post(url, data).status_code == 403, url
    assert _row_counts() == before
    # Leaving is allowed (and audited); outside again, the admin pages are refused.
    assert office.post("/city/leave").status_code == 302
    assert office.get("/admin/").status_code == 403


def _writes(school) -> dict[str, dict]:
    return {
        "/admin/terms/new": {"name": "2027春", "start_date": "2027-02-20",
                             "end_date": "2027-07-10", "status": "planning",
                             "notice_days": "5"},
        "/admin/teachers": {"username": "wangfang", "display_name": "王芳"},
        f"/admin/teachers/{school.teacher.id}/reset": {},
        "/admin/departments": {"dept-name": "信息工程系", "dept-submit": "y"},
    }


def test_an_acting_visit_writes_and_every_write_names_the_city_user(act, school, make):
    city = _city(make)
    office = _enter(act(city), school.school, "write")
    last = db.session.scalar(sa.select(sa.func.max(AuditLog.id)))
    for url, data in _writes(school).items():
        response = office.post(url, data)
        assert response.status_code in (200, 302), (url, response.status_code)
    db.session.expire_all()
    term = db.session.scalar(sa.select(Term).where(Term.name == "2027春"))
    assert term is not None and term.school_id == school.school.id
    wangfang = db.session.scalar(sa.select(User).where(User.username == "wangfang"))
    assert wangfang.school_id == school.school.id and wangfang.role == Role.TEACHER
    assert db.session.get(User, school.teacher.id).must_change_password
    rows = db.session.execute(sa.select(AuditLog.actor_id, AuditLog.action,
                                        AuditLog.object_type, AuditLog.school_id)
                              .where(AuditLog.id > last)).all()
    assert {r.actor_id for r in rows} == {city.id}
    assert {r.school_id for r in rows} == {school.school.id}
    assert len([r for r in rows if r.action == "city_write"]) == len(_writes(school))
    done = {(r.action, r.object_type) for r in rows}
    assert {("create", "term"), ("create", "department")} <= done, done
    # The city user stays a city account: nothing about the visit was stored on the user.
    db.session.expire_all()
    stored = db.session.get(User, city.id)
    assert stored.role == Role.CITY and stored.school_id is None


def test_the_schools_admin_sees_who_came_in_and_what_they_did(act, school, make):
    city = _city(make)
    office = _enter(act(city), school.school, "write")
    assert office.post("/admin/departments", {"dept-name": "信息工程系",
                                              "dept-submit": "y"}).status_code == 302
    assert db.session.scalar(sa.select(sa.func.count()).select_from(
        sa.select(AuditLog.id).where(AuditLog.actor_id == city.id,
                                     AuditLog.object_type == "department").subquery())) == 1
    html = act(school.admin).get("/admin/audit").get_data(as_text=True)
    assert "市教育局" in html and "信息工程系" in html


def test_a_school_admin_cannot_use_the_city_pages_or_enter_a_school(act, school, make):
    admin = act(school.admin)
    other = make.school(name="另一所学校")
    db.session.commit()
    before = _row_counts()
    for url in ("/city/", f"/city/schools/{other.id}", "/city/schools/new"):
        assert admin.get(url).status_code == 403, url
    assert admin.post(f"/city/schools/{other.id}/enter", {"mode": "write"}).status_code == 403
    assert admin.post("/city/schools/new", {"code": "X1", "name": "X",
                                            "timezone": "Asia/Shanghai"}).status_code == 403
    assert _row_counts() == before


def test_an_admin_row_without_a_school_sees_no_schools_data_and_writes_nothing(act, school,
                                                                               make):
    """Such a row can no longer be made (create_user wants a school; 0012 turned the old
    ones into city accounts); one made by hand still reaches no school."""
    stray = make.user(Role.ADMIN, None, username="stray", display_name="无学校管理员")
    db.session.commit()
    actor = act(stray)
    for url in ("/admin/classes", "/admin/students", "/admin/teachers"):
        response = actor.get(url)
        assert response.status_code in (200, 403, 404), url
        assert not [n for n in SCHOOL_DATA if n in response.get_data(as_text=True)], url
    before = _row_counts()
    for url, data in _writes(school).items():
        assert actor.post(url, data).status_code in (200, 400, 403, 404), url
    assert actor.post(f"/admin/students/{school.students[0].id}",
                      {"name": "改名"}).status_code in (403, 404)
    assert _row_counts() == before
