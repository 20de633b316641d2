"""Notifications: one inbox item per entitled person for each event, in their language, and
the pushes (email, a class's group robot) that the job queue sends.

An inbox item stores the event's key and its parameters; `told` puts it into words when it is
read, in the reader's language (a parameter may carry both languages: {"zh": …, "en": …}).
Each person chooses events they do not want at all (`muted`) and those they also want by
email (`by_email`, with their address); a class's group robot (企业微信 / 钉钉) gets the events
its class teacher chose. A push is a `Delivery` row, due at once — or at 07:00 when the event
comes during quiet hours (22:00–07:00 school time); the inbox item is there at once either
way. Pushes carry no more personal data than the school allows: the student's name and the
event; never another student's points, and the group robot never any points.

Who gets what (the events of issue 16):
- deduction: the student and their guardians;
- appeal_filed: the class teacher of the student's class in the term;
- appeal_decided: the student and their guardians;
- class_submitted: the school's admins (学生处);
- published, notice_ending: the class's students and their guardians;
- alert: the class teacher and the school's admins.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import sqlalchemy as sa
from flask_babel import force_locale, get_locale
from flask_babel import lazy_gettext as _l

from ..errors import Conflict, NotFound, ValidationFailed
from ..extensions import db
from ..models import (
    CHILD_STATUSES,
    ClassAssignment,
    ClassChannel,
    ClassState,
    ClassTermStatus,
    Delivery,
    Entry,
    EventMark,
    FamilySettings,
    Guardian,
    GuardianLink,
    MonthlyNote,
    Notification,
    NotificationSettings,
    Role,
    School,
    SchoolClass,
    Student,
    Term,
    User,
    utcnow,
)
from . import audit
from .access import class_for_families
from .clock import DEFAULT_ZONE, local_date, local_time, school_now, school_zone
from .results import indicator_labels
from .terms import current_term

EVENTS = {
    "deduction": _l("A deduction is recorded"),
    "appeal_filed": _l("An appeal is filed"),
    "appeal_decided": _l("An appeal is decided"),
    "class_submitted": _l("A class is submitted"),
    "published": _l("Results are published"),
    "notice_ending": _l("The notice period ends in a day"),
    "alert": _l("An alert is raised"),
}
SENTENCES = {
    "deduction": _l("%(student)s: “%(what)s” %(points)s on %(date)s."),
    "appeal_filed": _l("%(student)s appealed about “%(what)s”."),
    "appeal_decided:accepted": _l("%(student)s's appeal about “%(what)s” was accepted."),
    "appeal_decided:rejected": _l("%(student)s's appeal about “%(what)s” was rejected."),
    "class_submitted": _l("%(cls)s was submitted by its class teacher."),
    "published": _l("The results of %(student)s for %(term)s are published; appeals are "
                    "possible until %(until)s."),
    "notice_ending": _l("The notice period of %(student)s's results ends in a day "
                        "(%(until)s)."),
    "alert": _l("Alert for %(student)s: %(what)s."),
}
# What a class's group robot may receive (no points, the student's name at most).
GROUP_EVENTS = ("deduction", "appeal_decided", "published", "notice_ending")
GROUP_SENTENCES = {
    "deduction": _l("%(student)s: a record in “%(what)s”."),
    "appeal_decided": _l("%(student)s: an appeal was decided."),
    "published": _l("The results of %(term)s are published for %(cls)s."),
    "notice_ending": _l("The notice period for %(cls)s ends in a day (%(until)s)."),
}
QUIET_FROM, QUIET_UNTIL = time(22, 0), time(7, 0)
LANGS = {"zh": "zh_Hans_CN", "en": "en"}


def _lang() -> str:
    return "zh" if str(get_locale() or "zh").startswith("zh") else "en"


def _user_lang(locale: str | None) -> str:
    return "en" if (locale or "").startswith("en") else "zh"


def in_each_language(make) -> dict:
    """make() under each locale: {"zh": …, "en": …}."""
    out = {}
    for lang, locale in LANGS.items():
        with force_locale(locale):
            out[lang] = make()
    return out


def both(make) -> dict:
    """A parameter in both languages (text): make() under each locale."""
    return {lang: str(v) for lang, v in in_each_language(make).items()}


def _param(value, lang: str):
    if isinstance(value, dict) and set(value) <= {"zh", "en"}:
        return value.get(lang) or value.get("zh", "")
    return value


def sentence(event: str, params: dict, lang: str | None = None, group: bool = False) -> str:
    """The event in words, in `lang` (the current locale's by default)."""
    lang = lang or _lang()
    if event == "monthly" and not group:
        return _monthly_sentence(params, lang)
    table = GROUP_SENTENCES if group else SENTENCES
    key = event
    if event == "appeal_decided" and not group:
        key = f"{event}:{params.get('outcome', 'accepted')}"
    with force_locale(LANGS[lang]):
        values = {k: _param(v, lang) for k, v in params.items()}
        for name in ("student", "what", "points", "date", "cls", "term", "until"):
            values.setdefault(name, "")
        return str(table[key]) % values


REPEAT_SENTENCE = _l("%(count)d deductions in “%(what)s” within %(days)d days")


def sentence_repeat(lang: str | None, count: int, days: int, what: str) -> str:
    """The repeat alert's words (in `lang`, else the current locale's)."""
    if lang is None:
        return str(REPEAT_SENTENCE) % {"count": count, "days": days, "what": what}
    with force_locale(LANGS[lang]):
        return str(REPEAT_SENTENCE) % {"count": count, "days": days, "what": what}


# ---- quiet hours -----------------------------------------------------------------------------

def push_due_at(school_id: int | None, now: datetime | None = None) -> datetime:
    """When a push made now may go: at once, or at 07:00 school time during quiet hours."""
    zone = school_zone(school_id)
    local = (now.astimezone(zone) if now else school_now(school_id))
    wall = local.time()
    if wall >= QUIET_FROM or wall < QUIET_UNTIL:
        day = local.date() + (timedelta(days=1) if wall >= QUIET_FROM else timedelta())
        return datetime.combine(day, QUIET_UNTIL, tzinfo=zone).astimezone(utcnow().tzinfo)
    return local.astimezone(utcnow().tzinfo)


# ---- recipients ------------------------------------------------------------------------------

def students_and_guardians(student_ids) -> list[tuple[int, int]]:
    """(user id, student id) of the students' own accounts and their guardians' (active
    accounts; guardians only of children still at the school)."""
    ids = list(set(student_ids))
    if not ids:
        return []
    own = db.session.execute(sa.select(User.id, User.student_id).where(
        User.student_id.in_(ids), User.active.is_(True), User.role == Role.STUDENT)).all()
    guardians = db.session.execute(  # a child who left the school is no longer told about
        sa.select(User.id, GuardianLink.student_id)
        .join(Guardian, Guardian.user_id == User.id)
        .join(GuardianLink, GuardianLink.guardian_id == Guardian.id)
        .join(Student, Student.id == GuardianLink.student_id)
        .where(GuardianLink.student_id.in_(ids), User.active.is_(True),
               Guardian.deactivated_at.is_(None), Student.status.in_(CHILD_STATUSES))).all()
    return [(uid, sid) for uid, sid in [*own, *guardians]]


def class_teachers(term: Term, class_ids) -> dict[int, int]:
    """class id → its class teacher's user id in the term."""
    return dict(db.session.execute(sa.select(ClassAssignment.class_id, ClassAssignment.teacher_id)
                                   .where(ClassAssignment.term_id == term.id,
                                          ClassAssignment.class_id.in_(list(class_ids)))).all())


def school_admins(school_id: int) -> list[int]:
    return list(db.session.scalars(sa.select(User.id).where(
        User.school_id == school_id, User.role == Role.ADMIN, User.active.is_(True))))


# ---- making the items and pushes -------------------------------------------------------------

@dataclass
class Item:
    user_id: int
    student_id: int | None
    params: dict


def notify(school_id: int, event: str, items: list[Item], *, class_id: int | None = None,
           group_params: dict | None = None, groups: list[tuple[int, dict]] | None = None
           ) -> int:
    """One inbox item per person and subject (muted events left out), the email pushes they
    chose, and the group-robot posts of the classes (`groups`: (class id, params), or one
    `class_id` with `group_params`); a fixed number of statements however many items and
    classes. The number of items."""
    seen: set = set()
    unique = []
    for item in items:
        key = (item.user_id, item.student_id, repr(sorted(item.params.items())))
        if key not in seen:
            seen.add(key)
            unique.append(item)
    user_ids = list({i.user_id for i in unique})
    settings = {s.user_id: s for s in db.session.scalars(sa.select(NotificationSettings).where(
        NotificationSettings.user_id.in_(user_ids or [-1])))} if user_ids else {}
    locales = dict(db.session.execute(sa.select(User.id, User.locale).where(
        User.id.in_(user_ids))).all()) if settings else {}
    now = utcnow()
    kept = [i for i in unique
            if i.user_id not in settings or event not in (settings[i.user_id].muted or [])]
    def by_email(user_id: int) -> bool:
        choice = settings.get(user_id)
        return bool(choice is not None and choice.email and event in (choice.by_email or []))

    plain = [i for i in kept if not by_email(i.user_id)]
    if plain:  # one executemany, however many people
        db.session.execute(sa.insert(Notification), [
            {"school_id": school_id, "user_id": i.user_id, "event": event, "params": i.params,
             "student_id": i.student_id, "created_at": now} for i in plain])
    wanted = [Notification(school_id=school_id, user_id=i.user_id, event=event,
                           params=i.params, student_id=i.student_id, created_at=now)
              for i in kept if by_email(i.user_id)]
    due = push_due_at(school_id)
    pushes = []
    if wanted:
        db.session.add_all(wanted)
        db.session.flush()  # the items' ids, for the log
    for row in wanted:
        choice = settings[row.user_id]
        lang = _user_lang(locales.get(row.user_id))
        with force_locale(LANGS[lang]):
            subject = str(EVENTS[event])
        pushes.append(Delivery(school_id=school_id, notification_id=row.id, channel="email",
                               target=choice.email, subject=subject,
                               body=sentence(event, row.params, lang), due_at=due))
    groups = list(groups or [])
    if class_id is not None:
        groups.append((class_id, group_params or {}))
    if groups and event in GROUP_EVENTS:
        channels = {c.class_id: c for c in db.session.scalars(sa.select(ClassChannel).where(
            ClassChannel.class_id.in_({cid for cid, _p in groups})))}
        for cid, params in groups:
            channel = channels.get(cid)
            if channel is not None and event in (channel.events or []):
                pushes.append(Delivery(school_id=school_id, channel=channel.kind,
                                       target=channel.url, subject="",
                                       body=sentence(event, params, "zh", group=True),
                                       due_at=due))
    if pushes:
        db.session.add_all(pushes)
    db.session.flush()
    if pushes:
        db.session.info.setdefault("new_deliveries", []).extend(p.id for p in pushes)
    return len(kept)


def _points(cents: int) -> str:
    return f"{cents / 100:+.2f}"


def deductions_recorded(term: Term, entries) -> None:
    """For each new deduction (points < 0): the student and their guardians."""
    entries = [e for e in entries if e.points_cents < 0]
    if not entries:
        return
    names = in_each_language(lambda: {k: str(v) for k, v in indicator_labels(term).items()})
    students = {s.id: s for s in db.session.scalars(sa.select(Student).where(
        Student.id.in_({e.student_id for e in entries})))}
    people = students_and_guardians(students)
    by_student: dict[int, list[int]] = {}
    for uid, sid in people:
        by_student.setdefault(sid, []).append(uid)
    items, groups = [], []
    for entry in entries:
        student = students[entry.student_id]
        what = {lang: names[lang].get(entry.indicator, entry.indicator)
                + (f" · {entry.item_name}" if entry.item_name else "") for lang in names}
        params = {"student": student.name, "what": what, "points": _points(entry.points_cents),
                  "date": entry.occurred_on.isoformat()}
        items += [Item(uid, student.id, params) for uid in by_student.get(student.id, [])]
        groups.append((student.class_id, {"student": student.name, "what": what}))
    notify(term.school_id, "deduction", items, groups=groups)


def _appeal_what(term: Term, appeal) -> dict:
    if appeal.entry_id is not None:
        key = db.session.scalar(sa.select(Entry.indicator).where(
            Entry.id == appeal.entry_id)) or ""
    else:
        key = appeal.indicator or ""
    return both(lambda: indicator_labels(term).get(key, key))


def appeal_filed(term: Term, appeal) -> None:
    student = db.session.get(Student, appeal.student_id)
    teacher = class_teachers(term, [student.class_id]).get(student.class_id)
    if teacher is None:
        return
    notify(term.school_id, "appeal_filed", [Item(teacher, student.id, {
        "student": student.name, "what": _appeal_what(term, appeal)})])


def appeal_decided(term: Term, appeal) -> None:
    student = db.session.get(Student, appeal.student_id)
    params = {"student": student.name, "what": _appeal_what(term, appeal),
              "outcome": str(appeal.status.value)}
    notify(term.school_id, "appeal_decided",
           [Item(uid, sid, params) for uid, sid in students_and_guardians([student.id])],
           class_id=student.class_id, group_params={"student": student.name})


def classes_submitted(term: Term, rows) -> None:
    admins = school_admins(term.school_id)
    names = dict(db.session.execute(sa.select(SchoolClass.id, SchoolClass.name).where(
        SchoolClass.id.in_([r.class_id for r in rows] or [-1]))).all())
    notify(term.school_id, "class_submitted", [
        Item(uid, None, {"cls": names.get(row.class_id, "")}) for row in rows for uid in admins])


def _class_event(term: Term, rows, event: str) -> int:
    """published / notice_ending for every student of the classes and their guardians."""
    names = dict(db.session.execute(sa.select(SchoolClass.id, SchoolClass.name).where(
        SchoolClass.id.in_([r.class_id for r in rows] or [-1]))).all())
    students = {sid: (name, cid) for sid, name, cid in db.session.execute(
        sa.select(Student.id, Student.name, Student.class_id).where(
            Student.class_id.in_([r.class_id for r in rows] or [-1])))}
    until = {r.class_id: local_time(r.notice_ends_at) if r.notice_ends_at else "" for r in rows}
    items = [Item(uid, sid, {"student": students[sid][0], "term": term.name,
                             "until": until[students[sid][1]]})
             for uid, sid in students_and_guardians(students)]
    return notify(term.school_id, event, items, groups=[
        (r.class_id, {"term": term.name, "cls": names.get(r.class_id, ""),
                      "until": until[r.class_id]}) for r in rows])


def classes_published(term: Term, rows) -> None:
    _class_event(term, rows, "published")


def notice_ending_due(now: datetime | None = None) -> int:
    """For every published class whose notice period ends within a day: once (EventMark)."""
    now = now or utcnow()
    rows = list(db.session.scalars(sa.select(ClassTermStatus).where(
        ClassTermStatus.state == ClassState.PUBLISHED,
        ClassTermStatus.notice_ends_at > now,
        ClassTermStatus.notice_ends_at <= now + timedelta(days=1))))
    if not rows:
        return 0
    keys = {f"notice_ending:{r.term_id}:{r.class_id}:{r.notice_ends_at.isoformat()}": r
            for r in rows}
    done = set(db.session.scalars(sa.select(EventMark.key).where(EventMark.key.in_(keys))))
    made = 0
    for key, row in keys.items():
        if key in done:
            continue
        db.session.add(EventMark(key=key))
        made += _class_event(db.session.get(Term, row.term_id), [row], "notice_ending")
    db.session.flush()
    return made


def alert_raised(term: Term, alert, what: dict) -> None:
    student = db.session.get(Student, alert.student_id)
    people = set(school_admins(term.school_id))
    teacher = class_teachers(term, [student.class_id]).get(student.class_id)
    if teacher is not None:
        people.add(teacher)
    notify(term.school_id, "alert", [Item(uid, student.id, {"student": student.name,
                                                            "what": what})
                                     for uid in sorted(people)])


# ---- the inbox -------------------------------------------------------------------------------

INBOX_PAGE = 50


@dataclass
class InboxItem:
    id: int
    event: str
    text: str
    at: datetime
    unread: bool


def unread_count(actor: User) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Notification).where(
        Notification.user_id == actor.id, Notification.read_at.is_(None))) or 0


