"""Ownership: who may see or change which class and student. Raises PermissionDenied."""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from ..errors import NotFound, PermissionDenied, ValidationFailed
from ..extensions import db
from ..models import (
    Appeal,
    Attachment,
    ClassAssignment,
    ClassTermStatus,
    ClubMembership,
    Entry,
    EntrySource,
    EvaluationRound,
    ExportJob,
    Major,
    ReviewSetting,
    Role,
    RuleSetVersion,
    SchoolClass,
    Student,
    StudentStatus,
    Term,
    TermStatus,
    User,
    utcnow,
)
from ..models.families import (  # the families section, at the end
    CHILD_STATUSES,
    Guardian,
    GuardianLink,
)
from .class_state import due_clause
from .terms import current_term, is_current


def teacher_class_ids(user: User, term: Term | None) -> set[int]:
    """Ids of the classes the teacher is class teacher of in this term."""
    if term is None:
        return set()
    return set(db.session.scalars(
        sa.select(ClassAssignment.class_id).where(
            ClassAssignment.term_id == term.id, ClassAssignment.teacher_id == user.id)
    ))


def same_school(user: User, school_id: int) -> bool:
    """The user belongs to this school (a city-office user only while inside it)."""
    return user.school_id is not None and user.school_id == school_id


def ensure_class_access(user: User, school_class: SchoolClass, term: Term | None) -> None:
    """Admins of the school, or the class teacher of this class in this term."""
    if user.role == Role.ADMIN and same_school(user, school_class.school_id):
        return
    if user.role == Role.TEACHER and school_class.id in teacher_class_ids(user, term):
        return
    raise PermissionDenied()


def ensure_student_access(user: User, student: Student, term: Term | None) -> None:
    """The student themself, their class teacher in the term, or an admin of the school."""
    if user.role == Role.STUDENT:
        if user.student_id != student.id:
            raise PermissionDenied()
        return
    if user.role == Role.ADMIN and same_school(user, student.school_id):
        return
    if user.role == Role.TEACHER and student.class_id in teacher_class_ids(user, term):
        return
    raise PermissionDenied()


def _held_by_teacher(model, class_column, object_id: int, user: User, term: Term):
    """A class or student (by id) and whether the teacher holds that class this term, in
    one statement: NotFound when it does not exist, PermissionDenied when not theirs."""
    found = db.session.execute(sa.select(model, sa.exists().where(
        ClassAssignment.class_id == class_column, ClassAssignment.term_id == term.id,
        ClassAssignment.teacher_id == user.id)).where(model.id == object_id)).first()
    if found is None:
        raise NotFound()
    if not found[1]:
        raise PermissionDenied()
    return found[0]


def get_class_for(user: User, class_id: int, term: Term | None) -> SchoolClass:
    if user.role == Role.TEACHER and term is not None:
        return _held_by_teacher(SchoolClass, SchoolClass.id, class_id, user, term)
    school_class = db.session.get(SchoolClass, class_id)
    if school_class is None:
        raise NotFound()
    ensure_class_access(user, school_class, term)
    return school_class


def get_student_for(user: User, student_id: int, term: Term | None) -> Student:
    if user.role == Role.TEACHER and term is not None:
        return _held_by_teacher(Student, Student.class_id, student_id, user, term)
    student = db.session.get(Student, student_id)
    if student is None:
        raise NotFound()
    ensure_student_access(user, student, term)
    return student


# ---- entries ----

def writable_class_ids(actor: User, term: Term) -> set[int] | None:
    """Class ids the actor may write entries for in the term; None = every class of the school."""
    if actor.role == Role.ADMIN:
        return None
    if actor.role == Role.TEACHER:
        return teacher_class_ids(actor, term)
    raise PermissionDenied()


def ensure_students_writable(actor: User, term: Term, students: list[Student],
                             held: set[int] | None = None) -> None:
    """Every student is of the term's school and of a class the actor may write for
    (`held`: the teacher's classes among the students', when already read)."""
    if actor.role == Role.TEACHER and held is not None:
        allowed: set[int] | None = held
    else:
        allowed = writable_class_ids(actor, term)
    for s in students:
        if not same_school(actor, s.school_id) or s.school_id != term.school_id:
            raise PermissionDenied()
        if allowed is not None and s.class_id not in allowed:
            raise PermissionDenied()


