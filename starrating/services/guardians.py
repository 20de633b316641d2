"""Guardians (家长): accounts linked to students, their one-time invitations, their pages.

A class teacher (or the 学生处) adds a guardian for a student of their class — name, relation
(父亲, 母亲 …), phone — or a roster import adds them from its columns 家长姓名 / 与学生关系 /
家长手机. One guardian per phone number in a school, so siblings share theirs. The account is
a User of role guardian, inactive until the guardian activates it with a one-time code
(printed on the class's invitation slips or shown once to the class teacher) and chooses a
password; the username is the phone number (else a generated one), so a guardian logs in with
their phone.

A guardian reads only their linked children (`access.guardian_child`): stars and titles once
the class's results are published (never before, never ranks, never other students), the
explanation and next-star advice, the term's records (deduction notes and evidence only when
the school's settings say so), their appeals' outcomes, the report card, and writes the term's
家长意见 that the card prints.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass, field
from datetime import timedelta

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from ..auth import services as auth_services
from ..errors import NotFound, PermissionDenied, ValidationFailed
from ..extensions import db
from ..models import (
    CHILD_STATUSES,
    Appeal,
    AppealStatus,
    Attachment,
    ClassState,
    ClassTermStatus,
    Entry,
    FamilySettings,
    Guardian,
    GuardianInvitation,
    GuardianLink,
    GuardianOpinion,
    Role,
    School,
    SchoolClass,
    StarResult,
    Student,
    Term,
    User,
    utcnow,
)
from . import audit
from .access import class_for_families, guardian_child
from .class_state import class_state
from .evidence import evidence_dir
from .reports import pdf
from .results import indicator_labels
from .student_pages import view_from_row
from .terms import current_term, is_current

PHONE_RE = re.compile(r"1\d{10}")  # a mainland mobile number
RELATIONS = ("父亲", "母亲", "祖父", "祖母", "外祖父", "外祖母", "其他")
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L
CODE_LENGTH = 8
INVITATION_DAYS = 30
OPINION_MAX = 1000
VISIBLE = (ClassState.PUBLISHED, ClassState.FINAL)


# ---- the school's settings for families ----------------------------------------------------

def family_settings(school_id: int) -> FamilySettings:
    """The school's row, or a transient one with the defaults (never added to the session)."""
    row = db.session.get(FamilySettings, school_id)
    if row is None:
        row = FamilySettings(school_id=school_id, show_deduction_notes=True,
                             show_evidence=False, thresholds=[], smtp_host="", smtp_port=25,
                             smtp_tls=False, smtp_sender="", smtp_user="", smtp_password="",
                             monthly_day=0)
    return row


# ---- creating guardians and links ------------------------------------------------------------

@dataclass
class GuardianInput:
    student_id: int | None
    name: str
    relation: str
    phone: str


def _check(data: GuardianInput) -> dict:
    errors: dict[str, list] = {}
    if not data.name.strip():
        errors["name"] = [_l("This field is required.")]
    elif len(data.name.strip()) > 80:
        errors["name"] = [_l("At most %(n)d characters.", n=80)]
    if len(data.relation.strip()) > 20:
        errors["relation"] = [_l("At most %(n)d characters.", n=20)]
    if data.phone.strip() and not PHONE_RE.fullmatch(data.phone.strip()):
        errors["phone"] = [_l("An 11-digit mobile number starting with 1.")]
    return errors


def add_guardian(actor: User, class_id: int, data: GuardianInput) -> Guardian:
    """A guardian for a student of the class (an existing guardian with the same phone gets
    the link: siblings share their guardian)."""
    school_class = class_for_families(actor, class_id)
    errors = _check(data)
    student = db.session.get(Student, data.student_id) if data.student_id else None
    if student is None or student.class_id != school_class.id:
        errors["student_id"] = [_l("Choose a student of this class.")]
    if errors:
        raise ValidationFailed(_l("Please correct the marked fields."), errors=errors)
    guardian = link(actor, school_class.school_id, student.id, data.name.strip(),
                    data.relation.strip(), data.phone.strip())
    return guardian


def link(actor: User | None, school_id: int, student_id: int, name: str, relation: str,
         phone: str) -> Guardian:
    """Link the guardian with this phone (created when new) to the student; audited."""
    guardian = None
    if phone:
        guardian = db.session.scalar(sa.select(Guardian).where(
            Guardian.school_id == school_id, Guardian.phone == phone))
    if guardian is None:
        guardian = _new_guardian(actor, school_id, name, phone)
    exists = db.session.scalar(sa.select(GuardianLink).where(
        GuardianLink.guardian_id == guardian.id, GuardianLink.student_id == student_id))
    if exists is None:
        row = GuardianLink(guardian_id=guardian.id, student_id=student_id, relation=relation)
        db.session.add(row)
        audit.change(actor, "create", row, school_id=school_id, student_id=student_id)
    return guardian


