"""Cohort steps: bulk status changes of students (毕业, 转学, 休学, 退学, back to 在读) for a
cohort (entry year = SchoolClass.grade), a class or a pasted list of 学号, and the school's
setting on whether graduates may still log in.

`preview` lists every student whose status would change (before → after) and writes nothing;
`confirm` builds the same change again, refuses it if it differs from the one previewed, and
writes it in a fixed number of statements with one audit row. Classes keep their names.
A student who leaves 在读 is signed out everywhere (as when their record is edited); a graduate
logs in again, read-only, while the school's setting allows it.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from ..auth.services import end_login_sessions_of, end_sessions_of_guardians_without_children
from ..errors import Conflict, ValidationFailed
from ..extensions import db
from ..models import (
    CHILD_STATUSES,
    STATUSES_WITH_ACCOUNT,
    School,
    SchoolClass,
    Student,
    StudentStatus,
    User,
)
from . import audit
from .access import admin_school, owned

SELECTIONS = ("cohort", "class", "list")
LIST_MAX = 5000  # 学号 in one pasted list
ANY = ""  # from_status: whatever the student's status is now


@dataclass
class StatusChange:
    """A bulk status change as previewed: who changes (before → after) and who stays."""

    selection: str
    label: str  # what was chosen, as the page and the audit row name it
    to_status: StudentStatus
    from_status: StudentStatus | None
    rows: list[tuple] = field(default_factory=list)  # (id, 学号, name, class, before)
    unchanged: int = 0
    ends_sessions: bool = False  # leaving 在读 signs a student out everywhere
    may_log_in: bool = True  # afterwards (a graduate: read-only, as the school's setting says)
    fingerprint: str = ""

    @property
    def count(self) -> int:
        return len(self.rows)


def _invalid(name: str, message) -> ValidationFailed:
    return ValidationFailed(_l("Please correct the marked fields."), errors={name: [message]})


def parse_numbers(text: str) -> list[str]:
    """学号 pasted one a line, or separated by spaces, commas or 、 (duplicates once)."""
    seen: dict[str, None] = {}
    for number in re.split(r"[\s,，;；、]+", text or ""):
        if number:
            seen.setdefault(number[:32])
    return list(seen)


def _status(value, name: str, allow_any: bool = False) -> StudentStatus | None:
    if allow_any and (value or ANY) == ANY:
        return None
    try:
        return StudentStatus(value)
    except ValueError:
        raise _invalid(name, _l("Not a valid choice.")) from None


def _selected(actor: User, school_id: int, data: dict) -> tuple[str, str, sa.ColumnElement]:
    """(selection, its label, the condition choosing its students)."""
    selection = data.get("selection") or ""
    if selection == "cohort":
        grade = data.get("grade")
        if not str(grade or "").isdigit() or not db.session.scalar(sa.select(sa.exists().where(
                SchoolClass.school_id == school_id, SchoolClass.grade == int(grade)))):
            raise _invalid("grade", _l("No class has this entry year."))
        grade = int(grade)
        class_ids = sa.select(SchoolClass.id).where(SchoolClass.school_id == school_id,
                                                    SchoolClass.grade == grade)
        return selection, str(_l("Entry year %(year)d", year=grade)), \
            Student.class_id.in_(class_ids.scalar_subquery())
    if selection == "class":
        class_id = data.get("class_id")
        if not str(class_id or "").isdigit():
            raise _invalid("class_id", _l("Not a valid choice."))
        school_class = owned(actor, SchoolClass, int(class_id))
        return selection, school_class.name, Student.class_id == school_class.id
    if selection == "list":
        numbers = parse_numbers(data.get("student_nos") or "")
        if not numbers:
            raise _invalid("student_nos", _l("Paste at least one student number."))
        if len(numbers) > LIST_MAX:
            raise _invalid("student_nos", _l("At most %(n)d student numbers at once.",
                                             n=LIST_MAX))
        found = set(db.session.scalars(sa.select(Student.student_no).where(
            Student.school_id == school_id, Student.student_no.in_(numbers))))
        unknown = [n for n in numbers if n not in found]
        if unknown:
            shown = "、".join(unknown[:20]) + ("…" if len(unknown) > 20 else "")
            raise _invalid("student_nos", _l(
                "%(n)d student numbers are not students of this school: %(numbers)s",
                n=len(unknown), numbers=shown))
        return selection, str(_l("%(n)d listed students", n=len(numbers))), \
            Student.student_no.in_(numbers)
    raise _invalid("selection", _l("Not a valid choice."))


def _may_log_in_after(school_id: int, to_status: StudentStatus) -> bool:
    """Whether students moved to `to_status` may log in (again) afterwards."""
    if to_status == StudentStatus.GRADUATED:
        return bool(db.session.scalar(sa.select(School.graduates_can_log_in)
                                      .where(School.id == school_id)))
    return to_status == StudentStatus.ACTIVE


def preview(actor: User, data: dict) -> StatusChange:
    """Every student of the selection whose status would change; nothing is written."""
    school_id = admin_school(actor)
    to_status = _status(data.get("to_status"), "to_status")
    from_status = _status(data.get("from_status"), "from_status", allow_any=True)
    if from_status == to_status:
        raise _invalid("from_status", _l("Choose a status other than the new one."))
    selection, label, condition = _selected(actor, school_id, data)
    rows = db.session.execute(
        sa.select(Student.id, Student.student_no, Student.name, SchoolClass.name,
                  Student.status)
        .join(SchoolClass, SchoolClass.id == Student.class_id)
        .where(Student.school_id == school_id, condition)
        .order_by(SchoolClass.grade.desc(), SchoolClass.name, Student.student_no)).all()
    change = StatusChange(selection, label, to_status, from_status,
                          ends_sessions=to_status != StudentStatus.ACTIVE,
                          may_log_in=_may_log_in_after(school_id, to_status))
    for row in rows:
        status = row[4]
        if status != to_status and (from_status is None or status == from_status):
            change.rows.append(tuple(row))
        else:
            change.unchanged += 1
    body = [to_status.value, [(r[0], r[4].value) for r in change.rows]]
    change.fingerprint = hashlib.sha256(json.dumps(body).encode()).hexdigest()[:32]
    return change


def confirm(actor: User, data: dict) -> StatusChange:
    """Change the statuses as previewed, with one audit row (Conflict when who would change
    differs from the preview). Accounts follow the status; leavers are signed out."""
    change = preview(actor, data)
    if (data.get("plan") or "") != change.fingerprint:
        raise Conflict(_l("The students changed since the preview. Check the new preview and "
                          "confirm again."))
    if not change.rows:
        raise ValidationFailed(_l("No student's status would change."))
    school_id = admin_school(actor)
    ids = [r[0] for r in change.rows]
    db.session.execute(sa.update(Student).where(Student.id.in_(ids))
                       .values(status=change.to_status).execution_options(
                           synchronize_session=False))
    db.session.execute(sa.update(User).where(User.student_id.in_(ids))
                       .values(active=change.to_status in STATUSES_WITH_ACCOUNT)
                       .execution_options(synchronize_session=False))
    if change.ends_sessions:
        end_login_sessions_of(db.session.scalars(
            sa.select(User.id).where(User.student_id.in_(ids))))
    if change.to_status not in CHILD_STATUSES:  # guardians with no child left are signed out
        end_sessions_of_guardians_without_children(student_ids=ids)
    audit.record(actor, "bulk_status", object_type="student", school_id=school_id,
                 after={"selection": change.selection, "label": change.label,
                        "from": change.from_status.value if change.from_status else None,
                        "to": change.to_status.value, "count": change.count,
                        "unchanged": change.unchanged,
                        "sessions_ended": change.ends_sessions,
                        "students": [[r[0], r[1], r[4].value] for r in change.rows]})
    db.session.flush()
    db.session.expire_all()  # the bulk UPDATEs bypassed the identity map
    return change


def cohort_choices(actor: User) -> list[tuple[int, int, int]]:
    """(entry year, classes, enrolled students) of the school, newest first. One query."""
    school_id = admin_school(actor)
    enrolled = sa.func.count(Student.id).filter(Student.status == StudentStatus.ACTIVE)
    return [tuple(r) for r in db.session.execute(
        sa.select(SchoolClass.grade, sa.func.count(sa.distinct(SchoolClass.id)), enrolled)
        .outerjoin(Student, Student.class_id == SchoolClass.id)
        .where(SchoolClass.school_id == school_id)
        .group_by(SchoolClass.grade).order_by(SchoolClass.grade.desc()))]


# ---- the school's settings ---------------------------------------------------------------

def school_of(actor: User) -> School:
    return db.session.get(School, admin_school(actor))


def save_settings(actor: User, data: dict) -> School:
    """Whether graduates may still log in (read-only). Turning it off signs every graduate
    of the school out at once."""
    school = school_of(actor)
    allowed = bool(data.get("graduates_can_log_in"))
    with audit.recorded(actor, "update", school, school_id=school.id):
        school.graduates_can_log_in = allowed
    if not allowed:
        end_login_sessions_of(db.session.scalars(
            sa.select(User.id).join(Student, Student.id == User.student_id)
            .where(Student.school_id == school.id,
                   Student.status == StudentStatus.GRADUATED)))
    return school
