"""Rule sets (细则): validated, versioned texts; assigning one to a term; what-if previews.

A version is immutable: a change makes a new RuleSetVersion, so results computed earlier
keep pointing at the text that produced them.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from ..errors import ValidationFailed
from ..extensions import db
from ..models import RuleSet, RuleSetVersion, SchoolClass, Student, Term, User
from ..rules import RuleError, RuleValidationError, load_rules
from ..rules import RuleSet as Rules
from . import audit, rule_messages
from .access import admin_school as school_of
from .access import owned
from .class_state import ensure_rules_changeable
from .rule_names import shown
from .scoring import evaluate_term, rules_from_version, term_rules

MAX_SOURCE_CHARS = 200_000


class RulesInvalid(ValidationFailed):
    """The rule text does not validate; `rule_errors` keep each field path and reason."""

    def __init__(self, rule_errors: list[RuleError], source: str = "", fmt: str = "toml"):
        problems = rule_messages.describe(rule_errors, source, fmt)
        super().__init__(_l("The rules have errors; nothing was saved."),
                         errors={"source": [f"{p.where}: {p.message}" for p in problems]})
        self.rule_errors = problems


def parse_source(source: str, fmt: str = "toml") -> Rules:
    """The validated rules, or RulesInvalid naming every problem by its field path."""
    source = (source or "").replace("\r\n", "\n")
    if not source.strip():
        raise RulesInvalid([RuleError("", str(_l("The rules are empty.")))])
    if len(source) > MAX_SOURCE_CHARS:
        raise RulesInvalid([RuleError("", str(_l("The rules are too long.")))])
    try:
        return load_rules(source, fmt)
    except RuleValidationError as e:
        raise RulesInvalid(list(e.errors), source, fmt) from e


def decode_upload(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise RulesInvalid([RuleError("", str(_l("The file is not UTF-8 text.")))]) from e


def create_rule_set(actor: User, name: str, source: str, comment: str = "") -> RuleSetVersion:
    school_id = school_of(actor)
    name = (name or "").strip()
    errors: dict = {}
    if not name:
        errors["name"] = [_l("This field is required.")]
    elif db.session.scalar(sa.select(RuleSet.id).where(RuleSet.school_id == school_id,
                                                       RuleSet.name == name)):
        errors["name"] = [_l("A rule set with this name exists.")]
    rules_error = None
    try:
        parse_source(source)
    except RulesInvalid as e:
        rules_error = e
    if rules_error is not None:
        rules_error.errors.update(errors)
        raise rules_error
    if errors:
        raise ValidationFailed(_l("Please correct the marked fields."), errors=errors)
    rule_set = RuleSet(school_id=school_id, name=name[:160])
    db.session.add(rule_set)
    db.session.flush()
    audit.record(actor, "create", rule_set, after={"name": rule_set.name})
    return _add_version(actor, rule_set, source, comment, 1)


def add_version(actor: User, rule_set_id: int, source: str, comment: str = "") -> RuleSetVersion:
    """A new version of the rule set (refused when the text is unchanged)."""
    rule_set = owned(actor, RuleSet, rule_set_id)
    parse_source(source)
    latest = db.session.scalar(sa.select(RuleSetVersion).where(
        RuleSetVersion.rule_set_id == rule_set.id).order_by(RuleSetVersion.version.desc())
        .limit(1))
    if latest is not None and latest.source == _normalise(source):
        raise ValidationFailed(_l("Nothing changed: the text is the same as version %(v)d.",
                                  v=latest.version))
    return _add_version(actor, rule_set, source, comment, (latest.version if latest else 0) + 1)


def _normalise(source: str) -> str:
    return source.replace("\r\n", "\n")


def _add_version(actor, rule_set, source, comment, number) -> RuleSetVersion:
    version = RuleSetVersion(rule_set_id=rule_set.id, version=number, source=_normalise(source),
                             format="toml", created_by_id=actor.id,
                             comment=(comment or "").strip()[:200])
    db.session.add(version)
    db.session.flush()
    audit.record(actor, "create", version, after={"rule_set": rule_set.name,
                                                  "version": number, "comment": version.comment})
    return version


def version_for(actor: User, version_id: int) -> RuleSetVersion:
    """A rule version of the admin's school (NotFound otherwise)."""
    return owned(actor, RuleSetVersion, version_id)