def _new_guardian(actor: User | None, school_id: int, name: str, phone: str) -> Guardian:
    username = phone or f"jz{secrets.randbelow(10 ** 8):08d}"
    taken = db.session.scalar(sa.select(User.id).where(User.school_id == school_id,
                                                       User.username == username))
    if taken is not None:
        raise ValidationFailed(errors={"phone": [_l("An account with this username exists "
                                                    "for someone else.")]})
    user = User(school_id=school_id, username=username, role=Role.GUARDIAN,
                display_name=name, active=False,
                password_hash=auth_services._dummy_hash())  # unusable until activation
    db.session.add(user)
    db.session.flush()
    guardian = Guardian(school_id=school_id, user_id=user.id, name=name, phone=phone or None)
    db.session.add(guardian)
    db.session.flush()
    audit.record(actor, "create", guardian, school_id=school_id,
                 after={"name": name, "user_id": user.id})
    return guardian


def link_from_roster(actor: User, school_id: int, rows: list[tuple]) -> int:
    """Roster columns 家长姓名 / 与学生关系 / 家长手机: (student_id, name, relation, phone);
    the number of links made."""
    made = 0
    for student_id, name, relation, phone in rows:
        before = db.session.scalar(sa.select(sa.func.count()).select_from(GuardianLink)
                                   .where(GuardianLink.student_id == student_id))
        link(actor, school_id, student_id, name, relation, phone)
        after = db.session.scalar(sa.select(sa.func.count()).select_from(GuardianLink)
                                  .where(GuardianLink.student_id == student_id))
        made += after - before
    return made


def check_roster_guardian(name: str, relation: str, phone: str) -> list[tuple[str, str]]:
    """(column, reason) for a roster row's guardian columns (all empty: nothing to check)."""
    if not (name or relation or phone):
        return []
    problems = []
    if not name:
        problems.append(("家长姓名", str(_l("This field is required."))))
    elif len(name) > 80:
        problems.append(("家长姓名", str(_l("At most %(n)d characters.", n=80))))
    if len(relation) > 20:
        problems.append(("与学生关系", str(_l("At most %(n)d characters.", n=20))))
    if not PHONE_RE.fullmatch(phone or ""):
        problems.append(("家长手机", str(_l("An 11-digit mobile number starting with 1."))))
    return problems


# ---- invitations -----------------------------------------------------------------------------

def _hash(school_id: int, code: str) -> str:
    return hashlib.sha256(f"{school_id}:{code.strip().upper()}".encode()).hexdigest()


def _new_code(actor: User, guardian: Guardian) -> str:
    """A fresh one-time code for the guardian; earlier unused codes stop working."""
    now = utcnow()
    db.session.execute(sa.delete(GuardianInvitation).where(
        GuardianInvitation.guardian_id == guardian.id, GuardianInvitation.used_at.is_(None)))
    code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    db.session.add(GuardianInvitation(guardian_id=guardian.id, code_hash=_hash(
        guardian.school_id, code), created_by_id=actor.id, created_at=now,
        expires_at=now + timedelta(days=INVITATION_DAYS)))
    return code


def _class_guardian(actor: User, class_id: int, guardian_id: int) -> Guardian:
    school_class = class_for_families(actor, class_id)
    guardian = db.session.scalar(
        sa.select(Guardian).join(GuardianLink, GuardianLink.guardian_id == Guardian.id)
        .join(Student, Student.id == GuardianLink.student_id)
        .where(Guardian.id == guardian_id, Student.class_id == school_class.id))
    if guardian is None:
        raise NotFound()
    return guardian


def invite(actor: User, class_id: int, guardian_id: int) -> str:
    """A new one-time code for one guardian of the class, shown once to the class teacher."""
    guardian = _class_guardian(actor, class_id, guardian_id)
    if guardian.deactivated_at is not None:
        raise ValidationFailed(_l("This guardian's account is deactivated: reactivate it "
                                  "first."))
    if guardian.activated_at is not None:
        raise ValidationFailed(_l("This guardian has already activated their account."))
    code = _new_code(actor, guardian)
    audit.record(actor, "invite", guardian, school_id=guardian.school_id,
                 after={"name": guardian.name})
    db.session.flush()
    return code


