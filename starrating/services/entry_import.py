"""Excel import of a class's entries: template → fill offline → upload → preview → confirm.

The template (XlsxWriter, formulas off) has a row-per-event sheet "记录" with 学号 and 姓名
pre-filled and an instructions sheet "说明" listing the indicators and catalogue items.
An upload is checked completely (every error by Excel row and column; each row through
`entry_input.validate_event`, the check every way in uses) and staged (`sheets`, kind
"entries"); nothing is written until the teacher confirms, and the confirm re-reads the kept
file and writes all rows or none. The same file for the same class and term writes once
(ImportBatch kind "entries").
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass, field
from datetime import date, datetime

import sqlalchemy as sa
import xlsxwriter
from flask_babel import lazy_gettext as _l

from ..errors import ValidationFailed
from ..extensions import db
from ..models import (
    EntrySource,
    ImportBatch,
    Student,
    StudentStatus,
    Term,
    User,
)
from ..rules import RuleSet
from . import audit, sheets
from .access import get_class_in_term
from .class_state import ensure_editable
from .entries import bulk_insert
from .entry_input import EntryInput, rules_for, school_today, validate_event
from .sheets import RowError

KIND = "entries"
SHEET = "记录"
INFO_SHEET = "说明"
LIMITS = sheets.Limits(
    max_rows=5000, max_unpacked=50 * 1024 * 1024, sheet=SHEET,
    not_xlsx=_l("This is not an Excel .xlsx file. Download the template, fill it in and "
                "save it as .xlsx (an old .xls or a .csv cannot be read)."),
    damaged=_l("The workbook is damaged and cannot be read."))
MAX_ROWS = LIMITS.max_rows

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
    token: str | None = None  # the staged upload, when it can be confirmed

    @property
    def ok(self) -> bool:
        return not self.errors and bool(self.rows)


def scope_of(term: Term, class_id: int) -> str:
    return f"term:{term.id}/class:{class_id}"


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


def template(actor: User, term: Term, class_id: int) -> tuple[bytes, str]:
    """The class's template and the name to download it under."""
    school_class = get_class_in_term(actor, term, class_id)
    return build_template(actor, term, class_id), f"{school_class.name}-写实记录.xlsx"


def build_template(actor: User, term: Term, class_id: int) -> bytes:
    """The class's .xlsx template: one row per student pre-filled, and the instructions."""
    school_class = get_class_in_term(actor, term, class_id)
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


# ---- checking an upload ----------------------------------------------------------------------

def _date(value) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = sheets.cell_text(value).replace("/", "-").replace(".", "-")
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


COLUMN_OF = {"item": "事项/备注", "points": "分值", "occurred_on": "日期", "note": "事项/备注"}


@dataclass
class _Context:
    term: Term
    rules: RuleSet
    today: date
    students: dict[str, tuple[int, str]]
    lookup: dict[str, str | None]
    labels: dict[str, str]


def _check_row(ctx: _Context, number: int, values: dict) -> tuple[ImportRow | None,
                                                                  list[RowError]]:
    """One row through the same check as the entry form (`validate_event`)."""
    text = sheets.cell_text
    no, raw_ind, note = text(values["student_no"]), text(values["indicator"]), text(values["note"])
    raw_points, raw_date = values["points"], values["date"]
    errors = []
    student = ctx.students.get(no)
    if not no:
        errors.append(RowError(number, "学号", str(_l("This field is required."))))
    elif student is None:
        errors.append(RowError(number, "学号", str(_l(
            "No student with number %(no)s in this class.", no=no))))
    key = ctx.lookup.get(raw_ind) or ctx.lookup.get(raw_ind.lower())
    if not raw_ind:
        errors.append(RowError(number, "指标", str(_l("This field is required."))))
    elif key is None:
        errors.append(RowError(number, "指标", str(_l(
            "“%(value)s” is not an indicator of this term's rules; see the sheet 说明.",
            value=raw_ind))))
    item = ""
    if key is not None:
        names = [i.name for i in ctx.rules.indicator(key).items]
        item = f"{key}|{names.index(note)}" if note in names else ""
    points = repr(raw_points) if isinstance(raw_points, float) else text(raw_points)
    occurred_on = _date(raw_date)
    _key, value, item_name, note, _files, problems = validate_event(
        ctx.term, ctx.rules, EntryInput(indicator=key or "", points=points,
                                        occurred_on=occurred_on, note=note, item=item),
        ctx.today)
    if occurred_on is None:
        errors.append(RowError(number, "日期", str(_l(
            "Enter a date such as 2026-10-08.") if text(raw_date)
            else _l("This field is required."))))
    for name, messages in problems.items():
        if name == "indicator" or (name == "occurred_on" and occurred_on is None):
            continue  # said above in the sheet's own words
        if name == "points" and not points and not item:
            messages = [_l("Enter the points (or name a catalogue item in 事项/备注).")]
        errors.extend(RowError(number, COLUMN_OF[name], str(m)) for m in messages)
    errors.sort(key=lambda e: list(LABEL.values()).index(e.column))
    if errors:
        return None, errors
    return ImportRow(row=number, student_id=student[0], student_no=no, name=student[1],
                     indicator=key, indicator_label=ctx.labels[key], points=value,
                     occurred_on=occurred_on, item_name=item_name,
                     note="" if item_name else note), []


