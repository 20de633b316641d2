"""Alerts: a student's deductions pile up past a threshold the school sets, and the class
teacher and the 学生处 hear of it (inbox), with the suggested sanction where the school maps
the threshold to one. An alert never applies a sanction; it is 新 until someone of the 学生处
marks it 已处理 with a note.

Thresholds (`FamilySettings.thresholds`, defaults below when the school set none):
- {"kind": "deductions", "points": "-20", "sanction": "sanction.warning"}: the sum of the
  term's deductions reaches −20 points;
- {"kind": "repeat", "count": 3, "days": 7, "sanction": ""}: three deductions on the same
  indicator within 7 days.
Each threshold raises one alert per student and term (UNIQUE(term, student, rule)): later
entries past it raise no second one. `entries_recorded` is called by every path that writes
entries (form, grid, import, appeal decision) after they are flushed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal, InvalidOperation

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from ..errors import NotFound, ValidationFailed
from ..extensions import db
from ..models import Alert, Entry, FamilySettings, SchoolClass, Student, Term, User, utcnow
from . import audit, notifications
from .access import ensure_families_admin
from .guardians import family_settings
from .results import indicator_labels
from .sanctions import SANCTIONS

DEFAULT_THRESHOLDS = [
    {"kind": "deductions", "points": "-20", "sanction": ""},
    {"kind": "repeat", "count": 3, "days": 7, "sanction": ""},
]
STATES = {"new": _l("New"), "handled": _l("Handled")}
NOTE_MAX = 1000


def thresholds_of(school_id: int) -> list[dict]:
    return family_settings(school_id).thresholds or DEFAULT_THRESHOLDS


def _cents(points) -> int:
    return int(Decimal(str(points)) * 100)


def entries_recorded(term: Term, entries) -> None:
    """The hook after entries are written: inbox items for deductions, then any alerts."""
    entries = list(entries)
    deductions = [e for e in entries if e.points_cents < 0]
    if not deductions:  # every threshold counts deductions: an addition crosses none
        return
    notifications.deductions_recorded(term, entries)
    check(term, {e.student_id for e in deductions},
          {(e.student_id, e.indicator) for e in deductions})


def check(term: Term, student_ids: set[int], touched: set[tuple[int, str]]) -> list[Alert]:
    """Raise the alerts these students now cross (a fixed number of queries)."""
    thresholds = thresholds_of(term.school_id)
    if not thresholds or not student_ids:
        return []
    live = (Entry.term_id == term.id, Entry.deleted_at.is_(None),
            Entry.student_id.in_(student_ids))
    existing = set(db.session.execute(sa.select(Alert.student_id, Alert.rule).where(
        Alert.term_id == term.id, Alert.student_id.in_(student_ids))).all())
    raised: list[tuple[Alert, dict]] = []
    totals = dict(db.session.execute(
        sa.select(Entry.student_id, sa.func.sum(Entry.points_cents))
        .where(*live, Entry.points_cents < 0).group_by(Entry.student_id)).all())
    dates: dict[tuple[int, str], list] = {}
    if touched:
        for sid, indicator, day in db.session.execute(
                sa.select(Entry.student_id, Entry.indicator, Entry.occurred_on)
                .where(*live, Entry.points_cents < 0,
                       Entry.indicator.in_({i for _s, i in touched}))
                .order_by(Entry.occurred_on)):
            if (sid, indicator) in touched:
                dates.setdefault((sid, indicator), []).append(day)
    labels = notifications.in_each_language(
        lambda: {k: str(v) for k, v in indicator_labels(term).items()})
    for t in thresholds:
        sanction = t.get("sanction") or ""
        if t.get("kind") == "deductions":
            limit = _cents(t.get("points", "-20"))
            rule = f"deductions:{t.get('points')}"
            for sid, total in totals.items():
                if total <= limit and (sid, rule) not in existing:
                    what = notifications.both(lambda total=total: _l(
                        "deductions this term reached %(points)s", points=f"{total / 100:.2f}"))
                    raised.append((Alert(school_id=term.school_id, term_id=term.id,
                                         student_id=sid, rule=rule, kind="deductions",
                                         value=f"{total / 100:.2f}", sanction=sanction), what))
                    existing.add((sid, rule))
        elif t.get("kind") == "repeat":
            count, days = int(t.get("count", 3)), int(t.get("days", 7))
            for (sid, indicator), seen in dates.items():
                rule = f"repeat:{count}/{days}:{indicator}"
                if (sid, rule) in existing or not _within(seen, count, days):
                    continue
                what = {lang: str(notifications.sentence_repeat(lang, count, days,
                                                                 labels[lang].get(indicator,
                                                                                  indicator)))
                        for lang in ("zh", "en")}
                raised.append((Alert(school_id=term.school_id, term_id=term.id,
                                     student_id=sid, rule=rule, kind="repeat",
                                     indicator=indicator, value=str(count),
                                     sanction=sanction), what))
                existing.add((sid, rule))
    for alert, _what in raised:
        db.session.add(alert)
    db.session.flush()
    for alert, what in raised:
        if alert.sanction in SANCTIONS:
            suggestion = notifications.both(lambda a=alert: SANCTIONS[a.sanction])
            what = {lang: f"{what[lang]} · {suggestion[lang]}" for lang in what}
        notifications.alert_raised(term, alert, what)
    return [a for a, _w in raised]


def _within(days_seen: list, count: int, window: int) -> bool:
    """`count` dates within any `window` consecutive days (the dates are sorted)."""
    for i in range(len(days_seen) - count + 1):
        if days_seen[i + count - 1] - days_seen[i] < timedelta(days=window):
            return True
    return False


# ---- the 学生处's list ----------------------------------------------------------------------

@dataclass
class AlertRow:
    alert: Alert
    student: Student
    class_name: str
    what: str
    sanction: str


def describe(alert: Alert, labels: dict) -> str:
    if alert.kind == "deductions":
        return str(_l("deductions this term reached %(points)s", points=alert.value))
    return str(notifications.sentence_repeat(None, int(alert.value or 0),
                                             int(alert.rule.split("/")[1].split(":")[0]),
                                             labels.get(alert.indicator, alert.indicator)))


def alerts_page(actor: User, term: Term | None, state: str | None) -> list[AlertRow]:
    """The school's alerts of the term, newest first, filtered by state (new / handled)."""
    school_id = ensure_families_admin(actor)
    if term is None:
        return []
    query = (sa.select(Alert, Student, SchoolClass.name)
             .join(Student, Student.id == Alert.student_id)
             .join(SchoolClass, SchoolClass.id == Student.class_id)
             .where(Alert.school_id == school_id, Alert.term_id == term.id)
             .order_by(Alert.created_at.desc(), Alert.id.desc()))
    if state in STATES:
        query = query.where(Alert.state == state)
    labels = indicator_labels(term)
    return [AlertRow(a, s, cname, describe(a, labels),
                     str(SANCTIONS[a.sanction]) if a.sanction in SANCTIONS else "")
            for a, s, cname in db.session.execute(query)]