def assign_version(actor: User, term_id: int, version_id: int) -> Term:
    """Make the term use this version (refused once a class is published or final)."""
    term = owned(actor, Term, term_id)
    version = db.session.get(RuleSetVersion, version_id)
    if version is None or version.rule_set.school_id != term.school_id:
        raise ValidationFailed(_l("Not a valid choice."))
    if term.rule_version_id == version.id:
        return term
    ensure_rules_changeable(term)
    rules = rules_from_version(version)
    if term.club_indicator:
        try:
            rules.indicator(term.club_indicator)
        except KeyError as e:
            raise ValidationFailed(_l("These rules have no indicator %(key)s, which the term "
                                      "counts club memberships on. Change the term first.",
                                      key=term.club_indicator)) from e
    before = {"rule_version_id": term.rule_version_id}
    term.rule_version_id = version.id
    term.rule_version = version
    db.session.flush()
    audit.record(actor, "assign_rules", term, term_id=term.id, before=before,
                 after={"rule_version_id": version.id})
    return term


# ---- what-if ----------------------------------------------------------------------------

@dataclass
class Change:
    student_id: int
    student_no: str
    name: str
    class_name: str
    before: dict  # {"overall": stars, "<dimension>": stars}
    after: dict
    changed: list[str]  # keys whose stars differ


@dataclass
class WhatIf:
    max_stars: int
    before: list[int]  # students per overall star level 0..max_stars
    after: list[int]
    dimensions: list[tuple[str, str]]  # (key, name) of the union of both rule sets
    changes: list[Change] = field(default_factory=list)
    total: int = 0
    had_rules: bool = True


def _stars(result) -> dict:
    out = {"overall": result.overall_stars}
    out.update({k: d.stars for k, d in result.dimensions.items()})
    return out


def what_if(actor: User, term_id: int, source: str) -> WhatIf:
    """Evaluate a draft on the term's real records and compare with its current rules."""
    term = owned(actor, Term, term_id)
    draft = parse_source(source)
    current = term_rules(term)
    after = evaluate_term(term, rules=draft)
    before = evaluate_term(term, rules=current) if current is not None else {}
    max_stars = max(draft.max_stars, current.max_stars if current else 0)
    dims = [(d.key, shown(d)) for d in (current.dimensions if current else [])]
    dims += [(d.key, shown(d)) for d in draft.dimensions if d.key not in dict(dims)]
    names = {}
    if after:
        names = {sid: (no, name, cname) for sid, no, name, cname in db.session.execute(
            sa.select(Student.id, Student.student_no, Student.name, SchoolClass.name)
            .join(SchoolClass).where(Student.school_id == term.school_id,
                                     Student.id.in_(list(after))))}
    changes = []
    for sid, result in after.items():
        new = _stars(result)
        old = _stars(before[sid]) if sid in before else {}
        diff = [k for k in ["overall"] + [k for k, _ in dims] if old.get(k) != new.get(k)]
        if current is not None and diff:
            no, name, cname = names[sid]
            changes.append(Change(sid, no, name, cname, old, new, diff))
    changes.sort(key=lambda c: (c.class_name, c.student_no))

    def dist(results) -> list[int]:
        counts = Counter(r.overall_stars for r in results.values())
        return [counts.get(level, 0) for level in range(max_stars + 1)]

    return WhatIf(max_stars=max_stars, before=dist(before), after=dist(after), dimensions=dims,
                  changes=changes, total=len(after), had_rules=current is not None)


def adopt_draft(actor: User, term_id: int, source: str, comment: str = "") -> RuleSetVersion:
    """Save a previewed draft as a new version of the term's rule set and use it."""
    term = owned(actor, Term, term_id)
    ensure_rules_changeable(term)
    if term.rule_version is not None:
        version = add_version(actor, term.rule_version.rule_set_id, source, comment)
    else:
        version = create_rule_set(actor, f"{term.name} 细则", source, comment)
    assign_version(actor, term.id, version.id)
    return version
