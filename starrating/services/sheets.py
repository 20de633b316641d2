"""Spreadsheet uploads, the one pipeline of the entries, roster and club imports.

Reading: an .xlsx is refused before openpyxl sees it when it is too big, not a zip, has too
many members or unpacks to an absurd size (a zip bomb); it is read with `data_only`, so a
formula is never evaluated (its cached value, if any, is read as a value); rows and columns
are capped. A .csv may be UTF-8 or GBK.

Staging: between the preview and the confirm an upload is kept under
<files>/tmp/<kind>/<random token>.bin with its metadata beside it (.json): who uploaded it
and the scope it was checked for (school, term, class). Loading checks the kind (a folder of
its own), the uploader and the scope; sweeping one kind touches that kind's folder only.
"""

from __future__ import annotations

import csv
import io
import json
import secrets
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path

from flask import current_app
from flask_babel import lazy_gettext as _l
from openpyxl import load_workbook
from sqlalchemy.exc import IntegrityError

from ..errors import Conflict, NotFound, ValidationFailed
from ..extensions import db
from ..models import ImportBatch, User
from .access import ensure_uploader

KINDS = ("entries", "roster", "clubs", "passwords", "registry")
MAX_UPLOAD_BYTES = 5 * 1024 * 1024
MAX_ZIP_MEMBERS = 200
MAX_COLUMNS = 64
TMP_TTL_SECONDS = 3600

NOT_XLSX = _l("This is not a valid .xlsx file.")


class SheetError(ValidationFailed):
    """The file itself cannot be read (not a spreadsheet, too big, damaged, a zip bomb).

    The reason goes beside the upload field (`errors["file"]`)."""

    def __init__(self, message):
        super().__init__(None, errors={"file": [message]})
        self.reason = message


@dataclass
class RowError:
    row: int  # as the spreadsheet shows it: the header is row 1
    column: str
    message: str


@dataclass(frozen=True)
class Limits:
    """What one import accepts, and how it names an unreadable workbook."""

    max_rows: int
    max_unpacked: int
    not_xlsx: object = NOT_XLSX
    damaged: object = NOT_XLSX
    sheet: str | None = None  # the sheet to read when present (else the first)


# ---- reading ----------------------------------------------------------------------------------

