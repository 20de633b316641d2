"""The create-user and seed-demo commands, and configuration."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from starrating.demo import DEMO_LOGINS
from starrating.extensions import db
from starrating.models import (
    ClassAssignment,
    Club,
    Department,
    Entry,
    Major,
    Role,
    SchoolClass,
    Student,
    Term,
    User,
)
from tests.conftest import csrf_from


def count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def test_seed_demo_builds_a_realistic_school_once(runner):
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    for _role, username, password in DEMO_LOGINS:
        assert username in result.output and password in result.output
    assert count(Department) >= 2 and count(Major) >= 4 and count(SchoolClass) >= 6
    assert count(Student) >= 240 and count(Club) >= 5
    assert db.session.scalar(sa.select(sa.func.count(User.id)).where(User.role == Role.TEACHER)) >= 8
    assert count(Term) == 2  # last term (final) and this one
    assert count(ClassAssignment) == 2 * count(SchoolClass)  # every class has its 班主任
    names = db.session.scalars(sa.select(Student.name)).all()
    assert all(2 <= len(n) <= 4 for n in names)
    assert len(set(names)) > 150  # varied Chinese names, not 学生1..240
    entries = count(Entry)
    assert entries > 240

    again = runner.invoke(args=["seed-demo"])
    assert again.exit_code == 0 and "already" in again.output
    assert count(Student) == 240 and count(Entry) == entries


def test_demo_logins_work_for_every_role(app, runner):
    runner.invoke(args=["seed-demo"])
    homes = {"admin": "/admin/", "teacher": "/teacher/", "student": "/student/",
             "city": "/city/", "guardian": "/guardian/"}
    for role, username, password in DEMO_LOGINS:
        client = app.test_client()
        login_page = "/city/login" if role == "city" else "/login"
        token = csrf_from(client.get(login_page).get_data(as_text=True))
        response = client.post(login_page, data={"username": username, "password": password,
                                                 "csrf_token": token})
        assert response.status_code == 302, (role, response.status_code)
        assert client.get(homes[role]).status_code == 200


def test_create_user_for_each_role(runner, school):
    result = runner.invoke(args=["create-user", "zhou", "--role", "admin",
                                 "--password", "Secret2026", "--name", "周主任"])
    assert result.exit_code == 0, result.output
    user = db.session.scalar(sa.select(User).where(User.username == "zhou"))
    assert user.role == Role.ADMIN and user.display_name == "周主任"
    assert user.check_password("Secret2026") and "Secret2026" not in user.password_hash

    student = school.other_students[1]
    db.session.execute(sa.delete(User).where(User.student_id == student.id))
    db.session.commit()
    result = runner.invoke(args=["create-user", "stu1", "--role", "student", "--password",
                                 "Secret2026", "--student-no", student.student_no])
    assert result.exit_code == 0, result.output
    created = db.session.scalar(sa.select(User).where(User.username == "stu1"))
    assert created.student_id == student.id and created.display_name == student.name


@pytest.mark.parametrize("args,message", [
    (["teacher_a", "--role", "teacher", "--password", "Secret2026"], "已被使用"),
    (["newbie", "--role", "teacher", "--password", "short"], "8"),
    (["newbie", "--role", "student", "--password", "Secret2026"], "--student-no"),
    (["newbie", "--role", "student", "--password", "Secret2026", "--student-no", "nope"], "nope"),
])
def test_create_user_refuses_bad_input_without_traceback(runner, school, args, message):
    before = count(User)
    result = runner.invoke(args=["create-user", *args])
    assert result.exit_code != 0
    assert message in result.output
    assert "Traceback" not in result.output
    assert count(User) == before


def test_bad_role_is_refused(runner, school):
    result = runner.invoke(args=["create-user", "x1", "--role", "janitor", "--password", "Ab123456"])
    assert result.exit_code == 2 and "janitor" in result.output


def test_production_refuses_to_start_with_the_default_secret_key(monkeypatch):
    from config import DEFAULT_SECRET_KEY, ProductionConfig
    from starrating import create_app

    monkeypatch.setattr(ProductionConfig, "SECRET_KEY", DEFAULT_SECRET_KEY)
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app(ProductionConfig)
    monkeypatch.setattr(ProductionConfig, "SECRET_KEY", "")
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app(ProductionConfig)


def test_production_cookies_are_secure(monkeypatch, tmp_path):
    from config import ProductionConfig
    from starrating import create_app

    monkeypatch.setattr(ProductionConfig, "SECRET_KEY", "a-long-random-production-key-123")
    monkeypatch.setattr(ProductionConfig, "SQLALCHEMY_DATABASE_URI",
                        f"sqlite:///{tmp_path / 'p.sqlite3'}")
    app = create_app(ProductionConfig)
    assert app.config["SESSION_COOKIE_SECURE"] and app.config["REMEMBER_COOKIE_SECURE"]
    assert app.config["SESSION_COOKIE_HTTPONLY"] and app.config["SESSION_COOKIE_SAMESITE"] == "Lax"