@dataclass(frozen=True)
class InvitationSlip:
    student: str
    guardian: str
    relation: str
    username: str
    code: str


def invitation_slips(actor: User, class_id: int) -> tuple[SchoolClass, list[InvitationSlip]]:
    """New codes for every guardian of the class who has not activated yet, one slip each
    (earlier codes stop working); audited as one row per class."""
    school_class = class_for_families(actor, class_id)
    rows = db.session.execute(
        sa.select(Guardian, GuardianLink.relation, Student.name, Student.student_no)
        .join(GuardianLink, GuardianLink.guardian_id == Guardian.id)
        .join(Student, Student.id == GuardianLink.student_id)
        .where(Student.class_id == school_class.id, Guardian.activated_at.is_(None),
               Guardian.deactivated_at.is_(None))
        .order_by(Student.student_no, Guardian.id)).all()
    if not rows:
        raise ValidationFailed(_l("Every guardian of this class has activated their account: "
                                  "no slips to print."))
    codes: dict[int, str] = {}
    slips = []
    for guardian, relation, student_name, _no in rows:
        if guardian.id not in codes:
            codes[guardian.id] = _new_code(actor, guardian)
        slips.append(InvitationSlip(student_name, guardian.name, relation,
                                    guardian.user.username, codes[guardian.id]))
    audit.record(actor, "invite", school_class, school_id=school_class.school_id,
                 after={"guardians": len(codes)})
    db.session.flush()
    return school_class, slips


def activate(school: School, code: str, password: str, ip: str, throttle) -> User:
    """The guardian's account with this one-time code becomes active with their password.
    Wrong codes count like failed logins, per school and address (so one address guessing
    is stopped, and parents elsewhere who mistype never lock the school's activations)."""
    key = auth_services.throttle_key(school.id, f"~invitation@{ip[:40]}")
    auth_services.reserve_attempt(key, ip[:64], throttle, now=utcnow())
    invitation = db.session.scalar(sa.select(GuardianInvitation).where(
        GuardianInvitation.code_hash == _hash(school.id, code or "")))
    guardian = db.session.get(Guardian, invitation.guardian_id) if invitation else None
    if (invitation is None or guardian is None or guardian.school_id != school.id
            or invitation.used_at is not None or invitation.expires_at < utcnow()
            or guardian.deactivated_at is not None):
        raise ValidationFailed(errors={"code": [_l("This code is wrong, used or expired. Ask "
                                                   "the class teacher for a new one.")]})
    user = guardian.user
    auth_services.set_password(user, password)  # policy problems beside new_password
    user.active = True
    now = utcnow()
    invitation.used_at = guardian.activated_at = now
    audit.record(None, "activate", guardian, school_id=school.id,
                 after={"name": guardian.name})
    db.session.execute(sa.delete(auth_services.LoginAttempt).where(
        auth_services.LoginAttempt.username == key,
        auth_services.LoginAttempt.ip == ip[:64]))
    db.session.flush()
    return user


# ---- unlinking, deactivating, reactivating -----------------------------------------------
# The class teacher (their classes in the term in force) or the 学生处. Each is audited; a
# guardian left with no child at the school, or deactivated, is signed out at once and gets
# no notifications (notifications.students_and_guardians asks for an active account and a
# child at the school).

def unlink(actor: User, class_id: int, guardian_id: int, student_id: int) -> Guardian:
    """The guardian no longer sees (or hears about) this student of the class."""
    school_class = class_for_families(actor, class_id)
    found = db.session.execute(
        sa.select(GuardianLink, Guardian)
        .join(Guardian, Guardian.id == GuardianLink.guardian_id)
        .join(Student, Student.id == GuardianLink.student_id)
        .where(GuardianLink.guardian_id == guardian_id, GuardianLink.student_id == student_id,
               Student.class_id == school_class.id)).one_or_none()
    if found is None:
        raise NotFound()
    row, guardian = found
    audit.record(actor, "unlink", guardian, school_id=school_class.school_id,
                 student_id=student_id, before={"name": guardian.name,
                                                "relation": row.relation})
    db.session.delete(row)
    db.session.flush()
    auth_services.end_sessions_of_guardians_without_children(guardian_ids=[guardian.id])
    return guardian


