"""岗课赛证 registry: competitions (技能大赛) and their results, certificates, and the computed
entries they give on the skill indicators a term's settings name.

A registry item counts in the term whose dates contain its date (the competition's, the
certificate's issue date), on the indicator the term's settings name, with the points the
term's points table gives its level and award. Only the highest award of a student in one
competition counts, once ("同一比赛只计最高奖项"); a certificate counts once it is approved
(entered or imported by the office: at once; claimed by a student: after the class teacher
or an admin approves it).

`sync` keeps the computed entries (EntrySource.REGISTRY, linked through RegistryCredit) in
step with the registry after every change: it works out what each student should have,
compares it with what is stored and inserts, changes or deletes entries (with their audit
rows), in a fixed number of queries for any number of students. Computed entries are
ordinary entries to the engine — the indicator's [min, max] and the caps apply as to any
other — but nobody changes them as typed entries (access.ensure_entry_writable).
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

import sqlalchemy as sa
from flask_babel import gettext
from flask_babel import lazy_gettext as _l

from ..errors import NotFound, ValidationFailed
from ..extensions import db
from ..models import (
    Award,
    Certificate,
    CertificateLevel,
    ClaimStatus,
    Competition,
    CompetitionLevel,
    CompetitionResult,
    Entry,
    EntrySource,
    ImportBatch,
    RegistryCredit,
    RegistrySettings,
    SchoolClass,
    Student,
    Term,
    User,
    to_cents,
    utcnow,
)
from . import audit, evidence, sheets
from .access import (
    admin_school,
    ensure_claim_decidable,
    ensure_student_may_write,
    registry_claim_scope,
)
from .class_state import ensure_editable
from .entry_input import beyond_bounds
from .rule_names import shown
from .scoring import term_rules
from .sheets import RowError
from .terms import term_for

# ---- the words -------------------------------------------------------------------------------

LEVEL_LABELS = {
    CompetitionLevel.NATIONAL: _l("National"), CompetitionLevel.PROVINCE: _l("Provincial"),
    CompetitionLevel.CITY: _l("City"), CompetitionLevel.SCHOOL: _l("School"),
}
AWARD_LABELS = {
    Award.FIRST: _l("First prize"), Award.SECOND: _l("Second prize"),
    Award.THIRD: _l("Third prize"), Award.MERIT: _l("Merit award"),
}
CERTIFICATE_LABELS = {
    CertificateLevel.LEVEL1: _l("Level 1 (senior technician)"),
    CertificateLevel.LEVEL2: _l("Level 2 (technician)"),
    CertificateLevel.LEVEL3: _l("Level 3 (senior worker)"),
    CertificateLevel.LEVEL4: _l("Level 4 (intermediate worker)"),
    CertificateLevel.LEVEL5: _l("Level 5 (junior worker)"),
    CertificateLevel.OTHER: _l("Other certificate"),
}
STATUS_LABELS = {ClaimStatus.PENDING: _l("Waiting for approval"),
                 ClaimStatus.APPROVED: _l("Approved"), ClaimStatus.REJECTED: _l("Rejected")}
# The words a computed entry keeps (item name), in the school's language like every stored
# name; pages in English tell it with `explanation`.
LEVEL_ZH = {"national": "国家级", "province": "省级", "city": "市级", "school": "校级"}
AWARD_ZH = {"first": "一等奖", "second": "二等奖", "third": "三等奖", "merit": "优秀奖"}
CERT_ZH = {"level1": "一级/高级技师", "level2": "二级/技师", "level3": "三级/高级工",
           "level4": "四级/中级工", "level5": "五级/初级工", "other": "其他证书"}
# The same words in English for the printed card (its labels are fixed per language).
LEVEL_EN = {"national": "National", "province": "Provincial", "city": "City",
            "school": "School"}
AWARD_EN = {"first": "first prize", "second": "second prize", "third": "third prize",
            "merit": "merit award"}
CERT_EN = {"level1": "level 1", "level2": "level 2", "level3": "level 3", "level4": "level 4",
           "level5": "level 5", "other": "other"}
# What a sheet may say for a level, an award or a certificate level.
LEVEL_WORDS = {**{v: k for k, v in LEVEL_ZH.items()}, **{k: k for k in LEVEL_ZH},
               "国家": "national", "省": "province", "市": "city", "校": "school",
               "国赛": "national", "省赛": "province", "市赛": "city", "校赛": "school"}
AWARD_WORDS = {**{v: k for k, v in AWARD_ZH.items()}, **{k: k for k in AWARD_ZH},
               "一等": "first", "二等": "second", "三等": "third", "优秀": "merit",
               "金奖": "first", "银奖": "second", "铜奖": "third"}
CERT_WORDS = {**{v: k for k, v in CERT_ZH.items()}, **{k: k for k in CERT_ZH},
              "一级": "level1", "二级": "level2", "三级": "level3", "四级": "level4",
              "五级": "level5", "高级技师": "level1", "技师": "level2", "高级工": "level3",
              "中级工": "level4", "初级工": "level5", "其他": "other"}
# Highest first: the award that counts when a student holds several in one competition.
AWARD_ORDER = [Award.FIRST, Award.SECOND, Award.THIRD, Award.MERIT]

DEFAULT_INDICATORS = {"competition": "skill.competition", "certificate": "skill.certificate"}
DEFAULT_POINTS = {
    "competition": {
        "national": {"first": "30", "second": "25", "third": "20", "merit": "10"},
        "province": {"first": "15", "second": "12", "third": "10", "merit": "6"},
        "city": {"first": "8", "second": "5", "third": "5", "merit": "3"},
        "school": {"first": "4", "second": "2", "third": "2", "merit": "1"},
    },
    "certificate": {"level1": "15", "level2": "15", "level3": "12", "level4": "8",
                    "level5": "5", "other": "0"},
}


def competition_item(level: str, award: str) -> str:
    """The stored item name of a competition's computed entry: "省级技能大赛二等奖"."""
    return f"{LEVEL_ZH[level]}技能大赛{AWARD_ZH[award]}"


def certificate_item(level: str) -> str:
    return f"职业技能等级证书（{CERT_ZH[level]}）"


