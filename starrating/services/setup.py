"""Setting up a school: terms, departments, majors, classes, students, teachers, clubs,
class teachers (班主任) per term and club memberships.

Every function takes the acting admin, checks that the object belongs to the admin's
school (services/access.py), validates, flushes and records an audit row
(`audit.recorded`). Nothing here commits. Deleting
something other rows depend on is refused with a message (or offered as deactivation),
so no row is ever orphaned.
"""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from ..auth.services import (
    create_user,
    end_all_login_sessions,
    end_sessions_of_guardians_without_children,
    generate_initial_password,
    reset_password,
)
from ..errors import NotFound, PermissionDenied, ValidationFailed
from ..extensions import db
from ..models import (
    CHILD_STATUSES,
    STATUSES_WITH_ACCOUNT,
    ClassAssignment,
    ClassTermStatus,
    Club,
    ClubMembership,
    Department,
    Entry,
    Gender,
    Major,
    Role,
    RuleSetVersion,
    SchoolClass,
    StarResult,
    Student,
    StudentStatus,
    Term,
    TermStatus,
    User,
)
from . import audit
from .access import admin_school, owned
from .class_state import ensure_rules_changeable
from .scoring import rules_from_version

NOTICE_DAYS_MAX = 30



def _text(value, field: str, errors: dict, max_len: int = 80, required: bool = True) -> str:
    value = (value or "").strip()
    if required and not value:
        errors.setdefault(field, []).append(_l("This field is required."))
    elif len(value) > max_len:
        errors.setdefault(field, []).append(_l("At most %(n)d characters.", n=max_len))
    return value


def _check(errors: dict) -> None:
    if errors:
        raise ValidationFailed(_l("Please correct the marked fields."), errors=errors)


def _exists(query) -> bool:
    return db.session.scalar(sa.select(query.exists())) or False


# ---- terms -------------------------------------------------------------------------------

def term_for_edit(actor: User, term_id: int | None) -> Term | None:
    """The school's term to edit, or None for a new one."""
    return owned(actor, Term, term_id) if term_id else None


def _term_values(actor: User, data: dict, term: Term | None) -> dict:
    school_id = admin_school(actor)
    errors: dict = {}
    name = _text(data.get("name"), "name", errors)
    start, end = data.get("start_date"), data.get("end_date")
    if not isinstance(start, date):
        errors.setdefault("start_date", []).append(_l("Enter a date."))
    if not isinstance(end, date):
        errors.setdefault("end_date", []).append(_l("Enter a date."))
    if isinstance(start, date) and isinstance(end, date) and end <= start:
        errors.setdefault("end_date", []).append(_l("The end must be after the start."))
    notice_days = data.get("notice_days")
    if notice_days is None or not 0 <= int(notice_days) <= NOTICE_DAYS_MAX:
        errors.setdefault("notice_days", []).append(
            _l("Between 0 and %(n)d days.", n=NOTICE_DAYS_MAX))
    status = data.get("status") or TermStatus.PLANNING
    try:
        status = TermStatus(status)
    except ValueError:
        errors.setdefault("status", []).append(_l("Not a valid choice."))
    version_id = data.get("rule_version_id") or None
    version = None
    if version_id is not None:
        version = db.session.get(RuleSetVersion, int(version_id))
        if version is None or version.rule_set.school_id != school_id:
            errors.setdefault("rule_version_id", []).append(_l("Not a valid choice."))
            version = None
    club_indicator = (data.get("club_indicator") or "").strip() or None
    if club_indicator and version is not None:
        try:
            rules_from_version(version).indicator(club_indicator)
        except KeyError:
            errors.setdefault("club_indicator", []).append(
                _l("The rules have no indicator %(key)s.", key=club_indicator))
    if name and _exists(sa.select(Term.id).where(
            Term.school_id == school_id, Term.name == name,
            Term.id != (term.id if term else -1))):
        errors.setdefault("name", []).append(_l("A term with this name exists."))
    _check(errors)
    return {"name": name, "start_date": start, "end_date": end,
            "notice_days": int(notice_days), "status": status,
            "rule_version_id": version.id if version else None,
            "club_indicator": club_indicator}


def save_term(actor: User, term: Term | None, data: dict) -> Term:
    """Create a term (term None) or change one."""
    return create_term(actor, data) if term is None else update_term(actor, term, data)


