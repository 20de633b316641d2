"""The history in the school's words: every audit row told as a sentence in the reader's
language ("王芳 把 张三 的『技能大赛』从 +3.00 改为 +15.00"), with names instead of ids,
points as points and times in the school's time zone.

`tell(rows)` turns a page of AuditLog rows into `Told` items in a fixed number of queries
(one per kind of name: people, students, classes, terms, ...), whatever the page size.
Every action and object type the code writes has its words here; tests/test_history.py
enumerates the `audit.record`/`change`/`recorded` calls of the code and fails on a new one
without words.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from flask_babel import gettext
from flask_babel import lazy_gettext as _l

from ..extensions import db
from ..models import (
    AuditLog,
    Club,
    Department,
    Entry,
    Major,
    RuleSet,
    RuleSetVersion,
    SchoolClass,
    Student,
    Term,
    User,
)
from .clock import local_time
from .results import dimension_names, indicator_labels
from .sanctions import SANCTIONS

# ---- the words -----------------------------------------------------------------------------

ACTIONS = {
    "create": _l("created"), "update": _l("changed"), "delete": _l("deleted"),
    "import": _l("imported"), "copy": _l("copied"), "assign_rules": _l("assigned rules"),
    "reset_password": _l("reset a password"), "activate": _l("activated"),
    "deactivate": _l("deactivated"), "submit": _l("submitted"), "return": _l("returned"),
    "publish": _l("published"), "finalize": _l("finalized"), "accept": _l("accepted"),
    "reject": _l("rejected"), "revoke": _l("revoked"), "compute": _l("computed"),
    "reopen": _l("reopened"), "rollover": _l("started a term from another"),
    "bulk_status": _l("changed the status of students"),
    "reset_passwords": _l("reset the initial passwords"),
    "city_enter_read": _l("entered to look"), "city_enter_write": _l("entered to act"),
    "city_leave": _l("left"), "city_write": _l("made a change as the city office"),
    "logo_set": _l("set the logo"), "logo_removed": _l("removed the logo"),
    "close": _l("closed"), "rate": _l("rated"), "propose": _l("proposed"),
    "approve": _l("approved"),
}
OBJECTS = {
    "term": _l("term"), "department": _l("department"), "major": _l("major"),
    "school_class": _l("class"), "student": _l("student"), "user": _l("account"),
    "club": _l("club"), "club_membership": _l("club membership"),
    "class_assignment": _l("class teacher"), "rule_set": _l("rule set"),
    "rule_set_version": _l("rule version"), "import_batch": _l("import"),
    "entry": _l("entry"), "flag": _l("sanction"), "appeal": _l("appeal"),
    "class_term_status": _l("class results"), "student_term_note": _l("comment"),
    "school": _l("school"),
    "evaluation_round": _l("evaluation round"), "class_officer": _l("class officer"),
    "proposal": _l("proposal"), "review_setting": _l("approval rule"),
    "competition": _l("competition"), "competition_result": _l("competition result"),
    "certificate": _l("certificate"), "registry_settings": _l("points table"),
}

# Sentences for particular (object type, action) pairs; the rest use GENERIC. Fields:
# who, student, what (indicator, club, ...), points, old, new, cls (class), term, name.
SENTENCES = {
    ("entry", "create"): _l("%(who)s recorded “%(what)s” %(points)s for %(student)s"),
    ("entry", "update"): _l("%(who)s changed %(student)s's “%(what)s”"),
    ("entry", "update_points"): _l("%(who)s changed %(student)s's “%(what)s” from %(old)s to "
                                   "%(new)s"),
    ("entry", "delete"): _l("%(who)s deleted %(student)s's “%(what)s” %(points)s"),
    ("class_term_status", "submit"): _l("%(who)s submitted %(cls)s"),
    ("class_term_status", "return"): _l("%(who)s returned %(cls)s to its class teacher"),
    ("class_term_status", "publish"): _l("%(who)s published the results of %(cls)s"),
    ("class_term_status", "finalize"): _l("%(who)s finalized the results of %(cls)s"),
    ("school_class", "reset_passwords"): _l("%(who)s gave %(count)s students of %(name)s new "
                                            "initial passwords"),
    ("term", "rollover"): _l("%(who)s started %(term)s from %(old)s"),
    ("student", "bulk_status"): _l("%(who)s set the status of %(count)s students (%(name)s) "
                                   "to “%(new)s”"),
    ("class_term_status", "reopen"): _l("%(who)s reopened the results of %(cls)s"),
    ("appeal", "create"): _l("%(who)s appealed “%(what)s”"),
    ("appeal", "accept"): _l("%(who)s accepted %(student)s's appeal about “%(what)s”"),
    ("appeal", "reject"): _l("%(who)s rejected %(student)s's appeal about “%(what)s”"),
    ("term", "compute"): _l("%(who)s computed the results of %(term)s"),
    ("term", "assign_rules"): _l("%(who)s assigned the rules %(new)s to %(term)s"),
    ("import_batch", "import"): _l("%(who)s imported the file “%(name)s”"),
    ("class_assignment", "copy"): _l("%(who)s copied the class teachers into %(term)s"),
    ("class_assignment", "create"): _l("%(who)s made %(new)s class teacher of %(cls)s"),
    ("class_assignment", "update"): _l("%(who)s made %(new)s class teacher of %(cls)s "
                                       "instead of %(old)s"),
    ("class_assignment", "delete"): _l("%(who)s removed %(old)s as class teacher of %(cls)s"),
    ("user", "reset_password"): _l("%(who)s reset the password of %(name)s"),
    ("user", "activate"): _l("%(who)s activated the account of %(name)s"),
    ("user", "deactivate"): _l("%(who)s deactivated the account of %(name)s"),
    ("flag", "create"): _l("%(who)s recorded the sanction “%(what)s” for %(student)s"),
    ("flag", "revoke"): _l("%(who)s revoked %(student)s's sanction “%(what)s”"),
    ("club_membership", "create"): _l("%(who)s added %(student)s to %(what)s"),
    ("club_membership", "update"): _l("%(who)s changed %(student)s's membership of %(what)s"),
    ("club_membership", "delete"): _l("%(who)s removed %(student)s from %(what)s"),
    ("school", "city_enter_read"): _l("%(who)s (city office) entered %(name)s to look at it"),
    ("school", "city_enter_write"): _l("%(who)s (city office) entered %(name)s to act as its "
                                       "administrator"),
    ("school", "city_leave"): _l("%(who)s (city office) left %(name)s"),
    ("school", "city_write"): _l("%(who)s (city office) made a change in %(name)s on the "
                                 "page %(new)s"),
    ("school", "logo_set"): _l("%(who)s set the logo of %(name)s"),
    ("school", "logo_removed"): _l("%(who)s removed the logo of %(name)s"),
    ("student_term_note", "create"): _l("%(who)s wrote a comment or self-statement for "
                                        "%(student)s"),
    ("student_term_note", "update"): _l("%(who)s changed the comment or self-statement of "
                                        "%(student)s"),
    ("evaluation_round", "create"): _l("%(who)s opened the evaluation round “%(name)s”"),
    ("evaluation_round", "close"): _l("%(who)s closed the evaluation round “%(name)s”"),
    ("evaluation_round", "rate"): _l("%(who)s sent ratings in the evaluation round "
                                     "“%(name)s”"),
    ("class_officer", "create"): _l("%(who)s made %(student)s a class officer"),
    ("class_officer", "update"): _l("%(who)s changed what class officer %(student)s may "
                                    "propose"),
    ("class_officer", "delete"): _l("%(who)s removed %(student)s as a class officer"),
    ("proposal", "propose"): _l("%(who)s proposed “%(what)s” %(points)s for %(student)s"),
    ("proposal", "accept"): _l("%(who)s accepted the proposal “%(what)s” %(points)s for "
                               "%(student)s"),
    ("proposal", "reject"): _l("%(who)s rejected the proposal “%(what)s” %(points)s for "
                               "%(student)s"),
    ("review_setting", "update"): _l("%(who)s changed the approval rule of %(term)s"),
    ("entry", "approve"): _l("%(who)s approved %(student)s's “%(what)s” %(points)s"),
    ("entry", "reject"): _l("%(who)s rejected %(student)s's “%(what)s” %(points)s"),
    ("competition_result", "create"): _l("%(who)s recorded %(student)s's award %(new)s"),
    ("competition_result", "update"): _l("%(who)s changed %(student)s's award from %(old)s to "
                                         "%(new)s"),
    ("competition_result", "delete"): _l("%(who)s removed %(student)s's award %(old)s"),
    ("certificate", "create"): _l("%(who)s added the certificate “%(name)s” of %(student)s"),
    ("certificate", "approve"): _l("%(who)s approved %(student)s's certificate “%(name)s”"),
    ("certificate", "reject"): _l("%(who)s rejected %(student)s's certificate “%(name)s”"),
    ("certificate", "delete"): _l("%(who)s removed %(student)s's certificate “%(name)s”"),
    ("registry_settings", "create"): _l("%(who)s set the points table of %(term)s"),
    ("registry_settings", "update"): _l("%(who)s changed the points table of %(term)s"),
}
GENERIC = {
    "create": _l("%(who)s created the %(object)s “%(name)s”"),
    "update": _l("%(who)s changed the %(object)s “%(name)s”"),
    "delete": _l("%(who)s deleted the %(object)s “%(name)s”"),
}
OTHER = _l("%(who)s %(action)s the %(object)s “%(name)s”")
SYSTEM = _l("the system (notice period over)")
NOBODY = _l("the system")

# What each field is called; fields in QUIET never show (ids, versions, bookkeeping).
FIELDS = {
    "name": _l("Name"), "indicator": _l("Indicator"), "points_cents": _l("Points"),
    "occurred_on": _l("Date"), "item_name": _l("Item"), "note": _l("Note"),
    "source": _l("Source"), "deleted_at": _l("Deleted"), "text": _l("Appeal"),
    "status": _l("Status"), "decided_at": _l("Decided"), "decision_reason": _l("Reason"),
    "points_appealed_cents": _l("Points appealed"), "points_decided_cents": _l("Points decided"),
    "stars_before": _l("Stars before"), "stars_after": _l("Stars after"),
    "state": _l("State"), "submitted_at": _l("Submitted"), "published_at": _l("Published"),
    "notice_ends_at": _l("Notice period ends"), "finalized_at": _l("Finalized"),
    "start_date": _l("First day"), "end_date": _l("Last day"),
    "rule_version_id": _l("Rules"), "notice_days": _l("Notice period (days)"),
    "club_indicator": _l("Indicator counting club memberships"), "grade": _l("Grade"),
    "major_id": _l("Major"), "department_id": _l("Department"), "student_no": _l("Student number"),
    "gender": _l("Gender"), "class_id": _l("Class"), "username": _l("Username"),
    "role": _l("Role"), "display_name": _l("Name"), "active": _l("Active"),
    "locale": _l("Language"), "must_change_password": _l("Must change the password"),
    "description": _l("Description"), "advisor_id": _l("Advisor"), "joined_on": _l("Joined"),
    "left_on": _l("Left"), "teacher_id": _l("Class teacher"), "version": _l("Version"),
    "comment": _l("Comment"), "key": _l("Sanction"), "revoked_at": _l("Revoked"),
    "teacher_comment": _l("Class teacher's comment"), "self_statement": _l("Self-statement"),
    "filename": _l("File"), "rows": _l("Rows"), "created": _l("New"), "updated": _l("Changed"),
    "accounts": _l("Accounts created"), "classes": _l("Classes"), "students": _l("Students"),
    "inserted": _l("Results added"), "deleted": _l("Results removed"),
    "skipped_final": _l("Final classes skipped"), "count": _l("Count"),
    "from_term_id": _l("From term"), "rule_set": _l("Rule set"), "row_count": _l("Rows"),
    "kind": _l("Kind"), "reason": _l("Reason"),
    "class_assignments": _l("Class teachers copied"),
    "club_memberships": _l("Club members copied"), "rules_copied": _l("Rules copied"),
    "unchanged": _l("Unchanged"), "sessions_ended": _l("Signed out"),
    "who": _l("Whose passwords"),
    "code": _l("School code"), "name_en": _l("English name"), "address": _l("Address"),
    "timezone": _l("Time zone"), "page": _l("Page"),
    "review": _l("Approval"), "title": _l("Title"), "threshold_cents": _l("Threshold"),
    "level": _l("Level"), "held_on": _l("Date"), "organiser": _l("Organiser"),
    "award": _l("Award"), "issuer": _l("Issued by"), "issued_on": _l("Date of issue"),
    "number": _l("Certificate number"), "claimed": _l("Claimed by the student"),
    "competition_indicator": _l("Competition results count on"),
    "certificate_indicator": _l("Certificates count on"),
}
QUIET = {
    "id", "school_id", "term_id", "student_id", "author_id", "import_batch_id",
    "club_membership_id", "created_at", "updated_at", "submitted_by_id", "published_by_id",
    "finalized_by_id", "decided_by_id", "created_by_id", "comment_by_id", "comment_updated_at",
    "statement_updated_at", "password_hash", "password_changed_at", "scope",
    "sha256", "uploaded_by_id", "source", "format", "rule_set_id", "club_id", "version",
    "entry_id", "logo_type", "logo",
    "competition_id", "attachment_id", "points",
}
VALUES = {
    "open": _l("Open for entries"), "submitted": _l("Submitted"),
    "published": _l("Published for notice"), "final": _l("Final"),
    "pending": _l("Undecided"), "accepted": _l("Accepted"), "rejected": _l("Rejected"),
    "planning": _l("Planning"), "closed": _l("Closed"), "archived": _l("Archived"),
    "active": _l("Active"), "suspended": _l("Suspended"), "graduated": _l("Graduated"),
    "withdrawn": _l("Withdrawn"), "transferred": _l("Transferred"),
    "male": _l("Male"), "female": _l("Female"), "approved": _l("Approved"),
    "admin": _l("Administrator"), "teacher": _l("Teacher"), "student": _l("Student"),
    "first": _l("First prize"), "second": _l("Second prize"), "third": _l("Third prize"),
    "merit": _l("Merit award"),
}
# Fields whose value is the id of a row with a name, and which name table holds it.
NAMED = {
    "class_id": "class", "major_id": "major", "department_id": "department",
    "teacher_id": "user", "advisor_id": "user", "rule_version_id": "version",
    "from_term_id": "term", "club_id": "club",
}


# The city's recommended rules (area: cityrules): publishing and withdrawing a recommendation,
# a school adopting (copying) one. Kept in one block so that other areas' words stay apart.
ACTIONS.update({"unpublish": _l("withdrew"), "adopt": _l("adopted")})
OBJECTS.update({"city_rule_set": _l("recommended rule set"),
                "city_rule_version": _l("recommended rule version")})
SENTENCES.update({
    ("city_rule_set", "publish"): _l("%(who)s published version %(new)s of the recommended "
                                     "rules “%(name)s” to the schools"),
    ("city_rule_set", "unpublish"): _l("%(who)s withdrew the recommended rules “%(name)s” "
                                       "from the schools"),
    ("rule_set_version", "adopt"): _l("%(who)s copied version %(new)s of the city's "
                                      "recommended rules “%(what)s” into the rule set "
                                      "“%(name)s”"),
})
FIELDS.update({"recommendation": _l("City recommendation"), "city_version": _l("City version"),
               "published_version": _l("Published version")})
QUIET.add("city_rule_set_id")


@dataclass
class Told:
    """One history line: when (school time), the sentence, and the changed fields."""

    row: AuditLog
    when: str
    sentence: str
    changes: list[tuple[str, str, str]] = field(default_factory=list)  # (label, old, new)


# ---- names, in one query per kind ------------------------------------------------------------

class _Names:
    def __init__(self, rows: list[AuditLog]):
        want: dict[str, set[int]] = {k: set() for k in
                                     ("user", "student", "class", "term", "major", "department",
                                      "club", "version", "entry")}
        for row in rows:
            if row.actor_id:
                want["user"].add(row.actor_id)
            if row.student_id:
                want["student"].add(row.student_id)
            if row.term_id:
                want["term"].add(row.term_id)
            for snap in (row.before or {}, row.after or {}):
                for key, kind in NAMED.items():
                    if isinstance(snap.get(key), int):
                        want[kind].add(snap[key])
                if row.object_type == "club_membership" and isinstance(snap.get("club_id"), int):
                    want["club"].add(snap["club_id"])
            if row.object_type == "school_class" and row.object_id:
                want["class"].add(row.object_id)
            if row.object_type == "appeal":
                entry_id = (row.after or {}).get("entry_id") or (row.before or {}).get("entry_id")
                if isinstance(entry_id, int):
                    want["entry"].add(entry_id)
        self.names = {
            "user": self._pairs(User.id, User.display_name, want["user"]),
            "student": {i: f"{n}（{no}）" for i, n, no in self._rows(
                sa.select(Student.id, Student.name, Student.student_no), Student.id,
                want["student"])},
            "class": self._pairs(SchoolClass.id, SchoolClass.name, want["class"]),
            "term": self._pairs(Term.id, Term.name, want["term"]),
            "major": self._pairs(Major.id, Major.name, want["major"]),
            "department": self._pairs(Department.id, Department.name, want["department"]),
            "club": self._pairs(Club.id, Club.name, want["club"]),
            "version": {i: f"{n} v{v}" for i, n, v in self._rows(
                sa.select(RuleSetVersion.id, RuleSet.name, RuleSetVersion.version)
                .join(RuleSet, RuleSet.id == RuleSetVersion.rule_set_id), RuleSetVersion.id,
                want["version"])},
        }
        self.entry_indicators = dict(self._rows(sa.select(Entry.id, Entry.indicator), Entry.id,
                                                want["entry"]))
        self._labels: dict[int, dict[str, str]] = {}
        self._dimensions: dict[int, dict[str, str]] = {}

    @staticmethod
    def _rows(query, key, ids):
        return db.session.execute(query.where(key.in_(ids))).all() if ids else []

    def _pairs(self, key, name, ids) -> dict[int, str]:
        return dict(self._rows(sa.select(key, name), key, ids))

    def get(self, kind: str, ident) -> str:
        if ident is None:
            return "—"
        return self.names[kind].get(ident) or gettext("(removed)")

    def indicator(self, term_id: int | None, key: str | None) -> str:
        if not key:
            return "—"
        if term_id not in self._labels:
            term = db.session.get(Term, term_id) if term_id else None
            self._labels[term_id] = indicator_labels(term) if term else {}
        return self._labels[term_id].get(key, key)

    def dimension(self, term_id: int | None, key: str) -> str:
        if term_id not in self._dimensions:
            term = db.session.get(Term, term_id) if term_id else None
            self._dimensions[term_id] = dimension_names(term) if term else {}
        return self._dimensions[term_id].get(key, key)


# ---- telling a row --------------------------------------------------------------------------

def _points(cents) -> str:
    return "—" if cents is None else f"{cents / 100:+.2f}"


def _when(value: datetime | str | None) -> str:
    return local_time(value)


def _stars(names: _Names, row: AuditLog, snap) -> str:
    if not isinstance(snap, dict):
        return "—"
    text = gettext("overall %(n)s★", n=snap.get("overall_stars", "—"))
    return text + "".join(f" · {names.dimension(row.term_id, k)} {v.get('stars', '—')}★"
                          for k, v in (snap.get("dimensions") or {}).items()
                          if isinstance(v, dict))


def _value(names: _Names, row: AuditLog, key: str, value) -> str:
    if value is None or value == "":
        return "—"
    if key.endswith("_cents"):
        return _points(value)
    if key in NAMED and isinstance(value, int):
        return names.get(NAMED[key], value)
    if key in ("stars_before", "stars_after"):
        return _stars(names, row, value)
    if key == "indicator":
        return names.indicator(row.term_id, value)
    if key == "key":
        return str(SANCTIONS.get(value, value))
    if isinstance(value, bool):
        return gettext("yes") if value else gettext("no")
    if key.endswith("_at") and isinstance(value, str):
        return _when(value)
    if isinstance(value, str) and value in VALUES and key in ("state", "status", "gender",
                                                                "role", "award"):
        return str(VALUES[value])
    if isinstance(value, list):
        return ", ".join(names.get("class", v) if key == "classes" else str(v) for v in value) \
            if value else "—"
    return str(value)


def _changes(names: _Names, row: AuditLog) -> list[tuple[str, str, str]]:
    before, after = row.before or {}, row.after or {}
    out = []
    for key in dict.fromkeys([*before, *after]):
        if key in QUIET or key not in FIELDS:
            continue
        old, new = before.get(key), after.get(key)
        if key in before and key in after and old == new:
            continue
        old_text = _value(names, row, key, old) if key in before else ""
        new_text = _value(names, row, key, new) if key in after else ""
        if not before and new_text == "—":
            continue  # a new row's empty fields say nothing
        out.append((str(FIELDS[key]), "" if old_text == "—" else old_text, new_text))
    return out


def _what(names: _Names, row: AuditLog, snap: dict) -> str:
    if row.object_type == "flag":
        return str(SANCTIONS.get(snap.get("key"), snap.get("key") or "—"))
    if row.object_type == "club_membership":
        return names.get("club", snap.get("club_id"))
    if row.object_type == "appeal" and not snap.get("indicator"):
        return names.indicator(row.term_id, names.entry_indicators.get(snap.get("entry_id")))
    return names.indicator(row.term_id, snap.get("indicator"))


def _sentence(names: _Names, row: AuditLog) -> str:
    before, after = row.before or {}, row.after or {}
    snap = {**before, **after}
    if row.actor_id:
        who = names.get("user", row.actor_id)
    else:
        who = str(SYSTEM if row.action == "finalize" else NOBODY)
    values = {
        "who": who, "student": names.get("student", row.student_id),
        "what": _what(names, row, snap), "points": _points(snap.get("points_cents")),
        "term": names.get("term", row.term_id),
        "cls": names.get("class", snap.get("class_id")),
        "name": snap.get("display_name") or snap.get("name") or snap.get("filename")
        or snap.get("rule_set") or "—",
        "old": "", "new": "", "count": "", "object": str(OBJECTS.get(row.object_type, row.object_type)),
        "action": str(ACTIONS.get(row.action, row.action)),
    }
    kind = (row.object_type, row.action)
    if row.object_type == "class_assignment":
        values["old"] = names.get("user", before.get("teacher_id"))
        values["new"] = names.get("user", after.get("teacher_id"))
    if kind == ("school_class", "reset_passwords"):
        values["count"] = after.get("accounts", "—")
        values["name"] = names.get("class", row.object_id)
    if kind == ("term", "rollover"):
        values["old"] = names.get("term", after.get("from_term_id"))
    if kind == ("student", "bulk_status"):
        values["count"] = after.get("count", "—")
        values["name"] = after.get("label") or "—"
        values["new"] = str(VALUES.get(after.get("to"), after.get("to") or "—"))
    if kind == ("city_rule_set", "publish"):
        values["new"] = after.get("published_version", "—")
    if kind == ("rule_set_version", "adopt"):
        values["what"] = after.get("recommendation") or "—"
        values["new"] = after.get("city_version", "—")
    if kind == ("term", "assign_rules"):
        values["new"] = names.get("version", after.get("rule_version_id"))
    if kind == ("entry", "update") and set(_changed_keys(before, after)) == {"points_cents"}:
        kind = ("entry", "update_points")
        values["old"] = _points(before.get("points_cents"))
        values["new"] = _points(after.get("points_cents"))
    if row.object_type == "school":
        values["new"] = after.get("page") or "—"
    if row.object_type == "competition_result":
        values["old"] = str(VALUES.get(before.get("award"), before.get("award") or "—"))
        values["new"] = str(VALUES.get(after.get("award"), after.get("award") or "—"))
    if row.object_type == "user" and row.object_id and values["name"] == "—":
        values["name"] = names.get("user", row.object_id)
    template = SENTENCES.get(kind) or GENERIC.get(row.action) or OTHER
    return template % values


def _changed_keys(before: dict, after: dict) -> list[str]:
    return [k for k in after if k not in QUIET and k in before and before[k] != after[k]]


def tell(rows: list[AuditLog]) -> list[Told]:
    """The rows as history lines, in the current language and the school's time zone."""
    names = _Names(rows)
    out = []
    for row in rows:
        quiet = row.action == "delete" or (row.object_type, row.action) == ("entry", "create")
        changes = [] if quiet else _changes(names, row)
        out.append(Told(row=row, when=_when(row.at), sentence=_sentence(names, row),
                        changes=changes))
    return out