def explanation(kind: str, level: str, award: str | None, points: Decimal | None) -> str:
    """What a registry item is worth, in the reader's language: "省级技能大赛二等奖 +6"."""
    if kind == "competition":
        text = gettext("%(level)s skills competition, %(award)s",
                       level=LEVEL_LABELS[CompetitionLevel(level)],
                       award=AWARD_LABELS[Award(award)])
    else:
        text = gettext("Certificate · %(level)s",
                       level=CERTIFICATE_LABELS[CertificateLevel(level)])
    if points is None:
        return text
    return f"{text} {points.normalize():+f}"


# ---- settings: the indicators and the points table of a term ---------------------------------

@dataclass
class Settings:
    term: Term
    competition_indicator: str | None
    certificate_indicator: str | None
    points: dict  # {"competition": {level: {award: Decimal}}, "certificate": {level: Decimal}}
    stored: bool

    def competition_points(self, level: str, award: str) -> Decimal:
        return self.points["competition"][level][award]

    def certificate_points(self, level: str) -> Decimal:
        return self.points["certificate"][level]


def _decimal_table(points: dict) -> dict:
    comp = {lv: {aw: Decimal(str(points.get("competition", {}).get(lv, {}).get(
        aw, DEFAULT_POINTS["competition"][lv][aw]))) for aw in AWARD_ZH} for lv in LEVEL_ZH}
    cert = {lv: Decimal(str(points.get("certificate", {}).get(
        lv, DEFAULT_POINTS["certificate"][lv]))) for lv in CERT_ZH}
    return {"competition": comp, "certificate": cert}


def _default_indicator(rules, kind: str) -> str | None:
    key = DEFAULT_INDICATORS[kind]
    try:
        rules.indicator(key)
    except (KeyError, AttributeError):
        return None
    return key


def settings_of(term: Term, row: RegistrySettings | None = None, loaded: bool = False
                ) -> Settings:
    """The term's settings: its row, or the defaults (the default rules' skill indicators)."""
    if not loaded:
        row = db.session.scalar(sa.select(RegistrySettings)
                                .where(RegistrySettings.term_id == term.id))
    if row is not None:
        return Settings(term, row.competition_indicator, row.certificate_indicator,
                        _decimal_table(row.points or {}), True)
    rules = term_rules(term)
    return Settings(term, _default_indicator(rules, "competition"),
                    _default_indicator(rules, "certificate"), _decimal_table({}), False)


@dataclass
class SettingsInput:
    competition_indicator: str = ""
    certificate_indicator: str = ""
    points: dict = field(default_factory=dict)  # {"competition.province.second": "6", ...}


def settings_page(actor: User, term_id) -> tuple[Term, Settings, dict[str, str]]:
    """The term, its settings and the indicators they may name (admin of the school)."""
    admin_school(actor)
    term = term_for(actor, term_id, required=True)
    rules = term_rules(term)
    labels = {}
    if rules is not None:
        for dim in rules.dimensions:
            for ind in dim.indicators:
                labels[f"{dim.key}.{ind.key}"] = f"{shown(dim)} · {shown(ind)}"
    return term, settings_of(term), labels


def save_settings(actor: User, term_id, data: SettingsInput) -> Settings:
    """Store the term's indicators and points table, then bring its computed entries in step."""
    admin_school(actor)
    term = term_for(actor, term_id, required=True)
    rules = term_rules(term)
    if rules is None:
        raise ValidationFailed(_l("The term has no rules yet, so nothing can count."))
    errors: dict[str, list] = {}
    indicators = {}
    for kind in ("competition", "certificate"):
        key = (getattr(data, f"{kind}_indicator") or "").strip() or None
        if key is not None:
            try:
                rules.indicator(key)
            except KeyError:
                errors.setdefault(f"{kind}_indicator", []).append(
                    _l("The term's rules have no such indicator."))
                key = None
        indicators[kind] = key
    table = {"competition": {lv: {} for lv in LEVEL_ZH}, "certificate": {}}
    cells = [("competition", lv, aw) for lv in LEVEL_ZH for aw in AWARD_ZH] + \
        [("certificate", lv, None) for lv in CERT_ZH]
    for kind, lv, aw in cells:
        name = ".".join(p for p in (kind, lv, aw) if p)
        text = str(data.points.get(name, "")).strip()
        try:
            value = Decimal(text)
            if not value.is_finite() or abs(value) > 1000:
                raise ValueError(text)
            to_cents(value)
        except (InvalidOperation, ValueError):
            errors.setdefault("points", []).append(_l(
                "%(cell)s: enter a number of points (at most two decimals).",
                cell=_cell_label(kind, lv, aw)))
            continue
        indicator = indicators[kind]
        reason = beyond_bounds(rules, indicator, value) if indicator else None
        if reason is not None:
            errors.setdefault("points", []).append(f"{_cell_label(kind, lv, aw)}: {reason}")
            continue
        if aw is None:
            table["certificate"][lv] = str(value)
        else:
            table["competition"][lv][aw] = str(value)
    if errors:
        raise ValidationFailed(_l("The settings were not saved."), errors=errors)
    row = db.session.scalar(sa.select(RegistrySettings).where(RegistrySettings.term_id == term.id))
    if row is None:
        row = RegistrySettings(term_id=term.id, points={})
        db.session.add(row)
        before = None
    else:
        before = audit.snapshot(row)
    row.competition_indicator = indicators["competition"]
    row.certificate_indicator = indicators["certificate"]
    row.points = table
    audit.change(actor, "update" if before else "create", row, before)
    sync(actor, _students_dated_in(term), terms={term.id: (term, settings_of(term, row, True))})
    return settings_of(term, row, True)


def _cell_label(kind: str, level: str, award: str | None) -> str:
    if kind == "competition":
        return f"{LEVEL_LABELS[CompetitionLevel(level)]} · {AWARD_LABELS[Award(award)]}"
    return str(CERTIFICATE_LABELS[CertificateLevel(level)])