def students_to_write(actor: User, term: Term, ids: list[int]) -> list:
    """Rows (Student, held, state, due, setting_id, threshold_cents, indicators) for these
    student ids: the student, whether the actor teaches their class this term, the class's
    workflow row's state and whether it is due to be final (class_state.class_states' rule)
    and the term's review setting, in one statement built once per process."""
    if not ids:
        return []
    return db.session.execute(_students_to_write_statement(), {
        "term_id": term.id, "actor_id": actor.id, "ids": ids, "now": utcnow()}).all()


_STUDENTS_TO_WRITE = None


def _students_to_write_statement():
    global _STUDENTS_TO_WRITE
    if _STUDENTS_TO_WRITE is None:
        term_id = sa.bindparam("term_id", type_=sa.Integer)
        held = sa.exists().where(ClassAssignment.class_id == Student.class_id,
                                 ClassAssignment.term_id == term_id,
                                 ClassAssignment.teacher_id == sa.bindparam("actor_id"))
        setting = sa.select(ReviewSetting).where(ReviewSetting.term_id == term_id).subquery()
        _STUDENTS_TO_WRITE = (
            sa.select(Student, held.label("held"), ClassTermStatus.state.label("state"),
                      due_clause(sa.bindparam("now")).label("due"),
                      setting.c.id.label("setting_id"), setting.c.threshold_cents,
                      setting.c.indicators)
            .outerjoin(ClassTermStatus, sa.and_(ClassTermStatus.term_id == term_id,
                                                ClassTermStatus.class_id == Student.class_id))
            .outerjoin(setting, sa.true())
            .where(Student.id.in_(sa.bindparam("ids", expanding=True))))
    return _STUDENTS_TO_WRITE


def ensure_grid_access(actor: User, school_class: SchoolClass, term: Term) -> None:
    """The class grid: the class teacher of the class in the term, or an admin of the school."""
    if actor.role == Role.STUDENT:
        raise PermissionDenied()
    ensure_class_access(actor, school_class, term)
    if school_class.school_id != term.school_id:
        raise NotFound()


def ensure_entry_writable(actor: User, entry: Entry) -> None:
    """Admins: any entry of their school. Teachers: their own entries of the classes they are
    class teacher of *now* (the school's current term), in that term.

    Write rights follow the current assignment: when a class passes to another teacher in a
    newer term, last term's class teacher loses the right to change its entries, even while
    the old term is still open."""
    student = entry.student
    if entry.deleted_at is not None:
        raise NotFound(_l("This entry was deleted."))
    if actor.role == Role.ADMIN and same_school(actor, student.school_id):
        pass
    elif actor.role == Role.TEACHER:
        current = current_term(student.school_id)
        if student.class_id not in teacher_class_ids(actor, current):
            raise PermissionDenied()
        if entry.term_id != current.id:
            if entry.term.status != TermStatus.OPEN:
                return  # the caller's ensure_editable says "not open" (Frozen)
            raise PermissionDenied()
        if entry.author_id != actor.id:
            raise PermissionDenied(_l("Only the author or an administrator may change this "
                                      "entry."))
    else:
        raise PermissionDenied()
    if entry.source == EntrySource.CLUB:
        raise ValidationFailed(_l("Club memberships are changed on the club page."))
    if entry.source == EntrySource.EVALUATION:
        raise ValidationFailed(_l("This entry is computed from an evaluation round; it "
                                  "cannot be changed by hand."))
    if entry.source == EntrySource.REGISTRY:
        raise ValidationFailed(_l("This entry is computed from the 岗课赛证 registry: it "
                                  "changes when the registry does."))


def ensure_school_admin(actor: User, term: Term) -> None:
    """An administrator of the term's school (a city-wide admin: any school)."""
    if actor.role != Role.ADMIN or not same_school(actor, term.school_id):
        raise PermissionDenied()


def ensure_attachment_access(actor: User, attachment: Attachment) -> None:
    """Who may download an evidence file: whoever may see the student in the term of the
    entry or appeal it belongs to (the student, their class teacher then, the school's admin)."""
    student = db.session.get(Student, attachment.student_id)
    if attachment.entry_id is not None:
        term_id = db.session.get(Entry, attachment.entry_id).term_id
    elif attachment.appeal_id is not None:
        term_id = db.session.get(Appeal, attachment.appeal_id).term_id
    else:
        term_id = None
    term = db.session.get(Term, term_id) if term_id else current_term(student.school_id)
    ensure_student_access(actor, student, term)

