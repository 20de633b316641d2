"""Excel import of a class's entries: template → fill offline → upload → preview → confirm.

The template (XlsxWriter, formulas off) has a row-per-event sheet "记录" with 学号 and 姓名
pre-filled and an instructions sheet "说明" listing the indicators and catalogue items.
An upload is checked completely (every error by Excel row and column) and kept under
<files>/tmp/<random id>; nothing is written until the teacher confirms, and the confirm
re-reads the kept file and writes all rows or none. The same file for the same class and
term writes once (ImportBatch kind "entries").
"""

from __future__ import annotations

import hashlib
import io
import json
import secrets
import time
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

from ..errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from ..extensions import db
from ..models import (
    EntrySource,
    ImportBatch,
    Role,
    SchoolClass,
    Student,
    StudentStatus,
    Term,
    User,
)
from ..rules import RuleSet
from . import audit
from .access import same_school, teacher_class_ids
from .class_state import ensure_editable
from .entries import (
    NOTE_MAX,
    bulk_insert,
    check_date,
    parse_points,
    rules_for,
    school_today,
)

MAX_UPLOAD_BYTES = 5 * 1024 * 1024
MAX_UNCOMPRESSED_BYTES = 50 * 1024 * 1024
MAX_ZIP_MEMBERS = 200
MAX_ROWS = 5000
TMP_TTL_SECONDS = 3600
KIND = "entries"
SHEET = "记录"
INFO_SHEET = "说明"

COLUMNS = {  # key → accepted headers (lower case)
    "student_no": ("学号", "student number", "student_no"),
    "name": ("姓名", "name"),
    "indicator": ("指标", "indicator"),
    "points": ("分值", "points"),
    "date": ("日期", "date"),
    "note": ("事项/备注", "事项", "备注", "note", "event"),
}
HEADERS = ("学号", "姓名", "指标", "分值", "日期", "事项/备注")
LABEL = dict(zip(COLUMNS, HEADERS, strict=True))


class SheetError(ValidationFailed):
    """The file itself cannot be read (not an .xlsx, too big, damaged, a zip bomb)."""


@dataclass
class RowError:
    row: int  # as Excel shows it: the header is row 1
    column: str
    message: str


@dataclass
class ImportRow:
    row: int
    student_id: int
    student_no: str
    name: str
    indicator: str
    indicator_label: str
    points: object
    occurred_on: date
    item_name: str
    note: str