def _students_dated_in(term: Term) -> set[int]:
    """Students with a registry item dated in the term, or a computed entry in it."""
    comp = sa.select(CompetitionResult.student_id).join(Competition).where(
        Competition.school_id == term.school_id,
        Competition.held_on.between(term.start_date, term.end_date))
    cert = sa.select(Certificate.student_id).where(
        Certificate.school_id == term.school_id,
        Certificate.issued_on.between(term.start_date, term.end_date))
    credit = sa.select(RegistryCredit.student_id).join(Entry, Entry.id == RegistryCredit.entry_id) \
        .where(Entry.term_id == term.id)
    return set(db.session.scalars(sa.union(comp, cert, credit)))


# ---- sync: registry → computed entries -------------------------------------------------------

@dataclass(frozen=True)
class Credit:
    """What one registry item should give a student."""

    term_id: int
    indicator: str
    points_cents: int
    item_name: str
    note: str
    occurred_on: date


def _term_of(terms: list[Term], day: date) -> Term | None:
    """The term whose dates contain the day (the later start when two overlap)."""
    for term in terms:  # sorted by start date, latest first
        if term.start_date <= day <= term.end_date:
            return term
    return None


def _load_terms(school_ids: set[int], known: dict | None) -> tuple[dict, list]:
    terms = list(db.session.scalars(
        sa.select(Term).where(Term.school_id.in_(school_ids))
        .order_by(Term.start_date.desc(), Term.id.desc()))) if school_ids else []
    rows = {r.term_id: r for r in db.session.scalars(
        sa.select(RegistrySettings).where(RegistrySettings.term_id.in_([t.id for t in terms])))
    } if terms else {}
    by_id = {}
    for term in terms:
        if known and term.id in known:
            by_id[term.id] = known[term.id]
        else:
            by_id[term.id] = (term, settings_of(term, rows.get(term.id), True))
    return by_id, terms


def desired_credits(student_ids: set[int], terms: dict | None = None,
                    drop_certificates: frozenset = frozenset()) -> dict[tuple, Credit]:
    """What the registry should give these students now: key ("c", student, competition) or
    ("x", student, certificate) → Credit. A fixed number of queries."""
    if not student_ids:
        return {}
    ids = list(student_ids)
    schools = dict(db.session.execute(
        sa.select(Student.id, Student.school_id).where(Student.id.in_(ids))).all())
    by_id, ordered = _load_terms(set(schools.values()), terms)
    by_school = defaultdict(list)
    for term in ordered:
        by_school[term.school_id].append(term)
    best: dict[tuple, tuple] = {}
    for sid, cid, award, level, held_on, name in db.session.execute(
            sa.select(CompetitionResult.student_id, Competition.id, CompetitionResult.award,
                      Competition.level, Competition.held_on, Competition.name)
            .join(Competition, Competition.id == CompetitionResult.competition_id)
            .where(CompetitionResult.student_id.in_(ids))):
        key = ("c", sid, cid)
        rank = AWARD_ORDER.index(Award(award))
        if key not in best or rank < best[key][0]:
            best[key] = (rank, str(award), str(level), held_on, name)
    out: dict[tuple, Credit] = {}
    for (_, sid, cid), (_, award, level, held_on, name) in best.items():
        term = _term_of(by_school[schools[sid]], held_on)
        if term is None:
            continue
        settings = by_id[term.id][1]
        if not settings.competition_indicator:
            continue
        points = settings.competition_points(level, award)
        if points == 0:
            continue
        out[("c", sid, cid)] = Credit(term.id, settings.competition_indicator, to_cents(points),
                                      competition_item(level, award), name[:500], held_on)
    for cert_id, sid, level, issued_on, name in db.session.execute(
            sa.select(Certificate.id, Certificate.student_id, Certificate.level,
                      Certificate.issued_on, Certificate.name)
            .where(Certificate.student_id.in_(ids),
                   Certificate.status == ClaimStatus.APPROVED)):
        if cert_id in drop_certificates:
            continue
        term = _term_of(by_school[schools[sid]], issued_on)
        if term is None:
            continue
        settings = by_id[term.id][1]
        if not settings.certificate_indicator:
            continue
        points = settings.certificate_points(str(level))
        if points == 0:
            continue
        out[("x", sid, cert_id)] = Credit(term.id, settings.certificate_indicator,
                                          to_cents(points), certificate_item(str(level)),
                                          name[:500], issued_on)
    return out


@dataclass
class SyncResult:
    created: int = 0
    updated: int = 0
    deleted: int = 0


def sync(actor: User, student_ids, *, terms: dict | None = None,
         drop_certificates=frozenset()) -> SyncResult:
    """Bring the computed entries of these students in step with the registry.

    Refuses (class_state.Frozen, nothing written) when an entry would change in a class whose
    results are submitted, published or final, or in a term that is not open."""
    student_ids = set(student_ids)
    want = desired_credits(student_ids, terms, frozenset(drop_certificates))
    have: dict[tuple, tuple[RegistryCredit, Entry]] = {}
    if student_ids:
        for credit, entry in db.session.execute(
                sa.select(RegistryCredit, Entry).join(Entry, Entry.id == RegistryCredit.entry_id)
                .where(RegistryCredit.student_id.in_(list(student_ids)))).all():
            key = ("c", credit.student_id, credit.competition_id) if credit.competition_id \
                else ("x", credit.student_id, credit.certificate_id)
            if entry.deleted_at is not None:  # deleted outside the registry: link it anew
                db.session.delete(credit)
                continue
            have[key] = (credit, entry)
    create, update, remove = [], [], []
    for key, credit in want.items():
        old = have.get(key)
        if old is None:
            create.append((key, credit))
        elif _credit_of(old[1]) != credit:
            if old[1].term_id == credit.term_id:
                update.append((key, old[1]))
            else:  # another term now: the old entry goes, a new one comes
                remove.append(old)
                create.append((key, credit))
    remove += [old for key, old in have.items() if key not in want]
    _ensure_open(create, update, remove)
    result = SyncResult()
    now = utcnow()
    audit_rows = []
    for credit_row, entry in remove:
        before = audit.snapshot(entry, ("updated_at",))
        entry.deleted_at = now
        db.session.delete(credit_row)
        audit_rows.append(("delete", entry, before))
        result.deleted += 1
    for key, entry in update:
        before = audit.snapshot(entry, ("updated_at",))
        new = want[key]
        entry.indicator, entry.points_cents = new.indicator, new.points_cents
        entry.item_name, entry.note, entry.occurred_on = new.item_name, new.note, new.occurred_on
        entry.author_id = actor.id if actor else entry.author_id
        audit_rows.append(("update", entry, before))
        result.updated += 1
    db.session.flush()  # deletes of links before new links of the same key
    new_entries = []
    for key, credit in create:
        entry = Entry(term_id=credit.term_id, student_id=key[1], indicator=credit.indicator,
                      points_cents=credit.points_cents, occurred_on=credit.occurred_on,
                      item_name=credit.item_name, note=credit.note,
                      source=EntrySource.REGISTRY, author_id=actor.id if actor else None)
        db.session.add(entry)
        new_entries.append((key, entry))
    db.session.flush()
    for key, entry in new_entries:
        db.session.add(RegistryCredit(
            entry_id=entry.id, student_id=key[1],
            competition_id=key[2] if key[0] == "c" else None,
            certificate_id=key[2] if key[0] == "x" else None))
        audit_rows.append(("create", entry, None))
        result.created += 1
    db.session.flush()
    audit.record_many(actor, [
        {"action": action, "object_type": "entry", "object_id": entry.id,
         "term_id": entry.term_id, "student_id": entry.student_id, "before": before,
         "after": None if action == "delete" else audit.snapshot(entry, ("updated_at",))}
        for action, entry, before in audit_rows])
    return result