def create_term(actor: User, data: dict) -> Term:
    values = _term_values(actor, data, None)
    term = Term(school_id=admin_school(actor), **values)
    db.session.add(term)
    db.session.flush()
    audit.change(actor, "create", term, term_id=term.id)
    return term


def update_term(actor: User, term: Term, data: dict) -> Term:
    owned(actor, Term, term.id)
    values = _term_values(actor, data, term)
    if values["rule_version_id"] != term.rule_version_id:
        ensure_rules_changeable(term)
    with audit.recorded(actor, "update", term, term_id=term.id):
        for key, value in values.items():
            setattr(term, key, value)
    return term


# ---- departments and majors ----------------------------------------------------------------

def save_department(actor: User, name: str, department: Department | None = None) -> Department:
    school_id = admin_school(actor)
    errors: dict = {}
    name = _text(name, "name", errors)
    if name and _exists(sa.select(Department.id).where(
            Department.school_id == school_id, Department.name == name,
            Department.id != (department.id if department else -1))):
        errors.setdefault("name", []).append(_l("A department with this name exists."))
    _check(errors)
    if department is None:
        department = Department(school_id=school_id, name=name)
        db.session.add(department)
        audit.change(actor, "create", department)
        return department
    owned(actor, Department, department.id)
    with audit.recorded(actor, "update", department):
        department.name = name
    return department


def rename_department(actor: User, department_id: int, name: str) -> Department:
    return save_department(actor, name, owned(actor, Department, department_id))


def delete_department(actor: User, department_id: int) -> None:
    department = owned(actor, Department, department_id)
    if _exists(sa.select(Major.id).where(Major.department_id == department.id)):
        raise ValidationFailed(_l("Remove or move the majors of this department first."))
    with audit.recorded(actor, "delete", department):
        db.session.delete(department)


def save_major(actor: User, department_id, name: str, major: Major | None = None) -> Major:
    errors: dict = {}
    name = _text(name, "name", errors)
    try:
        department = owned(actor, Department, int(department_id))
    except (NotFound, TypeError, ValueError):
        errors.setdefault("department_id", []).append(_l("Not a valid choice."))
        department = None
    if name and department and _exists(sa.select(Major.id).where(
            Major.department_id == department.id, Major.name == name,
            Major.id != (major.id if major else -1))):
        errors.setdefault("name", []).append(_l("This department already has this major."))
    _check(errors)
    if major is None:
        major = Major(department_id=department.id, name=name)
        db.session.add(major)
        audit.change(actor, "create", major)
        return major
    owned(actor, Major, major.id)
    with audit.recorded(actor, "update", major):
        major.name, major.department_id = name, department.id
    return major


def rename_major(actor: User, major_id: int, name: str) -> Major:
    major = owned(actor, Major, major_id)
    return save_major(actor, major.department_id, name, major)


def delete_major(actor: User, major_id: int) -> None:
    major = owned(actor, Major, major_id)
    if _exists(sa.select(SchoolClass.id).where(SchoolClass.major_id == major.id)):
        raise ValidationFailed(_l("This major still has classes: move or remove them first."))
    with audit.recorded(actor, "delete", major):
        db.session.delete(major)


# ---- classes ---------------------------------------------------------------------------------

def save_class(actor: User, data: dict, school_class: SchoolClass | None = None) -> SchoolClass:
    school_id = admin_school(actor)
    errors: dict = {}
    name = _text(data.get("name"), "name", errors)
    grade = data.get("grade")
    if grade is None or not 2000 <= int(grade) <= 2100:
        errors.setdefault("grade", []).append(_l("Enter the entry year, e.g. 2024."))
    try:
        major = owned(actor, Major, int(data.get("major_id")))
    except (NotFound, TypeError, ValueError):
        errors.setdefault("major_id", []).append(_l("Not a valid choice."))
        major = None
    if name and _exists(sa.select(SchoolClass.id).where(
            SchoolClass.school_id == school_id, SchoolClass.name == name,
            SchoolClass.id != (school_class.id if school_class else -1))):
        errors.setdefault("name", []).append(_l("A class with this name exists."))
    _check(errors)
    if school_class is None:
        school_class = SchoolClass(school_id=school_id, name=name, grade=int(grade),
                                   major_id=major.id)
        db.session.add(school_class)
        audit.change(actor, "create", school_class)
        return school_class
    owned(actor, SchoolClass, school_class.id)
    with audit.recorded(actor, "update", school_class):
        school_class.name, school_class.grade, school_class.major_id = name, int(grade), major.id
    return school_class


