"""All models, importable from one place."""

from .absences import Absence
from .accounts import LoginAttempt, LoginSession, Role, User
from .base import from_cents, to_cents, utcnow
from .city import CityRuleSet, CityRuleVersion, RuleAdoption
from .evaluation import (
    ENTRY_COUNTS,
    ClassOfficer,
    EvaluationRound,
    PeerMode,
    Proposal,
    ProposalStatus,
    Rating,
    RatingKind,
    ReviewSetting,
    RoundDimension,
    RoundResult,
)
from .families import (
    CHILD_STATUSES,
    Alert,
    ClassChannel,
    Delivery,
    EventMark,
    FamilySettings,
    Guardian,
    GuardianInvitation,
    GuardianLink,
    GuardianOpinion,
    MonthlyNote,
    Notification,
    NotificationSettings,
)
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
from .registry import (
    Award,
    Certificate,
    CertificateLevel,
    ClaimStatus,
    Competition,
    CompetitionLevel,
    CompetitionResult,
    RegistryCredit,
    RegistrySettings,
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
    "Absence", "Alert", "Appeal", "AppealStatus", "Attachment", "AuditLog", "CityRuleSet",
    "CityRuleVersion", "ClassAssignment", "ClassChannel", "ClassState", "Delivery",
    "CHILD_STATUSES", "EventMark", "FamilySettings", "Guardian", "GuardianInvitation", "GuardianLink", "MonthlyNote",
    "GuardianOpinion", "Notification", "NotificationSettings", "RuleAdoption",
    "ClassTermStatus", "Club", "ClubMembership", "Department", "Entry", "EntrySource",
    "ExportJob", "Flag", "Gender", "ImportBatch", "QuickEvent", "LoginAttempt", "LoginSession", "Major", "PageVersion",
    "Role", "RuleSet", "STATUSES_WITH_ACCOUNT", "RuleSetVersion", "School", "SchoolClass", "StarResult", "Student",
    "StudentStatus", "StudentTermNote", "Term", "TermStatus", "User", "from_cents",
    "to_cents", "utcnow",
    "ENTRY_COUNTS", "ClassOfficer", "EvaluationRound", "PeerMode", "Proposal", "ProposalStatus", "Rating",
    "RatingKind", "ReviewSetting", "RoundDimension", "RoundResult",
    # registry (issue 18)
    "Award", "Certificate", "CertificateLevel", "ClaimStatus", "Competition", "CompetitionLevel",
    "CompetitionResult", "RegistryCredit", "RegistrySettings",
]