# ---- workflow ----

def ensure_term_admin(actor: User | None, term: Term) -> None:
    """An admin of the term's school (publishing, returning and finalizing classes)."""
    if actor is None or actor.role != Role.ADMIN or not same_school(actor, term.school_id):
        raise PermissionDenied()


def get_appeal_for(actor: User, appeal_id: int) -> Appeal:
    """An appeal the actor may read: the student's own, their class teacher's, the school's."""
    appeal = db.session.get(Appeal, appeal_id)
    if appeal is None:
        raise NotFound()
    ensure_student_access(actor, appeal.student, db.session.get(Term, appeal.term_id))
    return appeal


def get_appeal_to_decide(actor: User, appeal_id: int) -> Appeal:
    """An appeal the actor may decide: their class's (class teacher) or the school's (admin)."""
    if actor.role not in (Role.TEACHER, Role.ADMIN):
        raise PermissionDenied()
    return get_appeal_for(actor, appeal_id)

# ---- admin ----
# The 学生处's rules: an admin changes only their own school's rows; exports go to the
# admins of the term's school or to a class's teacher.


def admin_school(actor: User | None) -> int:
    """The admin's school; a city-wide admin (no school) cannot set up a school here."""
    if actor is None or not actor.is_admin:
        raise PermissionDenied()
    if actor.school_id is None:
        raise PermissionDenied(_l("Sign in as an administrator of a school to change it."))
    return actor.school_id


def row_school(obj) -> int | None:
    """The school a row belongs to: its own `school_id`, else its parent's."""
    if isinstance(obj, Major):
        return obj.department.school_id
    if isinstance(obj, ClubMembership):
        return obj.club.school_id
    if isinstance(obj, RuleSetVersion):
        return obj.rule_set.school_id
    school_id = getattr(obj, "school_id", None)
    if school_id is not None:
        return school_id
    term_id = getattr(obj, "term_id", None)
    if term_id is not None:
        term = db.session.get(Term, term_id)
        return term.school_id if term is not None else None
    return None


def owned(actor: User, model, object_id):
    """The row of `model` with this id if it belongs to the admin's school, else NotFound
    (another school's row is never revealed to exist)."""
    school_id = admin_school(actor)
    obj = db.session.get(model, object_id) if object_id is not None else None
    if obj is None or row_school(obj) != school_id:
        raise NotFound()
    return obj


def ensure_term_export(actor: User | None, term: Term) -> None:
    """School-wide exports: administrators of the term's school (None: the command line)."""
    if actor is None:
        return
    if actor.role == Role.ADMIN and same_school(actor, term.school_id):
        return
    raise PermissionDenied()


def ensure_class_export(actor: User | None, term: Term, school_class: SchoolClass) -> None:
    """A class's exports: admins of the school, or its class teacher in the term."""
    if school_class.school_id != term.school_id:
        raise NotFound()
    if actor is None:
        return
    ensure_class_access(actor, school_class, term)


def ensure_export_job_access(actor: User, job: ExportJob) -> None:
    """An export job is seen by its creator, or by an admin of its school."""
    if job.created_by_id == actor.id:
        return
    if actor.role == Role.ADMIN and job.school_id is not None and same_school(actor,
                                                                               job.school_id):
        return
    raise PermissionDenied()

# ---- spreadsheet imports ----

def get_class_in_term(user: User, term: Term, class_id: int) -> SchoolClass:
    """The class for an import of the term's entries: its class teacher in the term, or an
    admin of the school that holds both the class and the term."""
    school_class = get_class_for(user, class_id, term)
    if user.role == Role.ADMIN and school_class.school_id != term.school_id:
        raise PermissionDenied()
    return school_class


def ensure_uploader(user: User, uploader_id: int | None) -> None:
    """A kept upload is loaded back by the person who uploaded it only (NotFound: another
    person does not learn that the token exists)."""
    if uploader_id is None or uploader_id != user.id:
        raise NotFound()

# ---- auth ----

def ensure_account_manageable(actor: User, user: User) -> None:
    """An admin manages the accounts of their own school only."""
    if actor.role != Role.ADMIN or not same_school(actor, user.school_id):
        raise PermissionDenied()


def account_for(actor: User, user_id: int) -> User:
    """The account `actor` may manage: 404 when there is none, 403 when it is not theirs."""
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound()
    ensure_account_manageable(actor, user)
    return user