def delete_class(actor: User, class_id: int) -> None:
    school_class = owned(actor, SchoolClass, class_id)
    if _exists(sa.select(Student.id).where(Student.class_id == school_class.id)):
        raise ValidationFailed(_l("This class has students: move them to another class first."))
    history = [sa.select(m.id).where(m.class_id == school_class.id)
               for m in (ClassTermStatus, StarResult)]
    if any(_exists(q) for q in history):
        raise ValidationFailed(_l("This class has results in past terms and is kept."))
    db.session.execute(sa.delete(ClassAssignment).where(
        ClassAssignment.class_id == school_class.id))
    with audit.recorded(actor, "delete", school_class):
        db.session.delete(school_class)


def set_class_teacher(actor: User, term_id: int, class_id: int, teacher_id) -> None:
    """Make `teacher_id` the 班主任 of the class in the term (None/"" removes it)."""
    term = owned(actor, Term, term_id)
    school_class = owned(actor, SchoolClass, class_id)
    teacher = None
    text = str(teacher_id if teacher_id is not None else "").strip()
    if text and not text.isdigit():
        raise ValidationFailed(_l("Choose an active teacher."),
                               errors={"teacher_id": [_l("Choose an active teacher.")]})
    if text:
        teacher = owned(actor, User, int(text))
        if teacher.role != Role.TEACHER or not teacher.active:
            raise ValidationFailed(_l("Choose an active teacher."),
                                   errors={"teacher_id": [_l("Choose an active teacher.")]})
    row = db.session.scalar(sa.select(ClassAssignment).where(
        ClassAssignment.term_id == term.id, ClassAssignment.class_id == school_class.id))
    if row is None and teacher is None:
        return
    if row is None:
        row = ClassAssignment(term_id=term.id, class_id=school_class.id, teacher_id=teacher.id)
        db.session.add(row)
        audit.change(actor, "create", row, term_id=term.id, school_id=term.school_id)
        return
    with audit.recorded(actor, "delete" if teacher is None else "update", row,
                        term_id=term.id, school_id=term.school_id):
        if teacher is None:
            db.session.delete(row)
        else:
            row.teacher_id = teacher.id


def set_class_teachers(actor: User, term_id: int | None, choices) -> None:
    """Save the class teacher of every class posted as `teacher_<class id>` (one message
    for the whole form when one is refused)."""
    for key, value in choices.items():
        if not key.startswith("teacher_"):
            continue
        if not key[8:].isdigit():
            raise ValidationFailed(_l("Choose an active teacher."))
        try:
            set_class_teacher(actor, term_id, int(key[8:]), value or None)
        except ValidationFailed as error:
            raise ValidationFailed(error.message) from error


def copy_class_teachers(actor: User, from_term_id: int, to_term_id: int) -> int:
    """Give each class of the new term the class teacher it had (in one statement set)."""
    source = owned(actor, Term, from_term_id)
    target = owned(actor, Term, to_term_id)
    have = set(db.session.scalars(sa.select(ClassAssignment.class_id).where(
        ClassAssignment.term_id == target.id)))
    rows = db.session.execute(
        sa.select(ClassAssignment.class_id, ClassAssignment.teacher_id)
        .join(User, User.id == ClassAssignment.teacher_id)
        .where(ClassAssignment.term_id == source.id, User.active.is_(True))).all()
    new = [{"term_id": target.id, "class_id": c, "teacher_id": t}
           for c, t in rows if c not in have]
    if new:
        db.session.execute(sa.insert(ClassAssignment), new)
        audit.record(actor, "copy", object_type="class_assignment", term_id=target.id,
                     school_id=target.school_id,
                     after={"from_term_id": source.id, "count": len(new)})
    db.session.flush()
    return len(new)


# ---- students --------------------------------------------------------------------------------

def parse_gender(value) -> Gender | None:
    text = str(value or "").strip().lower()
    return {"男": Gender.MALE, "m": Gender.MALE, "male": Gender.MALE,
            "女": Gender.FEMALE, "f": Gender.FEMALE, "female": Gender.FEMALE}.get(text)


