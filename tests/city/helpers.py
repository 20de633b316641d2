"""Shared makers for the city's recommended rules tests."""

from __future__ import annotations

from types import SimpleNamespace

from starrating.demo import default_rules_source
from starrating.extensions import db
from starrating.models import Role
from starrating.services import city_rules

MORAL_OLD = "thresholds = { 5 = 95, 4 = 88, 3 = 80, 2 = 70, 1 = 60 }"
MORAL_NEW = "thresholds = { 5 = 95, 4 = 84, 3 = 80, 2 = 70, 1 = 60 }"


def city_user(make, name="city"):
    return make.user(Role.CITY, None, username=name, display_name="市教育局")


def recommendation(city, name="市推荐细则", publish=True, source=None):
    """A recommendation with one version, published unless told not to."""
    version = city_rules.create_recommendation(city, name, source or default_rules_source(),
                                               "初版")
    if publish:
        city_rules.publish(city, version.city_rule_set_id, None)
    db.session.commit()
    return version


def two_schools(make) -> SimpleNamespace:
    """Two schools (each with its own admin, teacher, students) and a city user."""
    first, second = make.school_setup(), make.school_setup()
    city = city_user(make)
    db.session.commit()
    return SimpleNamespace(first=first, second=second, city=city)
