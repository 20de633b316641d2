"""Club memberships (社团) of a term from a sheet: columns 学号, 社团, 职务 (optional).

Upload → preview → confirm, like the roster and entry imports: `preview` checks every row
and shows what will change (new memberships, changed roles) without writing anything, and
stages the file (`sheets`, kind "clubs"); `confirm` re-reads the kept file and writes all
rows or none. The same file for the same term writes once (ImportBatch kind "clubs").

A student already in the club this term gets the role from the sheet; a new membership
starts on the term's first day. The scoring service counts memberships on the term's club
indicator by itself, so an import is all the club dimension needs.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from ..errors import ValidationFailed
from ..extensions import db
from ..models import Club, ClubMembership, ImportBatch, Student, Term, User
from . import audit, sheets
from .access import admin_school
from .sheets import RowError
from .terms import term_for

KIND = "clubs"
LIMITS = sheets.Limits(max_rows=20000, max_unpacked=60 * 1024 * 1024)
COLUMNS = {
    "student_no": ("学号", "student number", "student_no"),
    "club": ("社团", "club"),
    "role": ("职务", "role"),
}
LABEL = {"student_no": "学号", "club": "社团", "role": "职务"}
NEW, CHANGED, SAME = "new", "changed", "same"


@dataclass
class MemberRow:
    row: int
    student_id: int
    student_no: str
    name: str
    club_id: int
    club: str
    role: str
    change: str  # NEW, CHANGED (the role) or SAME
    old_role: str = ""


@dataclass
class ClubCheck:
    term: Term | None = None
    rows: list[MemberRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    already: bool = False
    token: str | None = None  # the staged upload, when it can be confirmed
    filename: str = ""
    sha256: str = ""

    @property
    def ok(self) -> bool:
        return not self.errors and bool(self.rows)

    def count(self, change: str) -> int:
        return sum(1 for r in self.rows if r.change == change)


@dataclass
class ClubImport:
    created: int
    updated: int
    already: bool = False


def import_term(actor: User, term_id) -> Term:
    """The term the admin imports members into (of the admin's own school)."""
    admin_school(actor)
    return term_for(actor, term_id, required=True)


def _scope(term: Term) -> str:
    return f"term:{term.id}"


def _already(term: Term, sha: str) -> bool:
    return db.session.scalar(sa.select(ImportBatch.id).where(
        ImportBatch.kind == KIND, ImportBatch.scope == _scope(term),
        ImportBatch.sha256 == sha)) is not None


def check_memberships(actor: User, term: Term, rows: list[list[str]]) -> ClubCheck:
    """Every row checked against the school's clubs and students (a fixed number of queries)."""
    school_id = admin_school(actor)
    result = ClubCheck(term=term)
    if not rows:
        result.errors.append(RowError(1, "", str(_l("The sheet is empty."))))
        return result
    columns, result.errors = sheets.header_map(rows[0], COLUMNS, ("student_no", "club"), LABEL)
    if result.errors:
        return result
    clubs = dict(db.session.execute(sa.select(Club.name, Club.id)
                                    .where(Club.school_id == school_id)).all())
    students = {no: (sid, name) for sid, no, name in db.session.execute(
        sa.select(Student.id, Student.student_no, Student.name)
        .where(Student.school_id == school_id)).all()}
    existing = {(c, s): role or "" for c, s, role in db.session.execute(
        sa.select(ClubMembership.club_id, ClubMembership.student_id, ClubMembership.role)
        .where(ClubMembership.term_id == term.id)).all()}
    seen: dict[tuple[int, int], int] = {}
    for number, values in sheets.data_rows(rows, columns):
        student = students.get(values["student_no"])
        club_id = clubs.get(values["club"])
        role = values.get("role", "")
        errors = []
        if student is None:
            errors.append(RowError(number, "学号", str(_l("No student has this number."))))
        if club_id is None:
            errors.append(RowError(number, "社团", str(_l("No club named “%(name)s”.",
                                                           name=values["club"]))))
        if len(role) > 40:
            errors.append(RowError(number, "职务", str(_l("At most %(n)d characters.", n=40))))
        key = (club_id, student[0] if student else None)
        if student and club_id:
            if key in seen:
                errors.append(RowError(number, "学号", str(_l("Same student and club as row "
                                                               "%(row)d.", row=seen[key]))))
            seen.setdefault(key, number)
        if errors:
            result.errors.extend(errors)
            continue
        old = existing.get(key)
        change = NEW if key not in existing else (SAME if old == role else CHANGED)
        result.rows.append(MemberRow(
            row=number, student_id=student[0], student_no=values["student_no"],
            name=student[1], club_id=club_id, club=values["club"], role=role, change=change,
            old_role=old or ""))
    if not result.rows and not result.errors:
        result.errors.append(RowError(2, "", str(_l("The sheet has no members."))))
    return result


def check_upload(actor: User, term: Term, data: bytes, filename: str) -> ClubCheck:
    sha = hashlib.sha256(data).hexdigest()
    checked = check_memberships(actor, term, sheets.read_table(data, filename, LIMITS))
    checked.sha256, checked.filename = sha, filename
    checked.already = _already(term, sha)
    return checked


def preview(actor: User, term_id, data: bytes, filename: str) -> ClubCheck:
    """Check an upload and, when it can be confirmed, stage it (nothing is written)."""
    term = import_term(actor, term_id)
    checked = check_upload(actor, term, data, filename)
    if checked.ok and not checked.already:
        checked.token = sheets.stage(KIND, actor, data, filename, term_id=term.id)
    return checked


def confirm(actor: User, term_id, token: str) -> ClubImport:
    """Write the staged upload (re-read and re-checked), all rows or none."""
    term = import_term(actor, term_id)
    data, filename = sheets.load(KIND, actor, token, term_id=term.id)
    try:
        result = import_memberships(actor, term.id, data, filename)
    except ValidationFailed as e:
        if not e.errors.get("rows"):
            sheets.discard(KIND, token)  # the kept file itself is unusable: start again
        raise
    sheets.discard(KIND, token)
    return result


def import_memberships(actor: User, term_id, data: bytes, filename: str) -> ClubImport:
    """Write every row of the file, or nothing; a file already imported writes nothing."""
    term = import_term(actor, term_id)
    if _already(term, hashlib.sha256(data).hexdigest()):
        return ClubImport(0, 0, already=True)
    checked = check_upload(actor, term, data, filename)
    if not checked.ok:
        raise ValidationFailed(_l("The file has errors; nothing was imported."),
                               errors={"rows": checked.errors})
    batch = sheets.claim_file(actor, KIND, _scope(term), checked.sha256, filename,
                              len(checked.rows))
    new = [{"club_id": r.club_id, "student_id": r.student_id, "term_id": term.id,
            "role": r.role, "joined_on": term.start_date}
           for r in checked.rows if r.change == NEW]
    if new:
        db.session.execute(sa.insert(ClubMembership), new)
    changed = [r for r in checked.rows if r.change == CHANGED]
    if changed:
        memberships = {(m.club_id, m.student_id): m for m in db.session.scalars(
            sa.select(ClubMembership).where(ClubMembership.term_id == term.id))}
        for r in changed:
            memberships[(r.club_id, r.student_id)].role = r.role
    audit.record(actor, "import", batch, term_id=term.id,
                 after={"filename": batch.filename, "created": len(new),
                        "updated": len(changed)})
    db.session.flush()
    return ClubImport(created=len(new), updated=len(changed))
