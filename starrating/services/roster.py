"""Roster import (花名册): students and their accounts from an .xlsx or .csv sheet.

Two steps. `stage_upload` keeps the uploaded file under <files>/tmp/<random id> and
`check_roster` reports every bad row (row number, column, reason) as a preview.
`import_roster` re-reads the kept file, and writes all rows or none: any error raises
before the first write. The same file (by SHA-256) imported twice into a school writes once
(ImportBatch kind "roster").

Accounts: username = 学号, a random initial password that the student must change at the
first login. The initial passwords are hashed with PBKDF2-SHA256 at 50,000 iterations
(~12 ms each) instead of the scrypt default (~70 ms): 500 new students take ~6 s instead of
~35 s in one request. They are still salted and slow to guess, random, and replaced by a
scrypt hash at the first login (must_change_password). The plaintext list exists only in the
confirm response and in a short-lived sheet deleted after download or after an hour.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import secrets
import time
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l
from werkzeug.security import generate_password_hash

from ..errors import NotFound, ValidationFailed
from ..extensions import db
from ..models import ImportBatch, Role, SchoolClass, Student, User, utcnow
from . import audit
from .setup import parse_gender, parse_status, school_of

MAX_UPLOAD_BYTES = 5 * 1024 * 1024
MAX_UNCOMPRESSED_BYTES = 60 * 1024 * 1024
MAX_ZIP_MEMBERS = 200
MAX_ROWS = 20000
TMP_TTL_SECONDS = 3600
INITIAL_HASH_METHOD = "pbkdf2:sha256:50000"

COLUMNS = {  # column → accepted headers (Chinese first; English for the English UI)
    "student_no": ("学号", "student number", "student_no"),
    "name": ("姓名", "name"),
    "gender": ("性别", "gender"),
    "class": ("班级", "class"),
    "status": ("状态", "status"),
}
REQUIRED = ("student_no", "name", "gender", "class")
HEADER_LABEL = {"student_no": "学号", "name": "姓名", "gender": "性别", "class": "班级",
                "status": "状态"}


class SheetError(ValidationFailed):
    """The file itself cannot be read (not a spreadsheet, too big, a zip bomb)."""


@dataclass
class RowError:
    row: int  # 1-based row number as the spreadsheet shows it (the header is row 1)
    column: str
    message: str


@dataclass
class RosterCheck:
    errors: list[RowError] = field(default_factory=list)
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    rows: list[dict] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


# ---- reading a sheet safely ----------------------------------------------------------------

def read_sheet(data: bytes, filename: str) -> list[list[str]]:
    """All rows of the first sheet as stripped strings. Raises SheetError."""
    if len(data) > MAX_UPLOAD_BYTES:
        raise SheetError(_l("The file is too large (at most %(mb)d MB).",
                            mb=MAX_UPLOAD_BYTES // (1024 * 1024)))
    name = (filename or "").lower()
    if name.endswith(".csv"):
        return _read_csv(data)
    if name.endswith(".xlsx"):
        return _read_xlsx(data)
    raise SheetError(_l("Upload an .xlsx or a .csv file."))


def _read_csv(data: bytes) -> list[list[str]]:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise SheetError(_l("The CSV file is not in UTF-8 or GBK."))
    rows = [[c.strip() for c in row] for row in csv.reader(io.StringIO(text))]
    if len(rows) > MAX_ROWS + 1:
        raise SheetError(_l("Too many rows (at most %(n)d).", n=MAX_ROWS))
    return rows


def _read_xlsx(data: bytes) -> list[list[str]]:
    buffer = io.BytesIO(data)
    if not zipfile.is_zipfile(buffer):
        raise SheetError(_l("This is not a valid .xlsx file."))
    try:
        with zipfile.ZipFile(buffer) as archive:
            members = archive.infolist()
            total = sum(m.file_size for m in members)
            if len(members) > MAX_ZIP_MEMBERS or total > MAX_UNCOMPRESSED_BYTES:
                raise SheetError(_l("The workbook unpacks to an absurd size; it is refused."))
            if "[Content_Types].xml" not in archive.namelist():
                raise SheetError(_l("This is not a valid .xlsx file."))
    except zipfile.BadZipFile as e:
        raise SheetError(_l("This is not a valid .xlsx file.")) from e
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as e:  # openpyxl raises many kinds for a damaged workbook
        raise SheetError(_l("This is not a valid .xlsx file.")) from e
    try:
        sheet = workbook.worksheets[0]
        rows = []
        for values in sheet.iter_rows(values_only=True):
            rows.append([_cell(v) for v in values])
            if len(rows) > MAX_ROWS + 1:
                raise SheetError(_l("Too many rows (at most %(n)d).", n=MAX_ROWS))
    finally:
        workbook.close()
    return rows


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # a 学号 typed as a number comes back as 2024010101.0
    return str(value).strip()


def header_map(header: list[str], columns: dict, required) -> tuple[dict[str, int], list[RowError]]:
    """Column key → index in the sheet, and errors for missing required columns."""
    found: dict[str, int] = {}
    for index, title in enumerate(header):
        title = _cell(title).lower()
        for key, names in columns.items():
            if title in names and key not in found:
                found[key] = index
    errors = [RowError(1, HEADER_LABEL.get(key, key), str(_l("This column is missing.")))
              for key in required if key not in found]
    return found, errors


def data_rows(rows: list[list[str]], columns: dict[str, int]):
    """(row number, {key: value}) for each non-empty row below the header."""
    for number, row in enumerate(rows[1:], start=2):
        if not any(row):
            continue
        yield number, {k: (_cell(row[i]) if i < len(row) else "") for k, i in columns.items()}


# ---- checking and importing --------------------------------------------------------------

def check_roster(actor: User, rows: list[list[str]]) -> RosterCheck:
    """Validate every row against the school (in a fixed number of queries)."""
    school_id = school_of(actor)
    result = RosterCheck()
    if not rows:
        result.errors.append(RowError(1, "", str(_l("The sheet is empty."))))
        return result
    columns, result.errors = header_map(rows[0], COLUMNS, REQUIRED)
    if result.errors:
        return result
    classes = dict(db.session.execute(sa.select(SchoolClass.name, SchoolClass.id)
                                      .where(SchoolClass.school_id == school_id)).all())
    existing = {s.student_no: s for s in db.session.scalars(
        sa.select(Student).where(Student.school_id == school_id))}
    wanted = [v["student_no"] for _, v in data_rows(rows, columns) if v["student_no"]]
    accounts: dict[str, int | None] = {}
    for chunk in range(0, len(wanted), 1000):
        accounts.update(db.session.execute(sa.select(User.username, User.student_id).where(
            User.username.in_(wanted[chunk:chunk + 1000]))).all())
    seen: dict[str, int] = {}
    for number, values in data_rows(rows, columns):
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
        if no:
            seen.setdefault(no, number)
        if errors:
            result.errors.extend(errors)
            continue
        row = {"row": number, "student_no": no, "name": name, "gender": gender,
               "class_id": class_id, "status": status,
               "student_id": student.id if student else None,
               "needs_account": no not in accounts}
        if student is None:
            result.new += 1
        elif (student.name, student.gender, student.class_id, student.status) == (
                name, gender, class_id, status):
            result.unchanged += 1
        else:
            result.updated += 1
        result.rows.append(row)
    if not result.rows and not result.errors:
        result.errors.append(RowError(2, "", str(_l("The sheet has no students."))))
    return result


@dataclass
class RosterImport:
    batch: ImportBatch | None
    created: int
    updated: int
    passwords: list[tuple[str, str, str, str]]  # (学号, 姓名, 班级, initial password)
    already: bool = False


def import_roster(actor: User, data: bytes, filename: str) -> RosterImport:
    """Write every row, or nothing (raises ValidationFailed with the row errors)."""
    school_id = school_of(actor)
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
    batch = ImportBatch(kind="roster", scope=scope, sha256=sha, filename=filename[:200],
                        row_count=len(checked.rows), uploaded_by_id=actor.id)
    db.session.add(batch)
    db.session.flush()

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
    from ..auth.services import generate_initial_password

    for r in checked.rows:
        if not r["needs_account"]:
            continue
        password = generate_initial_password()
        passwords.append((r["student_no"], r["name"], class_names[r["class_id"]], password))
        accounts.append({
            "school_id": school_id, "username": r["student_no"], "role": Role.STUDENT,
            "display_name": r["name"], "student_id": ids[r["student_no"]],
            "active": r["status"].value == "active", "must_change_password": True,
            "password_hash": generate_password_hash(password, method=INITIAL_HASH_METHOD),
            "password_changed_at": now, "created_at": now})
    if accounts:
        db.session.execute(sa.insert(User), accounts)
    if changed:  # a student who left school cannot sign in any more
        active = {r["student_id"]: r["status"].value == "active" for r in changed}
        users = db.session.execute(sa.select(User.id, User.student_id).where(
            User.student_id.in_(list(active)))).all()
        if users:
            db.session.execute(sa.update(User), [
                {"id": uid, "active": active[sid]} for uid, sid in users])
    audit.record(actor, "import", batch, after={
        "filename": batch.filename, "rows": len(checked.rows), "created": len(new_rows),
        "updated": checked.updated, "accounts": len(accounts)})
    db.session.flush()
    return RosterImport(batch=batch, created=len(new_rows), updated=checked.updated,
                        passwords=passwords)


# ---- short-lived files -----------------------------------------------------------------------

def tmp_dir() -> Path:
    path = Path(current_app.config["STARRATING_FILES_DIR"]) / "tmp"
    path.mkdir(parents=True, exist_ok=True)
    return path


def sweep_tmp(max_age: int = TMP_TTL_SECONDS) -> int:
    """Delete kept uploads and password sheets older than an hour."""
    removed = 0
    cutoff = time.time() - max_age
    for path in tmp_dir().iterdir():
        try:
            if path.stat().st_mtime < cutoff:
                path.unlink()
                removed += 1
        except FileNotFoundError:
            pass
    return removed


def _token_path(token: str, suffix: str) -> Path:
    if not token or not token.isalnum() or len(token) > 64:
        raise NotFound()
    return tmp_dir() / f"{token}{suffix}"


def stage_upload(actor: User, data: bytes, filename: str) -> str:
    """Keep an upload for the confirm step; returns its random id."""
    sweep_tmp()
    token = secrets.token_hex(16)
    _token_path(token, ".bin").write_bytes(data)
    _token_path(token, ".json").write_text(json.dumps(
        {"filename": filename, "user_id": actor.id, "school_id": actor.school_id}))
    return token


def load_staged(actor: User, token: str) -> tuple[bytes, str]:
    meta_path, data_path = _token_path(token, ".json"), _token_path(token, ".bin")
    if not meta_path.exists() or not data_path.exists():
        raise NotFound(_l("The uploaded file has expired; upload it again."))
    meta = json.loads(meta_path.read_text())
    if meta["user_id"] != actor.id:
        raise NotFound()
    return data_path.read_bytes(), meta["filename"]


def discard_staged(token: str) -> None:
    for suffix in (".json", ".bin"):
        _token_path(token, suffix).unlink(missing_ok=True)


def write_password_sheet(actor: User, passwords) -> str:
    """An .xlsx of the initial passwords for the class teachers; returns its random id."""
    import xlsxwriter

    token = secrets.token_hex(16)
    path = _token_path(token, ".xlsx")
    workbook = xlsxwriter.Workbook(str(path), {"constant_memory": True,
                                               "strings_to_formulas": False})
    sheet = workbook.add_worksheet("初始密码")
    for col, title in enumerate(("学号", "姓名", "班级", "初始密码")):
        sheet.write_string(0, col, title)
    for row, values in enumerate(sorted(passwords, key=lambda p: (p[2], p[0])), start=1):
        for col, value in enumerate(values):
            sheet.write_string(row, col, value)
    sheet.set_column(0, 3, 16)
    workbook.close()
    _token_path(token, ".owner").write_text(str(actor.id))
    return token


def take_password_sheet(actor: User, token: str) -> bytes:
    """The sheet's bytes, deleted from disk as it is handed over (downloadable once)."""
    path, owner = _token_path(token, ".xlsx"), _token_path(token, ".owner")
    if not path.exists() or not owner.exists() or owner.read_text() != str(actor.id):
        raise NotFound(_l("The password sheet was already downloaded or has expired."))
    if time.time() - path.stat().st_mtime > TMP_TTL_SECONDS:
        path.unlink(missing_ok=True)
        owner.unlink(missing_ok=True)
        raise NotFound(_l("The password sheet was already downloaded or has expired."))
    data = path.read_bytes()
    path.unlink(missing_ok=True)
    owner.unlink(missing_ok=True)
    return data