@dataclass
class AlertPage:
    row: AlertRow
    records: list[Entry]
    labels: dict


def alert_page(actor: User, alert_id: int) -> AlertPage:
    """One alert with the student's recent records of the term."""
    school_id = ensure_families_admin(actor)
    alert = db.session.get(Alert, alert_id)
    if alert is None or alert.school_id != school_id:
        raise NotFound()
    term = db.session.get(Term, alert.term_id)
    labels = indicator_labels(term)
    student = alert.student
    records = list(db.session.scalars(sa.select(Entry).where(
        Entry.term_id == term.id, Entry.student_id == student.id, Entry.deleted_at.is_(None))
        .order_by(Entry.occurred_on.desc(), Entry.id.desc()).limit(20)))
    return AlertPage(AlertRow(alert, student, student.school_class.name, describe(alert, labels),
                              str(SANCTIONS[alert.sanction]) if alert.sanction in SANCTIONS
                              else ""), records, labels)


def handle(actor: User, alert_id: int, note: str) -> Alert:
    """Mark an alert handled (已处理) with a note; audited. No sanction is applied."""
    school_id = ensure_families_admin(actor)
    alert = db.session.get(Alert, alert_id)
    if alert is None or alert.school_id != school_id:
        raise NotFound()
    note = (note or "").strip()
    if not note:
        raise ValidationFailed(errors={"note": [_l("Say what was done.")]})
    if len(note) > NOTE_MAX:
        raise ValidationFailed(errors={"note": [_l("At most %(n)d characters.", n=NOTE_MAX)]})
    with audit.recorded(actor, "handle", alert):
        alert.state, alert.note = "handled", note
        alert.handled_by_id, alert.handled_at = actor.id, utcnow()
    return alert