def deactivate(actor: User, class_id: int, guardian_id: int) -> Guardian:
    """The guardian's account may no longer log in (signed out now), nor be activated with a
    code given earlier, and hears nothing, until it is reactivated."""
    guardian = _class_guardian(actor, class_id, guardian_id)
    if guardian.deactivated_at is not None:
        raise ValidationFailed(_l("This guardian's account is already deactivated."))
    with audit.recorded(actor, "deactivate", guardian, school_id=guardian.school_id):
        guardian.deactivated_at = utcnow()
    guardian.user.active = False
    auth_services.end_all_login_sessions(guardian.user)
    db.session.execute(sa.delete(GuardianInvitation).where(
        GuardianInvitation.guardian_id == guardian.id, GuardianInvitation.used_at.is_(None)))
    db.session.flush()
    return guardian


def reactivate(actor: User, class_id: int, guardian_id: int) -> Guardian:
    """Undo a deactivation: an account activated before logs in again with its password; one
    never activated needs a new invitation code."""
    guardian = _class_guardian(actor, class_id, guardian_id)
    if guardian.deactivated_at is None:
        raise ValidationFailed(_l("This guardian's account is not deactivated."))
    with audit.recorded(actor, "reactivate", guardian, school_id=guardian.school_id):
        guardian.deactivated_at = None
    guardian.user.active = guardian.activated_at is not None
    db.session.flush()
    return guardian


# ---- the class teacher's page ------------------------------------------------------------

@dataclass
class ClassGuardians:
    school_class: SchoolClass
    students: list[Student]
    rows: list[tuple]  # (Student, Guardian, relation)


def class_guardians(actor: User, class_id: int) -> ClassGuardians:
    school_class = class_for_families(actor, class_id)
    students = list(db.session.scalars(sa.select(Student).where(
        Student.class_id == school_class.id).order_by(Student.student_no)))
    rows = db.session.execute(
        sa.select(Student, Guardian, GuardianLink.relation)
        .join(GuardianLink, GuardianLink.student_id == Student.id)
        .join(Guardian, Guardian.id == GuardianLink.guardian_id)
        .where(Student.class_id == school_class.id)
        .order_by(Student.student_no, Guardian.id)).all()
    return ClassGuardians(school_class, students, [tuple(r) for r in rows])


# ---- the guardian's pages ------------------------------------------------------------------

def children(actor: User) -> list[Student]:
    if actor.role != Role.GUARDIAN:
        raise PermissionDenied()
    return list(db.session.scalars(
        sa.select(Student).join(GuardianLink, GuardianLink.student_id == Student.id)
        .join(Guardian, Guardian.id == GuardianLink.guardian_id)
        .where(Guardian.user_id == actor.id, Student.status.in_(CHILD_STATUSES))
        .order_by(Student.name, Student.id)))


@dataclass
class ChildCard:
    student: Student
    class_name: str
    relation: str
    stars: int | None  # None: not published
    max_stars: int | None = None
    titles: list = field(default_factory=list)


def home_page(actor: User) -> tuple[Term | None, list[ChildCard]]:
    """Each linked child with their stars of the term in force when published; a fixed number
    of queries however many children."""
    if actor.role != Role.GUARDIAN:
        raise PermissionDenied()
    term = current_term(actor.school_id)
    rows = db.session.execute(
        sa.select(Student, SchoolClass.name, GuardianLink.relation)
        .join(GuardianLink, GuardianLink.student_id == Student.id)
        .join(Guardian, Guardian.id == GuardianLink.guardian_id)
        .join(SchoolClass, SchoolClass.id == Student.class_id)
        .where(Guardian.user_id == actor.id, Student.status.in_(CHILD_STATUSES))
        .order_by(Student.name, Student.id)).all()
    published: dict[int, tuple] = {}
    if term is not None and rows:
        ids = [r[0].id for r in rows]
        for sid, stars, titles in db.session.execute(
                sa.select(StarResult.student_id, StarResult.overall_stars, StarResult.titles)
                .join(ClassTermStatus, sa.and_(ClassTermStatus.term_id == StarResult.term_id,
                                               ClassTermStatus.class_id == StarResult.class_id))
                .where(StarResult.term_id == term.id, StarResult.student_id.in_(ids),
                       ClassTermStatus.state.in_(VISIBLE))):
            published[sid] = (stars, titles or [])
    cards = []
    for student, class_name, relation in rows:
        stars, titles = published.get(student.id, (None, []))
        cards.append(ChildCard(student, class_name, relation, stars, titles=titles))
    return term, cards


@dataclass
class ChildPage:
    student: Student
    term: Term | None
    state: ClassState | None
    stars: object | None  # a StarView, only once published
    records: list[dict]
    appeals: list[Appeal]
    labels: dict
    opinion: GuardianOpinion | None
    opinion_editable: bool
    show_notes: bool
    show_evidence: bool
    evidence: dict = field(default_factory=dict)  # entry id → [Attachment]


