"""The city's recommended rules (issue 14, "rules per school"): the city writes and publishes
recommendations; a school adopts one as its own copy, which later city edits never change."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from starrating.demo import default_rules_source
from starrating.errors import NotFound, PermissionDenied, ValidationFailed
from starrating.extensions import db
from starrating.models import (
    AuditLog,
    CityRuleSet,
    CityRuleVersion,
    RuleAdoption,
    RuleSet,
    RuleSetVersion,
)
from starrating.services import city_rules, rulesets
from starrating.services.rulesets import RulesInvalid
from tests.city.helpers import MORAL_NEW, MORAL_OLD, recommendation, two_schools

BAD = 'name = "x"\n[[dimensions]]\nkey = "Moral"\nname = "m"\nbase = 80\nmax = 100\n' \
      'thresholds = { 5 = 90, 4 = 95 }\n[overall]\nthresholds = { 1 = 0 }\n'


@pytest.fixture
def city(make):
    return two_schools(make)


def test_a_copy_made_by_two_schools_is_each_schools_own(city):
    rec = recommendation(city.city)
    a = city_rules.adopt(city.first.admin, rec.city_rule_set_id, None)
    b = city_rules.adopt(city.second.admin, rec.city_rule_set_id, None)
    db.session.commit()
    assert a.rule_set.school_id == city.first.school.id
    assert b.rule_set.school_id == city.second.school.id
    assert a.rule_set_id != b.rule_set_id and a.source == b.source == rec.source

    # the first school edits its copy: neither the second school's nor the city's changes
    edited = rulesets.add_version(city.first.admin, a.rule_set_id,
                                  a.source.replace(MORAL_OLD, MORAL_NEW), "降低4星线")
    db.session.commit()
    assert edited.version == 2
    assert db.session.get(RuleSetVersion, b.id).source == rec.source
    assert [v.version for v in db.session.get(RuleSet, b.rule_set_id).versions] == [1]
    assert db.session.get(CityRuleVersion, rec.id).source == rec.source

    # the city edits and publishes its recommendation: neither school's copy changes
    newer = city_rules.add_version(city.city, rec.city_rule_set_id,
                                   rec.source.replace(MORAL_OLD, MORAL_NEW) + "\n", "新版")
    city_rules.publish(city.city, rec.city_rule_set_id, newer.version)
    db.session.commit()
    assert db.session.get(RuleSetVersion, b.id).source == rec.source
    assert [v.source for v in db.session.get(RuleSet, a.rule_set_id).versions] == [
        rec.source, edited.source]


def test_the_copy_records_where_it_came_from_and_a_newer_version_is_told(city):
    rec = recommendation(city.city, "市细则")
    copy = city_rules.adopt(city.first.admin, rec.city_rule_set_id, None, "我校细则")
    db.session.commit()
    assert copy.rule_set.name == "我校细则"
    adoption = db.session.scalar(sa.select(RuleAdoption))
    assert (adoption.rule_set_version_id, adoption.city_rule_version_id) == (copy.id, rec.id)
    origin = city_rules.origin(city.first.admin, copy.rule_set)
    assert (origin.name, origin.city_version, origin.copied_as, origin.newer) == (
        "市细则", 1, 1, None)

    # a new city version is not told until it is published
    newer = city_rules.add_version(city.city, rec.city_rule_set_id,
                                   rec.source.replace(MORAL_OLD, MORAL_NEW), "新版")
    db.session.commit()
    assert city_rules.origin(city.first.admin, copy.rule_set).newer is None
    city_rules.publish(city.city, rec.city_rule_set_id, newer.version)
    db.session.commit()
    assert city_rules.origin(city.first.admin, copy.rule_set).newer == 2
    # nothing was copied automatically
    assert [v.version for v in db.session.get(RuleSet, copy.rule_set_id).versions] == [1]

    # the school copies the newer one as a new version of its own set
    again = city_rules.adopt(city.first.admin, rec.city_rule_set_id, copy.rule_set_id)
    db.session.commit()
    assert (again.rule_set_id, again.version, again.source) == (
        copy.rule_set_id, 2, newer.source)
    origin = city_rules.origin(city.first.admin, copy.rule_set)
    assert (origin.city_version, origin.copied_as, origin.newer) == (2, 2, None)


def test_an_unpublished_recommendation_is_invisible_to_schools(city):
    hidden = recommendation(city.city, "草稿", publish=False)
    shown = recommendation(city.city, "已发布")
    assert [o.name for o in city_rules.offers(city.first.admin)] == ["已发布"]
    for call in (lambda: city_rules.offer_for(city.first.admin, hidden.city_rule_set_id),
                 lambda: city_rules.adopt(city.first.admin, hidden.city_rule_set_id, None),
                 lambda: city_rules.version_for(city.first.admin, hidden.id)):
        with pytest.raises(NotFound):
            call()
    # withdrawn: gone for schools, the copies stay the schools'
    copy = city_rules.adopt(city.second.admin, shown.city_rule_set_id, None)
    city_rules.unpublish(city.city, shown.city_rule_set_id)
    db.session.commit()
    assert city_rules.offers(city.first.admin) == []
    with pytest.raises(NotFound):
        city_rules.offer_for(city.second.admin, shown.city_rule_set_id)
    assert db.session.get(RuleSetVersion, copy.id).source == shown.source
    origin = city_rules.origin(city.second.admin, copy.rule_set)
    assert origin.name == "已发布" and not origin.published


def test_a_new_version_is_seen_by_schools_only_once_published(city):
    rec = recommendation(city.city)
    city_rules.add_version(city.city, rec.city_rule_set_id,
                           rec.source.replace(MORAL_OLD, MORAL_NEW), "草稿")
    db.session.commit()
    offer, version = city_rules.offer_for(city.first.admin, rec.city_rule_set_id)
    assert version.version == 1 and version.source == rec.source


def test_schools_never_see_another_schools_rule_sets_or_copies(city):
    rec = recommendation(city.city)
    mine = city_rules.adopt(city.first.admin, rec.city_rule_set_id, None, "一校的")
    db.session.commit()
    [offer] = city_rules.offers(city.second.admin)
    assert offer.copies == []
    [offer] = city_rules.offers(city.first.admin)
    assert [c.name for c in offer.copies] == ["一校的"]
    with pytest.raises(NotFound):  # another school's set as the target
        city_rules.adopt(city.second.admin, rec.city_rule_set_id, mine.rule_set_id)
    with pytest.raises(NotFound):
        city_rules.origin(city.second.admin, mine.rule_set)
    # every rule set a school lists is its own; no city recommendation is a rule_set row
    assert db.session.scalar(sa.select(sa.func.count()).select_from(RuleSet).where(
        RuleSet.name == rec.rule_set.name)) == 0


def test_a_school_admin_cannot_write_recommendations(city):
    rec = recommendation(city.city)
    for actor in (city.first.admin, city.first.teacher, city.first.student_user):
        for call in (
            lambda a=actor: city_rules.create_recommendation(a, "校内", default_rules_source()),
            lambda a=actor: city_rules.add_version(a, rec.city_rule_set_id, BAD),
            lambda a=actor: city_rules.publish(a, rec.city_rule_set_id, 1),
            lambda a=actor: city_rules.unpublish(a, rec.city_rule_set_id),
            lambda a=actor: city_rules.recommendations(a),
        ):
            with pytest.raises(PermissionDenied):
                call()
    for actor in (city.first.teacher, city.first.student_user, city.city):
        with pytest.raises(PermissionDenied):
            city_rules.adopt(actor, rec.city_rule_set_id, None)


def test_invalid_recommendations_are_refused_with_paths_and_nothing_is_stored(city):
    with pytest.raises(RulesInvalid) as caught:
        city_rules.create_recommendation(city.city, "坏", BAD)
    assert "dimensions[0].key" in {e.path for e in caught.value.rule_errors}
    assert all(e.line for e in caught.value.rule_errors if e.path != "(file)")
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CityRuleSet)) == 0
    rec = recommendation(city.city)
    with pytest.raises(ValidationFailed):
        city_rules.add_version(city.city, rec.city_rule_set_id, rec.source)  # unchanged
    with pytest.raises(ValidationFailed) as caught:
        city_rules.create_recommendation(city.city, rec.rule_set.name, rec.source)
    assert "name" in caught.value.errors


def test_adopting_under_a_taken_name_is_refused_beside_the_name(city):
    rec = recommendation(city.city, "市细则")
    city_rules.adopt(city.first.admin, rec.city_rule_set_id, None)
    db.session.commit()
    with pytest.raises(ValidationFailed) as caught:
        city_rules.adopt(city.first.admin, rec.city_rule_set_id, None)
    assert "name" in caught.value.errors


def test_publish_adopt_are_audited_with_the_right_school(city):
    rec = recommendation(city.city)
    city_rules.unpublish(city.city, rec.city_rule_set_id)
    city_rules.publish(city.city, rec.city_rule_set_id, 1)
    copy = city_rules.adopt(city.first.admin, rec.city_rule_set_id, None)
    db.session.commit()
    rows = db.session.scalars(sa.select(AuditLog).order_by(AuditLog.id)).all()
    actions = [(r.object_type, r.action, r.school_id) for r in rows]
    assert ("city_rule_set", "publish", None) in actions
    assert ("city_rule_set", "unpublish", None) in actions
    assert ("rule_set_version", "adopt", city.first.school.id) in actions
    adopt = next(r for r in rows if r.action == "adopt")
    assert adopt.object_id == copy.id and adopt.actor_id == city.first.admin.id
