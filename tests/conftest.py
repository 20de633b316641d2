"""Shared fixtures: app, client, runner, makers, act-as-user helpers, a live server.

The database is SQLite (a fresh file per test) unless STARRATING_TEST_DATABASE_URL names a
PostgreSQL database; then each xdist worker gets its own database, schema made once, and
every table is truncated after each test.
"""

from __future__ import annotations

import contextvars
import functools
import hashlib
import os
import re
import shutil

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient
from itsdangerous import URLSafeTimedSerializer
from werkzeug.routing.rules import Rule

from config import TestingConfig
from starrating import create_app
from starrating.extensions import db
from tests import factories


def _remember_url_builders() -> None:
    """The suite makes an app per test, and werkzeug compiles two URL-builder functions for
    each of the app's ~170 routes every time (ast and compile: ~130 of create_app's ~160 ms
    of CPU). A builder depends only on its rule's parts, defaults and `append_unknown` (it
    takes the rule as its first argument), so the tests compile each one once per worker."""
    compile_builder = Rule._compile_builder
    built: dict = {}

    def remembered(self, append_unknown=True):
        key = (self.rule, tuple(self._trace), repr(sorted((self.defaults or {}).items())),
               append_unknown)
        found = built.get(key)
        if found is None:
            found = built[key] = compile_builder(self, append_unknown)
        return found

    Rule._compile_builder = remembered


_remember_url_builders()

PG_URL = os.environ.get("STARRATING_TEST_DATABASE_URL", "")
USE_PG = PG_URL.startswith("postgresql")


def _worker_pg_url(worker_id: str) -> str:
    """Per-worker database (created when missing) so parallel workers never collide."""
    url = sa.engine.make_url(PG_URL)
    name = f"{url.database}_{worker_id}" if worker_id != "master" else url.database
    admin = sa.create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        exists = conn.scalar(sa.text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name})
        if not exists:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return url.set(database=name).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def database_url(worker_id, tmp_path_factory):
    if USE_PG:
        return _worker_pg_url(worker_id)
    return None  # per-test SQLite file


@pytest.fixture(scope="session")
def _pg_schema(database_url):
    if not USE_PG:
        yield
        return
    app = create_app(TestingConfig)
    app.config["SQLALCHEMY_DATABASE_URI"] = database_url
    engine = sa.create_engine(database_url)
    with engine.begin() as conn:
        db.metadata.drop_all(conn)
        db.metadata.create_all(conn)
    engine.dispose()
    yield


class IsolatedClient(FlaskClient):
    """Runs each request in a fresh context, as a real server does: the test's app
    context (its `g` and database session) is not shared with the request."""

    def open(self, *args, **kwargs):
        return contextvars.Context().run(super().open, *args, **kwargs)


def _no_fsync(dbapi_connection, _record) -> None:
    """A test's SQLite file is thrown away: no waiting for the disk on every commit (the
    app's own pragmas, WAL and the busy timeout, stay as they are)."""
    dbapi_connection.execute("PRAGMA synchronous=OFF")


def _sqlite_app(path, files_dir):
    app = create_app({**_config_dict(), "SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}",
                      "STARRATING_FILES_DIR": str(files_dir)})
    with app.app_context():
        sa.event.listen(db.engine, "connect", _no_fsync)
    return app


@pytest.fixture(scope="session")
def _sqlite_schema(tmp_path_factory):
    """SQLite: an empty database with every table, made once per worker; each test starts
    from a copy of the file (the same schema `db.create_all()` makes, without its hundreds
    of statements per test)."""
    if USE_PG:
        return None
    folder = tmp_path_factory.mktemp("schema")
    app = _sqlite_app(folder / "schema.sqlite3", folder / "files")
    with app.app_context():
        db.create_all()
        db.session.remove()
        db.engine.dispose()  # the last connection checkpoints the WAL into the file
    assert not (folder / "schema.sqlite3-wal").exists()
    return folder / "schema.sqlite3"


@pytest.fixture
def app(database_url, _pg_schema, _sqlite_schema, tmp_path):
    if USE_PG:
        app = create_app({**_config_dict(), "SQLALCHEMY_DATABASE_URI": database_url,
                          "STARRATING_FILES_DIR": str(tmp_path / "files")})
    else:
        shutil.copyfile(_sqlite_schema, tmp_path / "test.sqlite3")
        app = _sqlite_app(tmp_path / "test.sqlite3", tmp_path / "files")
    app.test_client_class = IsolatedClient
    with app.app_context():
        yield app
        db.session.remove()
        if USE_PG:
            with db.engine.begin() as conn:
                conn.execute(sa.text(_empty_pg_statement()))
        db.engine.dispose()


