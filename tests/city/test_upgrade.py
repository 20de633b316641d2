"""Upgrade in place (issue 14, acceptance 4): a single-school installation at revision
0011_quick_events, filled with data, upgrades to head and every row and every login keeps
working; the admin without a school becomes the city office; the downgrade back to 0011 works
while usernames are still unique (and refuses, changing nothing, when they are not).

On SQLite, migration 0012 rebuilds `user` (which many tables reference, login_session with ON
DELETE CASCADE) with foreign keys off: afterwards they must be on again on the connection the
migration used — the app's pooled connection — and `PRAGMA foreign_key_check` must find
nothing. With STARRATING_TEST_DATABASE_URL naming PostgreSQL the same runs on a database of
its own, created and dropped here.
"""

from __future__ import annotations

import secrets
from datetime import UTC, date, datetime, timedelta

import flask_migrate
import pytest
import sqlalchemy as sa

from starrating import create_app
from starrating.demo import default_rules_source
from starrating.extensions import db
from tests.conftest import PG_URL, USE_PG, IsolatedClient, _config_dict, csrf_from
from tests.factories import PASSWORD, password_hash

BEFORE = "0011_quick_events"
TEACHER_PASSWORD, CITY_PASSWORD = "Teacher2026pw", "Cityoffice2026"
# The tables the filled database has rows in, and what the rows are compared by.
KEYS = {
    "school": ("id", "code", "name"),
    "user": ("id", "school_id", "username", "password_hash", "display_name", "student_id",
             "active"),
    "department": ("id", "school_id", "name"),
    "major": ("id", "department_id", "name"),
    "school_class": ("id", "school_id", "major_id", "name"),
    "student": ("id", "school_id", "student_no", "name", "class_id"),
    "rule_set": ("id", "school_id", "name"),
    "rule_set_version": ("id", "rule_set_id", "version"),
    "term": ("id", "school_id", "name", "rule_version_id"),
    "class_assignment": ("id", "term_id", "class_id", "teacher_id"),
    "entry": ("id", "term_id", "student_id", "indicator", "points_cents", "author_id"),
    "login_session": ("id", "token", "user_id"),
    "login_attempt": ("id", "username", "ip"),
    "audit_log": ("id", "actor_id", "action", "object_type", "object_id", "school_id"),
}


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request, tmp_path, worker_id):
    """An empty database of this test's own: a SQLite file, or (with a PostgreSQL test URL) a
    PostgreSQL database created for the test and dropped after it."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'upgrade.sqlite3'}"
        return
    if not USE_PG:
        pytest.skip("STARRATING_TEST_DATABASE_URL does not name PostgreSQL")
    url = sa.engine.make_url(PG_URL)
    name = f"{url.database}_upgrade_{worker_id}_{secrets.token_hex(3)}"
    admin = sa.create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def app_on(database, tmp_path):
    app = create_app({**_config_dict(), "SQLALCHEMY_DATABASE_URI": database,
                      "STARRATING_FILES_DIR": str(tmp_path / "files")})
    app.test_client_class = IsolatedClient
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


def revision() -> str:
    return db.session.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()


def fill_at_0011() -> dict:
    """A school as it stood before issue 14, written with plain INSERTs into the tables as
    revision 0011 made them (reflected, not the app's models)."""
    from werkzeug.security import generate_password_hash

    t = sa.MetaData()
    t.reflect(db.engine)
    now = datetime.now(UTC).replace(tzinfo=None)
    teacher_hash = generate_password_hash(TEACHER_PASSWORD)
    city_hash = generate_password_hash(CITY_PASSWORD)
    rows = {
        "school": [dict(id=1, code="DEMO", name="示范技师学院", graduates_can_log_in=True)],
        "department": [dict(id=1, school_id=1, name="机电工程系")],
        "major": [dict(id=1, department_id=1, name="机电一体化")],
        "school_class": [dict(id=1, school_id=1, major_id=1, name="24机电1班", grade=2024)],
        "student": [dict(id=i, school_id=1, student_no=f"202401000{i}", name=f"学生{i}",
                         gender="male", class_id=1, status="active") for i in (1, 2)],
        "user": [
            user(1, 1, "admin", password_hash(), "admin", "学生处", now),
            user(2, 1, "wangfang", teacher_hash, "teacher", "王芳", now),
            user(3, 1, "2024010001", password_hash(), "student", "学生1", now, student_id=1),
            user(4, 1, "2024010002", password_hash(), "student", "学生2", now, student_id=2),
            user(5, None, "cityadmin", city_hash, "admin", "市教育局", now),
        ],
        "rule_set": [dict(id=1, school_id=1, name="细则", created_at=now)],
        "rule_set_version": [dict(id=1, rule_set_id=1, version=1,
                                  source=default_rules_source(), format="toml",
                                  created_at=now, created_by_id=1, comment="")],
        "term": [dict(id=1, school_id=1, name="2026—2027学年第一学期",
                      start_date=date(2026, 9, 1), end_date=date(2027, 1, 20),
                      status="open", rule_version_id=1, notice_days=5,
                      club_indicator="club.membership", created_at=now)],
        "class_assignment": [dict(id=1, term_id=1, class_id=1, teacher_id=2)],
        "entry": [dict(id=i, term_id=1, student_id=i, indicator="moral.service",
                       points_cents=200 * i, occurred_on=date(2026, 10, i), item_name="",
                       note="值日", source="form", author_id=2, created_at=now,
                       updated_at=now, version=1) for i in (1, 2)],
        # A teacher signed in on a phone, and an old failed login (a plain username key).
        "login_session": [dict(id=1, token=secrets.token_urlsafe(32), user_id=2,
                               created_at=now - timedelta(hours=1), user_agent="phone")],
        "login_attempt": [dict(id=1, username="wangfang", ip="10.0.0.9",
                               at=now - timedelta(days=3))],
        "audit_log": [dict(id=1, at=now, actor_id=2, action="create", object_type="entry",
                           object_id=1, school_id=1, term_id=1, student_id=1)],
    }
    with db.engine.begin() as conn:
        for table in t.sorted_tables:
            if table.name in rows:
                conn.execute(table.insert(), rows[table.name])
        if conn.dialect.name == "postgresql":  # explicit ids: move the sequences past them
            for name in rows:  # the names are this test's own
                sql = f"SELECT setval(pg_get_serial_sequence('\"{name}\"', 'id'), (SELECT MAX(id) FROM \"{name}\"))"  # noqa: E501, S608
                conn.execute(sa.text(sql))
    return rows


def user(id, school_id, username, hash_, role, name, now, student_id=None) -> dict:
    return dict(id=id, school_id=school_id, username=username, password_hash=hash_, role=role,
                display_name=name, active=True, student_id=student_id, locale=None,
                must_change_password=False, created_at=now, password_changed_at=now)


def snapshot() -> dict[str, list]:
    t = sa.MetaData()
    t.reflect(db.engine)
    with db.engine.connect() as conn:
        return {name: sorted(tuple(r) for r in conn.execute(
            sa.select(*[t.tables[name].c[k] for k in keys])))
            for name, keys in KEYS.items()}


def login(app, username, password, url="/login", school=None):
    client = app.test_client()
    data = {"username": username, "password": password,
            "csrf_token": csrf_from(client.get(url).get_data(as_text=True))}
    if school is not None:
        data["school"] = school
    return client, client.post(url, data=data)


def foreign_keys_state() -> set[tuple[int, tuple]]:
    """(PRAGMA foreign_keys, foreign_key_check's findings) of every pooled connection —
    the migration's among them — taken out of the pool all at once."""
    conns = [db.engine.connect() for _ in range(max(1, db.engine.pool.checkedin()))]
    try:
        return {(c.exec_driver_sql("PRAGMA foreign_keys").scalar(),
                 tuple(c.exec_driver_sql("PRAGMA foreign_key_check").fetchall()))
                for c in conns}
    finally:
        for c in conns:
            c.close()


def test_a_filled_0011_database_upgrades_in_place_and_every_login_works(app_on):
    app = app_on
    flask_migrate.upgrade(revision=BEFORE)
    assert revision() == BEFORE
    rows = fill_at_0011()
    before = snapshot()
    token = rows["login_session"][0]["token"]

    flask_migrate.upgrade()  # to head
    assert revision() != BEFORE
    db.session.remove()
    if db.engine.dialect.name == "sqlite":
        # The pool hands out the very connection the migration used: on again, and clean.
        assert foreign_keys_state() == {(1, ())}
    after = snapshot()
    assert after == before  # every row kept, ids and password hashes included

    from starrating.models import Role, School, User

    roles = dict(db.session.execute(sa.select(User.username, User.role)).all())
    assert roles == {"admin": Role.ADMIN, "wangfang": Role.TEACHER,
                     "2024010001": Role.STUDENT, "2024010002": Role.STUDENT,
                     "cityadmin": Role.CITY}
    school = db.session.get(School, 1)
    assert (school.code, school.name, school.timezone, school.active) == (
        "DEMO", "示范技师学院", "Asia/Shanghai", True)
    db.session.remove()

    # Every user logs in through the form; one school: no school field is asked for.
    html = app.test_client().get("/login").get_data(as_text=True)
    assert 'name="school"' not in html
    for username, password, home in (("admin", PASSWORD, "/"), ("wangfang", TEACHER_PASSWORD, "/"),
                                     ("2024010001", PASSWORD, "/"),
                                     ("2024010002", PASSWORD, "/")):
        client, response = login(app, username, password)
        assert response.status_code == 302 and response.headers["Location"] == home, username
        assert client.get("/", follow_redirects=True).status_code == 200, username
    _, response = login(app, "wangfang", TEACHER_PASSWORD, url="/s/DEMO/login")
    assert response.status_code == 302
    # The school-less admin is the city office now: not at a school's login, at the city's.
    assert login(app, "cityadmin", CITY_PASSWORD)[1].status_code == 400
    client, response = login(app, "cityadmin", CITY_PASSWORD, url="/city/login")
    assert response.status_code == 302
    assert client.get("/").headers["Location"] == "/city/"
    assert "DEMO" in client.get("/city/").get_data(as_text=True)
    # The teacher's phone, signed in before the upgrade, is still signed in.
    phone = app.test_client()
    with phone.session_transaction() as sess:
        sess["_user_id"], sess["_fresh"] = token, True
    page = phone.get("/teacher/")
    assert page.status_code == 200 and "王芳" in page.get_data(as_text=True)


def test_the_downgrade_to_0011_works_while_usernames_are_unique(app_on):
    flask_migrate.upgrade(revision=BEFORE)
    fill_at_0011()
    before = snapshot()
    flask_migrate.upgrade()
    db.session.remove()

    flask_migrate.downgrade(revision=BEFORE)
    db.session.remove()
    assert revision() == BEFORE
    assert snapshot() == before
    with db.engine.connect() as conn:
        roles = dict(conn.execute(sa.text('SELECT username, role FROM "user"')).all())
        assert roles["cityadmin"] == "admin"  # back to what 0011 knew
        # The global unique username is back.
        with pytest.raises(sa.exc.IntegrityError):
            conn.execute(sa.text(
                'INSERT INTO "user" (school_id, username, password_hash, role, display_name, '
                "active, must_change_password, created_at) VALUES (NULL, 'wangfang', 'x', "
                "'teacher', 'x', true, false, CURRENT_TIMESTAMP)"))
    if db.engine.dialect.name == "sqlite":
        assert foreign_keys_state() == {(1, ())}
    # And up again: the round trip is clean.
    flask_migrate.upgrade()
    db.session.remove()
    assert snapshot() == before


def test_the_downgrade_refuses_when_two_schools_share_a_username(app_on, capfd):
    flask_migrate.upgrade(revision=BEFORE)
    fill_at_0011()
    flask_migrate.upgrade()
    # The later migrations step down first (they may, whatever the usernames); 0012 refuses.
    flask_migrate.downgrade(revision="0012_schools")
    head = revision()
    assert head == "0012_schools"
    db.session.remove()
    with db.engine.begin() as conn:
        conn.execute(sa.text("INSERT INTO school (id, code, name, graduates_can_log_in) "
                             "VALUES (2, 'NJGC', '南京工程技师学院', true)"))
        conn.execute(sa.text(
            'INSERT INTO "user" (school_id, username, password_hash, role, display_name, '
            "active, must_change_password, created_at) VALUES (2, 'wangfang', 'x', "
            "'teacher', '王芳', true, false, CURRENT_TIMESTAMP)"))
    before = snapshot()
    with pytest.raises(SystemExit):  # Flask-Migrate logs the RuntimeError and exits
        flask_migrate.downgrade(revision=BEFORE)
    assert "'wangfang' exists in several schools" in capfd.readouterr().err
    db.session.remove()
    assert revision() == head and snapshot() == before
