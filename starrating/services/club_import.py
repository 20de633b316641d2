"""Club memberships (社团) of a term from a sheet: columns 学号, 社团, 职务 (optional).

All rows or none. A student already in the club this term gets the role from the sheet; a
new membership starts on the term's first day. The scoring service counts memberships on
the term's club indicator by itself, so an import is all the club dimension needs.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from ..errors import ValidationFailed
from ..extensions import db
from ..models import Club, ClubMembership, ImportBatch, Student, Term, User
from . import audit
from .roster import RowError, data_rows, header_map, read_sheet
from .setup import owned, school_of

COLUMNS = {
    "student_no": ("学号", "student number", "student_no"),
    "club": ("社团", "club"),
    "role": ("职务", "role"),
}


@dataclass
class ClubImport:
    created: int
    updated: int
    already: bool = False


def import_memberships(actor: User, term_id: int, data: bytes, filename: str) -> ClubImport:
    school_id = school_of(actor)
    term = owned(actor, Term, term_id)
    sha = hashlib.sha256(data).hexdigest()
    scope = f"term:{term.id}"
    if db.session.scalar(sa.select(ImportBatch.id).where(
            ImportBatch.kind == "clubs", ImportBatch.scope == scope, ImportBatch.sha256 == sha)):
        return ClubImport(0, 0, already=True)
    rows = read_sheet(data, filename)
    if not rows:
        raise ValidationFailed(_l("The sheet is empty."))
    columns, errors = header_map(rows[0], COLUMNS, ("student_no", "club"))
    for e in errors:
        e.column = {"student_no": "学号", "club": "社团"}.get(e.column, e.column)
    if errors:
        raise ValidationFailed(_l("The file has errors; nothing was imported."),
                               errors={"rows": errors})
    clubs = dict(db.session.execute(sa.select(Club.name, Club.id)
                                    .where(Club.school_id == school_id)).all())
    students = dict(db.session.execute(sa.select(Student.student_no, Student.id)
                                       .where(Student.school_id == school_id)).all())
    existing = {(m.club_id, m.student_id): m for m in db.session.scalars(
        sa.select(ClubMembership).where(ClubMembership.term_id == term.id))}
    plan, seen = [], {}
    for number, values in data_rows(rows, columns):
        student_id = students.get(values["student_no"])
        club_id = clubs.get(values["club"])
        role = values.get("role", "")
        if student_id is None:
            errors.append(RowError(number, "学号", str(_l("No student has this number."))))
        if club_id is None:
            errors.append(RowError(number, "社团", str(_l("No club named “%(name)s”.",
                                                           name=values["club"]))))
        if len(role) > 40:
            errors.append(RowError(number, "职务", str(_l("At most %(n)d characters.", n=40))))
        key = (club_id, student_id)
        if student_id and club_id:
            if key in seen:
                errors.append(RowError(number, "学号", str(_l("Same student and club as row "
                                                               "%(row)d.", row=seen[key]))))
            seen.setdefault(key, number)
            plan.append((key, role))
    if errors:
        raise ValidationFailed(_l("The file has errors; nothing was imported."),
                               errors={"rows": errors})
    new = [{"club_id": c, "student_id": s, "term_id": term.id, "role": role,
            "joined_on": term.start_date} for (c, s), role in plan if (c, s) not in existing]
    if new:
        db.session.execute(sa.insert(ClubMembership), new)
    updated = 0
    for key, role in plan:
        membership = existing.get(key)
        if membership is not None and membership.role != role:
            membership.role = role
            updated += 1
    batch = ImportBatch(kind="clubs", scope=scope, sha256=sha, filename=filename[:200],
                        row_count=len(plan), uploaded_by_id=actor.id)
    db.session.add(batch)
    db.session.flush()
    audit.record(actor, "import", batch, term_id=term.id,
                 after={"filename": batch.filename, "created": len(new), "updated": updated})
    return ClubImport(created=len(new), updated=updated)