STATUS_WORDS = {"在读": StudentStatus.ACTIVE, "在校": StudentStatus.ACTIVE,
                "休学": StudentStatus.SUSPENDED, "毕业": StudentStatus.GRADUATED,
                "退学": StudentStatus.WITHDRAWN, "转学": StudentStatus.TRANSFERRED}


def parse_status(value) -> StudentStatus | None:
    text = str(value or "").strip()
    if not text:
        return StudentStatus.ACTIVE
    if text in STATUS_WORDS:
        return STATUS_WORDS[text]
    try:
        return StudentStatus(text.lower())
    except ValueError:
        return None


def update_student(actor: User, student_id: int, data: dict) -> Student:
    student = owned(actor, Student, student_id)
    errors: dict = {}
    name = _text(data.get("name"), "name", errors)
    student_no = _text(data.get("student_no"), "student_no", errors, max_len=32)
    gender = parse_gender(data.get("gender"))
    if gender is None:
        errors.setdefault("gender", []).append(_l("Not a valid choice."))
    status = parse_status(data.get("status"))
    if status is None:
        errors.setdefault("status", []).append(_l("Not a valid choice."))
    try:
        school_class = owned(actor, SchoolClass, int(data.get("class_id")))
    except (NotFound, TypeError, ValueError):
        errors.setdefault("class_id", []).append(_l("Not a valid choice."))
        school_class = None
    if student_no and _exists(sa.select(Student.id).where(
            Student.school_id == student.school_id, Student.student_no == student_no,
            Student.id != student.id)):
        errors.setdefault("student_no", []).append(_l("Another student has this number."))
    account = db.session.scalar(sa.select(User).where(User.student_id == student.id))
    if (student_no and account is not None and account.username != student_no
            and _exists(sa.select(User.id).where(User.school_id == student.school_id,
                                             User.username == student_no))):
        errors.setdefault("student_no", []).append(_l("This username is taken."))
    _check(errors)
    with audit.recorded(actor, "update", student, student_id=student.id):
        student.name, student.student_no, student.gender = name, student_no, gender
        student.status, student.class_id = status, school_class.id
        if account is not None:
            account.username, account.display_name = student_no, name
            set_may_log_in(account, status in STATUSES_WITH_ACCOUNT)
            if status != StudentStatus.ACTIVE:  # a graduate logs in again, read-only
                end_all_login_sessions(account)
    if status not in CHILD_STATUSES:  # guardians with no child left here are signed out
        end_sessions_of_guardians_without_children(student_ids=[student.id])
    return student


def set_may_log_in(user: User, active: bool) -> None:
    """Give or take the right to log in; taking it ends every login session of the user
    (so an old cookie does not come back when the right is given again)."""
    user.active = active
    if not active:
        end_all_login_sessions(user)


# ---- teachers --------------------------------------------------------------------------------

def create_teacher(actor: User, username: str, display_name: str) -> tuple[User, str]:
    """A teacher account with a random initial password, returned once to show the admin."""
    school_id = admin_school(actor)
    errors: dict = {}
    display_name = _text(display_name, "display_name", errors)
    _check(errors)
    password = generate_initial_password()
    user = create_user(username, password, Role.TEACHER, display_name, school_id=school_id)
    user.must_change_password = True
    audit.change(actor, "create", user)
    return user, password


def reset_teacher_password(actor: User, user_id: int) -> tuple[User, str]:
    user = owned(actor, User, user_id)
    if user.role == Role.ADMIN:
        raise PermissionDenied()
    password = reset_password(actor, user)
    audit.record(actor, "reset_password", user)
    return user, password


def set_user_active(actor: User, user_id: int, active: bool) -> User:
    user = owned(actor, User, user_id)
    if user.id == actor.id or user.role == Role.ADMIN:
        raise ValidationFailed(_l("You cannot deactivate an administrator here."))
    with audit.recorded(actor, "activate" if active else "deactivate", user):
        set_may_log_in(user, active)
    return user


# ---- clubs and memberships ---------------------------------------------------------------------