def _credit_of(entry: Entry) -> Credit:
    return Credit(entry.term_id, entry.indicator, entry.points_cents, entry.item_name,
                  entry.note, entry.occurred_on)


def _ensure_open(create, update, remove) -> None:
    """Every term and class an entry would change in is open for entries."""
    touched: dict[int, set[int]] = defaultdict(set)
    for _key, credit in create:
        touched[credit.term_id].add(_key[1])
    for _row, entry in [*update, *remove]:  # (key, entry) and (credit, entry)
        touched[entry.term_id].add(entry.student_id)
    if not touched:
        return
    students = {s: c for s, c in db.session.execute(
        sa.select(Student.id, Student.class_id)
        .where(Student.id.in_({s for v in touched.values() for s in v}))).all()}
    terms = {t.id: t for t in db.session.scalars(sa.select(Term).where(Term.id.in_(touched)))}
    for term_id, sids in touched.items():
        ensure_editable(terms[term_id], sorted({students[s] for s in sids}))


# ---- competitions and results (the office) ---------------------------------------------------

@dataclass
class CompetitionInput:
    name: str = ""
    level: str = ""
    held_on: date | None = None
    organiser: str = ""


def _school_competition(actor: User, competition_id) -> Competition:
    school_id = admin_school(actor)
    competition = db.session.get(Competition, competition_id) if competition_id else None
    if competition is None or competition.school_id != school_id:
        raise NotFound()
    return competition


def _check_competition(data: CompetitionInput) -> dict:
    errors = {}
    if not (data.name or "").strip():
        errors["name"] = [_l("Enter the competition's name.")]
    elif len(data.name.strip()) > 160:
        errors["name"] = [_l("At most %(n)d characters.", n=160)]
    if data.level not in LEVEL_ZH:
        errors["level"] = [_l("Choose a level.")]
    if data.held_on is None:
        errors["held_on"] = [_l("Enter the date of the competition.")]
    if len(data.organiser or "") > 160:
        errors["organiser"] = [_l("At most %(n)d characters.", n=160)]
    return errors


def save_competition(actor: User, data: CompetitionInput, competition_id=None) -> Competition:
    """Add a competition, or change one (its results' computed entries follow)."""
    school_id = admin_school(actor)
    errors = _check_competition(data)
    if errors:
        raise ValidationFailed(None, errors=errors)
    competition = _school_competition(actor, competition_id) if competition_id else None
    clash = db.session.scalar(sa.select(Competition.id).where(
        Competition.school_id == school_id, Competition.name == data.name.strip(),
        Competition.held_on == data.held_on))
    if clash is not None and (competition is None or clash != competition.id):
        raise ValidationFailed(None, errors={"name": [_l(
            "A competition of this name on this date is already in the registry.")]})
    if competition is None:
        competition = Competition(school_id=school_id, created_by_id=actor.id)
        db.session.add(competition)
        before = None
    else:
        before = audit.snapshot(competition)
    competition.name, competition.level = data.name.strip(), CompetitionLevel(data.level)
    competition.held_on, competition.organiser = data.held_on, (data.organiser or "").strip()
    audit.change(actor, "update" if before else "create", competition, before)
    if before is not None:
        sync(actor, {r.student_id for r in competition.results})
    return competition


def delete_competition(actor: User, competition_id) -> None:
    competition = _school_competition(actor, competition_id)
    students = {r.student_id for r in competition.results}
    for result in list(competition.results):
        db.session.delete(result)
    db.session.flush()
    sync(actor, students)
    with audit.recorded(actor, "delete", competition):
        db.session.delete(competition)


def _student_by_number(school_id: int, student_no: str) -> Student:
    student = db.session.scalar(sa.select(Student).where(
        Student.school_id == school_id, Student.student_no == (student_no or "").strip()))
    if student is None:
        raise ValidationFailed(None, errors={"student_no": [_l("No student has this number.")]})
    return student


def add_result(actor: User, competition_id, student_no: str, award: str) -> CompetitionResult:
    """Record a student's award in a competition; the computed entry follows."""
    competition = _school_competition(actor, competition_id)
    if award not in AWARD_ZH:
        raise ValidationFailed(None, errors={"award": [_l("Choose an award.")]})
    student = _student_by_number(competition.school_id, student_no)
    if db.session.scalar(sa.select(CompetitionResult.id).where(
            CompetitionResult.competition_id == competition.id,
            CompetitionResult.student_id == student.id, CompetitionResult.award == award)):
        raise ValidationFailed(None, errors={"award": [_l(
            "This student already has this award in this competition.")]})
    result = CompetitionResult(competition_id=competition.id, student_id=student.id,
                               award=Award(award), created_by_id=actor.id)
    with audit.recorded(actor, "create", result):
        db.session.add(result)
    sync(actor, {student.id})
    return result