# ---- the school's settings -----------------------------------------------------------------

@dataclass
class SettingsInput:
    show_deduction_notes: bool
    show_evidence: bool
    deduction_points: str
    deduction_sanction: str
    deduction_points_2: str
    deduction_sanction_2: str
    repeat_count: int | None
    repeat_days: int | None
    repeat_sanction: str
    smtp_host: str
    smtp_port: int | None
    smtp_tls: bool
    smtp_sender: str
    smtp_user: str = ""
    smtp_password: str = ""  # write-only: empty keeps the stored one
    smtp_password_clear: bool = False
    monthly_day: int | None = None


def save_settings(actor: User, data: SettingsInput) -> FamilySettings:
    """The school's settings for families: what guardians see, thresholds, email server."""
    school_id = ensure_families_admin(actor)
    errors: dict[str, list] = {}
    thresholds = []
    for field, sfield, points, sanction in (
            ("deduction_points", "deduction_sanction", data.deduction_points,
             data.deduction_sanction),
            ("deduction_points_2", "deduction_sanction_2", data.deduction_points_2,
             data.deduction_sanction_2)):
        if not (points or "").strip():
            continue
        try:
            value = Decimal(points.strip())
        except InvalidOperation:
            value = None
        if value is None or value >= 0 or value != value.quantize(Decimal("0.01")):
            errors[field] = [_l("A negative number of points, e.g. -20.")]
            continue
        if sanction and sanction not in SANCTIONS:
            errors[sfield] = [_l("Choose a sanction from the list.")]
        thresholds.append({"kind": "deductions", "points": str(value.quantize(Decimal("0.01"))),
                           "sanction": sanction or ""})
    if data.repeat_count:
        if not (2 <= data.repeat_count <= 20) or not data.repeat_days \
                or not (1 <= data.repeat_days <= 60):
            errors["repeat_count"] = [_l("2–20 entries within 1–60 days.")]
        else:
            if data.repeat_sanction and data.repeat_sanction not in SANCTIONS:
                errors["repeat_sanction"] = [_l("Choose a sanction from the list.")]
            thresholds.append({"kind": "repeat", "count": data.repeat_count,
                               "days": data.repeat_days, "sanction": data.repeat_sanction or ""})
    if data.smtp_port is not None and not (1 <= data.smtp_port <= 65535):
        errors["smtp_port"] = [_l("A port between 1 and 65535.")]
    if data.monthly_day is not None and not (0 <= data.monthly_day <= notifications.MONTHLY_DAY_MAX):
        errors["monthly_day"] = [_l("A day from 1 to %(n)d (0 or empty: no monthly summary).",
                                    n=notifications.MONTHLY_DAY_MAX)]
    if len(data.smtp_user or "") > 120:
        errors["smtp_user"] = [_l("At most %(n)d characters.", n=120)]
    if len(data.smtp_password or "") > 200:
        errors["smtp_password"] = [_l("At most %(n)d characters.", n=200)]
    if errors:
        raise ValidationFailed(_l("Please correct the marked fields."), errors=errors)
    row = db.session.get(FamilySettings, school_id)
    action = "update"
    if row is None:
        row, action = family_settings(school_id), "create"
        db.session.add(row)
    secret = ("smtp_password",)  # never in an audit row; that it changed is
    before = audit.snapshot(row, secret) if action == "update" else None
    password_before = row.smtp_password or ""
    row.show_deduction_notes = data.show_deduction_notes
    row.show_evidence = data.show_evidence
    row.thresholds = thresholds
    row.smtp_host = (data.smtp_host or "").strip()[:120]
    row.smtp_port = data.smtp_port or 25
    row.smtp_tls = data.smtp_tls
    row.smtp_sender = (data.smtp_sender or "").strip()[:120]
    row.smtp_user = (data.smtp_user or "").strip()[:120]
    row.monthly_day = data.monthly_day or 0
    if data.smtp_password_clear:
        row.smtp_password = ""
    elif data.smtp_password:
        row.smtp_password = data.smtp_password
    db.session.flush()
    after = audit.snapshot(row, secret)
    if (row.smtp_password or "") != password_before:
        after["smtp_password_changed"] = True
    audit.record(actor, action, row, before=before, after=after, school_id=school_id)
    return row
