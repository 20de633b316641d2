"""All models, importable from one place."""

from .accounts import LoginAttempt, LoginSession, Role, User
from .base import from_cents, to_cents, utcnow
from .perf import PageVersion
from .rating import (
    Appeal,
    AppealStatus,
    ClassState,
    ClassTermStatus,
    RuleSet,
    RuleSetVersion,
    StarResult,
)
from .records import (
    Attachment,
    AuditLog,
    Entry,
    EntrySource,
    ExportJob,
    Flag,
    ImportBatch,
    QuickEvent,
    StudentTermNote,
)
from .school import (
    STATUSES_WITH_ACCOUNT,
    ClassAssignment,
    Club,
    ClubMembership,
    Department,
    Gender,
    Major,
    School,
    SchoolClass,
    Student,
    StudentStatus,
    Term,
    TermStatus,
)

__all__ = [
    "Appeal", "AppealStatus", "Attachment", "AuditLog", "ClassAssignment", "ClassState",
    "ClassTermStatus", "Club", "ClubMembership", "Department", "Entry", "EntrySource",
    "ExportJob", "Flag", "Gender", "ImportBatch", "QuickEvent", "LoginAttempt", "LoginSession", "Major", "PageVersion",
    "Role", "RuleSet", "STATUSES_WITH_ACCOUNT", "RuleSetVersion", "School", "SchoolClass", "StarResult", "Student",
    "StudentStatus", "StudentTermNote", "Term", "TermStatus", "User", "from_cents",
    "to_cents", "utcnow",
]