def _school_result(actor: User, competition_id, result_id) -> CompetitionResult:
    competition = _school_competition(actor, competition_id)
    result = db.session.get(CompetitionResult, result_id) if result_id else None
    if result is None or result.competition_id != competition.id:
        raise NotFound()
    return result


def change_result(actor: User, competition_id, result_id, award: str) -> CompetitionResult:
    """Change an award (a corrected result); the computed entry changes with it."""
    result = _school_result(actor, competition_id, result_id)
    if award not in AWARD_ZH:
        raise ValidationFailed(_l("Choose an award."))
    if award == result.award:
        return result
    if db.session.scalar(sa.select(CompetitionResult.id).where(
            CompetitionResult.competition_id == result.competition_id,
            CompetitionResult.student_id == result.student_id,
            CompetitionResult.award == award)):
        raise ValidationFailed(_l("This student already has this award in this competition."))
    with audit.recorded(actor, "update", result):
        result.award = Award(award)
    sync(actor, {result.student_id})
    return result


def delete_result(actor: User, competition_id, result_id) -> CompetitionResult:
    result = _school_result(actor, competition_id, result_id)
    student_id = result.student_id
    with audit.recorded(actor, "delete", result):
        db.session.delete(result)
    sync(actor, {student_id})
    return result


# ---- certificates: entered by the office, or claimed by a student ----------------------------

@dataclass
class CertificateInput:
    name: str = ""
    level: str = ""
    issuer: str = ""
    issued_on: date | None = None
    number: str = ""


def _check_certificate(data: CertificateInput) -> dict:
    errors = {}
    if not (data.name or "").strip():
        errors["name"] = [_l("Enter the certificate's name.")]
    elif len(data.name.strip()) > 160:
        errors["name"] = [_l("At most %(n)d characters.", n=160)]
    if data.level not in CERT_ZH:
        errors["level"] = [_l("Choose a level.")]
    if data.issued_on is None:
        errors["issued_on"] = [_l("Enter the date of issue.")]
    if len(data.issuer or "") > 160:
        errors["issuer"] = [_l("At most %(n)d characters.", n=160)]
    if len(data.number or "") > 80:
        errors["number"] = [_l("At most %(n)d characters.", n=80)]
    return errors


def _duplicate_certificate(student_id: int, data: CertificateInput) -> bool:
    return db.session.scalar(sa.select(Certificate.id).where(
        Certificate.student_id == student_id, Certificate.name == data.name.strip(),
        Certificate.number == (data.number or "").strip())) is not None


def add_certificate(actor: User, student_no: str, data: CertificateInput) -> Certificate:
    """The office records a certificate: it counts at once."""
    school_id = admin_school(actor)
    errors = _check_certificate(data)
    if errors:
        raise ValidationFailed(None, errors=errors)
    student = _student_by_number(school_id, student_no)
    if _duplicate_certificate(student.id, data):
        raise ValidationFailed(None, errors={"number": [_l(
            "This student already has this certificate in the registry.")]})
    cert = _certificate(student, data, actor, ClaimStatus.APPROVED, claimed=False)
    with audit.recorded(actor, "create", cert):
        db.session.add(cert)
    sync(actor, {student.id})
    return cert


def _certificate(student: Student, data: CertificateInput, actor: User, status, claimed
                 ) -> Certificate:
    return Certificate(school_id=student.school_id, student_id=student.id,
                       name=data.name.strip(), level=CertificateLevel(data.level),
                       issuer=(data.issuer or "").strip(), issued_on=data.issued_on,
                       number=(data.number or "").strip(), status=status, claimed=claimed,
                       created_by_id=actor.id)


def delete_certificate(actor: User, certificate_id) -> None:
    school_id = admin_school(actor)
    cert = db.session.get(Certificate, certificate_id) if certificate_id else None
    if cert is None or cert.school_id != school_id:
        raise NotFound()
    sync(actor, {cert.student_id}, drop_certificates={cert.id})
    with audit.recorded(actor, "delete", cert):
        db.session.delete(cert)


def claim_certificate(actor: User, data: CertificateInput, photo: tuple[str, bytes] | None
                      ) -> Certificate:
    """A student claims a certificate with a photo of it; it counts once approved."""
    student = actor.student if actor.student_id else None
    if student is None:
        raise NotFound()
    ensure_student_may_write(student)
    errors = _check_certificate(data)
    if not photo or not photo[1]:
        errors["photo"] = [_l("Add a photo or scan of the certificate.")]
    else:
        try:
            checked = evidence.check_file(photo[1], photo[0])
        except ValueError as e:
            errors["photo"] = [e.args[0]]
    if errors:
        raise ValidationFailed(None, errors=errors)
    if _duplicate_certificate(student.id, data):
        raise ValidationFailed(None, errors={"number": [_l(
            "You have already sent this certificate.")]})
    cert = _certificate(student, data, actor, ClaimStatus.PENDING, claimed=True)
    attachment = evidence.store(actor, checked, student_id=student.id)
    db.session.flush()
    cert.attachment_id = attachment.id
    with audit.recorded(actor, "create", cert):
        db.session.add(cert)
    return cert


def decide_claim(actor: User, certificate_id, approve: bool, reason: str = "") -> Certificate:
    """The class teacher (term in force) or an admin approves or rejects a claim."""
    cert = db.session.get(Certificate, certificate_id) if certificate_id else None
    if cert is None:
        raise NotFound()
    ensure_claim_decidable(actor, cert)
    if cert.status != ClaimStatus.PENDING:
        raise ValidationFailed(_l("This claim was already decided."))
    reason = (reason or "").strip()
    if not approve and not reason:
        raise ValidationFailed(_l("Say why the claim is rejected."))
    with audit.recorded(actor, "approve" if approve else "reject", cert):
        cert.status = ClaimStatus.APPROVED if approve else ClaimStatus.REJECTED
        cert.decided_by_id, cert.decided_at = actor.id, utcnow()
        cert.decision_reason = reason[:2000]
    if approve:
        sync(actor, {cert.student_id})
    return cert


