"""Makers for test data. Each call flushes; tests commit when they need to."""

from __future__ import annotations

import itertools
from datetime import date
from decimal import Decimal
from functools import cache
from types import SimpleNamespace

from werkzeug.security import generate_password_hash

from starrating.extensions import db
from starrating.models import (
    ClassAssignment,
    Department,
    Entry,
    EntrySource,
    Gender,
    Major,
    Role,
    RuleSet,
    RuleSetVersion,
    School,
    SchoolClass,
    Student,
    Term,
    TermStatus,
    User,
)

PASSWORD = "Passw0rd2026"


@cache
def password_hash() -> str:
    return generate_password_hash(PASSWORD)  # once per run: scrypt is slow on purpose


class Maker:
    def __init__(self):
        self._seq = itertools.count(1)

    def n(self) -> int:
        return next(self._seq)

    def school(self, name="测试技师学院", code=None) -> School:
        school = School(code=code or f"S{self.n()}", name=name)
        db.session.add(school)
        db.session.flush()
        return school

    def department(self, school, name=None) -> Department:
        dept = Department(school_id=school.id, name=name or f"系部{self.n()}")
        db.session.add(dept)
        db.session.flush()
        return dept

    def major(self, dept, name=None) -> Major:
        major = Major(department_id=dept.id, name=name or f"专业{self.n()}")
        db.session.add(major)
        db.session.flush()
        return major

    def school_class(self, major, school, name=None, grade=2024) -> SchoolClass:
        c = SchoolClass(school_id=school.id, major_id=major.id, name=name or f"24测试{self.n()}班",
                        grade=grade)
        db.session.add(c)
        db.session.flush()
        return c

    def student(self, school_class, name=None, student_no=None, account=False) -> Student:
        n = self.n()
        s = Student(school_id=school_class.school_id, student_no=student_no or f"2024{n:06d}",
                    name=name or f"学生{n}", gender=Gender.MALE if n % 2 else Gender.FEMALE,
                    class_id=school_class.id)
        db.session.add(s)
        db.session.flush()
        if account:
            self.user(Role.STUDENT, school_class.school_id, username=s.student_no,
                      display_name=s.name, student_id=s.id)
        return s

    def user(self, role: Role, school_id, username=None, display_name=None,
             student_id=None) -> User:
        n = self.n()
        u = User(username=username or f"{role.value}{n}", role=role,
                 display_name=display_name or f"{role.value} {n}", school_id=school_id,
                 student_id=student_id, password_hash=password_hash(), active=True)
        db.session.add(u)
        db.session.flush()
        return u

    def rules(self, school, source: str | None = None) -> RuleSetVersion:
        from starrating.demo import default_rules_source

        rs = RuleSet(school_id=school.id, name=f"细则{self.n()}")
        db.session.add(rs)
        db.session.flush()
        v = RuleSetVersion(rule_set_id=rs.id, version=1, source=source or default_rules_source())
        db.session.add(v)
        db.session.flush()
        return v

    def term(self, school, name=None, rules: RuleSetVersion | None = None,
             status=TermStatus.OPEN, start=date(2026, 9, 1), end=date(2027, 1, 20)) -> Term:
        t = Term(school_id=school.id, name=name or f"2026—2027学年第一学期{self.n()}",
                 start_date=start, end_date=end, status=status,
                 rule_version_id=(rules or self.rules(school)).id,
                 club_indicator="club.membership")
        db.session.add(t)
        db.session.flush()
        return t

    def assign(self, term, school_class, teacher) -> ClassAssignment:
        a = ClassAssignment(term_id=term.id, class_id=school_class.id, teacher_id=teacher.id)
        db.session.add(a)
        db.session.flush()
        return a

    def entry(self, term, student, indicator="moral.service", points="2", author=None,
              occurred_on=date(2026, 10, 1), **kw) -> Entry:
        e = Entry(term_id=term.id, student_id=student.id, indicator=indicator,
                  points_cents=int(Decimal(points) * 100), occurred_on=occurred_on,
                  author_id=author.id if author else None,
                  source=kw.pop("source", EntrySource.FORM), **kw)
        db.session.add(e)
        db.session.flush()
        return e

    def school_setup(self, students_per_class=5) -> SimpleNamespace:
        """One school, an open term, two classes each with a class teacher, an admin;
        the first class's students have accounts."""
        school = self.school()
        dept = self.department(school, "机电工程系")
        major = self.major(dept, "机电一体化")
        term = self.term(school)
        class_a = self.school_class(major, school, "24机电1班")
        class_b = self.school_class(major, school, "24机电2班")
        teacher = self.user(Role.TEACHER, school.id, username="teacher_a", display_name="王老师")
        other_teacher = self.user(Role.TEACHER, school.id, username="teacher_b",
                                  display_name="李老师")
        admin = self.user(Role.ADMIN, school.id, username="admin1", display_name="学生处")
        self.assign(term, class_a, teacher)
        self.assign(term, class_b, other_teacher)
        students = [self.student(class_a, account=True) for _ in range(students_per_class)]
        others = [self.student(class_b, account=True) for _ in range(2)]
        db.session.commit()
        return SimpleNamespace(
            school=school, department=dept, major=major, term=term, class_a=class_a,
            class_b=class_b, teacher=teacher, other_teacher=other_teacher, admin=admin,
            students=students, other_students=others,
            student_user=db.session.get(User, _user_id_for(students[0])),
            other_student_user=db.session.get(User, _user_id_for(others[0])),
        )


def _user_id_for(student: Student) -> int:
    import sqlalchemy as sa

    return db.session.scalar(sa.select(User.id).where(User.student_id == student.id))