@functools.cache
def _empty_pg_statement() -> str:
    """Every row deleted (children first) and every id sequence back at 1, as TRUNCATE ...
    RESTART IDENTITY leaves the tables; DELETE on a test's few rows takes a fraction of the
    time TRUNCATE takes (TRUNCATE makes new files for ~60 tables and their indexes)."""
    tables = list(reversed(db.metadata.sorted_tables))
    deletes = [f'DELETE FROM "{t.name}"' for t in tables]  # noqa: S608 (the model's tables)
    resets = [f"setval(pg_get_serial_sequence('\"{t.name}\"', '{t.autoincrement_column.name}'), "
              "1, false)" for t in tables if t.autoincrement_column is not None]
    return "; ".join(deletes) + "; SELECT " + ", ".join(resets)



def _config_dict() -> dict:
    return {k: getattr(TestingConfig, k) for k in dir(TestingConfig) if k.isupper()}


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


# ---- makers -------------------------------------------------------------------------

@pytest.fixture
def make(app):
    """Makers: `make.student(...)`, `make.teacher(...)`, ... (see tests/factories.py)."""
    return factories.Maker()


@pytest.fixture
def school(make):
    """A small school: one term (open, default rules), one class with 5 students,
    its class teacher, another class with its own teacher, an admin."""
    return make.school_setup()


# ---- acting as users -----------------------------------------------------------------

CSRF_RE = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')


def csrf_from(html: str) -> str:
    match = CSRF_RE.search(html)
    assert match, "no csrf_token in page"
    return match.group(1)


class Actor:
    """A test client acting as one user (or anonymous), with CSRF handled."""

    def __init__(self, client, user=None):
        self.client = client
        self.user = user
        self._token: str | None = None

    def csrf(self) -> str:
        """The token a form would carry for this client's session, as Flask-WTF's
        generate_csrf makes it (the raw value in the session, signed), without rendering a
        page to read it from (tests/test_csrf_helper.py checks it is the page's token)."""
        if self._token is None:
            app = self.client.application
            with self.client.session_transaction() as sess:
                raw = sess.setdefault("csrf_token", hashlib.sha1(os.urandom(64)).hexdigest())
            secret = app.config.get("WTF_CSRF_SECRET_KEY") or app.secret_key
            self._token = URLSafeTimedSerializer(secret, salt="wtf-csrf-token").dumps(raw)
        return self._token

    def get(self, url, **kw):
        return self.client.get(url, **kw)

    def post(self, url, data=None, *, csrf=True, **kw):
        data = dict(data or {})
        if csrf:
            data.setdefault("csrf_token", self.csrf())
        return self.client.post(url, data=data, **kw)


def login_as(client, user) -> Actor:
    """Sign `user` in on `client` without the password form (fast: no scrypt)."""
    from starrating.auth.services import start_login_session

    login_session = start_login_session(user)
    db.session.commit()
    with client.session_transaction() as sess:
        sess["_user_id"] = login_session.token
        sess["_fresh"] = True
    return Actor(client, user)


@pytest.fixture
def act(app):
    """act(user) → an Actor with its own client; act(None) → anonymous."""

    def _act(user=None):
        client = app.test_client()
        return login_as(client, user) if user is not None else Actor(client)

    return _act


# ---- counting SQL statements -----------------------------------------------------------

class QueryCounter:
    def __init__(self, engine):
        self.engine = engine
        self.statements: list[str] = []

    def __enter__(self):
        sa.event.listen(self.engine, "before_cursor_execute", self._on)
        return self

    def __exit__(self, *exc):
        sa.event.remove(self.engine, "before_cursor_execute", self._on)

    def _on(self, conn, cursor, statement, parameters, context, executemany):
        self.statements.append(statement)

    @property
    def count(self) -> int:
        return len(self.statements)


@pytest.fixture
def count_queries(app):
    """`with count_queries() as q: ...; q.count` — SQL statements sent to the database."""
    return lambda: QueryCounter(db.engine)