# ---- reads for the pages ---------------------------------------------------------------------

@dataclass
class CompetitionRow:
    competition: Competition
    results: int


def competitions_page(actor: User) -> list[CompetitionRow]:
    """The school's competitions, newest first, with the number of results (one query)."""
    school_id = admin_school(actor)
    counts = (sa.select(CompetitionResult.competition_id, sa.func.count().label("n"))
              .group_by(CompetitionResult.competition_id).subquery())
    rows = db.session.execute(
        sa.select(Competition, sa.func.coalesce(counts.c.n, 0))
        .outerjoin(counts, counts.c.competition_id == Competition.id)
        .where(Competition.school_id == school_id)
        .order_by(Competition.held_on.desc(), Competition.id.desc())).all()
    return [CompetitionRow(c, n) for c, n in rows]


@dataclass
class ResultRow:
    result: CompetitionResult
    student_no: str
    name: str
    class_name: str
    counts: bool  # the highest award of the student in this competition
    points: Decimal | None  # of the computed entry, when it counts
    explanation: str = ""  # "省级技能大赛二等奖 +6", when it counts


def competition_page(actor: User, competition_id) -> tuple[Competition, list[ResultRow], str]:
    """A competition, its results with who they are and what counts, and what the date means."""
    competition = _school_competition(actor, competition_id)
    rows = db.session.execute(
        sa.select(CompetitionResult, Student.student_no, Student.name, SchoolClass.name)
        .join(Student, Student.id == CompetitionResult.student_id)
        .join(SchoolClass, SchoolClass.id == Student.class_id)
        .where(CompetitionResult.competition_id == competition.id)
        .order_by(Student.student_no, CompetitionResult.id)).all()
    credits = dict(db.session.execute(
        sa.select(RegistryCredit.student_id, Entry.points_cents)
        .join(Entry, Entry.id == RegistryCredit.entry_id)
        .where(RegistryCredit.competition_id == competition.id)).all())
    best: dict[int, int] = {}
    for result, *_ in rows:
        rank = AWARD_ORDER.index(result.award)
        best[result.student_id] = min(rank, best.get(result.student_id, rank))
    out = []
    for result, no, name, class_name in rows:
        counts = AWARD_ORDER.index(result.award) == best[result.student_id]
        cents = credits.get(result.student_id) if counts else None
        points = None if cents is None else Decimal(cents) / 100
        out.append(ResultRow(result, no, name, class_name, counts, points,
                             "" if points is None else explanation(
                                 "competition", competition.level, result.award, points)))
        if counts:
            best[result.student_id] = -1  # one result counts, once
    term = _term_of(list(db.session.scalars(
        sa.select(Term).where(Term.school_id == competition.school_id)
        .order_by(Term.start_date.desc(), Term.id.desc()))), competition.held_on)
    return competition, out, term.name if term else ""


@dataclass
class CertificateRow:
    certificate: Certificate
    student_no: str
    name: str
    class_name: str
    points: Decimal | None
    explanation: str = ""


def certificates_page(actor: User, status: str | None = None) -> list[CertificateRow]:
    """The school's certificates (all or of one status), newest first, in one query."""
    school_id = admin_school(actor)
    query = (sa.select(Certificate, Student.student_no, Student.name, SchoolClass.name,
                       Entry.points_cents)
             .join(Student, Student.id == Certificate.student_id)
             .join(SchoolClass, SchoolClass.id == Student.class_id)
             .outerjoin(RegistryCredit, RegistryCredit.certificate_id == Certificate.id)
             .outerjoin(Entry, Entry.id == RegistryCredit.entry_id)
             .where(Certificate.school_id == school_id)
             .order_by(Certificate.issued_on.desc(), Certificate.id.desc()))
    if status in STATUS_LABELS:
        query = query.where(Certificate.status == status)
    return [CertificateRow(c, no, n, cn, None if p is None else Decimal(p) / 100,
                           "" if p is None else explanation("certificate", c.level, None,
                                                            Decimal(p) / 100))
            for c, no, n, cn, p in db.session.execute(query).all()]


def claims_page(actor: User) -> list[CertificateRow]:
    """Claims the actor may decide: an admin's school's, a class teacher's classes' (in the
    term in force), the undecided first."""
    scope = registry_claim_scope(actor)  # (school id, class ids or None for every class)
    query = (sa.select(Certificate, Student.student_no, Student.name, SchoolClass.name)
             .join(Student, Student.id == Certificate.student_id)
             .join(SchoolClass, SchoolClass.id == Student.class_id)
             .where(Certificate.school_id == scope[0], Certificate.claimed.is_(True))
             .order_by(sa.case((Certificate.status == ClaimStatus.PENDING, 0), else_=1),
                       Certificate.created_at.desc(), Certificate.id.desc()))
    if scope[1] is not None:
        query = query.where(Student.class_id.in_(scope[1] or [-1]))
    return [CertificateRow(c, no, n, cn, None) for c, no, n, cn in
            db.session.execute(query.limit(500)).all()]


@dataclass
class StudentRegistry:
    """A student's awards and certificates (for their own page and the report card)."""

    awards: list[dict] = field(default_factory=list)
    certificates: list[dict] = field(default_factory=list)


def registries_of(student_ids) -> dict[int, StudentRegistry]:
    """Awards (the counting one per competition) and approved certificates of these students,
    in two queries whatever their number."""
    ids = list(student_ids)
    out = {sid: StudentRegistry() for sid in ids}
    if not ids:
        return out
    best: dict[tuple, dict] = {}
    for sid, award, comp in db.session.execute(
            sa.select(CompetitionResult.student_id, CompetitionResult.award, Competition)
            .join(Competition, Competition.id == CompetitionResult.competition_id)
            .where(CompetitionResult.student_id.in_(ids))
            .order_by(Competition.held_on.desc(), Competition.id)).all():
        key = (sid, comp.id)
        rank = AWARD_ORDER.index(Award(award))
        if key not in best or rank < best[key]["rank"]:
            best[key] = {"rank": rank, "name": comp.name, "level": str(comp.level),
                         "award": str(award), "year": comp.held_on.year,
                         "held_on": comp.held_on, "organiser": comp.organiser}
    for (sid, _), item in best.items():
        out[sid].awards.append(item)
    for cert in db.session.scalars(
            sa.select(Certificate).where(Certificate.student_id.in_(ids),
                                         Certificate.status == ClaimStatus.APPROVED)
            .order_by(Certificate.issued_on.desc(), Certificate.id)):
        out[cert.student_id].certificates.append(
            {"name": cert.name, "level": str(cert.level), "issuer": cert.issuer,
             "issued_on": cert.issued_on, "number": cert.number})
    for reg in out.values():
        reg.awards.sort(key=lambda a: (a["held_on"], a["name"]), reverse=True)
    return out


