"""Logins per school (issue 14, acceptance 1): two schools made by the CLI and by the city
office's page, the same 学号 and the same teacher's username in both, each person logging in
to their own school through the real login form — at /login with the school code (remembered
on the device) and at /s/<code>/login —, throttling and password resets per account, and the
CLI's `create-user --school CODE` / `--role city`."""

from __future__ import annotations

import re
import subprocess
import zipfile
from io import BytesIO

import pytest
import sqlalchemy as sa
from openpyxl import Workbook

from starrating.extensions import db
from starrating.models import LoginAttempt, Role, School, Student, User
from tests.conftest import Actor, csrf_from
from tests.factories import PASSWORD
from tests.security.helpers import TINY_PNG

OTHER_PASSWORD = "Another2026pw"
CITY_PASSWORD = "Cityoffice2026"


# ---- helpers: the real login form ------------------------------------------------------------

def login(client, username, password=PASSWORD, school=None, url="/login"):
    """Fill in and send the login form at `url` (the school code field when given)."""
    page = client.get(url)
    assert page.status_code == 200, (url, page.status_code)
    data = {"username": username, "password": password,
            "csrf_token": csrf_from(page.get_data(as_text=True))}
    if school is not None:
        data["school"] = school
    return client.post(url, data=data)


def logged_in_as(client) -> str:
    """The header's user line of the page the client lands on."""
    html = client.get("/", follow_redirects=True).get_data(as_text=True)
    match = re.search(r'<span class="nav-user">([^<]*)</span>', html)
    return match.group(1) if match else ""


def school_field(html: str) -> str | None:
    """The school code field's value ('' when empty), or None when the form has none."""
    match = re.search(r'<input[^>]*name="school"[^>]*>', html)
    if match is None:
        return None
    value = re.search(r'value="([^"]*)"', match.group(0))
    return value.group(1) if value else ""


def xlsx(rows) -> bytes:
    workbook = Workbook()
    for values in rows:
        workbook.active.append(values)
    out = BytesIO()
    workbook.save(out)
    return out.getvalue()


def import_roster(actor, rows) -> dict[str, str]:
    """Upload a roster through the admin's page and confirm it: 学号 → initial password.
    The password slips (downloaded once) print the school's own login address."""
    preview = actor.post("/admin/students/import",
                         {"file": (BytesIO(xlsx(rows)), "roster.xlsx")},
                         content_type="multipart/form-data")
    assert preview.status_code == 200, preview.status_code
    html = preview.get_data(as_text=True)
    token = html.split("/admin/students/import/")[1].split('"')[0]
    done = actor.post(f"/admin/students/import/{token}")
    assert done.status_code == 200
    sheet = done.get_data(as_text=True).split('href="/admin/students/import/passwords/')[1]
    archive = zipfile.ZipFile(BytesIO(actor.get(
        "/admin/students/import/passwords/" + sheet.split('"')[0]).data))
    code = db.session.get(School, actor.user.school_id).code
    for name in archive.namelist():
        text = subprocess.run(["pdftotext", "-raw", "-", "-"], input=archive.read(name),
                              capture_output=True, check=True).stdout.decode()
        assert f"http://localhost/s/{code}/login" in text, text
    return dict(re.findall(r"<tr><td>(\d+)</td>.*?<code class=\"secret\">([^<]+)</code>",
                           done.get_data(as_text=True)))


def choose_password(client, old, new=PASSWORD):
    """The first login's compulsory change of the initial password."""
    page = client.get("/password")
    response = client.post("/password", data={
        "old_password": old, "new_password": new, "confirm": new,
        "csrf_token": csrf_from(page.get_data(as_text=True))})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]


def class_in(make, school, name="24机电1班"):
    return make.school_class(make.major(make.department(school)), school, name)


def user_of(school, username) -> User:
    return db.session.scalar(sa.select(User).where(User.school_id == school.id,
                                                   User.username == username))


@pytest.fixture
def two_schools(make):
    """School A and school B, each with a class, an admin and a teacher `wangfang` (A's with
    PASSWORD, B's with OTHER_PASSWORD), and a student 2024010001 in each."""
    from types import SimpleNamespace

    from werkzeug.security import generate_password_hash

    s = SimpleNamespace()
    for key, code, name, password in (("a", "JSXY", "江苏信息职业技术学院", PASSWORD),
                                      ("b", "NJGC", "南京工程技师学院", OTHER_PASSWORD)):
        school = make.school(name=name, code=code)
        school_class = class_in(make, school)
        student = make.student(school_class, name=f"{name[:2]}学生", student_no="2024010001",
                               account=True)
        admin = make.user(Role.ADMIN, school.id, username="admin", display_name=f"{name}学生处")
        teacher = make.user(Role.TEACHER, school.id, username="wangfang",
                            display_name=f"王芳（{name[:2]}）")
        for user in (teacher, user_of(school, "2024010001")):
            user.password_hash = generate_password_hash(password)
        setattr(s, key, SimpleNamespace(school=school, school_class=school_class,
                                        student=student, admin=admin, teacher=teacher,
                                        password=password))
    db.session.commit()
    return s


