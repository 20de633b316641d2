"""Set-up commands: `create-user` and `seed-demo`."""

from __future__ import annotations

import click
import sqlalchemy as sa

from ..auth.services import create_user
from ..demo import DEMO_HINTS, DEMO_LOGINS, seed_demo
from ..errors import DomainError, ValidationFailed
from ..extensions import db
from ..models import Role, School, Student
from .common import fail


@click.command("create-user")
@click.argument("username")
@click.option("--role", type=click.Choice([r.value for r in Role]), required=True)
@click.option("--password", required=True, help="Initial password (≥ 8, letters and digits).")
@click.option("--name", default="", help="Display name (姓名).")
@click.option("--student-no", default=None, help="学号 of the Student row to link (students).")
@click.option("--school", "school_code", default=None,
              help="School code; may be left out when there is only one school.")
def create_user_command(username, role, password, name, student_no, school_code):
    """Create a user account (admin, teacher or student)."""
    schools = db.session.scalars(sa.select(School).order_by(School.id)).all()
    school = None
    if school_code:
        school = next((s for s in schools if s.code == school_code), None)
        if school is None:
            fail(f"no school with code {school_code!r}")
    elif len(schools) == 1:
        school = schools[0]
    elif role != Role.ADMIN.value and schools:
        fail("several schools exist: name one with --school CODE")
    student = None
    if role == Role.STUDENT.value:
        if not student_no:
            fail("a student account needs --student-no")
        query = sa.select(Student).where(Student.student_no == student_no)
        if school is not None:
            query = query.where(Student.school_id == school.id)
        student = db.session.scalars(query).first()
        if student is None:
            fail(f"no student with 学号 {student_no!r}")
        school = school or student.school_class.major.department.school
    try:
        user = create_user(username, password, Role(role), name or (student.name if student else ""),
                           school_id=school.id if school else None,
                           student_id=student.id if student else None)
    except ValidationFailed as e:
        problems = "; ".join(f"{k}: {', '.join(str(m) for m in v)}" for k, v in e.errors.items())
        fail(problems)
    except DomainError as e:
        fail(str(e.message))
    db.session.commit()
    click.echo(f"Created {user.role} {user.username!r}.")


@click.command("seed-demo")
def seed_demo_command():
    """Create (once) a realistic demo school and print a login for each role."""
    created = seed_demo()
    db.session.commit()
    click.echo("Demo school created." if created else "Demo school already present.")
    click.echo("Demo logins / 演示账号:")
    for role, username, password in DEMO_LOGINS:
        hint = DEMO_HINTS.get(username, "")
        click.echo(f"  {role:<8} {username:<12} {password:<12} {hint}".rstrip())