def own_page(actor: User) -> tuple[StudentRegistry, list[Certificate]]:
    """A student's own awards and certificates, and their claims with the decision."""
    if not actor.student_id:
        raise NotFound()
    reg = registries_of([actor.student_id])[actor.student_id]
    claims = list(db.session.scalars(
        sa.select(Certificate).where(Certificate.student_id == actor.student_id,
                                     Certificate.claimed.is_(True))
        .order_by(Certificate.created_at.desc(), Certificate.id.desc())))
    return reg, claims


# ---- the offices' sheets: preview, then all or nothing ---------------------------------------

KIND = "registry"
LIMITS = sheets.Limits(max_rows=20000, max_unpacked=60 * 1024 * 1024)
RESULT_COLUMNS = {
    "competition": ("比赛名称", "竞赛名称", "competition"),
    "level": ("级别", "比赛级别", "level"),
    "held_on": ("日期", "比赛日期", "date"),
    "organiser": ("主办单位", "organiser", "organizer"),
    "student_no": ("学号", "student number", "student_no"),
    "award": ("奖项", "获奖等级", "award"),
}
RESULT_LABELS = {"competition": "比赛名称", "level": "级别", "held_on": "日期",
                 "organiser": "主办单位", "student_no": "学号", "award": "奖项"}
CERT_COLUMNS = {
    "student_no": ("学号", "student number", "student_no"),
    "name": ("证书名称", "certificate"),
    "level": ("等级", "证书等级", "level"),
    "issuer": ("发证机构", "发证单位", "issuer"),
    "issued_on": ("发证日期", "日期", "date"),
    "number": ("证书编号", "编号", "number"),
}
CERT_LABELS = {"student_no": "学号", "name": "证书名称", "level": "等级", "issuer": "发证机构",
               "issued_on": "发证日期", "number": "证书编号"}
NEW, SAME = "new", "same"


@dataclass
class SheetRow:
    row: int
    student_id: int
    student_no: str
    name: str
    values: dict
    change: str  # NEW or SAME (already in the registry: written once)