def _columns(header) -> tuple[dict[str, int], list[RowError]]:
    return sheets.header_map(header, COLUMNS, ("student_no", "indicator", "points", "date"),
                             LABEL)


def check_upload(actor: User, term: Term, class_id: int, data: bytes,
                 today: date | None = None) -> ImportCheck:
    """Every row checked against the class and the term's rules (a fixed number of queries)."""
    school_class = get_class_in_term(actor, term, class_id)
    result = ImportCheck(sha256=hashlib.sha256(data).hexdigest())
    result.already = db.session.scalar(sa.select(ImportBatch).where(
        ImportBatch.kind == KIND, ImportBatch.scope == scope_of(term, school_class.id),
        ImportBatch.sha256 == result.sha256))
    rows = sheets.read_xlsx(data, LIMITS)
    rules = rules_for(term)
    if not rows:
        result.errors.append(RowError(1, "", str(_l("The sheet is empty."))))
        return result
    found, result.errors = _columns(rows[0])
    if result.errors:
        return result
    ctx = _Context(term=term, rules=rules, today=today or school_today(),
                   students={no: (sid, name) for sid, no, name in
                             _class_students(school_class.id)},
                   lookup=_indicator_lookup(rules),
                   labels={k: lab for k, lab, _ in indicator_labels(rules)})
    for number, row in enumerate(rows[1:], start=2):
        values = {k: (row[found[k]] if k in found and found[k] < len(row) else None)
                  for k in COLUMNS}
        if not any(sheets.cell_text(values[k]) for k in ("indicator", "points", "date", "note")):
            continue  # an unused pre-filled row, or an empty one
        checked, errors = _check_row(ctx, number, values)
        result.errors.extend(errors)
        if checked is not None:
            result.rows.append(checked)
    if not result.rows and not result.errors:
        result.errors.append(RowError(2, "", str(_l("The sheet has no entries to import."))))
    return result


def preview(actor: User, term: Term, class_id: int, data: bytes, filename: str) -> ImportCheck:
    """Check an upload and, when it can be confirmed, stage it (nothing is written)."""
    checked = check_upload(actor, term, class_id, data)
    if checked.ok and checked.already is None:
        checked.token = sheets.stage(KIND, actor, data, filename, term_id=term.id,
                                     class_id=class_id)
    return checked


def stage(actor: User, term: Term, class_id: int, data: bytes, filename: str) -> str:
    """Keep an upload for the confirm step; returns its random token."""
    return sheets.stage(KIND, actor, data, filename, term_id=term.id, class_id=class_id)


@dataclass
class ImportResult:
    created: int
    batch: ImportBatch
    already: bool = False


def confirm(actor: User, term: Term, class_id: int, token: str,
            today: date | None = None) -> ImportResult:
    """Write the staged upload (re-read and re-checked), all rows or none."""
    data, filename = sheets.load(KIND, actor, token, term_id=term.id, class_id=class_id)
    result = import_entries(actor, term, class_id, data, filename, today)
    sheets.discard(KIND, token)
    return result


def import_entries(actor: User, term: Term, class_id: int, data: bytes,
                   filename: str, today: date | None = None) -> ImportResult:
    """Write every row of the file, or nothing; a file already imported writes nothing."""
    school_class = get_class_in_term(actor, term, class_id)
    ensure_editable(term, [school_class.id])
    checked = check_upload(actor, term, school_class.id, data, today)
    if checked.already is not None:
        return ImportResult(created=0, batch=checked.already, already=True)
    if not checked.ok:
        raise ValidationFailed(_l("The file has errors; nothing was imported."),
                               errors={"rows": checked.errors})
    batch = sheets.claim_file(actor, KIND, scope_of(term, school_class.id), checked.sha256,
                              filename, len(checked.rows))
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
