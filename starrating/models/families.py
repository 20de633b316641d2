"""Families and notifications (issue 16): guardians (家长) linked to students, their one-time
invitations and 家长意见; the in-app inbox, each person's choices, a class's group robot,
the delivery log of pushes; alerts when a student's deductions pile up; a school's settings
for all of it."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .accounts import User
from .base import UTCDateTime, utcnow
from .school import Student, StudentStatus

# The children a guardian still sees (and hears about): enrolled, or on leave (休学). A child
# who graduated, withdrew or transferred has left the school: their links stay (history) but
# no longer show, and a guardian with no child left here cannot log in.
CHILD_STATUSES = (StudentStatus.ACTIVE, StudentStatus.SUSPENDED)


class Guardian(db.Model):
    """A guardian's account details: the User (role guardian) and the phone they log in with.

    One guardian per phone number in a school: siblings share their guardian."""

    __tablename__ = "guardian"
    __table_args__ = (sa.UniqueConstraint("school_id", "phone"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(sa.ForeignKey("school.id"), index=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"),
                                         unique=True)
    name: Mapped[str] = mapped_column(sa.String(80))
    phone: Mapped[str | None] = mapped_column(sa.String(20))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    activated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Set by the class teacher or the 学生处: the account may not log in (nor be activated
    # with an old code) and hears nothing until it is reactivated.
    deactivated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()


class GuardianLink(db.Model):
    """A guardian of a student (父亲, 母亲, ...)."""

    __tablename__ = "guardian_link"
    __table_args__ = (sa.UniqueConstraint("guardian_id", "student_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    guardian_id: Mapped[int] = mapped_column(sa.ForeignKey("guardian.id", ondelete="CASCADE"),
                                             index=True)
    student_id: Mapped[int] = mapped_column(sa.ForeignKey("student.id"), index=True)
    relation: Mapped[str] = mapped_column(sa.String(20), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    guardian: Mapped[Guardian] = relationship()
    student: Mapped[Student] = relationship()


class GuardianInvitation(db.Model):
    """A one-time activation code; only its SHA-256 is kept (the code is shown once)."""

    __tablename__ = "guardian_invitation"
    id: Mapped[int] = mapped_column(primary_key=True)
    guardian_id: Mapped[int] = mapped_column(sa.ForeignKey("guardian.id", ondelete="CASCADE"),
                                             index=True)
    code_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class GuardianOpinion(db.Model):
    """家长意见 for a term, printed on the report card (the last guardian to write it)."""

    __tablename__ = "guardian_opinion"
    __table_args__ = (sa.UniqueConstraint("term_id", "student_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    term_id: Mapped[int] = mapped_column(sa.ForeignKey("term.id"), index=True)
    student_id: Mapped[int] = mapped_column(sa.ForeignKey("student.id"), index=True)
    guardian_id: Mapped[int] = mapped_column(sa.ForeignKey("guardian.id", ondelete="CASCADE"))
    text: Mapped[str] = mapped_column(sa.Text, default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Notification(db.Model):
    """One inbox item of one person: the event's key and its parameters, put into words in
    the reader's language when read (services/notifications.py)."""

    __tablename__ = "notification"
    __table_args__ = (sa.Index("ix_notification_user_read", "user_id", "read_at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int | None] = mapped_column(sa.ForeignKey("school.id"), index=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"))
    event: Mapped[str] = mapped_column(sa.String(40))
    params: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    student_id: Mapped[int | None] = mapped_column(sa.ForeignKey("student.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class NotificationSettings(db.Model):
    """A person's choices: events they do not want at all, events they also want by email,
    and the address. No row: every event in the inbox, nothing by email."""

    __tablename__ = "notification_settings"
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"),
                                         primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(120), default="")
    muted: Mapped[list] = mapped_column(sa.JSON, default=list)
    by_email: Mapped[list] = mapped_column(sa.JSON, default=list)


class ClassChannel(db.Model):
    """A class's group robot (企业微信 or 钉钉 webhook), set by its class teacher."""

    __tablename__ = "class_channel"
    class_id: Mapped[int] = mapped_column(sa.ForeignKey("school_class.id"), primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(16))  # "wecom" | "dingtalk"
    url: Mapped[str] = mapped_column(sa.String(500))
    events: Mapped[list] = mapped_column(sa.JSON, default=list)
    updated_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Delivery(db.Model):
    """One push (an email or a group-robot post) and its log: pending until sent, retried
    with a growing delay, failed after the last attempt. Never blocks what caused it."""

    __tablename__ = "delivery"
    __table_args__ = (sa.Index("ix_delivery_status_due", "status", "due_at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int | None] = mapped_column(sa.ForeignKey("school.id"), index=True)
    notification_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("notification.id", ondelete="SET NULL"))
    channel: Mapped[str] = mapped_column(sa.String(16))  # email | wecom | dingtalk
    target: Mapped[str] = mapped_column(sa.String(500))
    subject: Mapped[str] = mapped_column(sa.String(200), default="")
    body: Mapped[str] = mapped_column(sa.Text)
    status: Mapped[str] = mapped_column(sa.String(16), default="pending")
    attempts: Mapped[int] = mapped_column(sa.Integer, default=0)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_error: Mapped[str] = mapped_column(sa.String(500), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class EventMark(db.Model):
    """An event that must happen once (a notice period's last day, a month's summary)."""

    __tablename__ = "event_mark"
    key: Mapped[str] = mapped_column(sa.String(120), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Alert(db.Model):
    """A threshold crossed by a student in a term: raised once per threshold (`rule`)."""

    __tablename__ = "alert"
    __table_args__ = (sa.UniqueConstraint("term_id", "student_id", "rule"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(sa.ForeignKey("school.id"), index=True)
    term_id: Mapped[int] = mapped_column(sa.ForeignKey("term.id"), index=True)
    student_id: Mapped[int] = mapped_column(sa.ForeignKey("student.id"), index=True)
    rule: Mapped[str] = mapped_column(sa.String(80))  # "deductions:-20", "repeat:3/7:<key>"
    kind: Mapped[str] = mapped_column(sa.String(16))  # deductions | repeat
    indicator: Mapped[str] = mapped_column(sa.String(80), default="")
    value: Mapped[str] = mapped_column(sa.String(40), default="")  # points or count reached
    sanction: Mapped[str] = mapped_column(sa.String(80), default="")  # suggested, never applied
    state: Mapped[str] = mapped_column(sa.String(16), default="new")  # new | handled
    note: Mapped[str] = mapped_column(sa.Text, default="")
    handled_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    handled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    student: Mapped[Student] = relationship()


class FamilySettings(db.Model):
    """A school's settings for families and notifications (no row: the defaults)."""

    __tablename__ = "family_settings"
    school_id: Mapped[int] = mapped_column(sa.ForeignKey("school.id"), primary_key=True)
    show_deduction_notes: Mapped[bool] = mapped_column(sa.Boolean, default=True)
    show_evidence: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    # [{"kind": "deductions", "points": "-20", "sanction": "sanction.warning"},
    #  {"kind": "repeat", "count": 3, "days": 7, "sanction": ""}]
    thresholds: Mapped[list] = mapped_column(sa.JSON, default=list)
    smtp_host: Mapped[str] = mapped_column(sa.String(120), default="")
    smtp_port: Mapped[int] = mapped_column(sa.Integer, default=25)
    smtp_tls: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    smtp_sender: Mapped[str] = mapped_column(sa.String(120), default="")
    smtp_user: Mapped[str] = mapped_column(sa.String(120), default="")
    # Stored as given (no encryption at rest: the app has no key store, and a key derived
    # from SECRET_KEY would sit next to the database anyway). Write-only: never shown back in
    # a form, never in an audit row or a log (services/alerts.save_settings).
    smtp_password: Mapped[str] = mapped_column(sa.String(200), default="")
    monthly_day: Mapped[int] = mapped_column(sa.Integer, default=0)  # 0: no monthly summary


class MonthlyNote(db.Model):
    """The class teacher's line for their class's monthly summary (月小结) of one month,
    included in every message of that summary; `sent_at` once the summary went."""

    __tablename__ = "monthly_note"
    __table_args__ = (sa.UniqueConstraint("class_id", "month"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(sa.ForeignKey("school.id"), index=True)
    class_id: Mapped[int] = mapped_column(sa.ForeignKey("school_class.id"), index=True)
    month: Mapped[str] = mapped_column(sa.String(7))  # the month summarised: "2026-10"
    line: Mapped[str] = mapped_column(sa.String(200), default="")
    updated_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
