"""Evidence files (佐证材料): checked by content, stored outside static/, served to the entitled.

A file is accepted when its first bytes say JPEG, PNG or PDF, whatever its name says. It
is stored under <STARRATING_FILES_DIR>/evidence/ with a random name; the original name is
kept only for the download's Content-Disposition. Who may download: admins of the school,
the class teacher of the student in the entry's term, and the student themself.
"""

from __future__ import annotations

import errno
import hashlib
import logging
import secrets
from dataclasses import dataclass
from pathlib import Path

from flask import current_app
from flask_babel import lazy_gettext as _l

from ..errors import DomainError, NotFound
from ..extensions import db
from ..models import Appeal, Attachment, Entry, User
from .access import ensure_attachment_access

log = logging.getLogger(__name__)

MAGIC = (  # (leading bytes, content type, extension)
    (b"\xff\xd8\xff", "image/jpeg", "jpg"),
    (b"\x89PNG\r\n\x1a\n", "image/png", "png"),
    (b"%PDF-", "application/pdf", "pdf"),
)
NAME_MAX = 200


class StorageFull(DomainError):
    """The server could not store a file (disk full or quota reached); nothing was saved."""

    status = 507

    def __init__(self):
        super().__init__(_l("The server has no room left to store the file, so nothing was "
                            "saved. Please try again later or tell the student affairs office."))


@dataclass
class CheckedFile:
    name: str
    data: bytes
    content_type: str
    extension: str


def check_file(data: bytes, filename: str) -> CheckedFile:
    """Accept a JPEG, PNG or PDF within the size limit, judged by its content; else ValueError."""
    limit = current_app.config["EVIDENCE_MAX_BYTES"]
    if len(data) > limit:
        raise ValueError(_l("“%(name)s” is too large (at most %(mb)s MB).",
                                  name=_safe_name(filename), mb=round(limit / 1048576, 1)))
    for magic, content_type, extension in MAGIC:
        if data.startswith(magic):
            return CheckedFile(_safe_name(filename), data, content_type, extension)
    raise ValueError(_l("“%(name)s” is not a JPG, PNG or PDF file.",
                              name=_safe_name(filename)))


def _safe_name(filename: str) -> str:
    name = Path((filename or "").replace("\\", "/")).name.strip() or "evidence"
    return "".join(c for c in name if c.isprintable())[:NAME_MAX]


def evidence_dir() -> Path:
    path = Path(current_app.config["STARRATING_FILES_DIR"]) / "evidence"
    path.mkdir(parents=True, exist_ok=True)
    return path


def store(actor: User, checked: CheckedFile, *, entry: Entry | None = None,
          appeal: Appeal | None = None, student_id: int | None = None) -> Attachment:
    """Write the file under a random name and add its Attachment row (of an entry, of an
    appeal, or — `student_id` alone — of a student, e.g. a certificate's photo, which the
    registry row points at). A full disk raises StorageFull and leaves no file behind."""
    owner = entry if entry is not None else appeal
    if owner is None and student_id is None:
        raise ValueError("evidence belongs to an entry, an appeal or a student")
    stored_name = f"{secrets.token_hex(16)}.{checked.extension}"
    _write(evidence_dir() / stored_name, checked.data)
    attachment = Attachment(entry_id=entry.id if entry is not None else None,
                            appeal_id=appeal.id if appeal is not None else None,
                            student_id=owner.student_id if owner is not None else student_id,
                            original_name=checked.name, stored_name=stored_name,
                            content_type=checked.content_type, size=len(checked.data),
                            sha256=hashlib.sha256(checked.data).hexdigest(),
                            uploaded_by_id=actor.id)
    db.session.add(attachment)
    return attachment


def store_for_entries(actor: User, files: list[CheckedFile], entries: list[Entry]
                      ) -> list[Attachment]:
    """Every file for every entry; all or nothing on disk (a full disk removes the files
    this call already wrote, and the rolled-back request leaves no row)."""
    stored: list[Attachment] = []
    try:
        for entry in entries:
            for checked in files:
                stored.append(store(actor, checked, entry=entry))
    except StorageFull:
        remove_files([a.stored_name for a in stored])
        raise
    return stored


def remove_files(stored_names: list[str]) -> None:
    for name in stored_names:
        (evidence_dir() / name).unlink(missing_ok=True)


def _write(path: Path, data: bytes) -> None:
    try:
        path.write_bytes(data)
    except OSError as e:
        path.unlink(missing_ok=True)
        if e.errno in (errno.ENOSPC, errno.EDQUOT):
            log.error("no space left for an evidence file in %s", path.parent)
            raise StorageFull() from None
        raise


def get_for_download(actor: User, attachment_id: int) -> tuple[Attachment, Path]:
    """The attachment and its file, if the actor may see it (PermissionDenied otherwise)."""
    attachment = db.session.get(Attachment, attachment_id)
    if attachment is None:
        raise NotFound()
    ensure_attachment_access(actor, attachment)
    path = evidence_dir() / attachment.stored_name
    if not path.is_file():
        raise NotFound()
    return attachment, path
