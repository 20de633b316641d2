"""Schools as the city office manages them, and a city user's visit to one school: looking
(every write refused, nothing written) or acting (writes kept, each audited with their name).
"""

from __future__ import annotations

import re
from datetime import datetime

import pytest
import sqlalchemy as sa
import time_machine

from starrating.errors import PermissionDenied, ValidationFailed
from starrating.extensions import db
from starrating.models import AuditLog, LoginSession, Role, School, Term, User
from starrating.services import clock, schools
from starrating.services.schools import SchoolInput

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture
def city(make):
    user = make.user(Role.CITY, None, username="city", display_name="市教育局 李科长")
    db.session.commit()
    return user


def _row_counts() -> dict[str, int]:
    return {t.name: db.session.scalar(sa.select(sa.func.count()).select_from(t))
            for t in db.metadata.sorted_tables}


def test_city_creates_a_school_with_code_zone_and_logo(app, city):
    school = schools.save_school(city, None, SchoolInput(
        code="JSXY", name="示例市第二技师学院", name_en="Second Technician College",
        address="示例路 1 号", timezone="Asia/Urumqi"), logo=PNG)
    db.session.commit()
    stored = db.session.get(School, school.id)
    assert (stored.code, stored.timezone, stored.logo_type) == ("JSXY", "Asia/Urumqi",
                                                                "image/png")
    actions = db.session.scalars(sa.select(AuditLog.action).where(
        AuditLog.object_type == "school")).all()
    assert actions == ["create", "logo_set"]


@pytest.mark.parametrize("field, data", [
    ("code", SchoolInput(code="x", name="学校")),
    ("code", SchoolInput(code="city", name="学校")),
    ("name", SchoolInput(code="ABC", name=" ")),
    ("timezone", SchoolInput(code="ABC", name="学校", timezone="Mars/Olympus")),
])
def test_a_wrong_school_is_refused_beside_its_field(app, city, field, data):
    with pytest.raises(ValidationFailed) as refused:
        schools.create_school(city, data)
    assert field in refused.value.errors


def test_codes_are_unique_whatever_their_case(app, city, school):
    with pytest.raises(ValidationFailed) as refused:
        schools.create_school(city, SchoolInput(code=school.school.code.lower(), name="另一所"))
    assert "code" in refused.value.errors


def test_a_logo_must_be_a_small_png_or_jpeg(app, city, school):
    with pytest.raises(ValidationFailed):
        schools.set_logo(city, school.school, b"GIF89a....")
    with pytest.raises(ValidationFailed):
        schools.set_logo(city, school.school, PNG + b"\x00" * schools.LOGO_MAX_BYTES)


def test_only_the_city_office_manages_schools(app, school):
    for user in (school.admin, school.teacher, school.student_user):
        with pytest.raises(PermissionDenied):
            schools.create_school(user, SchoolInput(code="NEW", name="新学校"))
        with pytest.raises(PermissionDenied):
            schools.enter_school(user, school.school, may_write=False)


def test_the_city_user_outside_a_school_sees_no_school_page(act, city, school):
    visitor = act(city)
    assert visitor.get("/city/").status_code == 200
    for url in ("/admin/", "/admin/students", "/admin/dashboard", "/teacher/", "/student/"):
        assert visitor.get(url).status_code == 403, url


def test_a_read_only_visit_shows_the_school_and_refuses_every_write(act, city, school):
    visitor = act(city)
    assert visitor.post(f"/city/schools/{school.school.id}/enter",
                        {"mode": "read"}).status_code == 302
    page = visitor.get("/admin/students").get_data(as_text=True)
    assert school.students[0].name in page
    assert "只读查看" in page
    before = _row_counts()
    refused = visitor.post("/admin/terms/new", {
        "name": "2027春", "start_date": "2027-02-20", "end_date": "2027-07-10",
        "status": "open", "notice_days": "5"})
    assert refused.status_code == 403
    assert "只读" in refused.get_data(as_text=True)
    db.session.expire_all()
    assert _row_counts() == before
    # The stored account never became an admin: the visit lives in the login session only.
    assert db.session.scalar(sa.select(User.role).where(User.id == city.id)) == Role.CITY