@dataclass
class ImportCheck:
    rows: list[ImportRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    already: ImportBatch | None = None
    sha256: str = ""

    @property
    def ok(self) -> bool:
        return not self.errors and bool(self.rows)


def scope_of(term: Term, class_id: int) -> str:
    return f"term:{term.id}/class:{class_id}"


def class_for(actor: User, term: Term, class_id: int) -> SchoolClass:
    """The class, if the actor is its class teacher in the term or an admin of the school."""
    school_class = db.session.get(SchoolClass, class_id)
    if school_class is None:
        raise NotFound()
    if actor.role == Role.ADMIN and same_school(actor, school_class.school_id) \
            and school_class.school_id == term.school_id:
        return school_class
    if actor.role == Role.TEACHER and class_id in teacher_class_ids(actor, term):
        return school_class
    raise PermissionDenied()


def _class_students(class_id: int) -> list[tuple[int, str, str]]:
    return list(db.session.execute(
        sa.select(Student.id, Student.student_no, Student.name)
        .where(Student.class_id == class_id, Student.status == StudentStatus.ACTIVE)
        .order_by(Student.student_no)).all())


# ---- the template -----------------------------------------------------------------------------

def indicator_labels(rules: RuleSet) -> list[tuple[str, str, str]]:
    """(full key, "维度·指标" label, indicator name) in the rules' order."""
    return [(f"{d.key}.{i.key}", f"{d.name}·{i.name}", i.name)
            for d in rules.dimensions for i in d.indicators]


def build_template(actor: User, term: Term, class_id: int) -> bytes:
    """The class's .xlsx template: one row per student pre-filled, and the instructions."""
    import xlsxwriter

    school_class = class_for(actor, term, class_id)
    rules = rules_for(term)
    labels = indicator_labels(rules)
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_formulas": False,
                                        "strings_to_urls": False})
    bold = book.add_format({"bold": True, "bg_color": "#F0F4F8", "border": 1})
    text = book.add_format({"num_format": "@"})
    day = book.add_format({"num_format": "yyyy-mm-dd"})
    sheet = book.add_worksheet(SHEET)
    info = book.add_worksheet(INFO_SHEET)
    for col, title in enumerate(HEADERS):
        sheet.write_string(0, col, title, bold)
    students = _class_students(school_class.id)
    last = max(len(students), 1) + 200  # room for several events per student
    for row, (_sid, no, name) in enumerate(students, start=1):
        sheet.write_string(row, 0, no, text)
        sheet.write_string(row, 1, name)
    sheet.set_column(0, 0, 14, text)
    sheet.set_column(1, 1, 10)
    sheet.set_column(2, 2, 22)
    sheet.set_column(3, 3, 8)
    sheet.set_column(4, 4, 12, day)
    sheet.set_column(5, 5, 36)
    sheet.freeze_panes(1, 0)
    sheet.data_validation(1, 2, last, 2, {
        "validate": "list", "source": f"='{INFO_SHEET}'!$B$2:$B${len(labels) + 1}",
        "error_type": "warning", "ignore_blank": True})
    sheet.data_validation(1, 3, last, 3, {
        "validate": "decimal", "criteria": "between", "minimum": -1000, "maximum": 1000,
        "error_type": "warning", "ignore_blank": True})
    sheet.data_validation(1, 4, last, 4, {
        "validate": "date", "criteria": "between",
        "minimum": datetime.combine(term.start_date, datetime.min.time()),
        "maximum": datetime.combine(term.end_date, datetime.min.time()),
        "error_type": "warning", "ignore_blank": True})

    for col, title in enumerate(("指标代码", "指标（维度·指标）", "可选事项", "分值")):
        info.write_string(0, col, title, bold)
    for row, (key, label, _name) in enumerate(labels, start=1):
        info.write_string(row, 0, key)
        info.write_string(row, 1, label)
    row = len(labels) + 3
    info.write_string(row, 0, "填写说明", bold)
    notes = [
        f"班级：{school_class.name}；学期：{term.name}（{term.start_date} 至 {term.end_date}）。",
        "“记录”表每行一件事；同一学生可写多行，不需要的行留空即可（只有学号、姓名的行会被忽略）。",
        "指标：写指标代码（如 moral.service）、“维度·指标”或指标名称（如 志愿服务）。",
        "分值：可带两位小数，扣分写负数；留空时，“事项/备注”与下表某一事项同名则取该事项的分值。",
        "日期：事情发生的日期，须在本学期内且不晚于今天，如 2026-10-08。",
        "同一文件只会导入一次。上传后先预览，确认后才写入。",
    ]
    for offset, line in enumerate(notes, start=1):
        info.write_string(row + offset, 0, line)
    row += len(notes) + 2
    info.write_string(row, 0, "指标代码", bold)
    info.write_string(row, 1, "指标（维度·指标）", bold)
    info.write_string(row, 2, "可选事项", bold)
    info.write_string(row, 3, "分值", bold)
    for key, label, _name in labels:
        for item in rules.indicator(key).items:
            row += 1
            info.write_string(row, 0, key)
            info.write_string(row, 1, label)
            info.write_string(row, 2, item.name)
            info.write_number(row, 3, float(item.points))
    info.set_column(0, 0, 22)
    info.set_column(1, 1, 26)
    info.set_column(2, 2, 30)
    book.close()
    return buffer.getvalue()


# ---- reading an upload safely ------------------------------------------------------------------

