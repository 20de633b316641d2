"""Evidence files (佐证材料): checked by content, stored outside static/, served to the entitled.

A file is accepted when its first bytes say JPEG, PNG or PDF, whatever its name says. It
is stored under <STARRATING_FILES_DIR>/evidence/ with a random name; the original name is
kept only for the download's Content-Disposition. Who may download: admins of the school,
the class teacher of the student in the entry's term, and the student themself.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from pathlib import Path

from flask import current_app
from flask_babel import lazy_gettext as _l

from ..errors import NotFound
from ..extensions import db
from ..models import Appeal, Attachment, Entry, Student, Term, User
from .access import ensure_student_access
from .terms import current_term

MAGIC = (  # (leading bytes, content type, extension)
    (b"\xff\xd8\xff", "image/jpeg", "jpg"),
    (b"\x89PNG\r\n\x1a\n", "image/png", "png"),
    (b"%PDF-", "application/pdf", "pdf"),
)
NAME_MAX = 200


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
          appeal: Appeal | None = None) -> Attachment:
    """Write the file under a random name and add its Attachment row (of an entry or of
    an appeal)."""
    owner = entry if entry is not None else appeal
    if owner is None:
        raise ValueError("evidence belongs to an entry or an appeal")
    stored_name = f"{secrets.token_hex(16)}.{checked.extension}"
    path = evidence_dir() / stored_name
    path.write_bytes(checked.data)
    attachment = Attachment(entry_id=entry.id if entry is not None else None,
                            appeal_id=appeal.id if appeal is not None else None,
                            student_id=owner.student_id,
                            original_name=checked.name, stored_name=stored_name,
                            content_type=checked.content_type, size=len(checked.data),
                            sha256=hashlib.sha256(checked.data).hexdigest(),
                            uploaded_by_id=actor.id)
    db.session.add(attachment)
    return attachment


def get_for_download(actor: User, attachment_id: int) -> tuple[Attachment, Path]:
    """The attachment and its file, if the actor may see it (PermissionDenied otherwise)."""
    attachment = db.session.get(Attachment, attachment_id)
    if attachment is None:
        raise NotFound()
    student = db.session.get(Student, attachment.student_id)
    if attachment.entry_id is not None:
        term_id = db.session.get(Entry, attachment.entry_id).term_id
    elif attachment.appeal_id is not None:
        term_id = db.session.get(Appeal, attachment.appeal_id).term_id
    else:
        term_id = None
    term = db.session.get(Term, term_id) if term_id else current_term(student.school_id)
    ensure_student_access(actor, student, term)
    path = evidence_dir() / attachment.stored_name
    if not path.is_file():
        raise NotFound()
    return attachment, path
