"""Database engine tweaks applied per connection, and the read-only binding of GETs."""

from __future__ import annotations

import re

from flask import Flask, request
from sqlalchemy import event
from sqlalchemy.engine import Engine

from .extensions import READ_ONLY, begin_reads, db, end_reads

READING_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_WRITE_STATEMENT = re.compile(r"^\s*(INSERT|UPDATE|DELETE|TRUNCATE|CREATE|DROP|ALTER|COPY)\b",
                              re.IGNORECASE)


class WriteInReadingRequest(RuntimeError):
    """A GET tried to write: refused before the statement is sent."""


def init_db_events(app: Flask) -> None:
    """Call right after db.init_app: the read-only binding must come before the first
    statement of a request (the login's)."""
    with app.app_context():
        engine = db.engine
        if engine.dialect.name == "sqlite":
            event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "before_cursor_execute", refuse_writes)

    @app.before_request
    def reads_only():
        if request.method in READING_METHODS and request.endpoint != "static":
            begin_reads(db.session())

    @app.teardown_request
    def reads_done(_error=None):
        if db.session.registry.has():
            end_reads(db.session())


def refuse_writes(conn, cursor, statement, parameters, context, executemany) -> None:
    """On the read-only twin (extensions.read_only_engine) no statement writes: a GET's
    writes were always rolled back, and on PostgreSQL's autocommit they would stay."""
    if conn.get_execution_options().get(READ_ONLY) and _WRITE_STATEMENT.match(statement):
        raise WriteInReadingRequest(f"a {request.method} request tried to write: "
                                    f"{statement.split(None, 3)[:3]}")


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cur = dbapi_connection.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    # WAL lets readers go on while a teacher saves; busy_timeout waits instead of failing.
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA busy_timeout=10000")
    cur.close()


__all__ = ["init_db_events", "Engine"]
