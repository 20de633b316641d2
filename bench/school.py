"""A benchmark school as issue 15 measures it, on top of bench/generate.py.

    from bench.school import build, Logins
    info = build(url, students=2000, class_size=30, entries=10, teacher_classes=5, publish=5)

generate.py fills the database (classes of `class_size`, one teacher per class); this then
gives the first teacher the first `teacher_classes` classes, adds an admin, submits and
publishes the first `publish` classes (which computes their results) and computes the rest
of the term, so a student of class 1 sees stored, published stars. Kept apart from
generate.py so that file's options stay its own.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402
from werkzeug.security import generate_password_hash  # noqa: E402

from bench import generate as gen  # noqa: E402
from starrating.extensions import db  # noqa: E402
from starrating.models import ClassAssignment, Role, SchoolClass, Student, Term, User  # noqa: E402

ADMIN = "benchadmin"


def build(url: str, students: int = 2000, class_size: int = 30, entries: int = 10,
          teacher_classes: int = 5, publish: int = 5, generate: bool = True,
          schools: int = 1) -> dict:
    """`students` per school; with `schools` > 1 a city (generate.py's), whose first school
    is the one measured (every school's term computed)."""
    if generate:
        gen.CLASS_SIZE = class_size  # generate.py reads it at call time
        gen.generate(url, students, entries, schools=schools)
    app = gen.bench_app(url)
    with app.app_context():
        from starrating.services import workflow
        from starrating.services.results import compute_term

        term = db.session.scalars(sa.select(Term).order_by(Term.id)).first()
        class_ids = db.session.scalars(sa.select(SchoolClass.id).where(
            SchoolClass.school_id == term.school_id).order_by(SchoolClass.id)).all()
        first = db.session.scalars(sa.select(ClassAssignment).where(
            ClassAssignment.term_id == term.id).order_by(ClassAssignment.class_id)).first()
        teacher_id = first.teacher_id
        admin = db.session.scalar(sa.select(User).where(User.username == ADMIN))
        if generate or admin is None:
            db.session.execute(sa.update(ClassAssignment).where(
                ClassAssignment.term_id == term.id,
                ClassAssignment.class_id.in_(class_ids[:teacher_classes]))
                .values(teacher_id=teacher_id))
            admin = User(username=ADMIN, password_hash=generate_password_hash(gen.PASSWORD),
                         role=Role.ADMIN, display_name="基准管理员", active=True,
                         school_id=term.school_id, must_change_password=False)
            db.session.add(admin)
            db.session.flush()
            chosen = class_ids[:publish]
            if chosen:
                workflow.submit_classes(admin, term, chosen)
                workflow.publish_classes(admin, term, chosen)
            compute_term(None, term)
            db.session.commit()
            for other in db.session.scalars(sa.select(Term).where(Term.id != term.id)):
                compute_term(None, other)  # the other schools' stars: a city's tables
                db.session.commit()
        teacher = db.session.get(User, teacher_id).username
        from starrating.models import School

        code = db.session.scalar(sa.select(School.code).where(School.id == term.school_id))
        several = db.session.scalar(sa.select(sa.func.count(School.id))) > 1
        students_of_first = db.session.scalars(
            sa.select(User.username).join(Student, Student.id == User.student_id)
            .where(Student.class_id == class_ids[0]).order_by(User.username)).all()
        size = db.session.scalar(sa.select(sa.func.count(Student.id)).where(
            Student.class_id == class_ids[0]))
        published_students = db.session.scalars(
            sa.select(User.username).join(Student, Student.id == User.student_id)
            .where(Student.class_id.in_(class_ids[:publish])).order_by(User.username)).all()
        # the teacher's last class stays open when fewer are published: saves go there
        open_class = class_ids[max(teacher_classes, 1) - 1]
        open_student = db.session.scalar(sa.select(Student.id).where(
            Student.class_id == open_class).order_by(Student.id).limit(1))
        return {"term_id": term.id, "class_id": class_ids[0], "class_size": size,
                "login_path": f"/s/{code}/login" if several else "/login",
                "teacher": teacher, "admin": ADMIN, "students": students_of_first,
                "password": gen.PASSWORD, "published": min(publish, len(class_ids)),
                "published_students": published_students, "open_class_id": open_class, "open_student_id": open_student}