def inbox(actor: User, limit: int = INBOX_PAGE) -> list[InboxItem]:
    """The reader's latest items in their language (one query however many there are)."""
    lang = _lang()
    rows = db.session.scalars(sa.select(Notification).where(Notification.user_id == actor.id)
                              .order_by(Notification.created_at.desc(), Notification.id.desc())
                              .limit(limit))
    return [InboxItem(r.id, r.event, sentence(r.event, r.params or {}, lang), r.created_at,
                      r.read_at is None) for r in rows]


def mark_read(actor: User, notification_id: int | None = None) -> int:
    """Mark one item (or all) of the actor's as read: the badge goes."""
    query = sa.update(Notification).where(Notification.user_id == actor.id,
                                          Notification.read_at.is_(None))
    if notification_id is not None:
        query = query.where(Notification.id == notification_id)
    return db.session.execute(query.values(read_at=utcnow())).rowcount


def events_for(actor: User) -> list[str]:
    """The events that can reach this person (by role)."""
    by_role = {
        Role.STUDENT: ["deduction", "appeal_decided", "published", "notice_ending", "monthly"],
        Role.GUARDIAN: ["deduction", "appeal_decided", "published", "notice_ending",
                        "monthly"],
        Role.TEACHER: ["appeal_filed", "alert"],
        Role.ADMIN: ["class_submitted", "alert"],
    }
    return by_role.get(actor.role, [])