# ---- acceptance 1: two schools, by the CLI and by the page ---------------------------------------

def test_two_schools_made_by_the_cli_and_the_city_page_each_log_in_their_own_people(
        app, runner, make):
    # The server's operator: a school with its first admin, and the city office's account.
    result = runner.invoke(args=["school", "create", "--code", "JSXY", "--name",
                                 "江苏信息职业技术学院", "--admin", "admin",
                                 "--admin-name", "学生处"])
    assert result.exit_code == 0, result.output
    assert "/s/JSXY/login" in result.output
    admin_a_password = re.search(r"initial password (\S+)", result.output).group(1)
    result = runner.invoke(args=["create-user", "city", "--role", "city", "--password",
                                 CITY_PASSWORD, "--name", "市教育局"])
    assert result.exit_code == 0, result.output

    # The city office logs in at its own address and makes school B and its admin by page.
    city = app.test_client()
    assert login(city, "city", CITY_PASSWORD, url="/city/login").status_code == 302
    page = city.get("/city/schools/new")
    response = city.post("/city/schools/new", data={
        "code": "NJGC", "name": "南京工程技师学院", "name_en": "Nanjing Engineering",
        "address": "南京市江宁区", "timezone": "Asia/Shanghai",
        "csrf_token": csrf_from(page.get_data(as_text=True))})
    assert response.status_code == 302, response.get_data(as_text=True)[:800]
    school_b = db.session.scalar(sa.select(School).where(School.code == "NJGC"))
    assert response.headers["Location"] == f"/city/schools/{school_b.id}"
    page = city.get(f"/city/schools/{school_b.id}")
    response = city.post(f"/city/schools/{school_b.id}", data={
        "username": "admin", "display_name": "学生处",
        "csrf_token": csrf_from(page.get_data(as_text=True))})
    assert response.status_code == 200
    admin_b_password = re.search(r'<strong class="password">([^<]+)</strong>',
                                 response.get_data(as_text=True)).group(1)
    school_a = db.session.scalar(sa.select(School).where(School.code == "JSXY"))
    assert {s.code for s in db.session.scalars(sa.select(School))} == {"JSXY", "NJGC"}

    # Each school's admin (the same username "admin") logs in to their own school, chooses a
    # password, and imports a roster with the same 学号 2024010001: neither is refused.
    initial = {}
    for code, school, password, name in (("JSXY", school_a, admin_a_password, "甲同学"),
                                         ("NJGC", school_b, admin_b_password, "乙同学")):
        class_in(make, school)
        db.session.commit()
        client = app.test_client()
        response = login(client, "admin", password, school=code)
        assert response.status_code == 302 and response.headers["Location"] == "/password"
        choose_password(client, password)
        assert user_of(school, "admin").must_change_password is False

        passwords = import_roster(Actor(client, user_of(school, "admin")), [
            ["学号", "姓名", "性别", "班级", "状态"],
            ["2024010001", name, "男", "24机电1班", "在读"]])
        assert set(passwords) == {"2024010001"}
        initial[code] = passwords["2024010001"]
    students = db.session.execute(sa.select(Student.school_id, Student.name).where(
        Student.student_no == "2024010001")).all()
    assert sorted(students) == sorted([(school_a.id, "甲同学"), (school_b.id, "乙同学")])

    # Each 2024010001 logs in to their own school: A's at /login with the code, B's at B's
    # own address; the other school's initial password is refused in each.
    a_student, b_student = app.test_client(), app.test_client()
    assert login(a_student, "2024010001", initial["NJGC"], school="JSXY").status_code == 400
    assert login(a_student, "2024010001", initial["JSXY"], school="jsxy").status_code == 302
    choose_password(a_student, initial["JSXY"])
    assert "甲同学" in logged_in_as(a_student)
    assert login(b_student, "2024010001", initial["JSXY"], url="/s/NJGC/login").status_code == 400
    assert login(b_student, "2024010001", initial["NJGC"], url="/s/NJGC/login").status_code == 302
    choose_password(b_student, initial["NJGC"])
    assert "乙同学" in logged_in_as(b_student)