@dataclass
class RegistryCheck:
    kind: str = ""  # "results" or "certificates", from the header
    rows: list[SheetRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    already: bool = False
    token: str | None = None
    filename: str = ""
    sha256: str = ""

    @property
    def ok(self) -> bool:
        return not self.errors and bool(self.rows)

    def count(self, change: str) -> int:
        return sum(1 for r in self.rows if r.change == change)


@dataclass
class RegistryImport:
    created: int
    same: int
    entries: SyncResult | None = None
    already: bool = False


def parse_day(text: str) -> date | None:
    """2026-10-15, 2026/10/15, 2026.10.15 or 20261015 (a date cell reads "2026-10-15 00:00:00")."""
    text = (text or "").strip().split(" ")[0].replace("/", "-").replace(".", "-")
    if text.isdigit() and len(text) == 8:
        text = f"{text[:4]}-{text[4:6]}-{text[6:]}"
    try:
        return datetime.strptime(text, "%Y-%m-%d").date()
    except ValueError:
        return None


def _scope(school_id: int) -> str:
    return f"school:{school_id}"


def _already(school_id: int, sha: str) -> bool:
    return db.session.scalar(sa.select(ImportBatch.id).where(
        ImportBatch.kind == KIND, ImportBatch.scope == _scope(school_id),
        ImportBatch.sha256 == sha)) is not None


def check_rows(actor: User, rows: list[list[str]]) -> RegistryCheck:
    """Every row checked against the school's students and registry (fixed queries)."""
    school_id = admin_school(actor)
    result = RegistryCheck()
    if not rows:
        result.errors.append(RowError(1, "", str(_l("The sheet is empty."))))
        return result
    header = [sheets.cell_text(h) for h in rows[0]]
    is_results = any(h in RESULT_COLUMNS["competition"] for h in header)
    result.kind = "results" if is_results else "certificates"
    columns_spec, labels = (RESULT_COLUMNS, RESULT_LABELS) if is_results else \
        (CERT_COLUMNS, CERT_LABELS)
    required = ("competition", "level", "held_on", "student_no", "award") if is_results else \
        ("student_no", "name", "level", "issued_on")
    columns, result.errors = sheets.header_map(rows[0], columns_spec, required, labels)
    if result.errors:
        return result
    students = {no: (sid, name) for sid, no, name in db.session.execute(
        sa.select(Student.id, Student.student_no, Student.name)
        .where(Student.school_id == school_id)).all()}
    if is_results:
        existing = {(n, d, s, str(a)) for n, d, s, a in db.session.execute(
            sa.select(Competition.name, Competition.held_on, CompetitionResult.student_id,
                      CompetitionResult.award)
            .join(CompetitionResult, CompetitionResult.competition_id == Competition.id)
            .where(Competition.school_id == school_id)).all()}
        known = {(n, d): (str(lv), org) for n, d, lv, org in db.session.execute(
            sa.select(Competition.name, Competition.held_on, Competition.level,
                      Competition.organiser).where(Competition.school_id == school_id)).all()}
    else:
        existing = {(s, n, no) for s, n, no in db.session.execute(
            sa.select(Certificate.student_id, Certificate.name, Certificate.number)
            .where(Certificate.school_id == school_id)).all()}
    seen: dict[tuple, int] = {}
    for number, values in sheets.data_rows(rows, columns):
        errors = []
        student = students.get(values["student_no"])
        if student is None:
            errors.append(RowError(number, "学号", str(_l("No student has this number."))))
        level_words = LEVEL_WORDS if is_results else CERT_WORDS
        level = level_words.get(values["level"])
        level_col = "级别" if is_results else "等级"
        if level is None:
            errors.append(RowError(number, level_col, str(_l("Unknown level “%(v)s”.",
                                                              v=values["level"]))))
        day_key = "held_on" if is_results else "issued_on"
        day = parse_day(values[day_key])
        if day is None:
            errors.append(RowError(number, labels[day_key], str(_l(
                "Not a date (write it as 2026-10-15)."))))
        if is_results:
            name = values["competition"]
            award = AWARD_WORDS.get(values["award"])
            if award is None:
                errors.append(RowError(number, "奖项", str(_l("Unknown award “%(v)s”.",
                                                               v=values["award"]))))
            if not name or len(name) > 160:
                errors.append(RowError(number, "比赛名称", str(_l(
                    "Enter the competition's name (at most 160 characters)."))))
            if len(values.get("organiser", "")) > 160:
                errors.append(RowError(number, "主办单位", str(_l("At most %(n)d characters.",
                                                                  n=160))))
            if day and level and (name, day) in known and known[(name, day)][0] != level:
                errors.append(RowError(number, "级别", str(_l(
                    "The registry has this competition at another level."))))
            key = (name, day, student[0] if student else None, award)
        else:
            name = values["name"]
            if not name or len(name) > 160:
                errors.append(RowError(number, "证书名称", str(_l(
                    "Enter the certificate's name (at most 160 characters)."))))
            for col, limit in (("issuer", 160), ("number", 80)):
                if len(values.get(col, "")) > limit:
                    errors.append(RowError(number, CERT_LABELS[col], str(_l(
                        "At most %(n)d characters.", n=limit))))
            key = (student[0] if student else None, name, values.get("number", ""))
        if not errors:
            if key in seen:
                errors.append(RowError(number, "学号", str(_l("Same as row %(row)d.",
                                                               row=seen[key]))))
            seen.setdefault(key, number)
        if errors:
            result.errors.extend(errors)
            continue
        values = {**values, "level": level, day_key: day}
        if is_results:
            values["award"] = award
        result.rows.append(SheetRow(number, student[0], values["student_no"], student[1],
                                    values, SAME if key in existing else NEW))
    if not result.rows and not result.errors:
        result.errors.append(RowError(2, "", str(_l("The sheet has no rows."))))
    return result


def check_upload(actor: User, data: bytes, filename: str) -> RegistryCheck:
    school_id = admin_school(actor)
    checked = check_rows(actor, sheets.read_table(data, filename, LIMITS))
    checked.sha256, checked.filename = hashlib.sha256(data).hexdigest(), filename
    checked.already = _already(school_id, checked.sha256)
    return checked


def preview(actor: User, data: bytes, filename: str) -> RegistryCheck:
    """Check an upload and, when it can be confirmed, stage it (nothing is written)."""
    school_id = admin_school(actor)
    checked = check_upload(actor, data, filename)
    if checked.ok and not checked.already:
        checked.token = sheets.stage(KIND, actor, data, filename, school_id=school_id)
    return checked


def confirm(actor: User, token: str) -> RegistryImport:
    """Write the staged upload (re-read and re-checked), all rows or none."""
    school_id = admin_school(actor)
    data, filename = sheets.load(KIND, actor, token, school_id=school_id)
    try:
        result = import_sheet(actor, data, filename)
    except ValidationFailed as e:
        if not e.errors.get("rows"):
            sheets.discard(KIND, token)
        raise
    sheets.discard(KIND, token)
    return result


def import_sheet(actor: User, data: bytes, filename: str) -> RegistryImport:
    """Write every new row of the file and the computed entries, or nothing at all."""
    school_id = admin_school(actor)
    if _already(school_id, hashlib.sha256(data).hexdigest()):
        return RegistryImport(0, 0, already=True)
    checked = check_upload(actor, data, filename)
    if not checked.ok:
        raise ValidationFailed(_l("The file has errors; nothing was imported."),
                               errors={"rows": checked.errors})
    batch = sheets.claim_file(actor, KIND, _scope(school_id), checked.sha256, filename,
                              len(checked.rows))
    new = [r for r in checked.rows if r.change == NEW]
    if checked.kind == "results":
        _import_results(actor, school_id, new)
    else:
        db.session.add_all([Certificate(
            school_id=school_id, student_id=r.student_id, name=r.values["name"],
            level=CertificateLevel(r.values["level"]), issuer=r.values.get("issuer", ""),
            issued_on=r.values["issued_on"], number=r.values.get("number", ""),
            status=ClaimStatus.APPROVED, claimed=False, created_by_id=actor.id) for r in new])
    db.session.flush()
    entries = sync(actor, {r.student_id for r in new})  # Frozen rolls back everything
    audit.record(actor, "import", batch, after={
        "filename": batch.filename, "kind": checked.kind, "created": len(new),
        "unchanged": len(checked.rows) - len(new)})
    db.session.flush()
    return RegistryImport(len(new), len(checked.rows) - len(new), entries)


def _import_results(actor: User, school_id: int, rows: list[SheetRow]) -> None:
    competitions = {(c.name, c.held_on): c for c in db.session.scalars(
        sa.select(Competition).where(Competition.school_id == school_id))}
    for r in rows:
        key = (r.values["competition"], r.values["held_on"])
        if key not in competitions:
            competitions[key] = Competition(
                school_id=school_id, name=key[0], held_on=key[1],
                level=CompetitionLevel(r.values["level"]),
                organiser=r.values.get("organiser", ""), created_by_id=actor.id)
            db.session.add(competitions[key])
    db.session.flush()
    db.session.add_all([CompetitionResult(
        competition_id=competitions[(r.values["competition"], r.values["held_on"])].id,
        student_id=r.student_id, award=Award(r.values["award"]), created_by_id=actor.id)
        for r in rows])


def sweep() -> None:
    sheets.sweep(KIND)