def my_settings(actor: User) -> NotificationSettings:
    row = db.session.get(NotificationSettings, actor.id)
    return row or NotificationSettings(user_id=actor.id, email="", muted=[], by_email=[])


def save_settings(actor: User, email: str, inbox_events, email_events) -> NotificationSettings:
    """The person's choices: events in the inbox (the others muted), events also by email."""
    events = events_for(actor)
    if not events:
        raise NotFound()
    email = (email or "").strip()
    if email and ("@" not in email or len(email) > 120 or " " in email):
        raise ValidationFailed(errors={"email": [_l("Enter an email address.")]})
    by_email = [e for e in email_events if e in events and e in inbox_events]
    if by_email and not email:
        raise ValidationFailed(errors={"email": [_l("Enter the address the emails go to.")]})
    row = db.session.get(NotificationSettings, actor.id)
    if row is None:
        row = NotificationSettings(user_id=actor.id)
        db.session.add(row)
    row.email = email
    row.muted = [e for e in events if e not in inbox_events]
    row.by_email = by_email
    db.session.flush()
    return row


# ---- a class's group robot ------------------------------------------------------------------

CHANNEL_KINDS = {"wecom": _l("WeCom (企业微信) group robot"),
                 "dingtalk": _l("DingTalk (钉钉) group robot")}