def read_rows(data: bytes) -> list[tuple]:
    """The rows of the records sheet as raw cell values. Raises SheetError."""
    if len(data) > MAX_UPLOAD_BYTES:
        raise SheetError(_l("The file is too large (at most %(mb)d MB).",
                            mb=MAX_UPLOAD_BYTES // (1024 * 1024)))
    not_xlsx = _l("This is not an Excel .xlsx file. Download the template, fill it in and "
                  "save it as .xlsx (an old .xls or a .csv cannot be read).")
    buffer = io.BytesIO(data)
    if not data.startswith(b"PK") or not zipfile.is_zipfile(buffer):
        raise SheetError(not_xlsx)
    try:
        with zipfile.ZipFile(buffer) as archive:
            members = archive.infolist()
            if len(members) > MAX_ZIP_MEMBERS or \
                    sum(m.file_size for m in members) > MAX_UNCOMPRESSED_BYTES:
                raise SheetError(_l("The workbook unpacks to an absurd size; it is refused."))
            if "[Content_Types].xml" not in archive.namelist():
                raise SheetError(not_xlsx)
    except zipfile.BadZipFile as e:
        raise SheetError(not_xlsx) from e
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as e:  # openpyxl raises many kinds for a damaged workbook
        raise SheetError(_l("The workbook is damaged and cannot be read.")) from e
    try:
        sheet = book[SHEET] if SHEET in book.sheetnames else book.worksheets[0]
        rows = []
        for values in sheet.iter_rows(values_only=True):
            rows.append(values)
            if len(rows) > MAX_ROWS + 1:
                raise SheetError(_l("Too many rows (at most %(n)d).", n=MAX_ROWS))
    except SheetError:
        raise
    except Exception as e:
        raise SheetError(_l("The workbook is damaged and cannot be read.")) from e
    finally:
        book.close()
    return rows


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _date(value) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = _text(value).replace("/", "-").replace(".", "-")
    for fmt in ("%Y-%m-%d", "%Y-%m-%d %H:%M:%S"):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


def _indicator_lookup(rules: RuleSet) -> dict[str, str | None]:
    """Accepted spellings → full key (None when a name is ambiguous)."""
    lookup: dict[str, str | None] = {}
    for key, label, name in indicator_labels(rules):
        lookup[key.lower()] = key
        lookup[label] = key
        lookup[label.replace("·", "/")] = key
        lookup[name] = None if name in lookup and lookup[name] != key else key
    return lookup


def check_upload(actor: User, term: Term, class_id: int, data: bytes,
                 today: date | None = None) -> ImportCheck:
    """Every row checked against the class and the term's rules (a fixed number of queries)."""
    school_class = class_for(actor, term, class_id)
    result = ImportCheck(sha256=hashlib.sha256(data).hexdigest())
    result.already = db.session.scalar(sa.select(ImportBatch).where(
        ImportBatch.kind == KIND, ImportBatch.scope == scope_of(term, school_class.id),
        ImportBatch.sha256 == result.sha256))
    rows = read_rows(data)
    rules = rules_for(term)
    if not rows:
        result.errors.append(RowError(1, "", str(_l("The sheet is empty."))))
        return result
    found: dict[str, int] = {}
    for index, title in enumerate(rows[0]):
        title = _text(title).lower()
        for key, names in COLUMNS.items():
            if title in names and key not in found:
                found[key] = index
    missing = [k for k in ("student_no", "indicator", "points", "date") if k not in found]
    if missing:
        result.errors.extend(RowError(1, LABEL[k], str(_l("This column is missing.")))
                             for k in missing)
        return result
    today = today or school_today()
    students = {no: (sid, name) for sid, no, name in _class_students(school_class.id)}
    lookup = _indicator_lookup(rules)

    def cell(row, key):
        index = found.get(key)
        return row[index] if index is not None and index < len(row) else None

    for number, row in enumerate(rows[1:], start=2):
        no = _text(cell(row, "student_no"))
        raw_ind, raw_points = _text(cell(row, "indicator")), cell(row, "points")
        raw_date, note = cell(row, "date"), _text(cell(row, "note"))
        if not (raw_ind or _text(raw_points) or _text(raw_date) or note):
            continue  # an unused pre-filled row, or an empty one
        errors = []
        student = students.get(no)
        if not no:
            errors.append(RowError(number, "学号", str(_l("This field is required."))))
        elif student is None:
            errors.append(RowError(number, "学号", str(_l(
                "No student with number %(no)s in this class.", no=no))))
        key = lookup.get(raw_ind) or lookup.get(raw_ind.lower())
        if not raw_ind:
            errors.append(RowError(number, "指标", str(_l("This field is required."))))
        elif key is None:
            errors.append(RowError(number, "指标", str(_l(
                "“%(value)s” is not an indicator of this term's rules; see the sheet 说明.",
                value=raw_ind))))
        item_name, points = "", None
        if key is not None:
            items = {i.name: i for i in rules.indicator(key).items}
            if note in items:
                item_name = note
        if _text(raw_points) == "":
            if item_name:
                points = items[item_name].points
            else:
                errors.append(RowError(number, "分值", str(_l(
                    "Enter the points (or name a catalogue item in 事项/备注)."))))
        else:
            try:
                points = parse_points(_text(raw_points) if not isinstance(raw_points, float)
                                      else repr(raw_points))
            except ValueError as e:
                errors.append(RowError(number, "分值", str(e.args[0])))
        occurred_on = _date(raw_date)
        if occurred_on is None:
            errors.append(RowError(number, "日期", str(_l(
                "Enter a date such as 2026-10-08.") if _text(raw_date)
                else _l("This field is required."))))
        else:
            problem = check_date(term, occurred_on, today)
            if problem:
                errors.append(RowError(number, "日期", str(problem)))
        if len(note) > NOTE_MAX:
            errors.append(RowError(number, "事项/备注", str(_l("At most %(n)d characters.",
                                                                 n=NOTE_MAX))))
        if errors:
            result.errors.extend(errors)
            continue
        result.rows.append(ImportRow(
            row=number, student_id=student[0], student_no=no, name=student[1], indicator=key,
            indicator_label=dict((k, lab) for k, lab, _ in indicator_labels(rules))[key],
            points=points, occurred_on=occurred_on, item_name=item_name,
            note="" if item_name else note))
    if not result.rows and not result.errors:
        result.errors.append(RowError(2, "", str(_l("The sheet has no entries to import."))))
    return result


@dataclass
class ImportResult:
    created: int
    batch: ImportBatch
    already: bool = False


def import_entries(actor: User, term: Term, class_id: int, data: bytes,
                   filename: str, today: date | None = None) -> ImportResult:
    """Write every row of the file, or nothing; a file already imported writes nothing."""
    school_class = class_for(actor, term, class_id)
    ensure_editable(term, [school_class.id])
    checked = check_upload(actor, term, school_class.id, data, today)
    if checked.already is not None:
        return ImportResult(created=0, batch=checked.already, already=True)
    if not checked.ok:
        raise ValidationFailed(_l("The file has errors; nothing was imported."),
                               errors={"rows": checked.errors})
    batch = ImportBatch(kind=KIND, scope=scope_of(term, school_class.id),
                        sha256=checked.sha256, filename=(filename or "")[:200],
                        row_count=len(checked.rows), uploaded_by_id=actor.id)
    db.session.add(batch)
    try:
        db.session.flush()
    except IntegrityError:  # the same file confirmed twice at the same moment
        raise Conflict(_l("This file was just imported by another request; nothing more "
                          "was written.")) from None
    bulk_insert(actor, term, [
        {"student_id": r.student_id, "indicator": r.indicator,
         "points_cents": int(r.points * 100), "occurred_on": r.occurred_on,
         "item_name": r.item_name[:120], "note": r.note, "source": EntrySource.EXCEL,
         "import_batch_id": batch.id} for r in checked.rows])
    audit.record(actor, "import", batch, term_id=term.id,
                 after={"filename": batch.filename, "rows": batch.row_count,
                        "class_id": school_class.id})
    db.session.flush()
    return ImportResult(created=len(checked.rows), batch=batch)


# ---- the kept upload between preview and confirm ------------------------------------------------

def tmp_dir() -> Path:
    path = Path(current_app.config["STARRATING_FILES_DIR"]) / "tmp"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _path(token: str, suffix: str) -> Path:
    if not token or not token.isalnum() or len(token) > 64:
        raise NotFound()
    return tmp_dir() / f"entries-{token}{suffix}"


def _sweep() -> None:
    cutoff = time.time() - TMP_TTL_SECONDS
    for path in tmp_dir().glob("entries-*"):
        try:
            if path.stat().st_mtime < cutoff:
                path.unlink()
        except FileNotFoundError:
            pass


def stage(actor: User, term: Term, class_id: int, data: bytes, filename: str) -> str:
    """Keep an upload for the confirm step; returns its random id."""
    _sweep()
    token = secrets.token_hex(16)
    _path(token, ".xlsx").write_bytes(data)
    _path(token, ".json").write_text(json.dumps({
        "filename": filename, "user_id": actor.id, "term_id": term.id, "class_id": class_id}))
    return token


def load_staged(actor: User, term: Term, class_id: int, token: str) -> tuple[bytes, str]:
    meta_path, data_path = _path(token, ".json"), _path(token, ".xlsx")
    if not meta_path.exists() or not data_path.exists():
        raise NotFound(_l("The uploaded file has expired; upload it again."))
    meta = json.loads(meta_path.read_text())
    if (meta["user_id"], meta["term_id"], meta["class_id"]) != (actor.id, term.id, class_id):
        raise NotFound()
    return data_path.read_bytes(), meta["filename"]


def discard(token: str) -> None:
    for suffix in (".json", ".xlsx"):
        _path(token, suffix).unlink(missing_ok=True)