def test_a_student_number_in_two_schools_logs_in_to_their_own(app, two_schools):
    s = two_schools
    for side, other in ((s.a, s.b), (s.b, s.a)):
        code = side.school.code
        # At /login with the school's code ...
        client = app.test_client()
        assert login(client, "2024010001", other.password, school=code).status_code == 400
        response = login(client, "2024010001", side.password, school=code)
        assert response.status_code == 302 and response.headers["Location"] == "/"
        assert side.student.name in logged_in_as(client)
        # ... and at the school's own address, which has no school field.
        client = app.test_client()
        html = client.get(f"/s/{code}/login").get_data(as_text=True)
        assert school_field(html) is None and side.school.name in html
        assert login(client, "2024010001", other.password,
                     url=f"/s/{code}/login").status_code == 400
        assert login(client, "2024010001", side.password,
                     url=f"/s/{code}/login").status_code == 302
        assert side.student.name in logged_in_as(client)
        assert other.student.name not in client.get("/student/").get_data(as_text=True)


def test_teacher_wangfang_in_each_school_logs_in_with_their_own_password(app, two_schools):
    s = two_schools
    assert s.a.teacher.username == s.b.teacher.username == "wangfang"
    for side, other in ((s.a, s.b), (s.b, s.a)):
        client = app.test_client()
        assert login(client, "wangfang", other.password,
                     school=side.school.code).status_code == 400
        assert login(client, "wangfang", side.password,
                     school=side.school.code).status_code == 302
        assert side.teacher.display_name in logged_in_as(client)
    # The wrong school's address with the right password of the other is refused too.
    assert login(app.test_client(), "wangfang", s.a.password,
                 url=f"/s/{s.b.school.code}/login").status_code == 400


def test_the_school_code_is_remembered_on_the_device_and_filled_in(app, two_schools):
    s = two_schools
    client = app.test_client()
    assert school_field(client.get("/login").get_data(as_text=True)) == ""  # asked, empty
    response = login(client, "wangfang", s.b.password, school="njgc")  # typed in any case
    cookie = response.headers.getlist("Set-Cookie")
    school_cookie = next(c for c in cookie if c.startswith("school="))
    assert school_cookie.startswith("school=NJGC;") and "HttpOnly" in school_cookie
    assert "SameSite=Lax" in school_cookie and "Max-Age=" in school_cookie
    client.post("/logout", data={"csrf_token": csrf_from(
        client.get("/password").get_data(as_text=True))})
    html = client.get("/login").get_data(as_text=True)
    assert school_field(html) == "NJGC"  # the next login on this phone: filled in
    # The school's own address remembers it too.
    other = app.test_client()
    response = login(other, "wangfang", s.a.password, url="/s/JSXY/login")
    assert any(c.startswith("school=JSXY;") for c in response.headers.getlist("Set-Cookie"))


def test_an_unknown_or_missing_school_code_is_told_beside_the_field(app, two_schools):
    client = app.test_client()
    for code, words in (("", "Enter your school's code"), ("NOPE", "No school has the code")):
        client.set_cookie("lang", "en")
        response = login(client, "wangfang", PASSWORD, school=code)
        assert response.status_code == 400
        assert words in response.get_data(as_text=True)
    assert client.get("/s/NOPE/login").status_code == 404


def test_a_closed_school_logs_nobody_in(app, runner, two_schools):
    s = two_schools
    result = runner.invoke(args=["school", "update", "NJGC", "--close"])
    assert result.exit_code == 0, result.output
    assert login(app.test_client(), "wangfang", s.b.password, school="NJGC").status_code == 400
    assert app.test_client().get("/s/NJGC/login").status_code == 404
    assert login(app.test_client(), "wangfang", s.a.password, school="JSXY").status_code == 302


def test_a_single_school_has_no_school_field(app, make):
    school = make.school(code="ONLY")
    make.user(Role.TEACHER, school.id, username="wangfang")
    db.session.commit()
    client = app.test_client()
    assert school_field(client.get("/login").get_data(as_text=True)) is None
    assert login(client, "wangfang").status_code == 302
    assert school_field(app.test_client().get("/s/ONLY/login").get_data(as_text=True)) is None


# ---- throttling and resets stay per account ---------------------------------------------------------

def test_failures_for_wangfang_in_a_do_not_lock_wangfang_in_b(app, two_schools):
    s = two_schools
    attacker = app.test_client()
    for _ in range(app.config["LOGIN_MAX_FAILURES_PER_USER"]):
        assert login(attacker, "wangfang", "Wrong-guess-1", school="JSXY").status_code == 400
    assert login(attacker, "wangfang", s.a.password, school="JSXY").status_code == 429  # locked
    keys = set(db.session.scalars(sa.select(LoginAttempt.username)))
    assert keys == {f"{s.a.school.id}:wangfang"}
    # B's wangfang, from the same address (the campus NAT), logs in.
    assert login(attacker, "wangfang", s.b.password, school="NJGC").status_code == 302


