"""Shared by the security tests: a collection-time app, row counts, tiny files."""

from __future__ import annotations

import functools

import sqlalchemy as sa

from starrating.extensions import db

TINY_PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00"
            b"\x00\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00"
            b"\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82")


@functools.cache
def build_app():
    """An app for reading the url_map and form classes at collection time (no database)."""
    from starrating import create_app
    from tests.conftest import _config_dict

    return create_app({**_config_dict(), "SQLALCHEMY_DATABASE_URI": "sqlite://"})


# Rows that any request may add: a login, a failed login, an audit line of a refusal.
BOOKKEEPING = ("login_session", "login_attempt")


def table_counts(ignore=BOOKKEEPING) -> dict[str, int]:
    """Rows per table: compared before and after a refused request."""
    db.session.expire_all()
    counts = {}
    for table in db.metadata.sorted_tables:
        if table.name in ignore:
            continue
        counts[table.name] = db.session.scalar(sa.select(sa.func.count()).select_from(table))
    db.session.rollback()
    return counts


def table_dump(ignore=BOOKKEEPING) -> dict[str, list]:
    """Every row of every table (sorted): compared before and after a refused request."""
    db.session.expire_all()
    dump = {}
    for table in db.metadata.sorted_tables:
        if table.name in ignore:
            continue
        rows = db.session.execute(sa.select(table)).all()
        dump[table.name] = sorted(tuple(map(repr, r)) for r in rows)
    db.session.rollback()
    return dump


class WriteWatch:
    """Whether a statement that can change rows was sent, or a transaction committed, on any
    engine of this process since the last dump (`dump`). A test whose requests all run in
    this process (the test client) can skip dumping every table again while nothing was:
    the rows are as the last dump found them. Anything but a SELECT counts as a write; so
    does every commit (the page-version bump goes to the driver directly at COMMIT)."""

    def __init__(self, ignore=BOOKKEEPING):
        self.ignore = ignore
        self.dirty = True
        self.dumps = 0
        self._last: dict | None = None

    def __enter__(self):
        sa.event.listen(sa.engine.Engine, "before_cursor_execute", self._statement)
        sa.event.listen(sa.engine.Engine, "commit", self._commit)
        return self

    def __exit__(self, *exc):
        sa.event.remove(sa.engine.Engine, "before_cursor_execute", self._statement)
        sa.event.remove(sa.engine.Engine, "commit", self._commit)

    def _statement(self, conn, cursor, statement, parameters, context, executemany):
        if not statement.lstrip()[:6].upper() == "SELECT":
            self.dirty = True

    def _commit(self, conn):
        self.dirty = True

    def dump(self) -> dict:
        """Every row of every table, as `table_dump`; dumped again only after a write."""
        if self.dirty or self._last is None:
            self._last = table_dump(self.ignore)
            self.dumps += 1
            self.dirty = False  # the dump's own statements are SELECTs and a rollback
        return self._last
