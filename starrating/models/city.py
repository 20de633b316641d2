"""The city office's recommended rule sets (推荐细则) and the schools' copies of them.

A recommendation belongs to no school, so it lives in its own tables: every query on
`rule_set` stays a school's own. A school that adopts a recommendation gets an ordinary
RuleSet / RuleSetVersion of its own (its copy); `RuleAdoption` only remembers which city
version a school's version was copied from.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import UTCDateTime, utcnow


class CityRuleSet(db.Model):
    """A rule set the city office recommends; schools see it only while it is published."""

    __tablename__ = "city_rule_set"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(160), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    # The version number schools see and copy; None: not published (schools see nothing).
    published_version: Mapped[int | None] = mapped_column(sa.Integer)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    versions: Mapped[list[CityRuleVersion]] = relationship(
        back_populates="rule_set", order_by="CityRuleVersion.version"
    )


class CityRuleVersion(db.Model):
    """One immutable text of a recommendation. A change makes a new version."""

    __tablename__ = "city_rule_version"
    __table_args__ = (sa.UniqueConstraint("city_rule_set_id", "version"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    city_rule_set_id: Mapped[int] = mapped_column(sa.ForeignKey("city_rule_set.id"),
                                                  index=True)
    version: Mapped[int] = mapped_column(sa.Integer)
    source: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    comment: Mapped[str] = mapped_column(sa.String(200), default="")

    rule_set: Mapped[CityRuleSet] = relationship(back_populates="versions")


class RuleAdoption(db.Model):
    """A school's rule version that was copied from a city version (采用): where it came from."""

    __tablename__ = "rule_adoption"
    id: Mapped[int] = mapped_column(primary_key=True)
    rule_set_version_id: Mapped[int] = mapped_column(sa.ForeignKey("rule_set_version.id"),
                                                     unique=True)
    city_rule_version_id: Mapped[int] = mapped_column(sa.ForeignKey("city_rule_version.id"),
                                                      index=True)
    adopted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    adopted_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))

    city_version: Mapped[CityRuleVersion] = relationship()
