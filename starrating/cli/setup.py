"""Set-up commands: `create-user`, `school create|list|update` and `seed-demo`."""

from __future__ import annotations

from pathlib import Path

import click
import sqlalchemy as sa

from ..auth.services import create_user
from ..demo import DEMO_HINTS, DEMO_LOGINS, seed_demo
from ..errors import DomainError, ValidationFailed
from ..extensions import db
from ..models import Role, School, Student, User
from ..services import schools
from ..services.schools import SchoolInput
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
    """Create a user account: admin, teacher or student of a school (--school CODE, which
    may be left out when there is only one school), or city (the city office, no school)."""
    schools = db.session.scalars(sa.select(School).order_by(School.id)).all()
    school = None
    if role == Role.CITY.value:
        if school_code:
            fail("a city-office account belongs to no school: leave out --school")
    elif school_code:
        school = next((s for s in schools if s.code.upper() == school_code.upper()), None)
        if school is None:
            fail(f"no school with code {school_code!r}")
    elif len(schools) == 1:
        school = schools[0]
    elif not schools:
        fail("no school exists yet: create one with `school create`")
    else:
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


@click.group("school")
def school_cli():
    """Schools of this instance (a city runs one instance for all its schools)."""


def _school_input(code, name, name_en, address, timezone, school=None):
    return SchoolInput(code=code if code is not None else school.code,
                       name=name if name is not None else school.name,
                       name_en=name_en if name_en is not None else school.name_en,
                       address=address if address is not None else school.address,
                       timezone=timezone if timezone is not None else school.timezone)


def _fail_on(error: DomainError) -> None:
    if isinstance(error, ValidationFailed) and error.errors:
        fail("; ".join(f"{k}: {', '.join(str(m) for m in v)}" for k, v in error.errors.items()))
    fail(str(error.message))


@school_cli.command("create")
@click.option("--code", required=True, help="Short code typed at login, e.g. JSXY.")
@click.option("--name", required=True, help="The school's name (学校名称).")
@click.option("--name-en", default="", help="English name.")
@click.option("--address", default="")
@click.option("--timezone", default="Asia/Shanghai", show_default=True)
@click.option("--admin", "admin_username", default=None,
              help="Also create this admin account; its initial password is printed once.")
@click.option("--admin-name", default="", help="The admin's display name.")
def school_create(code, name, name_en, address, timezone, admin_username, admin_name):
    """Create a school (and optionally its first admin)."""
    try:
        school = schools.create_school(None, _school_input(code, name, name_en, address,
                                                           timezone))
        account = (schools.create_school_admin(None, school, admin_username, admin_name)
                   if admin_username else None)
    except DomainError as e:
        _fail_on(e)
    db.session.commit()
    click.echo(f"Created school {school.code} ({school.name}); login address /s/{school.code}/login")
    if account is not None:
        user, password = account
        click.echo(f"Admin {user.username!r}, initial password {password} (to be changed at "
                   "first login)")


@school_cli.command("list")
def school_list():
    """Every school: code, name, time zone, accounts, students."""
    counts = dict(db.session.execute(sa.select(User.school_id, sa.func.count())
                                     .group_by(User.school_id)).all())
    students = dict(db.session.execute(sa.select(Student.school_id, sa.func.count())
                                       .group_by(Student.school_id)).all())
    for school in db.session.scalars(sa.select(School).order_by(School.code)):
        state = "" if school.active else "  (closed)"
        click.echo(f"{school.code}\t{school.name}\t{school.timezone}\t"
                   f"{counts.get(school.id, 0)} accounts\t{students.get(school.id, 0)} students"
                   f"{state}")


@school_cli.command("update")
@click.argument("code")
@click.option("--code", "new_code", default=None)
@click.option("--name", default=None)
@click.option("--name-en", default=None)
@click.option("--address", default=None)
@click.option("--timezone", default=None)
@click.option("--logo", type=click.Path(exists=True, dir_okay=False), default=None,
              help="A PNG or JPEG of at most 200 kB for the header, cards and workbooks.")
@click.option("--close/--reopen", "close", default=None,
              help="A closed school's people cannot log in; its records stay.")
def school_update(code, new_code, name, name_en, address, timezone, logo, close):
    """Change a school's code, names, address, time zone, logo, or close it."""
    try:
        school = schools.school_by_code(code)
        schools.update_school(None, school, _school_input(new_code, name, name_en, address,
                                                          timezone, school))
        if logo:
            schools.set_logo(None, school, Path(logo).read_bytes())
        if close is not None:
            schools.set_active(None, school, not close)
    except DomainError as e:
        _fail_on(e)
    db.session.commit()
    click.echo(f"Updated school {school.code}.")