def child_page(actor: User, student_id, term: Term | None, lang: str) -> ChildPage:
    """One linked child's page: what a guardian may see of them in the term."""
    student = guardian_child(actor, student_id)
    settings = family_settings(student.school_id)
    if term is None:
        return ChildPage(student, None, None, None, [], [], {}, None, False,
                         settings.show_deduction_notes, settings.show_evidence)
    state = class_state(term, student.class_id)
    stars = None
    if state in VISIBLE:
        stored = db.session.scalar(sa.select(StarResult).where(
            StarResult.term_id == term.id, StarResult.student_id == student.id))
        stars = view_from_row(stored, lang) if stored else None
    entries = list(db.session.scalars(sa.select(Entry).where(
        Entry.term_id == term.id, Entry.student_id == student.id, Entry.deleted_at.is_(None))
        .order_by(Entry.occurred_on.desc(), Entry.id.desc())))
    records = [{"id": e.id, "date": e.occurred_on, "indicator": e.indicator,
                "item": e.item_name, "points": e.points_cents / 100,
                "note": e.note if (e.points_cents >= 0 or settings.show_deduction_notes)
                else ""} for e in entries]
    evidence: dict[int, list] = {}
    if settings.show_evidence and entries:
        for a in db.session.scalars(sa.select(Attachment).where(
                Attachment.entry_id.in_([e.id for e in entries])).order_by(Attachment.id)):
            evidence.setdefault(a.entry_id, []).append(a)
    appeals = list(db.session.scalars(sa.select(Appeal).where(
        Appeal.term_id == term.id, Appeal.student_id == student.id,
        Appeal.status != AppealStatus.PENDING).order_by(Appeal.decided_at.desc())))
    opinion = db.session.scalar(sa.select(GuardianOpinion).where(
        GuardianOpinion.term_id == term.id, GuardianOpinion.student_id == student.id))
    return ChildPage(student, term, state, stars, records, appeals, indicator_labels(term),
                     opinion, is_current(term), settings.show_deduction_notes,
                     settings.show_evidence, evidence)


def save_opinion(actor: User, student_id, term: Term | None, text: str) -> GuardianOpinion:
    """The guardian's 家长意见 for the term in force (printed on the card)."""
    student = guardian_child(actor, student_id)
    if term is None or not is_current(term) or term.school_id != student.school_id:
        raise ValidationFailed(_l("The opinion can be written for the term in force only."))
    text = (text or "").strip()
    if len(text) > OPINION_MAX:
        raise ValidationFailed(errors={"text": [_l("At most %(n)d characters.", n=OPINION_MAX)]})
    guardian = db.session.scalar(sa.select(Guardian).where(Guardian.user_id == actor.id))
    row = db.session.scalar(sa.select(GuardianOpinion).where(
        GuardianOpinion.term_id == term.id, GuardianOpinion.student_id == student.id))
    if row is None:
        row = GuardianOpinion(term_id=term.id, student_id=student.id, guardian_id=guardian.id)
        db.session.add(row)
        action = "create"
    else:
        action = "update"
    with audit.recorded(actor, action, row, school_id=student.school_id):
        row.text, row.guardian_id, row.updated_at = text, guardian.id, utcnow()
    return row


def child_card(actor: User, student_id, term: Term | None, lang: str) -> tuple[bytes, str]:
    """The child's report card (PDF), once the class's results are published."""
    student = guardian_child(actor, student_id)
    if term is None or term.school_id != student.school_id:
        raise NotFound()
    if not pdf.results_published(term, student.class_id):
        raise PermissionDenied(_l("The report card is available once the class's results "
                                  "are published."))
    data = pdf.student_card(None, term, student, lang if lang in pdf.LABELS else "zh")
    return data, pdf.card_file_name(term, student.student_no, student.name)


def child_evidence(actor: User, student_id, attachment_id: int):
    """An evidence file of the child's entry, when the school shows evidence to guardians."""
    student = guardian_child(actor, student_id)
    if not family_settings(student.school_id).show_evidence:
        raise NotFound()
    attachment = db.session.get(Attachment, attachment_id)
    if attachment is None or attachment.student_id != student.id or attachment.entry_id is None:
        raise NotFound()
    entry = db.session.get(Entry, attachment.entry_id)
    if entry is None or entry.deleted_at is not None:
        raise NotFound()
    path = evidence_dir() / attachment.stored_name
    if not path.is_file():
        raise NotFound()
    return attachment, path