# ---- bulk workflow steps and reopening (area: bulk) ----

def ensure_reopen_admin(actor: User | None, term: Term) -> None:
    """Reopening a final class: an administrator of the term's own school only (not a
    teacher, not another school's admin, not a city-wide admin who belongs to no school)."""
    if actor is None or actor.role != Role.ADMIN or actor.school_id != term.school_id:
        raise PermissionDenied()


# ---- rollover and cohorts ----
# A student who is no longer enrolled writes nothing: a graduate who may still log in sees
# their past terms read-only (no appeals, no self-statements).


def ensure_student_may_write(student: Student) -> None:
    """The student is enrolled (在读); otherwise their pages are read-only."""
    if student.status != StudentStatus.ACTIVE:
        raise PermissionDenied(_l("Your pages are read-only now that you are no longer "
                                  "enrolled: appeals and self-statements cannot be sent."))

# ---- print: password slips ----

def get_class_for_password_reset(actor: User, class_id: int) -> SchoolClass:
    """A class whose students' initial passwords the actor may reset: admins of its school
    only (another school's class is NotFound, as if it did not exist)."""
    return owned(actor, SchoolClass, class_id)

# ---- quick events of a class (area: phones) ----

def get_class_for_quick_events(actor: User, term: Term, class_id: int) -> SchoolClass:
    """A class whose saved quick events the actor may use and change: its class teacher in the
    term in force only (another school's class, or one the actor does not teach, is refused)."""
    if actor.role != Role.TEACHER or not is_current(term):
        raise PermissionDenied()
    school_class = db.session.get(SchoolClass, class_id)
    if school_class is None or school_class.school_id != term.school_id \
            or not same_school(actor, school_class.school_id):
        raise NotFound()
    if class_id not in teacher_class_ids(actor, term):
        raise PermissionDenied()
    return school_class

# ---- evaluation rounds, class officers, proposals and 审核 (area: evaluation) ----
# Rounds and the 审核 rule are the 学生处's (admins of the term's school); a student rates
# in their own school's rounds; a class teacher rates, names officers and decides proposals
# for their own classes in the term in force; an officer proposes for their own class only.


def ensure_review_admin(actor: User | None, term: Term) -> None:
    """The 学生处 of the term's school: rounds, the 审核 rule and its approvals."""
    if actor is None or actor.role != Role.ADMIN or not same_school(actor, term.school_id):
        raise PermissionDenied()


def round_for_admin(actor: User, round_id: int):
    """A round of the admin's school (another school's round is NotFound)."""
    if actor.role != Role.ADMIN:
        raise PermissionDenied()
    rnd = db.session.get(EvaluationRound, round_id)
    if rnd is None or not same_school(actor, rnd.school_id):
        raise NotFound()
    return rnd


def round_for_student(actor: User, round_id: int):
    """A round of the student's school, for the student themself."""
    if actor.role != Role.STUDENT or actor.student is None:
        raise PermissionDenied()
    rnd = db.session.get(EvaluationRound, round_id)
    if rnd is None or rnd.school_id != actor.student.school_id:
        raise NotFound()
    return rnd


def class_for_teacher_now(actor: User, term: Term, class_id: int) -> SchoolClass:
    """A class of the term whose class teacher the actor is, in the term in force."""
    if actor.role != Role.TEACHER:
        raise PermissionDenied()
    school_class = db.session.get(SchoolClass, class_id)
    if school_class is None or school_class.school_id != term.school_id \
            or not same_school(actor, school_class.school_id):
        raise NotFound()
    if not is_current(term) or class_id not in teacher_class_ids(actor, term):
        raise PermissionDenied()
    return school_class

# ---- today's absentees of a class (area: finish13) ----

def absence_class_ids(actor: User, term: Term, class_id: int | None) -> set[int]:
    """The classes whose absentees of today the actor may see and mark on the entry form:
    the ones they are class teacher of in the term in force (only `class_id`, if given).
    Nobody else — not an admin, not another term's teacher — gets any."""
    if actor.role != Role.TEACHER or not is_current(term):
        return set()
    ids = teacher_class_ids(actor, term)
    return ids & {class_id} if class_id is not None else ids
# ---- the city office's exports (area: city) ----