def test_acting_in_a_school_writes_and_every_write_names_the_city_user(act, city, school):
    visitor = act(city)
    visitor.post(f"/city/schools/{school.school.id}/enter", {"mode": "write"})
    response = visitor.post("/admin/terms/new", {
        "name": "2027春", "start_date": "2027-02-20", "end_date": "2027-07-10",
        "status": "planning", "notice_days": "5"})
    assert response.status_code == 302
    term = db.session.scalar(sa.select(Term).where(Term.name == "2027春"))
    assert term.school_id == school.school.id
    rows = db.session.execute(sa.select(AuditLog.action, AuditLog.object_type, AuditLog.actor_id,
                                        AuditLog.school_id)
                              .where(AuditLog.actor_id == city.id)
                              .order_by(AuditLog.id)).all()
    assert [(r.action, r.object_type) for r in rows] == [
        ("city_enter_write", "school"), ("city_write", "school"), ("create", "term")]
    assert {r.school_id for r in rows} == {school.school.id}
    log = act(school.admin).get("/admin/audit").get_data(as_text=True)
    assert "市教育局 李科长（市教育局）以管理员身份进入" in log
    assert "市教育局 李科长（市教育局）在" in log and "/admin/terms/new" in log
    assert db.session.scalar(sa.select(User.role).where(User.id == city.id)) == Role.CITY


def test_leaving_ends_the_visit(act, city, school):
    visitor = act(city)
    visitor.post(f"/city/schools/{school.school.id}/enter", {"mode": "write"})
    assert visitor.get("/admin/students").status_code == 200
    assert visitor.post("/city/leave").status_code == 302
    assert visitor.get("/admin/students").status_code == 403
    assert db.session.scalar(sa.select(LoginSession.school_id).where(
        LoginSession.user_id == city.id)) is None


def test_a_refused_write_in_an_acting_visit_keeps_the_visit(act, city, school):
    """A rollback (the refused form) expires the user row; the visit must survive it."""
    visitor = act(city)
    visitor.post(f"/city/schools/{school.school.id}/enter", {"mode": "write"})
    page = visitor.post("/admin/terms/new", {"name": "", "start_date": "2027-02-20",
                                              "end_date": "2027-07-10", "status": "open",
                                              "notice_days": "5"})
    assert page.status_code == 400
    html = page.get_data(as_text=True)
    assert "以管理员身份在" in html  # still inside the school, as its admin
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditLog).where(
        AuditLog.action == "city_write")) == 0


def test_each_school_lives_in_its_own_time_zone(app, make):
    east = make.school(code="EAST")
    west = make.school(code="WEST")
    west.timezone = "America/Los_Angeles"
    db.session.commit()
    with time_machine.travel(datetime.fromisoformat("2026-12-01T23:30:00+00:00"), tick=False):
        with app.test_request_context():
            assert str(clock.school_today(east.id)) == "2026-12-02"
            assert str(clock.school_today(west.id)) == "2026-12-01"


def test_the_page_shows_times_in_the_readers_school_zone(act, make):
    west = make.school(code="WEST")
    west.timezone = "America/Los_Angeles"
    admin = make.user(Role.ADMIN, west.id)
    db.session.commit()
    with time_machine.travel(datetime.fromisoformat("2026-12-01T23:30:00+00:00"), tick=False):
        visitor = act(admin)
        created = visitor.post("/admin/terms/new", {
            "name": "2027春", "start_date": "2027-02-20", "end_date": "2027-07-10",
            "status": "planning", "notice_days": "5"})
        assert created.status_code == 302
        log = visitor.get("/admin/audit").get_data(as_text=True)
    assert "2026-12-01 15:30" in log and "2026-12-02 07:30" not in log


def test_password_slips_print_the_schools_own_address_and_code(act, school, tmp_path, app):
    from tests.reports.test_print import page_texts

    app.config["STARRATING_FILES_DIR"] = str(tmp_path)
    response = act(school.admin).post(f"/admin/classes/{school.class_a.id}/passwords",
                                      {"who": "all"})
    assert response.status_code == 200
    link = re.search(r'href="([^"]+)"[^>]*>[^<]*PDF', response.get_data(as_text=True))
    assert link, response.get_data(as_text=True)[:2000]
    data = act(school.admin).get(link.group(1)).data
    text = "".join(page_texts(data, tmp_path))
    assert f"/s/{school.school.code}/login" in text
    assert "学校代码" in text and school.school.code in text
