"""What the 学生处 pages read: choices, lists and counts of the admin's school.

Plain reads taking the acting admin (its school decides what is seen); nothing here
writes. The admin views render these; their forms take their choices from here.
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlalchemy.orm
from flask_babel import lazy_gettext as _l

from ..extensions import db
from ..models import (
    ClassAssignment,
    ClassState,
    ClassTermStatus,
    Club,
    ClubMembership,
    Department,
    Major,
    Role,
    RuleSet,
    RuleSetVersion,
    SchoolClass,
    Student,
    Term,
    User,
)

STUDENTS_PER_PAGE = 50


# ---- choices -------------------------------------------------------------------------------

def term_choices(actor: User) -> list[Term]:
    """The school's terms, newest first."""
    return list(db.session.scalars(sa.select(Term).where(Term.school_id == actor.school_id)
                                   .order_by(Term.start_date.desc())))


def major_choices(actor: User) -> list[tuple[str, str]]:
    rows = db.session.execute(
        sa.select(Major.id, Major.name, Department.name).join(Department)
        .where(Department.school_id == actor.school_id).order_by(Department.name, Major.name))
    return [(str(i), f"{d} · {m}") for i, m, d in rows]


def department_choices(actor: User) -> list[tuple[str, str]]:
    rows = db.session.execute(sa.select(Department.id, Department.name)
                              .where(Department.school_id == actor.school_id)
                              .order_by(Department.name))
    return [(str(i), n) for i, n in rows]


def class_choices(actor: User) -> list[tuple[str, str]]:
    rows = db.session.execute(sa.select(SchoolClass.id, SchoolClass.name)
                              .where(SchoolClass.school_id == actor.school_id)
                              .order_by(SchoolClass.grade.desc(), SchoolClass.name))
    return [(str(i), n) for i, n in rows]


def teacher_choices(actor: User, active_only: bool = True) -> list[tuple[str, str]]:
    query = sa.select(User.id, User.display_name, User.username).where(
        User.school_id == actor.school_id, User.role == Role.TEACHER)
    if active_only:
        query = query.where(User.active.is_(True))
    return [(str(i), f"{d} ({u})") for i, d, u in
            db.session.execute(query.order_by(User.display_name))]


def version_choices(actor: User) -> list[tuple[str, str]]:
    """Every rule version of the school, for a term's rules (first: none yet)."""
    rows = db.session.execute(
        sa.select(RuleSetVersion.id, RuleSet.name, RuleSetVersion.version)
        .join(RuleSet).where(RuleSet.school_id == actor.school_id)
        .order_by(RuleSet.name, RuleSetVersion.version.desc()))
    return [("", str(_l("(none yet)")))] + [(str(i), f"{n} · v{v}") for i, n, v in rows]


# ---- the overview and the setup lists --------------------------------------------------------

def index_counts(actor: User) -> dict[str, int]:
    """How many departments, majors, classes, students, teachers and clubs (one query)."""
    school_id = actor.school_id

    def count(column, *where, join=None):
        query = sa.select(sa.func.count(column))
        if join is not None:
            query = query.join(join)
        return query.where(*where).scalar_subquery()

    return db.session.execute(sa.select(
        count(Department.id, Department.school_id == school_id).label("departments"),
        count(Major.id, Department.school_id == school_id, join=Department).label("majors"),
        count(SchoolClass.id, SchoolClass.school_id == school_id).label("classes"),
        count(Student.id, Student.school_id == school_id).label("students"),
        count(User.id, User.school_id == school_id, User.role == Role.TEACHER)
        .label("teachers"),
        count(Club.id, Club.school_id == school_id).label("clubs"),
    )).one()._asdict()


def term_rows(actor: User) -> list:
    """(term, rule set name, version) of every term of the school, newest first."""
    return db.session.execute(
        sa.select(Term, RuleSet.name, RuleSetVersion.version)
        .outerjoin(RuleSetVersion, RuleSetVersion.id == Term.rule_version_id)
        .outerjoin(RuleSet, RuleSet.id == RuleSetVersion.rule_set_id)
        .where(Term.school_id == actor.school_id).order_by(Term.start_date.desc())).all()


def departments_tree(actor: User) -> dict:
    """Department → [(major, number of classes)], by name."""
    rows = db.session.execute(
        sa.select(Department, Major, sa.func.count(SchoolClass.id))
        .outerjoin(Major, Major.department_id == Department.id)
        .outerjoin(SchoolClass, SchoolClass.major_id == Major.id)
        .where(Department.school_id == actor.school_id)
        .group_by(Department.id, Major.id).order_by(Department.name, Major.name)).all()
    tree: dict = {}
    for department, major, n in rows:
        tree.setdefault(department, [])
        if major is not None:
            tree[department].append((major, n))
    return tree