ROBOT_HOSTS = ("qyapi.weixin.qq.com", "oapi.dingtalk.com")


def class_channel(actor: User, class_id: int) -> tuple[SchoolClass, ClassChannel | None]:
    school_class = class_for_families(actor, class_id)
    return school_class, db.session.get(ClassChannel, school_class.id)


def save_channel(actor: User, class_id: int, kind: str, url: str, events,
                 allowed_hosts=ROBOT_HOSTS) -> ClassChannel | None:
    """The class teacher sets (or, with an empty address, removes) the class's group robot;
    only the robots' own hosts are accepted (no request to anywhere else)."""
    school_class = class_for_families(actor, class_id)
    url = (url or "").strip()
    row = db.session.get(ClassChannel, school_class.id)
    if not url:
        if row is not None:
            with audit.recorded(actor, "delete", row, school_id=school_class.school_id):
                db.session.delete(row)
        return None
    errors: dict[str, list] = {}
    if kind not in CHANNEL_KINDS:
        errors["kind"] = [_l("Choose WeCom or DingTalk.")]
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or parts.hostname not in allowed_hosts \
            or len(url) > 500:
        errors["url"] = [_l("The robot's webhook address (https://qyapi.weixin.qq.com/… or "
                            "https://oapi.dingtalk.com/…).")]
    chosen = [e for e in events if e in GROUP_EVENTS]
    if errors:
        raise ValidationFailed(_l("Please correct the marked fields."), errors=errors)
    action = "update"
    if row is None:
        row, action = ClassChannel(class_id=school_class.id), "create"
        db.session.add(row)
    with audit.recorded(actor, action, row, school_id=school_class.school_id,
                        exclude=("url",)):
        row.kind, row.url, row.events = kind, url, chosen
        row.updated_by_id, row.updated_at = actor.id, utcnow()
    return row


