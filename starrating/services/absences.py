"""Today's absentees (缺勤) of a class teacher's classes, for the entry form's checklist.

The class teacher ticks the absent students and marks them; the checklist then shows them as
absent all day (the school's calendar day), on every entry form, and "except absentees" ticks
everyone else. Marking is a selection aid, not a score: it writes no entry and no audit row
(an absence that should cost points is recorded as an entry on the rules' attendance
indicator, like any other). Only today's marks are kept: marking a class again replaces its
absentees of today and forgets its earlier days, so no attendance register builds up.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa

from ..errors import PermissionDenied
from ..extensions import db
from ..models import Absence, Student, StudentStatus, Term, User
from . import quick_events
from .access import absence_class_ids
from .clock import school_today


def absent_today(actor: User, term: Term, class_id: int | None,
                 today: date | None = None) -> set[int]:
    """Ids of the students marked absent today in the actor's classes (or in `class_id`),
    in one statement; empty for anyone who may not mark them."""
    classes = absence_class_ids(actor, term, class_id)
    if not classes:
        return set()
    today = today or school_today(term.school_id)
    return set(db.session.scalars(sa.select(Absence.student_id).where(
        Absence.class_id.in_(classes), Absence.day == today)))


@dataclass
class EntryFormWithAbsences(quick_events.EntryFormWithQuickEvents):
    # the checklist values (student ids as text) of today's absentees
    absent: frozenset[str] = frozenset()
    # whether the actor may mark absentees on this form (a class teacher in the term in force)
    may_mark_absent: bool = False


def entry_form_page(actor: User, term: Term, class_id: int | None,
                    today: date | None = None) -> EntryFormWithAbsences:
    """The new-entry form with its quick events (quick_events.entry_form_page) and, for a
    class teacher, who of the listed students is absent today."""
    page = quick_events.entry_form_page(actor, term, class_id)
    may_mark = bool(absence_class_ids(actor, term, class_id))
    absent = absent_today(actor, term, class_id, today) if may_mark else set()
    return EntryFormWithAbsences(term=page.term, rules=page.rules, students=page.students,
                                 quick_events=page.quick_events,
                                 absent=frozenset(str(i) for i in absent),
                                 may_mark_absent=may_mark)


@dataclass
class Absentees:
    """What marking wrote: the students now absent today, by class order."""

    day: date
    students: list[Student]


def mark_absent(actor: User, term: Term, class_id: int | None, student_ids,
                today: date | None = None) -> Absentees:
    """Today's absentees of the actor's classes (only `class_id`, if given) become exactly
    these students; an empty list means nobody is absent. A student outside those classes,
    or not enrolled, is refused and nothing changes."""
    classes = absence_class_ids(actor, term, class_id)
    if not classes:
        raise PermissionDenied()
    ids = {int(i) for i in student_ids}
    students = list(db.session.scalars(
        sa.select(Student).where(Student.id.in_(ids)).order_by(Student.student_no))) if ids else []
    if len(students) != len(ids) or any(
            s.class_id not in classes or s.status != StudentStatus.ACTIVE for s in students):
        raise PermissionDenied()
    today = today or school_today(term.school_id)
    db.session.execute(sa.delete(Absence).where(Absence.class_id.in_(classes)))
    if students:
        db.session.execute(sa.insert(Absence), [
            {"class_id": s.class_id, "day": today, "student_id": s.id, "marked_by_id": actor.id}
            for s in students])
    db.session.flush()
    return Absentees(day=today, students=students)