def class_rows(actor: User, term: Term | None) -> list:
    """(class, major, department, students, class teacher's id in the term) per class."""
    student_count = (sa.select(sa.func.count(Student.id))
                     .where(Student.class_id == SchoolClass.id)
                     .correlate(SchoolClass).scalar_subquery())
    in_term = sa.and_(ClassAssignment.class_id == SchoolClass.id,
                      ClassAssignment.term_id == (term.id if term else -1))
    return db.session.execute(
        sa.select(SchoolClass, Major.name, Department.name, student_count,
                  ClassAssignment.teacher_id)
        .join(Major, Major.id == SchoolClass.major_id)
        .join(Department, Department.id == Major.department_id)
        .outerjoin(ClassAssignment, in_term)
        .where(SchoolClass.school_id == actor.school_id)
        .order_by(SchoolClass.grade.desc(), SchoolClass.name)).all()


def students_page(actor: User, class_id: int | None, q: str, page: int):
    """One page of the school's students, by class and number, filtered by class and text."""
    query = (sa.select(Student).join(SchoolClass)
             .options(sa.orm.contains_eager(Student.school_class))
             .where(Student.school_id == actor.school_id))
    if class_id:
        query = query.where(Student.class_id == class_id)
    if q:
        like = f"%{q.replace('%', '').replace('_', '')}%"
        query = query.where(sa.or_(Student.name.like(like), Student.student_no.like(like)))
    return db.paginate(query.order_by(SchoolClass.name, Student.student_no), page=page,
                       per_page=STUDENTS_PER_PAGE, max_per_page=STUDENTS_PER_PAGE, count=True)


def teacher_rows(actor: User) -> list:
    """(teacher, number of class-teacher assignments), active first."""
    classes_now = (sa.select(sa.func.count(ClassAssignment.id))
                   .where(ClassAssignment.teacher_id == User.id).correlate(User)
                   .scalar_subquery())
    return db.session.execute(
        sa.select(User, classes_now).where(User.school_id == actor.school_id,
                                           User.role == Role.TEACHER)
        .order_by(User.active.desc(), User.display_name)).all()


def club_rows(actor: User, term: Term | None) -> list:
    """(club, advisor's name, members in the term) per club."""
    members = (sa.select(sa.func.count(ClubMembership.id))
               .where(ClubMembership.club_id == Club.id,
                      ClubMembership.term_id == (term.id if term else -1))
               .correlate(Club).scalar_subquery())
    return db.session.execute(
        sa.select(Club, User.display_name, members)
        .outerjoin(User, User.id == Club.advisor_id)
        .where(Club.school_id == actor.school_id).order_by(Club.name)).all()


def club_members(actor: User, club: Club, term: Term | None) -> list:
    """(membership, student, class name) of the club's members in the term."""
    if term is None or club.school_id != actor.school_id:
        return []
    return db.session.execute(
        sa.select(ClubMembership, Student, SchoolClass.name)
        .join(Student, Student.id == ClubMembership.student_id)
        .join(SchoolClass, SchoolClass.id == Student.class_id)
        .where(ClubMembership.club_id == club.id, ClubMembership.term_id == term.id)
        .order_by(SchoolClass.name, Student.student_no)).all()


# ---- rule sets -------------------------------------------------------------------------------

def rule_set_rows(actor: User) -> list:
    """(rule set, latest version number, when it was saved) per rule set."""
    return db.session.execute(
        sa.select(RuleSet, sa.func.max(RuleSetVersion.version),
                  sa.func.max(RuleSetVersion.created_at))
        .join(RuleSetVersion, RuleSetVersion.rule_set_id == RuleSet.id)
        .where(RuleSet.school_id == actor.school_id)
        .group_by(RuleSet.id).order_by(RuleSet.name)).all()


def rules_used_by(actor: User) -> dict[int, list[tuple[str, int]]]:
    """Rule set id → [(term name, version)] of the terms using it, newest term first."""
    rows = db.session.execute(
        sa.select(RuleSetVersion.rule_set_id, Term.name, RuleSetVersion.version)
        .join(Term, Term.rule_version_id == RuleSetVersion.id)
        .where(Term.school_id == actor.school_id).order_by(Term.start_date.desc())).all()
    used_by: dict = {}
    for rule_set_id, term_name, version in rows:
        used_by.setdefault(rule_set_id, []).append((term_name, version))
    return used_by


def rule_set_versions(actor: User, rule_set: RuleSet) -> list:
    """(version, author's name) of the rule set, newest first."""
    if rule_set.school_id != actor.school_id:
        return []
    return list(db.session.execute(
        sa.select(RuleSetVersion, User.display_name)
        .outerjoin(User, User.id == RuleSetVersion.created_by_id)
        .where(RuleSetVersion.rule_set_id == rule_set.id)
        .order_by(RuleSetVersion.version.desc())).all())


def locked_term_ids(actor: User) -> set[int]:
    """Terms of the school whose rules are fixed (a class published or final), in one query."""
    return set(db.session.scalars(
        sa.select(ClassTermStatus.term_id).join(Term, Term.id == ClassTermStatus.term_id)
        .where(Term.school_id == actor.school_id,
               ClassTermStatus.state.in_([ClassState.PUBLISHED, ClassState.FINAL]))
        .distinct()))


def school_version(actor: User, version_id: int | None) -> RuleSetVersion | None:
    """The rule version with this id when it is the school's, else None."""
    version = db.session.get(RuleSetVersion, version_id) if version_id else None
    if version is None or version.rule_set.school_id != actor.school_id:
        return None
    return version