# ---- the monthly summary (月小结) --------------------------------------------------------------
# On the school's day (FamilySettings.monthly_day, 0 = off), from 08:00 in the school's zone,
# each student still at the school and their guardians get last month's records of the
# student and their sum (no stars: a guardian sees stars only once the class's results are
# published, on the pages), with the class teacher's line for the class and month when there
# is one (MonthlyNote). One job per class (starrating/jobs.py), once per class and month
# (EventMark "monthly:<class>:<yyyy-mm>"). The class teacher's preview is built by the same
# `monthly_messages`, so it reads exactly as the messages will.

EVENTS["monthly"] = _l("The monthly summary")
SENTENCES["monthly"] = _l("%(student)s in %(month)s: %(count)s records, %(points)s points in "
                          "all. %(lines)s")
MONTHLY_LINE = _l("From the class teacher: %(line)s")
MONTHLY_HOUR = 8  # the summaries go from 08:00 school time on the school's day
MONTHLY_DAY_MAX = 28  # a day every month has
LINE_MAX = 200


def previous_month(today) -> tuple[int, int]:
    return (today.year - 1, 12) if today.month == 1 else (today.year, today.month - 1)


def next_month(today) -> tuple[int, int]:
    return (today.year + 1, 1) if today.month == 12 else (today.year, today.month + 1)