def ensure_city_export_job(actor: User, job: ExportJob) -> None:
    """A city workbook is the city office's: any city-office user (also while inside a
    school), never a school's admin, teacher or student."""
    if actor is None or not actor.is_city:
        raise PermissionDenied()
# ---- the city's recommended rule sets (area: cityrules) ----
# The city office reads and writes recommendations from its own pages; while it is inside a
# school (a city visit, role ADMIN for the request) it writes none, so that no school's audit
# log gets a city-wide change. A school's admins read only published recommendations, and copy.


def ensure_city_rules_reader(actor: User | None) -> None:
    """The city office, inside a school or not."""
    if actor is None or not actor.is_city:
        raise PermissionDenied()


def ensure_city_rules_writer(actor: User | None) -> None:
    """The city office on its own pages (not while inside a school)."""
    ensure_city_rules_reader(actor)
    if actor.role != Role.CITY:
        raise PermissionDenied(_l("Leave the school to change the city's recommended rules."))
# ---- 岗课赛证 registry and staff rankings (area: registry) ----
# The registry is the offices' (admins of the school); a student claims a certificate for
# themself; a claim is decided by the student's class teacher in the term in force or an
# admin of the school. Rankings are for staff only: admins rank their school's classes,
# majors and grades in any term; a class teacher ranks the classes they hold in the term in
# force, and no other term. Students and guardians never reach a ranking.


def registry_claim_scope(actor: User) -> tuple[int, set[int] | None]:
    """Whose claims the actor decides: (school id, class ids; None = every class)."""
    if actor.role == Role.ADMIN:
        return admin_school(actor), None
    if actor.role == Role.TEACHER and actor.school_id is not None:
        return actor.school_id, teacher_class_ids(actor, current_term(actor.school_id))
    raise PermissionDenied()


def ensure_claim_decidable(actor: User, certificate) -> None:
    """The claim's student is of the actor's school and, for a teacher, of a class they hold
    in the term in force (another school's claim is NotFound)."""
    school_id, class_ids = registry_claim_scope(actor)
    if certificate.school_id != school_id:
        raise NotFound()
    if class_ids is not None:
        student = db.session.get(Student, certificate.student_id)
        if student.class_id not in class_ids:
            raise PermissionDenied()


def ranking_scope(actor: User, term: Term, kind: str, value: int) -> None:
    """May the actor rank this class / major / grade of the term? (PermissionDenied if not)."""
    if actor.role == Role.ADMIN:
        if admin_school(actor) != term.school_id:
            raise NotFound()
        return
    if actor.role != Role.TEACHER or actor.school_id != term.school_id or not is_current(term):
        raise PermissionDenied()
    if kind != "class" or value not in teacher_class_ids(actor, term):
        raise PermissionDenied()

# ---- families: guardians, inbox, alerts (area: families) ----
# A guardian (Role.GUARDIAN) reads only the students they are linked to (GuardianLink);
# another student is NotFound, as if it did not exist. A class's guardians and its group
# robot are managed by its class teacher in the term in force (or an admin of the school).


def guardian_child(actor: User, student_id) -> Student:
    """A student the guardian is linked to and who is still at the school (NotFound for any
    other, for a child who left, or for anyone else)."""
    if actor.role != Role.GUARDIAN or not str(student_id).isdigit():
        raise NotFound()
    student = db.session.scalar(
        sa.select(Student).join(GuardianLink, GuardianLink.student_id == Student.id)
        .join(Guardian, Guardian.id == GuardianLink.guardian_id)
        .where(Guardian.user_id == actor.id, Student.id == int(student_id),
               Student.school_id == actor.school_id, Student.status.in_(CHILD_STATUSES),
               Guardian.deactivated_at.is_(None)))
    if student is None:
        raise NotFound()
    return student


def class_for_families(actor: User, class_id: int) -> SchoolClass:
    """A class whose guardians / group robot the actor manages: its class teacher in the term
    in force, or an admin of its school."""
    school_class = db.session.get(SchoolClass, class_id)
    if school_class is None or not same_school(actor, school_class.school_id):
        raise NotFound()
    if actor.role == Role.ADMIN:
        return school_class
    if actor.role == Role.TEACHER and class_id in teacher_class_ids(
            actor, current_term(school_class.school_id)):
        return school_class
    raise PermissionDenied()


def ensure_families_admin(actor: User) -> int:
    """The school's admin (学生处): alerts and the school's settings for families."""
    return admin_school(actor)