def _too_large(data: bytes) -> None:
    if len(data) > MAX_UPLOAD_BYTES:
        raise SheetError(_l("The file is too large (at most %(mb)d MB).",
                            mb=MAX_UPLOAD_BYTES // (1024 * 1024)))


def read_xlsx(data: bytes, limits: Limits) -> list[tuple]:
    """The rows of the workbook's sheet as raw cell values. Raises SheetError."""
    _too_large(data)
    buffer = io.BytesIO(data)
    if not data.startswith(b"PK") or not zipfile.is_zipfile(buffer):
        raise SheetError(limits.not_xlsx)
    try:
        with zipfile.ZipFile(buffer) as archive:
            members = archive.infolist()
            if len(members) > MAX_ZIP_MEMBERS or \
                    sum(m.file_size for m in members) > limits.max_unpacked:
                raise SheetError(_l("The workbook unpacks to an absurd size; it is refused."))
            if "[Content_Types].xml" not in archive.namelist():
                raise SheetError(limits.not_xlsx)
    except zipfile.BadZipFile as e:
        raise SheetError(limits.not_xlsx) from e
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as e:  # openpyxl raises many kinds for a damaged workbook
        raise SheetError(limits.damaged) from e
    try:
        sheet = book[limits.sheet] if limits.sheet in book.sheetnames else book.worksheets[0]
        rows = []
        # A workbook's declared width may be absurd (XFD); rows are padded to it, so cap it.
        width = min(sheet.max_column or MAX_COLUMNS, MAX_COLUMNS)
        for values in sheet.iter_rows(values_only=True, max_col=width):
            rows.append(values)
            _count(rows, limits)
    except SheetError:
        raise
    except Exception as e:
        raise SheetError(limits.damaged) from e
    finally:
        book.close()
    return rows


def read_csv(data: bytes, limits: Limits) -> list[list[str]]:
    """The rows of a UTF-8 or GBK .csv as stripped strings. Raises SheetError."""
    _too_large(data)
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise SheetError(_l("The CSV file is not in UTF-8 or GBK."))
    try:
        rows = []
        for row in csv.reader(io.StringIO(text)):
            rows.append([c.strip() for c in row[:MAX_COLUMNS]])
            _count(rows, limits)
    except csv.Error as e:
        raise SheetError(_l("The CSV file cannot be read.")) from e
    return rows


def _count(rows: list, limits: Limits) -> None:
    if len(rows) > limits.max_rows + 1:
        raise SheetError(_l("Too many rows (at most %(n)d).", n=limits.max_rows))


def read_table(data: bytes, filename: str, limits: Limits) -> list[list[str]]:
    """The rows of an .xlsx or .csv upload as stripped strings (chosen by the file name)."""
    name = (filename or "").lower()
    if name.endswith(".csv"):
        return read_csv(data, limits)
    if name.endswith(".xlsx"):
        return [[cell_text(v) for v in row] for row in read_xlsx(data, limits)]
    _too_large(data)
    raise SheetError(_l("Upload an .xlsx or a .csv file."))


def cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # a 学号 typed as a number comes back as 2024010101.0
    return str(value).strip()


def header_map(header, columns: dict, required, labels: dict) -> tuple[dict[str, int],
                                                                       list[RowError]]:
    """Column key → index in the sheet, and errors for missing required columns."""
    found: dict[str, int] = {}
    for index, title in enumerate(header):
        title = cell_text(title).lower()
        for key, names in columns.items():
            if title in names and key not in found:
                found[key] = index
    errors = [RowError(1, labels.get(key, key), str(_l("This column is missing.")))
              for key in required if key not in found]
    return found, errors


def data_rows(rows: list[list[str]], columns: dict[str, int]):
    """(row number, {key: value}) for each non-empty row below the header."""
    for number, row in enumerate(rows[1:], start=2):
        if not any(row):
            continue
        yield number, {k: (cell_text(row[i]) if i < len(row) else "") for k, i in columns.items()}


# ---- staging between preview and confirm --------------------------------------------------------

def kind_dir(kind: str) -> Path:
    if kind not in KINDS:
        raise ValueError(f"unknown upload kind {kind!r}")
    path = Path(current_app.config["STARRATING_FILES_DIR"]) / "tmp" / kind
    path.mkdir(parents=True, exist_ok=True)
    return path


def staged_path(kind: str, token: str, suffix: str = ".bin") -> Path:
    if not token or not token.isalnum() or len(token) > 64:
        raise NotFound()
    return kind_dir(kind) / f"{token}{suffix}"


def stage(kind: str, actor: User, data: bytes, filename: str, **scope) -> str:
    """Keep an upload of this kind for the confirm step; returns its random token."""
    sweep(kind)
    token = secrets.token_hex(16)
    staged_path(kind, token).write_bytes(data)
    staged_path(kind, token, ".json").write_text(json.dumps(
        {"filename": filename, "user_id": actor.id, "scope": scope}))
    return token


def load(kind: str, actor: User, token: str, **scope) -> tuple[bytes, str]:
    """The kept upload's bytes and file name: only for its uploader, in the scope it was
    checked for, and within the hour. Raises NotFound otherwise."""
    meta_path, data_path = staged_path(kind, token, ".json"), staged_path(kind, token)
    try:
        meta = json.loads(meta_path.read_text())
        fresh = time.time() - data_path.stat().st_mtime <= TMP_TTL_SECONDS
        data = data_path.read_bytes() if fresh else None
    except (FileNotFoundError, ValueError):
        data = None
    if data is None:
        raise NotFound(_l("The uploaded file has expired; upload it again."))
    ensure_uploader(actor, meta.get("user_id"))
    if meta.get("scope") != scope:
        raise NotFound()
    return data, meta["filename"]


def take(kind: str, actor: User, token: str, **scope) -> tuple[bytes, str]:
    """`load` once: the kept file is deleted as it is handed over."""
    data, filename = load(kind, actor, token, **scope)
    discard(kind, token)
    return data, filename


def discard(kind: str, token: str) -> None:
    for suffix in (".json", ".bin"):
        staged_path(kind, token, suffix).unlink(missing_ok=True)


def sweep(kind: str, max_age: int = TMP_TTL_SECONDS) -> int:
    """Delete this kind's kept files older than `max_age` seconds; other kinds are untouched."""
    removed = 0
    cutoff = time.time() - max_age
    for path in kind_dir(kind).iterdir():
        try:
            if path.stat().st_mtime < cutoff:
                path.unlink()
                removed += 1
        except FileNotFoundError:
            pass
    return removed


def claim_file(actor: User, kind: str, scope: str, sha256: str, filename: str,
               row_count: int) -> ImportBatch:
    """Record that this file is imported for this scope, once: a second confirm of the same
    file at the same moment meets the unique (kind, scope, sha256) row and is refused."""
    batch = ImportBatch(kind=kind, scope=scope, sha256=sha256, filename=(filename or "")[:200],
                        row_count=row_count, uploaded_by_id=actor.id)
    db.session.add(batch)
    try:
        db.session.flush()
    except IntegrityError:
        raise Conflict(_l("This file was just imported by another request; nothing more "
                          "was written.")) from None
    return batch