def save_club(actor: User, data: dict, club: Club | None = None) -> Club:
    school_id = admin_school(actor)
    errors: dict = {}
    name = _text(data.get("name"), "name", errors)
    description = _text(data.get("description"), "description", errors, 2000, required=False)
    advisor_id = data.get("advisor_id") or None
    if advisor_id:
        try:
            advisor = owned(actor, User, int(advisor_id))
            if advisor.role == Role.STUDENT:
                raise NotFound()
        except (NotFound, ValueError):
            errors.setdefault("advisor_id", []).append(_l("Not a valid choice."))
    if name and _exists(sa.select(Club.id).where(
            Club.school_id == school_id, Club.name == name,
            Club.id != (club.id if club else -1))):
        errors.setdefault("name", []).append(_l("A club with this name exists."))
    _check(errors)
    if club is None:
        club = Club(school_id=school_id)
        db.session.add(club)
    else:
        owned(actor, Club, club.id)
    with audit.recorded(actor, "update" if club.id else "create", club):
        club.name, club.description = name, description
        club.advisor_id = int(advisor_id) if advisor_id else None
    return club


def delete_club(actor: User, club_id: int) -> None:
    club = owned(actor, Club, club_id)
    if _exists(sa.select(ClubMembership.id).where(ClubMembership.club_id == club.id)):
        raise ValidationFailed(_l("This club has members in some term and is kept."))
    with audit.recorded(actor, "delete", club):
        db.session.delete(club)


def _student_by_no(school_id: int, student_no: str) -> Student | None:
    return db.session.scalar(sa.select(Student).where(
        Student.school_id == school_id, Student.student_no == (student_no or "").strip()))


def add_membership(actor: User, club_id: int, term_id: int, student_no: str, role: str = "",
                   joined_on: date | None = None) -> ClubMembership:
    school_id = admin_school(actor)
    club = owned(actor, Club, club_id)
    term = owned(actor, Term, term_id)
    errors: dict = {}
    student = _student_by_no(school_id, student_no)
    if student is None:
        errors.setdefault("student_no", []).append(_l("No student has this number."))
    joined_on = joined_on or term.start_date
    if not term.start_date <= joined_on <= term.end_date:
        errors.setdefault("joined_on", []).append(_l("The date must be within the term."))
    role = _text(role, "role", errors, max_len=40, required=False)
    if student and _exists(sa.select(ClubMembership.id).where(
            ClubMembership.club_id == club.id, ClubMembership.term_id == term.id,
            ClubMembership.student_id == student.id)):
        errors.setdefault("student_no", []).append(_l("Already a member in this term."))
    _check(errors)
    membership = ClubMembership(club_id=club.id, term_id=term.id, student_id=student.id,
                                role=role, joined_on=joined_on)
    db.session.add(membership)
    audit.change(actor, "create", membership, school_id=club.school_id)
    return membership


def add_member(actor: User, club: Club, term: Term | None, data: dict) -> ClubMembership:
    """Add a member from the club page's form (student_no, role, joined_on)."""
    if term is None:
        raise NotFound()
    return add_membership(actor, club.id, term.id, data.get("student_no"),
                          data.get("role") or "", data.get("joined_on"))


def end_membership(actor: User, membership_id: int, left_on: date | None) -> ClubMembership:
    """Record that the student left the club on `left_on` (None: still a member)."""
    membership = owned(actor, ClubMembership, membership_id)
    term = db.session.get(Term, membership.term_id)
    if left_on is not None and not membership.joined_on <= left_on <= term.end_date:
        raise ValidationFailed(_l("The leaving date must be between joining and the term's end."),
                               errors={"left_on": [_l("Between joining and the term's end.")]})
    with audit.recorded(actor, "update", membership):
        membership.left_on = left_on
    return membership


def leave_club(actor: User, membership_id: int, left_on: str) -> ClubMembership:
    """`end_membership` with the date as typed (ISO; empty: still a member)."""
    try:
        day = date.fromisoformat(left_on) if left_on else None
    except ValueError as error:
        raise ValidationFailed(_l("Enter a date.")) from error
    return end_membership(actor, membership_id, day)


def remove_membership(actor: User, membership_id: int) -> None:
    """Delete a membership entered by mistake (use end_membership when a student leaves)."""
    membership = owned(actor, ClubMembership, membership_id)
    if _exists(sa.select(Entry.id).where(Entry.club_membership_id == membership.id)):
        raise ValidationFailed(_l("Records refer to this membership: set a leaving date "
                                  "instead."))
    with audit.recorded(actor, "delete", membership):
        db.session.delete(membership)