def month_text(year: int, month: int) -> str:
    return f"{year:04d}-{month:02d}"


def monthly_key(class_id: int, year: int, month: int) -> str:
    return f"monthly:{class_id}:{month_text(year, month)}"


def _monthly_sentence(params: dict, lang: str) -> str:
    """The summary's words; the class teacher's line after them, when there is one."""
    with force_locale(LANGS[lang]):
        values = {k: _param(v, lang) for k, v in params.items()}
        text = str(SENTENCES["monthly"]) % {**{"lines": ""}, **values}
        if params.get("line"):
            stop, space = (".", " ") if lang == "en" else ("。", "")
            text = text.rstrip()
            text = (text if text.endswith(stop) else text + stop) + space \
                + str(MONTHLY_LINE) % {"line": params["line"]}
        return text


@dataclass
class MonthlyMessage:
    """What one student and their guardians get: the parameters and who receives them."""
    student_id: int
    student_no: str
    name: str
    params: dict
    recipients: list[int]


def monthly_messages(term: Term, class_id: int, year: int, month: int,
                     line: str = "") -> list[MonthlyMessage]:
    """The class's summary of the month, a message per student still at the school (a fixed
    number of queries however many students)."""
    first = date(year, month, 1)
    after = date(*next_month(first), 1)
    students = {sid: (no, name) for sid, no, name in db.session.execute(
        sa.select(Student.id, Student.student_no, Student.name).where(
            Student.class_id == class_id, Student.status.in_(CHILD_STATUSES))
        .order_by(Student.student_no, Student.id))}
    names = in_each_language(lambda: {k: str(v) for k, v in indicator_labels(term).items()})
    lines: dict[int, list] = {sid: [] for sid in students}
    if students:
        for sid, indicator, day, cents in db.session.execute(
                sa.select(Entry.student_id, Entry.indicator, Entry.occurred_on,
                          Entry.points_cents)
                .where(Entry.term_id == term.id, Entry.deleted_at.is_(None),
                       Entry.student_id.in_(list(students)), Entry.occurred_on >= first,
                       Entry.occurred_on < after)
                .order_by(Entry.occurred_on, Entry.id)):
            lines[sid].append((day, indicator, cents))
    by_student: dict[int, list[int]] = {}
    for uid, sid in students_and_guardians(students):
        by_student.setdefault(sid, []).append(uid)
    out = []
    for sid, (no, name) in students.items():
        rows = lines[sid]
        text = {lang: "; ".join(f"{local_date(d)[5:]} {names[lang].get(i, i)} {_points(c)}"
                                for d, i, c in rows) for lang in names}
        params = {"student": name, "month": month_text(year, month), "count": str(len(rows)),
                  "points": _points(sum(c for _d, _i, c in rows)), "lines": text}
        if line:
            params["line"] = line
        out.append(MonthlyMessage(sid, no, name, params, sorted(by_student.get(sid, []))))
    return out


def _take_line(class_id: int, year: int, month: int) -> str:
    """The class teacher's line for the summary now going, marked sent in the same statement
    (a teacher's edit made meanwhile waits for it and is then refused)."""
    text = db.session.scalar(
        sa.update(MonthlyNote)
        .where(MonthlyNote.class_id == class_id, MonthlyNote.month == month_text(year, month),
               MonthlyNote.sent_at.is_(None))
        .values(sent_at=utcnow()).returning(MonthlyNote.line)
        .execution_options(synchronize_session=False))
    return text or ""


