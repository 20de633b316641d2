"""Roster import (花名册): students and their accounts from an .xlsx or .csv sheet.

Two steps. `preview` reports every bad row (row number, column, reason) and, when there is
none, stages the file (`sheets`, kind "roster"). `confirm` re-reads the kept file and writes
all rows or none: any error raises before the first write. The same file (by SHA-256) imported twice into a school writes once
(ImportBatch kind "roster").

Accounts: username = 学号, a random initial password that the student must change at the
first login. The initial passwords are hashed with PBKDF2-SHA256 at 50,000 iterations
(~12 ms each) instead of the scrypt default (~70 ms): 500 new students take ~6 s instead of
~35 s in one request. They are still salted and slow to guess, random, and replaced by a
scrypt hash at the first login (must_change_password). The plaintext list exists only in the
confirm response and in the password slips (a zip with one A4 PDF per class, see
services/reports/slips.py), staged as kind "passwords" and deleted after one download or
after an hour. `reset_class_passwords` gives one class new initial passwords and its slip.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from werkzeug.security import generate_password_hash

from ..auth import services as auth_services
from ..errors import NotFound, ValidationFailed
from ..extensions import db
from ..models import (
    STATUSES_WITH_ACCOUNT,
    ImportBatch,
    Role,
    School,
    SchoolClass,
    Student,
    StudentStatus,
    User,
    utcnow,
)
from . import audit, guardians, sheets
from .access import admin_school, get_class_for_password_reset
from .reports import slips
from .setup import parse_gender, parse_status
from .sheets import RowError, SheetError

KIND = "roster"
LIMITS = sheets.Limits(max_rows=20000, max_unpacked=60 * 1024 * 1024)
MAX_UPLOAD_BYTES = sheets.MAX_UPLOAD_BYTES
INITIAL_HASH_METHOD = "pbkdf2:sha256:50000"

COLUMNS = {  # column → accepted headers (Chinese first; English for the English UI)
    "student_no": ("学号", "student number", "student_no"),
    "name": ("姓名", "name"),
    "gender": ("性别", "gender"),
    "class": ("班级", "class"),
    "status": ("状态", "status"),
    # families (optional): the student's guardian, linked or created on import
    "guardian_name": ("家长姓名", "guardian name", "guardian_name"),
    "guardian_relation": ("与学生关系", "relation", "guardian_relation"),
    "guardian_phone": ("家长手机", "guardian phone", "guardian_phone"),
}
REQUIRED = ("student_no", "name", "gender", "class")
HEADER_LABEL = {"student_no": "学号", "name": "姓名", "gender": "性别", "class": "班级",
                "status": "状态", "guardian_name": "家长姓名",
                "guardian_relation": "与学生关系", "guardian_phone": "家长手机"}
CHANGE_FIELDS = ("name", "gender", "class", "status")  # what a roster row may change
__all__ = ["RowError", "SheetError"]


@dataclass
class RosterCheck:
    errors: list[RowError] = field(default_factory=list)
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    rows: list[dict] = field(default_factory=list)
    token: str | None = None  # the staged upload, when it can be confirmed
    filename: str = ""

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def new_rows(self) -> list[dict]:
        """The students the import adds, in sheet order."""
        return [r for r in self.rows if r["student_id"] is None]

    @property
    def changed_rows(self) -> list[dict]:
        """The students on file the import changes; each row's "changes" lists (field,
        before, after) with field one of CHANGE_FIELDS."""
        return [r for r in self.rows if r["changes"]]


def read_sheet(data: bytes, filename: str) -> list[list[str]]:
    """All rows of the first sheet as stripped strings. Raises SheetError."""
    return sheets.read_table(data, filename, LIMITS)


# ---- checking and importing --------------------------------------------------------------

def check_roster(actor: User, rows: list[list[str]]) -> RosterCheck:
    """Validate every row against the school (in a fixed number of queries)."""
    school_id = admin_school(actor)
    result = RosterCheck()
    if not rows:
        result.errors.append(RowError(1, "", str(_l("The sheet is empty."))))
        return result
    columns, result.errors = sheets.header_map(rows[0], COLUMNS, REQUIRED, HEADER_LABEL)
    if result.errors:
        return result
    classes = dict(db.session.execute(sa.select(SchoolClass.name, SchoolClass.id)
                                      .where(SchoolClass.school_id == school_id)).all())
    existing = {s.student_no: s for s in db.session.scalars(
        sa.select(Student).where(Student.school_id == school_id))}
    class_names = {class_id: name for name, class_id in classes.items()}
    wanted = [v["student_no"] for _, v in sheets.data_rows(rows, columns) if v["student_no"]]
    accounts: dict[str, int | None] = {}
    for chunk in range(0, len(wanted), 1000):
        accounts.update(db.session.execute(sa.select(User.username, User.student_id).where(
            User.school_id == school_id,
            User.username.in_(wanted[chunk:chunk + 1000]))).all())
    seen: dict[str, int] = {}
    for number, values in sheets.data_rows(rows, columns):
        errors = []
        no, name = values["student_no"], values["name"]
        if not no:
            errors.append(RowError(number, "学号", str(_l("This field is required."))))
        elif len(no) > 32 or not no.replace("-", "").isalnum():
            errors.append(RowError(number, "学号", str(_l("Letters and digits only, at most 32."))))
        elif no in seen:
            errors.append(RowError(number, "学号", str(_l("Same 学号 as row %(row)d.",
                                                           row=seen[no]))))
        if not name:
            errors.append(RowError(number, "姓名", str(_l("This field is required."))))
        elif len(name) > 80:
            errors.append(RowError(number, "姓名", str(_l("At most %(n)d characters.", n=80))))
        gender = parse_gender(values["gender"])
        if gender is None:
            errors.append(RowError(number, "性别", str(_l("Write 男 or 女."))))
        class_id = classes.get(values["class"])
        if class_id is None:
            errors.append(RowError(number, "班级", str(_l("No class named “%(name)s”.",
                                                           name=values["class"]))))
        status = parse_status(values.get("status"))
        if status is None:
            errors.append(RowError(number, "状态", str(_l("Write 在读, 休学, 毕业 or 退学."))))
        student = existing.get(no)
        if no and no in accounts and (student is None or accounts[no] != student.id):
            errors.append(RowError(number, "学号", str(_l("An account with this username "
                                                           "exists for someone else."))))
        guardian = tuple((values.get(k) or "").strip() for k in (
            "guardian_name", "guardian_relation", "guardian_phone"))
        errors.extend(RowError(number, column, reason)
                      for column, reason in guardians.check_roster_guardian(*guardian))
        if no:
            seen.setdefault(no, number)
        if errors:
            result.errors.extend(errors)
            continue
        row = {"row": number, "student_no": no, "name": name, "gender": gender,
               "class_id": class_id, "status": status,
               "class": values["class"], "student_id": student.id if student else None,
               "needs_account": no not in accounts, "guardian": guardian}
        row["changes"] = _changes(student, row, class_names) if student else []
        if student is None:
            result.new += 1
        elif not row["changes"]:
            result.unchanged += 1
        else:
            result.updated += 1
        result.rows.append(row)
    if not result.rows and not result.errors:
        result.errors.append(RowError(2, "", str(_l("The sheet has no students."))))
    return result


def _changes(student: Student, row: dict, class_names: dict[int, str]) -> list[tuple]:
    """(field, before, after) for every field the row changes on the student on file."""
    pairs = {"name": (student.name, row["name"]), "gender": (student.gender, row["gender"]),
             "class": (student.class_id, row["class_id"]),
             "status": (student.status, row["status"])}
    shown = {"class": (class_names.get(student.class_id, ""), row["class"])}
    return [(f, *shown.get(f, pairs[f])) for f in CHANGE_FIELDS if pairs[f][0] != pairs[f][1]]


@dataclass
class RosterImport:
    batch: ImportBatch | None
    created: int
    updated: int
    passwords: list[tuple[str, str, str, str]]  # (学号, 姓名, 班级, initial password)
    already: bool = False
    sheet: str | None = None  # token of the one-time password sheet


def import_roster(actor: User, data: bytes, filename: str) -> RosterImport:
    """Write every row, or nothing (raises ValidationFailed with the row errors)."""
    school_id = admin_school(actor)
    sha = hashlib.sha256(data).hexdigest()
    scope = f"school:{school_id}"
    done = db.session.scalar(sa.select(ImportBatch).where(
        ImportBatch.kind == "roster", ImportBatch.scope == scope, ImportBatch.sha256 == sha))
    if done is not None:
        return RosterImport(batch=done, created=0, updated=0, passwords=[], already=True)
    checked = check_roster(actor, read_sheet(data, filename))
    if not checked.ok:
        raise ValidationFailed(_l("The file has errors; nothing was imported."),
                               errors={"rows": checked.errors})
    batch = sheets.claim_file(actor, "roster", scope, sha, filename, len(checked.rows))

    new_rows = [r for r in checked.rows if r["student_id"] is None]
    if new_rows:
        db.session.execute(sa.insert(Student), [
            {"school_id": school_id, "student_no": r["student_no"], "name": r["name"],
             "gender": r["gender"], "class_id": r["class_id"], "status": r["status"]}
            for r in new_rows])
    changed = [r for r in checked.rows if r["student_id"] is not None]
    if changed:
        db.session.execute(sa.update(Student), [
            {"id": r["student_id"], "name": r["name"], "gender": r["gender"],
             "class_id": r["class_id"], "status": r["status"]} for r in changed])
    ids = dict(db.session.execute(sa.select(Student.student_no, Student.id).where(
        Student.school_id == school_id,
        Student.student_no.in_([r["student_no"] for r in checked.rows]))).all())
    class_names = dict(db.session.execute(sa.select(SchoolClass.id, SchoolClass.name).where(
        SchoolClass.school_id == school_id)).all())

    passwords = []
    accounts = []
    now = utcnow()
    for r in checked.rows:
        if not r["needs_account"]:
            continue
        password = auth_services.generate_initial_password()
        passwords.append((r["student_no"], r["name"], class_names[r["class_id"]], password))
        accounts.append({
            "school_id": school_id, "username": r["student_no"], "role": Role.STUDENT,
            "display_name": r["name"], "student_id": ids[r["student_no"]],
            "active": r["status"] in STATUSES_WITH_ACCOUNT, "must_change_password": True,
            "password_hash": generate_password_hash(password, method=INITIAL_HASH_METHOD),
            "password_changed_at": now, "created_at": now})
    if accounts:
        db.session.execute(sa.insert(User), accounts)
    if changed:  # a student who left school cannot sign in any more
        active = {r["student_id"]: r["status"] in STATUSES_WITH_ACCOUNT for r in changed}
        left = {r["student_id"] for r in changed if r["status"].value != "active"}
        users = db.session.execute(sa.select(User.id, User.student_id).where(
            User.student_id.in_(list(active)))).all()
        if users:
            db.session.execute(sa.update(User), [
                {"id": uid, "active": active[sid]} for uid, sid in users])
            auth_services.end_login_sessions_of(uid for uid, sid in users if sid in left)
        auth_services.end_sessions_of_guardians_without_children(student_ids=left)
    guardians.link_from_roster(actor, school_id, [  # families: 家长 columns, when filled
        (ids[r["student_no"]], *r["guardian"]) for r in checked.rows
        if r.get("guardian") and r["guardian"][0]])
    audit.record(actor, "import", batch, after={
        "filename": batch.filename, "rows": len(checked.rows), "created": len(new_rows),
        "updated": checked.updated, "accounts": len(accounts)})
    db.session.flush()
    return RosterImport(batch=batch, created=len(new_rows), updated=checked.updated,
                        passwords=passwords)


def preview(actor: User, data: bytes, filename: str) -> RosterCheck:
    """Check an upload and, when every row is good, stage it (nothing is written)."""
    checked = check_roster(actor, read_sheet(data, filename))
    checked.filename = filename
    if checked.ok:
        checked.token = stage_upload(actor, data, filename)
    return checked


def stage_upload(actor: User, data: bytes, filename: str) -> str:
    """Keep an upload for the confirm step; returns its random token."""
    return sheets.stage(KIND, actor, data, filename, school_id=actor.school_id)


def confirm(actor: User, token: str, login_url: str = "") -> RosterImport:
    """Write the staged upload (re-read and re-checked), all rows or none. A kept file that
    cannot be read any more is discarded: the admin starts again from the upload.
    `login_url` (the site's login page) is printed on the password slips."""
    data, filename = sheets.load(KIND, actor, token, school_id=actor.school_id)
    try:
        result = import_roster(actor, data, filename)
    except ValidationFailed as e:
        if not e.errors.get("rows"):
            sheets.discard(KIND, token)
        raise
    sheets.discard(KIND, token)
    if result.passwords:
        result.sheet = write_password_sheet(actor, result.passwords, login_url)
    return result


def sweep() -> int:
    """Delete kept roster uploads and password sheets older than an hour."""
    return sheets.sweep(KIND) + sheets.sweep("passwords")


# ---- the initial passwords, downloadable once --------------------------------------------------

PASSWORD_FILE_KIND = "passwords"


def write_password_sheet(actor: User, passwords, login_url: str = "") -> str:
    """The slips for the class teachers — a zip of one A4 PDF per class — staged for one
    download; returns its random token. `passwords`: (学号, 姓名, 班级, initial password)."""
    school = db.session.get(School, actor.school_id)
    data = slips.slips_zip(school.name, [slips.Slip(*p) for p in passwords], login_url,
                           school.code)
    return sheets.stage(PASSWORD_FILE_KIND, actor, data, "initial-passwords.zip")


def take_password_sheet(actor: User, token: str) -> tuple[bytes, str]:
    """The slips' bytes and file name, deleted from disk as they are handed over
    (downloadable once, by the admin who made them)."""
    try:
        return sheets.take(PASSWORD_FILE_KIND, actor, token)
    except NotFound:
        raise NotFound(_l("The password slips were already downloaded or have expired.")) \
            from None


RESET_NOT_LOGGED_IN = "not_logged_in"
RESET_ALL = "all"


@dataclass
class PasswordReset:
    school_class: SchoolClass
    count: int
    token: str  # the class's slip, downloadable once


def reset_class_passwords(actor: User, class_id: int, who: str,
                          login_url: str = "") -> PasswordReset:
    """New initial passwords for a class's enrolled students with an account — those who
    have not logged in yet (still on their initial password), or all of them when `who` is
    RESET_ALL — and that class's slip. Their login sessions end; an audit row records how
    many (never the passwords)."""
    school_class = get_class_for_password_reset(actor, class_id)
    if who not in (RESET_NOT_LOGGED_IN, RESET_ALL):
        raise ValidationFailed(errors={"who": [_l("Choose whose passwords to reset.")]})
    query = (sa.select(User.id, Student.student_no, Student.name)
             .join(Student, Student.id == User.student_id)
             .where(Student.class_id == school_class.id, User.role == Role.STUDENT,
                    Student.status == StudentStatus.ACTIVE, User.active.is_(True))
             .order_by(Student.student_no))
    if who == RESET_NOT_LOGGED_IN:
        # must_change_password stays set until the first login replaces the initial one
        query = query.where(User.must_change_password.is_(True))
    accounts = db.session.execute(query).all()
    if not accounts:
        raise ValidationFailed(_l("No student of this class matches: nothing was reset."))
    now = utcnow()
    new = [(uid, no, name, auth_services.generate_initial_password())
           for uid, no, name in accounts]
    db.session.execute(sa.update(User), [
        {"id": uid, "must_change_password": True, "password_changed_at": now,
         "password_hash": generate_password_hash(password, method=INITIAL_HASH_METHOD)}
        for uid, _no, _name, password in new])
    auth_services.end_login_sessions_of(uid for uid, *_ in new)
    audit.record(actor, "reset_passwords", school_class,
                 after={"who": who, "accounts": len(new)})
    db.session.flush()
    school = db.session.get(School, school_class.school_id)
    data = slips.class_slips_pdf(
        school.name, school_class.name,
        [slips.Slip(no, name, school_class.name, password) for _uid, no, name, password in new],
        login_url, school.code)
    token = sheets.stage(PASSWORD_FILE_KIND, actor, data, slips.slip_file_name(school_class.name))
    return PasswordReset(school_class, len(new), token)
