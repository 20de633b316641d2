"""Who may use the city's recommended rules pages: the city office writes recommendations
(only from its own pages, not while inside a school); a school's admin reads the published
ones and adopts; teachers, students and anonymous visitors nothing. Refused writes leave
every table as it was."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from starrating.demo import default_rules_source
from starrating.extensions import db
from starrating.models import AuditLog, RuleSet
from tests.city.helpers import MORAL_NEW, MORAL_OLD, recommendation, two_schools


@pytest.fixture
def city(make):
    found = two_schools(make)
    found.rec = recommendation(found.city, "已发布")
    found.hidden = recommendation(found.city, "草稿", publish=False)
    return found


def _tables() -> dict:
    return {t.name: db.session.execute(sa.select(t)).all() for t in db.metadata.sorted_tables
            if t.name not in ("login_session", "login_attempt")}


def city_routes(c) -> dict[str, tuple[str, dict | None]]:
    """name: (url, POST data or None for a GET) — every route of city/rules.py."""
    set_id, version_id = c.rec.city_rule_set_id, c.rec.id
    new_text = default_rules_source().replace(MORAL_OLD, MORAL_NEW)
    return {
        "list": ("/city/rules", None),
        "new": ("/city/rules", {"name": "新推荐", "source": default_rules_source()}),
        "page": (f"/city/rules/{set_id}", None),
        "new version": (f"/city/rules/{set_id}", {"source": new_text}),
        "editor": (f"/city/rules/{set_id}/editor", None),
        "editor save": (f"/city/rules/{set_id}/editor", {"name": "x", "save": "1"}),
        "publish": (f"/city/rules/{c.hidden.city_rule_set_id}/publish", {"version": "1"}),
        "unpublish": (f"/city/rules/{set_id}/unpublish", {}),
        "download": (f"/city/rules/versions/{version_id}.toml", None),
    }


def _call(actor, url, data):
    return actor.get(url) if data is None else actor.post(url, data)


@pytest.mark.parametrize("who", ["admin", "teacher", "student", "other admin"])
def test_school_users_reach_no_city_rules_route(city, act, who):
    user = {"admin": city.first.admin, "teacher": city.first.teacher,
            "student": city.first.student_user, "other admin": city.second.admin}[who]
    actor = act(user)
    before = _tables()
    for name, (url, data) in city_routes(city).items():
        assert _call(actor, url, data).status_code == 403, name
    assert _tables() == before


def test_anonymous_visitors_are_sent_to_the_login(city, act):
    anonymous = act(None)
    for name, (url, data) in city_routes(city).items():
        if data is None:
            response = anonymous.get(url)
            assert response.status_code == 302 and "/login" in response.location, name
    assert anonymous.get(f"/admin/rules/city/{city.rec.city_rule_set_id}").status_code == 302


def test_the_city_office_uses_every_route(city, act):
    actor = act(city.city)
    for name, (url, data) in city_routes(city).items():
        response = _call(actor, url, data)
        # the editor's save of a one-field document is refused with its rule errors
        allowed = (400,) if name == "editor save" else (200, 302)
        assert response.status_code in allowed, (name, response.status_code)
        if data is not None and name != "editor save":
            assert response.status_code == 302, name
    assert actor.get("/city/rules/999999").status_code == 404
    assert actor.get("/city/rules/versions/999999.toml").status_code == 404


def test_the_city_office_cannot_adopt_outside_a_school(city, act):
    actor = act(city.city)
    url = f"/admin/rules/city/{city.rec.city_rule_set_id}"
    before = _tables()
    assert actor.get(url).status_code == 403
    assert actor.post(url, {"target": "", "name": "市"}).status_code == 403
    assert _tables() == before


def _enter(actor, school, mode):
    assert actor.post(f"/city/schools/{school.id}/enter", {"mode": mode}).status_code == 302


def test_inside_a_school_the_city_reads_but_writes_no_recommendation(city, act):
    actor = act(city.city)
    _enter(actor, city.first.school, "write")
    assert actor.get("/city/rules").status_code == 200
    before = _tables()
    for name, (url, data) in city_routes(city).items():
        if data is not None and name != "editor save":
            assert actor.post(url, data).status_code == 403, name
    assert _tables() == before


def test_inside_a_school_to_act_the_city_adopts_for_that_school_audited(city, act):
    actor = act(city.city)
    _enter(actor, city.first.school, "write")
    url = f"/admin/rules/city/{city.rec.city_rule_set_id}"
    assert actor.get(url).status_code == 200
    assert actor.post(url, {"target": "", "name": "市局代采用"}).status_code == 302
    copy = db.session.scalar(sa.select(RuleSet).where(RuleSet.name == "市局代采用"))
    assert copy.school_id == city.first.school.id
    rows = db.session.scalars(sa.select(AuditLog).where(
        AuditLog.school_id == city.first.school.id, AuditLog.actor_id == city.city.id)).all()
    assert {"adopt", "city_write"} <= {r.action for r in rows}


def test_a_read_only_visit_adopts_nothing(city, act):
    actor = act(city.city)
    _enter(actor, city.first.school, "read")
    before = _tables()
    assert actor.post(f"/admin/rules/city/{city.rec.city_rule_set_id}",
                      {"target": "", "name": "只读"}).status_code == 403
    assert _tables() == before


def test_school_admins_read_published_recommendations_only(city, act):
    for admin in (city.first.admin, city.second.admin):
        actor = act(admin)
        page = actor.get("/admin/rules").get_data(as_text=True)
        assert "已发布" in page and "草稿" not in page
        assert actor.get(f"/admin/rules/city/{city.rec.city_rule_set_id}").status_code == 200
        before = _tables()
        hidden = f"/admin/rules/city/{city.hidden.city_rule_set_id}"
        assert actor.get(hidden).status_code == 404
        assert actor.post(hidden, {"target": "", "name": "偷看"}).status_code == 404
        assert _tables() == before


@pytest.mark.parametrize("who", ["teacher", "student"])
def test_teachers_and_students_cannot_see_or_adopt(city, act, who):
    user = city.first.teacher if who == "teacher" else city.first.student_user
    actor = act(user)
    url = f"/admin/rules/city/{city.rec.city_rule_set_id}"
    before = _tables()
    assert actor.get(url).status_code == 403
    assert actor.post(url, {"target": "", "name": "x"}).status_code == 403
    assert _tables() == before


def test_an_admin_cannot_adopt_into_another_schools_rule_set(city, act):
    theirs = act(city.second.admin)
    url = f"/admin/rules/city/{city.rec.city_rule_set_id}"
    assert theirs.post(url, {"target": "", "name": "二校的"}).status_code == 302
    target = db.session.scalar(sa.select(RuleSet.id).where(RuleSet.name == "二校的"))
    actor = act(city.first.admin)
    before = _tables()
    assert actor.post(url, {"target": str(target), "name": ""}).status_code == 404
    assert _tables() == before


def test_no_get_writes_and_every_post_needs_its_csrf_token(city, act):
    """The pages read only; a POST without its token is refused (400), writing nothing."""
    from tests.security.helpers import table_dump

    actor = act(city.city)
    admin = act(city.first.admin)
    copy_url = f"/admin/rules/city/{city.rec.city_rule_set_id}"
    gets = [(actor, url) for url, data in city_routes(city).values() if data is None]
    gets += [(admin, "/admin/rules"), (admin, copy_url)]
    for who, url in gets:
        who.get(url)  # warm
        before = table_dump()
        assert who.get(url).status_code == 200, url
        assert table_dump() == before, url
    before = _tables()
    for url, data in city_routes(city).values():
        if data is not None:
            assert actor.post(url, data, csrf=False).status_code == 400, url
    assert admin.post(copy_url, {"target": "", "name": "无令牌"}, csrf=False).status_code == 400
    assert _tables() == before
