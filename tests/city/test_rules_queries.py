"""The recommended-rules pages send the same number of SQL statements whether the city has
one school and one recommendation or several of each (with copies and versions)."""

from __future__ import annotations

import pytest

from starrating.extensions import db
from starrating.services import city_rules
from tests.city.helpers import MORAL_NEW, MORAL_OLD, recommendation, two_schools

PAGES = {
    "city list": ("city", lambda c: "/city/rules"),
    "city recommendation": ("city", lambda c: f"/city/rules/{c.rec.city_rule_set_id}"),
    "city editor": ("city", lambda c: f"/city/rules/{c.rec.city_rule_set_id}/editor"),
    "school rules": ("admin", lambda c: "/admin/rules"),
    "school rule set (copied)": ("admin", lambda c: f"/admin/rules/{c.copy.rule_set_id}"),
    "school adopt page": ("admin", lambda c: f"/admin/rules/city/{c.rec.city_rule_set_id}"),
}


def grow(make, c, schools: int, recommendations: int) -> None:
    """More schools, each adopting every recommendation; more recommendations and versions."""
    recs = [recommendation(c.city, f"推荐{i}") for i in range(recommendations)]
    newer = city_rules.add_version(c.city, c.rec.city_rule_set_id,
                                   c.rec.source.replace(MORAL_OLD, MORAL_NEW), "新版")
    city_rules.publish(c.city, c.rec.city_rule_set_id, newer.version)
    admins = [make.school_setup().admin for _ in range(schools)] + [c.first.admin]
    for admin in admins:
        for rec in [c.rec, *recs]:
            if admin is c.first.admin and rec is c.rec:
                continue
            city_rules.adopt(admin, rec.city_rule_set_id, None, f"{rec.rule_set.name}副本")
    db.session.commit()


@pytest.mark.parametrize("page", sorted(PAGES))
def test_statement_count_does_not_grow_with_schools_or_recommendations(
        page, make, act, count_queries):
    c = two_schools(make)
    c.rec = recommendation(c.city)
    c.copy = city_rules.adopt(c.first.admin, c.rec.city_rule_set_id, None)
    db.session.commit()
    who, url_of = PAGES[page]
    actor = act(c.city if who == "city" else c.first.admin)
    url = url_of(c)
    assert actor.get(url).status_code == 200  # warm
    with count_queries() as small:
        assert actor.get(url).status_code == 200
    grow(make, c, schools=3, recommendations=3)
    actor.get(url)
    with count_queries() as large:
        assert actor.get(url).status_code == 200
    assert large.count == small.count, (page, small.count, large.count)