def entry_history(entry) -> list[AuditLog]:
    """The audit rows of one entry, oldest first (the caller checks who may read them)."""
    return list(db.session.scalars(
        sa.select(AuditLog).where(AuditLog.object_type == "entry",
                                  AuditLog.object_id == entry.id)
        .order_by(AuditLog.at, AuditLog.id)))


# ---- families (issue 16): guardians, invitations, opinions, alerts, group robots ------------

ACTIONS.update({"invite": _l("invited"), "handle": _l("handled")})
OBJECTS.update({
    "guardian": _l("guardian"), "guardian_link": _l("guardian of a student"),
    "guardian_opinion": _l("guardian's opinion"), "alert": _l("alert"),
    "class_channel": _l("group robot"), "family_settings": _l("settings for families"),
})
SENTENCES.update({
    ("guardian", "create"): _l("%(who)s added the guardian %(name)s"),
    ("guardian", "invite"): _l("%(who)s made a new invitation code for the guardian %(name)s"),
    ("guardian", "activate"): _l("The guardian %(name)s activated their account"),
    ("school_class", "invite"): _l("%(who)s printed invitation slips for the guardians of "
                                   "%(name)s"),
    ("guardian_link", "create"): _l("%(who)s linked a guardian to %(student)s"),
    ("guardian_opinion", "create"): _l("%(who)s wrote the guardian's opinion for %(student)s"),
    ("guardian_opinion", "update"): _l("%(who)s changed the guardian's opinion for "
                                       "%(student)s"),
    ("alert", "handle"): _l("%(who)s handled the alert about %(student)s"),
})
FIELDS.update({
    "phone": _l("Mobile number"), "relation": _l("Relation"),
    "activated_at": _l("Activated"), "events": _l("Events"),
    "show_deduction_notes": _l("Guardians see the notes of deductions"),
    "show_evidence": _l("Guardians see the evidence files"), "thresholds": _l("Thresholds"),
    "smtp_host": _l("Email server"), "smtp_port": _l("Port"), "smtp_tls": _l("STARTTLS"),
    "smtp_sender": _l("Sender address"), "monthly_day": _l("Day of the monthly summary"),
    "rule": _l("Threshold"), "value": _l("Value"), "sanction": _l("Suggested sanction"),
    "handled_at": _l("Handled"), "guardians": _l("Guardians"),
})
QUIET.update({"guardian_id", "user_id", "updated_by_id", "handled_by_id", "url"})
# The rest of issue 16: unlinking and (re)activating guardians, the monthly summary's line,
# the SMTP login (the password itself is never recorded; that it changed is).
ACTIONS.update({"unlink": _l("unlinked"), "reactivate": _l("reactivated")})
OBJECTS.update({"monthly_note": _l("line of the monthly summary")})
SENTENCES.update({
    ("guardian", "unlink"): _l("%(who)s unlinked the guardian %(name)s from %(student)s"),
    ("guardian", "deactivate"): _l("%(who)s deactivated the account of the guardian %(name)s"),
    ("guardian", "reactivate"): _l("%(who)s reactivated the account of the guardian %(name)s"),
    ("monthly_note", "create"): _l("%(who)s added a line to the monthly summary of %(cls)s"),
    ("monthly_note", "update"): _l("%(who)s changed the line of the monthly summary of %(cls)s"),
})
FIELDS.update({
    "line": _l("Line"), "month": _l("Month"), "deactivated_at": _l("Deactivated"),
    "smtp_user": _l("SMTP user name"), "smtp_password_changed": _l("SMTP password changed"),
})
QUIET.update({"sent_at"})