def monthly_summary(term: Term, class_id: int, year: int, month: int) -> int:
    """The month's summary for every student of the class and their guardians (once)."""
    key = monthly_key(class_id, year, month)
    if db.session.get(EventMark, key) is not None:
        return 0
    db.session.add(EventMark(key=key))
    line = _take_line(class_id, year, month)
    messages = monthly_messages(term, class_id, year, month, line)
    made = notify(term.school_id, "monthly", [
        Item(uid, m.student_id, m.params) for m in messages for uid in m.recipients])
    db.session.flush()
    return made


def monthly_due(now: datetime | None = None) -> list[tuple[int, int, int, int]]:
    """(term id, class id, year, month) of every class whose summary is due now and not yet
    made: its school's day has come in the school's own time zone (from 08:00 there)."""
    now = now or utcnow()
    out = []
    for school_id, day, zone_name in db.session.execute(
            sa.select(FamilySettings.school_id, FamilySettings.monthly_day, School.timezone)
            .join(School, School.id == FamilySettings.school_id)
            .where(FamilySettings.monthly_day > 0, School.active.is_(True))):
        local = now.astimezone(_zone(zone_name))
        if local.day != day or local.hour < MONTHLY_HOUR:
            continue
        term = current_term(school_id, local.date())
        if term is None:
            continue
        year, month = previous_month(local.date())
        classes = list(db.session.scalars(sa.select(ClassAssignment.class_id).where(
            ClassAssignment.term_id == term.id).order_by(ClassAssignment.class_id)))
        done = set(db.session.scalars(sa.select(EventMark.key).where(EventMark.key.in_(
            [monthly_key(cid, year, month) for cid in classes])))) if classes else set()
        out += [(term.id, cid, year, month) for cid in classes
                if monthly_key(cid, year, month) not in done]
    return out