def test_a_schools_admin_resets_and_unlocks_only_their_own_schools_accounts(app, act,
                                                                           two_schools):
    s = two_schools
    admin_a = act(s.a.admin)
    b_hash = db.session.get(User, s.b.teacher.id).password_hash
    assert admin_a.post(f"/admin/teachers/{s.b.teacher.id}/reset").status_code in (403, 404)
    assert admin_a.post(f"/accounts/{s.b.teacher.id}/unlock").status_code in (403, 404)
    db.session.expire_all()
    assert db.session.get(User, s.b.teacher.id).password_hash == b_hash
    # Their own wangfang: reset works; B's wangfang still logs in with the old password.
    response = admin_a.post(f"/admin/teachers/{s.a.teacher.id}/reset")
    assert response.status_code == 200
    db.session.expire_all()
    assert db.session.get(User, s.a.teacher.id).must_change_password
    assert login(app.test_client(), "wangfang", s.b.password, school="NJGC").status_code == 302
    assert login(app.test_client(), "wangfang", s.a.password, school="JSXY").status_code == 400


# ---- the CLI: create-user --school CODE and --role city ------------------------------------------

def test_create_user_takes_the_school_code_or_the_city_role(app, runner, make):
    a, b = make.school(code="JSXY"), make.school(code="NJGC")
    db.session.commit()
    for code, password in (("JSXY", PASSWORD), ("njgc", OTHER_PASSWORD)):
        result = runner.invoke(args=["create-user", "wangfang", "--role", "teacher",
                                     "--password", password, "--name", "王芳",
                                     "--school", code])
        assert result.exit_code == 0, result.output
    assert user_of(a, "wangfang") is not None and user_of(b, "wangfang") is not None
    for args, words in (
            (["--role", "teacher"], "several schools exist"),
            (["--role", "teacher", "--school", "NOPE"], "no school with code"),
            (["--role", "city", "--school", "JSXY"], "belongs to no school"),
            (["--role", "teacher", "--school", "JSXY"], "用户名已被使用")):
        result = runner.invoke(args=["create-user", "wangfang", "--password", PASSWORD, *args])
        assert result.exit_code != 0 and words in result.output, (args, result.output)
    result = runner.invoke(args=["create-user", "city", "--role", "city",
                                 "--password", CITY_PASSWORD, "--name", "市教育局"])
    assert result.exit_code == 0, result.output
    city = db.session.scalar(sa.select(User).where(User.username == "city"))
    assert city.role == Role.CITY and city.school_id is None
    assert login(app.test_client(), "wangfang", OTHER_PASSWORD,
                 school="NJGC").status_code == 302
    # The city account logs in at the city's address, not at a school's.
    assert login(app.test_client(), "city", CITY_PASSWORD, school="JSXY").status_code == 400
    assert login(app.test_client(), "city", CITY_PASSWORD,
                 url="/s/JSXY/login").status_code == 400
    client = app.test_client()
    response = login(client, "city", CITY_PASSWORD, url="/city/login")
    assert response.status_code == 302
    assert client.get("/").headers["Location"] == "/city/"
    # A school's wangfang cannot log in at the city's address.
    assert login(app.test_client(), "wangfang", PASSWORD, url="/city/login").status_code == 400


def test_create_user_without_a_code_in_a_single_school_installation(app, runner, make):
    school = make.school(code="ONLY")
    db.session.commit()
    result = runner.invoke(args=["create-user", "wangfang", "--role", "teacher",
                                 "--password", PASSWORD])
    assert result.exit_code == 0, result.output
    assert user_of(school, "wangfang") is not None


# ---- found while testing -----------------------------------------------------------------------------

def test_editing_a_school_that_has_a_logo_keeps_it(app, act, make):
    """Found: the edit form was built with obj=school, which put the stored logo's bytes in
    the file field; saving any change then failed with 500 ('bytes' has no read)."""
    school = make.school(code="JSXY")
    school.logo, school.logo_type = TINY_PNG, "image/png"
    city = make.user(Role.CITY, None, username="city")
    db.session.commit()
    office = act(city)
    response = office.post(f"/city/schools/{school.id}/edit", {
        "code": "JSXY", "name": "改过的名字", "timezone": "Asia/Shanghai"})
    assert response.status_code == 302
    db.session.expire_all()
    school = db.session.get(School, school.id)
    assert school.name == "改过的名字" and school.logo == TINY_PNG
