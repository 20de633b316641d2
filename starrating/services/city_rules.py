"""The city office's recommended rule sets (推荐细则) and schools adopting them (采用).

The city writes a recommendation with the same parser and refusals as a school's rules
(`rulesets.parse_source`: every problem named by its path, in the reader's words with its
TOML line); each change is a new immutable version. Publishing shows one chosen version to
every school; unpublishing hides the recommendation again. A school's admin copies the
published version into a new rule set of the school, or as a new version of one of its sets
(`rulesets.create_rule_set` / `add_version`, so the copy is checked and versioned like any
other text): the copy is the school's own from then on, and a `RuleAdoption` row remembers
which city version it came from. Nothing is ever copied without a school asking.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from ..errors import NotFound, ValidationFailed
from ..extensions import db
from ..models import (
    CityRuleSet,
    CityRuleVersion,
    RuleAdoption,
    RuleSet,
    RuleSetVersion,
    User,
    utcnow,
)
from . import audit, rulesets
from .access import admin_school, ensure_city_rules_reader, ensure_city_rules_writer, owned
from .rulesets import RulesInvalid, parse_source

# ---- the city's pages ------------------------------------------------------------------------


@dataclass
class Recommendation:
    """A row of the city's list: the recommendation, its latest version, how many schools
    hold a copy of it."""

    rule_set: CityRuleSet
    latest: int
    latest_at: datetime
    schools: int = 0


def recommendations(actor: User) -> list[Recommendation]:
    """Every recommendation, by name (two statements, however many there are)."""
    ensure_city_rules_reader(actor)
    rows = db.session.execute(
        sa.select(CityRuleSet, sa.func.max(CityRuleVersion.version),
                  sa.func.max(CityRuleVersion.created_at))
        .join(CityRuleVersion, CityRuleVersion.city_rule_set_id == CityRuleSet.id)
        .group_by(CityRuleSet.id).order_by(CityRuleSet.name)).all()
    schools = dict(db.session.execute(
        sa.select(CityRuleVersion.city_rule_set_id,
                  sa.func.count(sa.distinct(RuleSet.school_id)))
        .select_from(RuleAdoption)
        .join(CityRuleVersion, CityRuleVersion.id == RuleAdoption.city_rule_version_id)
        .join(RuleSetVersion, RuleSetVersion.id == RuleAdoption.rule_set_version_id)
        .join(RuleSet, RuleSet.id == RuleSetVersion.rule_set_id)
        .group_by(CityRuleVersion.city_rule_set_id)).all())
    return [Recommendation(rs, latest, at, schools.get(rs.id, 0)) for rs, latest, at in rows]


def recommendation_for(actor: User, set_id: int) -> CityRuleSet:
    ensure_city_rules_reader(actor)
    found = db.session.get(CityRuleSet, set_id) if set_id is not None else None
    if found is None:
        raise NotFound()
    return found


def versions(actor: User, rule_set: CityRuleSet) -> list:
    """(version, author's name) rows, newest first."""
    ensure_city_rules_reader(actor)
    return list(db.session.execute(
        sa.select(CityRuleVersion, User.display_name)
        .outerjoin(User, User.id == CityRuleVersion.created_by_id)
        .where(CityRuleVersion.city_rule_set_id == rule_set.id)
        .order_by(CityRuleVersion.version.desc())).all())


def version_for(actor: User, version_id: int) -> CityRuleVersion:
    """A city version to download: the city office any; a school's admin only a published
    one (otherwise NotFound, as if it did not exist)."""
    version = db.session.get(CityRuleVersion, version_id) if version_id is not None else None
    if version is None:
        raise NotFound()
    if actor is not None and actor.is_city:
        return version
    admin_school(actor)
    if version.rule_set.published_version != version.version:
        raise NotFound()
    return version


def create_recommendation(actor: User, name: str, source: str,
                          comment: str = "") -> CityRuleVersion:
    """A new recommendation (unpublished) with its first version."""
    ensure_city_rules_writer(actor)
    name = (name or "").strip()
    errors: dict = {}
    if not name:
        errors["name"] = [_l("This field is required.")]
    elif db.session.scalar(sa.select(CityRuleSet.id).where(CityRuleSet.name == name)):
        errors["name"] = [_l("A rule set with this name exists.")]
    try:
        parse_source(source)
    except RulesInvalid as e:
        e.errors.update(errors)
        raise
    if errors:
        raise ValidationFailed(_l("Please correct the marked fields."), errors=errors)
    rule_set = CityRuleSet(name=name[:160], created_by_id=actor.id)
    db.session.add(rule_set)
    db.session.flush()
    audit.record(actor, "create", rule_set, after={"name": rule_set.name})
    return _add_version(actor, rule_set, source, comment, 1)


def add_version(actor: User, set_id: int, source: str, comment: str = "") -> CityRuleVersion:
    """A new version (refused when the text is unchanged). Schools see it only once the city
    publishes it."""
    ensure_city_rules_writer(actor)
    rule_set = recommendation_for(actor, set_id)
    parse_source(source)
    latest = db.session.scalar(sa.select(CityRuleVersion).where(
        CityRuleVersion.city_rule_set_id == rule_set.id)
        .order_by(CityRuleVersion.version.desc()).limit(1))
    if latest is not None and latest.source == _normalise(source):
        raise ValidationFailed(_l("Nothing changed: the text is the same as version %(v)d.",
                                  v=latest.version))
    return _add_version(actor, rule_set, source, comment, (latest.version if latest else 0) + 1)


def _normalise(source: str) -> str:
    return (source or "").replace("\r\n", "\n")


def _add_version(actor, rule_set, source, comment, number) -> CityRuleVersion:
    version = CityRuleVersion(city_rule_set_id=rule_set.id, version=number,
                              source=_normalise(source), created_by_id=actor.id,
                              comment=(comment or "").strip()[:200])
    db.session.add(version)
    db.session.flush()
    audit.record(actor, "create", version, after={"rule_set": rule_set.name, "version": number,
                                                  "comment": version.comment})
    return version


def publish(actor: User, set_id: int, version_number: int | None) -> CityRuleSet:
    """Show this version (the latest when none is named) to every school."""
    ensure_city_rules_writer(actor)
    rule_set = recommendation_for(actor, set_id)
    numbers = set(db.session.scalars(sa.select(CityRuleVersion.version).where(
        CityRuleVersion.city_rule_set_id == rule_set.id)))
    if version_number is None and numbers:
        version_number = max(numbers)
    if version_number not in numbers:
        raise ValidationFailed(_l("Not a valid choice."))
    if rule_set.published_version == version_number:
        return rule_set
    before = {"name": rule_set.name, "published_version": rule_set.published_version}
    rule_set.published_version = version_number
    rule_set.published_at = utcnow()
    db.session.flush()
    audit.record(actor, "publish", rule_set, before=before,
                 after={"name": rule_set.name, "published_version": version_number})
    return rule_set


def unpublish(actor: User, set_id: int) -> CityRuleSet:
    """Hide the recommendation from schools (their copies stay theirs)."""
    ensure_city_rules_writer(actor)
    rule_set = recommendation_for(actor, set_id)
    if rule_set.published_version is None:
        return rule_set
    before = {"name": rule_set.name, "published_version": rule_set.published_version}
    rule_set.published_version = None
    rule_set.published_at = None
    db.session.flush()
    audit.record(actor, "unpublish", rule_set, before=before,
                 after={"name": rule_set.name, "published_version": None})
    return rule_set


# ---- a school's pages ------------------------------------------------------------------------


@dataclass
class Copy:
    """A rule set of the school holding a copy of a recommendation, and of which version."""

    rule_set_id: int
    name: str
    city_version: int


@dataclass
class Offer:
    """A published recommendation as a school sees it, with the school's copies of it."""

    id: int
    name: str
    version: int
    version_id: int
    published_at: datetime | None
    copies: list[Copy] = field(default_factory=list)


def offers(actor: User) -> list[Offer]:
    """The published recommendations, by name, for a school's rules page (two statements;
    none for an admin account without a school, which has no rules page of its own)."""
    if actor is not None and actor.is_admin and actor.school_id is None:
        return []
    school_id = admin_school(actor)
    rows = db.session.execute(
        sa.select(CityRuleSet.id, CityRuleSet.name, CityRuleSet.published_version,
                  CityRuleVersion.id, CityRuleSet.published_at)
        .join(CityRuleVersion, sa.and_(CityRuleVersion.city_rule_set_id == CityRuleSet.id,
                                       CityRuleVersion.version == CityRuleSet.published_version))
        .order_by(CityRuleSet.name)).all()
    found = [Offer(*row) for row in rows]
    copies: dict[int, list[Copy]] = {}
    if found:
        for city_set_id, rule_set_id, name, city_version in db.session.execute(
                sa.select(CityRuleVersion.city_rule_set_id, RuleSet.id, RuleSet.name,
                          sa.func.max(CityRuleVersion.version))
                .select_from(RuleAdoption)
                .join(CityRuleVersion, CityRuleVersion.id == RuleAdoption.city_rule_version_id)
                .join(RuleSetVersion, RuleSetVersion.id == RuleAdoption.rule_set_version_id)
                .join(RuleSet, RuleSet.id == RuleSetVersion.rule_set_id)
                .where(RuleSet.school_id == school_id)
                .group_by(CityRuleVersion.city_rule_set_id, RuleSet.id, RuleSet.name)
                .order_by(RuleSet.name)):
            copies.setdefault(city_set_id, []).append(Copy(rule_set_id, name, city_version))
    for offer in found:
        offer.copies = copies.get(offer.id, [])
    return found


def offer_for(actor: User, set_id: int) -> tuple[CityRuleSet, CityRuleVersion]:
    """A published recommendation and its published version; an unpublished one is NotFound
    to a school, as if it did not exist."""
    admin_school(actor)
    row = db.session.execute(
        sa.select(CityRuleSet, CityRuleVersion)
        .join(CityRuleVersion, sa.and_(CityRuleVersion.city_rule_set_id == CityRuleSet.id,
                                       CityRuleVersion.version == CityRuleSet.published_version))
        .where(CityRuleSet.id == set_id)).first() if set_id is not None else None
    if row is None:
        raise NotFound()
    return row[0], row[1]


def adopt(actor: User, set_id: int, target_id: int | None, name: str = "") -> RuleSetVersion:
    """Copy the published version of a recommendation into the school: a new rule set named
    `name` (the recommendation's name when empty), or a new version of the school's rule set
    `target_id`. The copy is an ordinary version of the school's, checked like any text."""
    school_id = admin_school(actor)
    rule_set, version = offer_for(actor, set_id)
    comment = str(_l("Copied from the city's recommendation “%(name)s”, version %(v)d",
                     name=rule_set.name, v=version.version))
    if target_id is not None:
        owned(actor, RuleSet, target_id)
        copy = rulesets.add_version(actor, target_id, version.source, comment)
    else:
        copy = rulesets.create_rule_set(actor, (name or "").strip() or rule_set.name,
                                        version.source, comment)
    db.session.add(RuleAdoption(rule_set_version_id=copy.id, city_rule_version_id=version.id,
                                adopted_by_id=actor.id))
    db.session.flush()
    audit.record(actor, "adopt", copy, school_id=school_id, after={
        "rule_set": copy.rule_set.name, "version": copy.version,
        "recommendation": rule_set.name, "city_version": version.version})
    return copy


@dataclass
class Origin:
    """Where a school's rule set came from: the latest version it copied from the city."""

    recommendation_id: int
    name: str
    city_version: int
    copied_at: datetime
    copied_as: int  # the school's version number of the copy
    latest: int  # the school's latest version (higher: edited since the copy)
    newer: int | None  # a version the city published after the copy, if any
    published: bool  # schools see the recommendation now (its page may be linked)

    @property
    def edited_since(self) -> bool:
        return self.latest > self.copied_as


def origin(actor: User, rule_set: RuleSet) -> Origin | None:
    """The rule set's city origin for its page, or None when it never copied one."""
    school_id = admin_school(actor)
    if rule_set.school_id != school_id:
        raise NotFound()
    row = db.session.execute(
        sa.select(CityRuleSet.id, CityRuleSet.name, CityRuleVersion.version,
                  RuleAdoption.adopted_at, RuleSetVersion.version,
                  CityRuleSet.published_version, CityRuleSet.published_at)
        .select_from(RuleAdoption)
        .join(RuleSetVersion, RuleSetVersion.id == RuleAdoption.rule_set_version_id)
        .join(CityRuleVersion, CityRuleVersion.id == RuleAdoption.city_rule_version_id)
        .join(CityRuleSet, CityRuleSet.id == CityRuleVersion.city_rule_set_id)
        .where(RuleSetVersion.rule_set_id == rule_set.id)
        .order_by(RuleSetVersion.version.desc()).limit(1)).first()
    if row is None:
        return None
    set_id, name, city_version, copied_at, copied_as, published, published_at = row
    latest = db.session.scalar(sa.select(sa.func.max(RuleSetVersion.version)).where(
        RuleSetVersion.rule_set_id == rule_set.id)) or copied_as
    newer = (published if published is not None and published != city_version
             and published_at is not None and published_at > copied_at else None)
    return Origin(set_id, name, city_version, copied_at, copied_as, latest, newer,
                  published is not None)