def _zone(name: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(name or DEFAULT_ZONE)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(DEFAULT_ZONE)


# ---- the class teacher's preview and line ----------------------------------------------------

@dataclass
class PreviewRow:
    message: MonthlyMessage
    text: str  # in the reader's language, as the inbox and the email will say it
    recipients: list[str]  # who gets it: the student, the guardians (with the relation)
    lang: str = "zh"

    @property
    def recipients_text(self) -> str:
        return ("、" if self.lang == "zh" else ", ").join(self.recipients)


@dataclass
class MonthlyPreview:
    school_class: SchoolClass
    term: Term | None
    day: int  # the school's monthly day (0: no monthly summary)
    year: int
    month: int
    send_on: date | None
    sent: bool
    note: MonthlyNote | None
    rows: list[PreviewRow]

    today: date | None = None

    @property
    def month_text(self) -> str:
        return month_text(self.year, self.month)

    @property
    def missed(self) -> bool:
        """Its day has passed and it was not made (no day then, or no worker running)."""
        return (not self.sent and self.send_on is not None and self.today is not None
                and self.send_on < self.today)


def _parse_month(value) -> tuple[int, int] | None:
    text = str(value or "").strip()
    if len(text) != 7 or text[4] != "-" or not (text[:4] + text[5:]).isdigit():
        return None
    year, month = int(text[:4]), int(text[5:])
    if not (2000 <= year <= 2100 and 1 <= month <= 12):
        return None
    return year, month


def _summary_sent(class_id: int, year: int, month: int) -> bool:
    return db.session.get(EventMark, monthly_key(class_id, year, month)) is not None


def upcoming_month(school_id: int, class_id: int, day: int,
                   today: date) -> tuple[int, int, date | None]:
    """The month the class's next summary covers, and the day it goes: this month's day
    (covering last month) until that summary is made, then next month's (covering this)."""
    if not day:
        year, month = previous_month(today)
        return year, month, None
    this_day = date(today.year, today.month, day)
    year, month = previous_month(today)
    if today < this_day or (today == this_day and not _summary_sent(class_id, year, month)):
        return year, month, this_day
    return today.year, today.month, date(*next_month(today), day)


def monthly_preview(actor: User, class_id: int, month=None) -> MonthlyPreview:
    """What the class's students and guardians will get in the monthly summary (the coming one,
    or `month` "yyyy-mm"), in the reader's language, with the class teacher's line."""
    school_class = class_for_families(actor, class_id)
    school_id = school_class.school_id
    settings = db.session.get(FamilySettings, school_id)
    day = settings.monthly_day if settings is not None else 0
    today = school_now(school_id).date()
    year, month_no, send_on = upcoming_month(school_id, school_class.id, day, today)
    chosen = _parse_month(month) if month else None
    if month and chosen is None:
        raise NotFound()
    if chosen is not None and chosen != (year, month_no):
        year, month_no = chosen
        send_on = date(*next_month(date(year, month_no, 1)), day) if day else None
    term = current_term(school_id)
    note = db.session.scalar(sa.select(MonthlyNote).where(
        MonthlyNote.class_id == school_class.id,
        MonthlyNote.month == month_text(year, month_no)))
    sent = _summary_sent(school_class.id, year, month_no) or (
        note is not None and note.sent_at is not None)
    rows: list[PreviewRow] = []
    if term is not None:
        messages = monthly_messages(term, school_class.id, year, month_no,
                                    note.line if note else "")
        people = _recipient_names(m for msg in messages for m in msg.recipients)
        lang = _lang()
        for msg in messages:
            rows.append(PreviewRow(msg, _monthly_sentence(msg.params, lang),
                                   [people.get((uid, msg.student_id), people.get(uid, ""))
                                    for uid in msg.recipients], lang))
    return MonthlyPreview(school_class, term, day, year, month_no, send_on, sent, note, rows,
                          today)


def _recipient_names(user_ids) -> dict:
    """user id → "name" for students, (user id, student id) → "name (relation)" for guardians."""
    ids = list(set(user_ids))
    if not ids:
        return {}
    out: dict = {uid: str(_l("%(name)s (the student)", name=name)) if role == Role.STUDENT
                 else name for uid, name, role in db.session.execute(
                     sa.select(User.id, User.display_name, User.role).where(User.id.in_(ids)))}
    for uid, sid, name, relation in db.session.execute(
            sa.select(Guardian.user_id, GuardianLink.student_id, Guardian.name,
                      GuardianLink.relation)
            .join(GuardianLink, GuardianLink.guardian_id == Guardian.id)
            .where(Guardian.user_id.in_(ids))):
        out[(uid, sid)] = f"{name}（{relation}）" if relation else name
    return out


def save_line(actor: User, class_id: int, month, line: str) -> MonthlyNote | None:
    """The class teacher's line for the class's summary of `month` ("yyyy-mm"); empty removes
    it. Refused once that summary has been sent."""
    school_class = class_for_families(actor, class_id)
    parsed = _parse_month(month)
    if parsed is None:
        raise ValidationFailed(_l("Not a valid choice."))
    year, month_no = parsed
    line = " ".join((line or "").split())
    if len(line) > LINE_MAX:
        raise ValidationFailed(errors={"line": [_l("At most %(n)d characters.", n=LINE_MAX)]})
    refused = Conflict(_l("The monthly summary of %(month)s has already been sent, so its line "
                          "can no longer be changed.", month=month_text(year, month_no)))
    if _summary_sent(school_class.id, year, month_no):
        raise refused
    key = month_text(year, month_no)
    row = db.session.scalar(sa.select(MonthlyNote).where(
        MonthlyNote.class_id == school_class.id, MonthlyNote.month == key))
    if row is not None and row.sent_at is not None:
        raise refused
    if row is None:
        if not line:
            return None
        row = MonthlyNote(school_id=school_class.school_id, class_id=school_class.id,
                          month=key, line=line, updated_by_id=actor.id, updated_at=utcnow())
        db.session.add(row)
        db.session.flush()
        audit.change(actor, "create", row, school_id=school_class.school_id)
        return row
    before = audit.snapshot(row)
    # Only while unsent, in the statement itself: the job marks it sent in one UPDATE too.
    changed = db.session.execute(
        sa.update(MonthlyNote).where(MonthlyNote.id == row.id, MonthlyNote.sent_at.is_(None))
        .values(line=line, updated_by_id=actor.id, updated_at=utcnow())
        .execution_options(synchronize_session=False)).rowcount
    if not changed:
        raise refused
    db.session.refresh(row)
    audit.change(actor, "update", row, before, school_id=school_class.school_id)
    return row
