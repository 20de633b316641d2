"""Build an expensive test context once per worker process, then restore it per test.

`cached(key, make, build)` runs `build()` the first time (for real, in the test's own empty
database) and keeps a snapshot: every row of every table, the files under
STARRATING_FILES_DIR, the maker's counter, and the context itself with each ORM object
replaced by its class and primary key. A later test that asks for the same key in a fresh,
empty database gets the rows inserted back (same ids; on PostgreSQL the sequences are put where
the build left them), the files copied into its own files folder, and the context's objects
loaded in its own session: the database it sees is the one `build()` would have made, and
each test still has a database of its own, so what one test writes no other test sees.

The build runs again (and replaces the snapshot) whenever restoring would not be exact: the
database is not empty, the files folder is not, the maker was already used, or the
snapshot is older than MAX_AGE or from another day in the school's zone (time-dependent
pages: "today", notice periods, the export pickup notice).
"""

from __future__ import annotations

import itertools
import shutil
import tempfile
import time
from datetime import datetime
from pathlib import Path
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import current_app

from starrating import page_cache
from starrating.extensions import db

MAX_AGE = 1800.0  # seconds: well within every time window of a built context (12 h
# sessions, 5-day notice periods; its exports are finished, so no pickup notice applies)
ZONE = ZoneInfo("Asia/Shanghai")  # the test schools' zone (config BABEL_DEFAULT_TIMEZONE)

_SNAPSHOTS: dict = {}


class _Ref:
    """An ORM object in a frozen context: its class and primary key."""

    __slots__ = ("cls", "ident")

    def __init__(self, cls, ident):
        self.cls, self.ident = cls, ident


def _freeze(value):
    if isinstance(value, SimpleNamespace):
        return SimpleNamespace(**{k: _freeze(v) for k, v in vars(value).items()})
    if isinstance(value, list):
        return [_freeze(v) for v in value]
    if isinstance(value, tuple):
        return tuple(_freeze(v) for v in value)
    if isinstance(value, dict):
        return {k: _freeze(v) for k, v in value.items()}
    if hasattr(value, "_sa_instance_state"):
        state = sa.inspect(value)
        assert state.identity is not None, f"unsaved object in the context: {value!r}"
        return _Ref(state.mapper.class_, state.identity)
    if value is None or isinstance(value, (int, float, str, bytes, bool, datetime)):
        return value
    raise TypeError(f"snapshot: do not know how to keep {type(value).__name__} {value!r}")


def _thaw(value):
    if isinstance(value, SimpleNamespace):
        return SimpleNamespace(**{k: _thaw(v) for k, v in vars(value).items()})
    if isinstance(value, list):
        return [_thaw(v) for v in value]
    if isinstance(value, tuple):
        return tuple(_thaw(v) for v in value)
    if isinstance(value, dict):
        return {k: _thaw(v) for k, v in value.items()}
    if isinstance(value, _Ref):
        obj = db.session.get(value.cls, value.ident)
        assert obj is not None, f"snapshot: {value.cls.__name__} {value.ident} not restored"
        return obj
    return value


def _refs(value, out):
    if isinstance(value, SimpleNamespace):
        value = vars(value)
    if isinstance(value, dict):
        value = list(value.values())
    if isinstance(value, (list, tuple)):
        for v in value:
            _refs(v, out)
    elif isinstance(value, _Ref):
        out.setdefault(value.cls, set()).add(value.ident)


def _load(context) -> list:
    """Load the context's objects with one SELECT per class (their `get`s then find them in
    the session); the list keeps them alive while the context is thawed."""
    loaded = []
    by_class: dict = {}
    _refs(context, by_class)
    for cls, idents in by_class.items():
        pk = sa.inspect(cls).primary_key
        if len(pk) != 1:
            continue
        loaded += db.session.scalars(sa.select(cls).where(pk[0].in_([i[0] for i in idents])))
    return loaded


def _tables():
    return db.metadata.sorted_tables


# The page cache's counter (starrating/page_cache.py) is bumped by every commit that wrote,
# emptying the tables included: it is not data a test made, and a restore sets it as well.
COUNTER = "page_version"


def _database_is_empty() -> bool:
    checks = [sa.exists().select_from(t) for t in _tables() if t.name != COUNTER]
    return not db.session.scalar(sa.select(sa.or_(*checks)))


def _files_dir() -> Path:
    return Path(current_app.config["STARRATING_FILES_DIR"])


def _is_empty_dir(path: Path) -> bool:
    return not path.exists() or not any(p.is_file() for p in path.rglob("*"))


def _sequences(conn) -> dict:
    """PostgreSQL: each table's id sequence as the build left it (last_value, is_called)."""
    if conn.dialect.name != "postgresql":
        return {}
    out = {}
    for table in _tables():
        column = table.autoincrement_column
        if column is None:
            continue
        seq = conn.scalar(sa.text("SELECT pg_get_serial_sequence(:t, :c)"),
                          {"t": f'"{table.name}"', "c": column.name})
        if seq:
            query = f"SELECT last_value, is_called FROM {seq}"  # noqa: S608 (a catalog name)
            out[seq] = tuple(conn.execute(sa.text(query))
                             .one())
    return out


def _take(key, make, build):
    context = build()
    db.session.commit()
    rows = {}
    with db.engine.connect() as conn:
        for table in _tables():
            found = [dict(r) for r in conn.execute(sa.select(table)).mappings()]
            if found:
                rows[table.name] = found
        sequences = _sequences(conn)
    files = Path(tempfile.mkdtemp(prefix="snapshot-files-"))
    if _files_dir().exists():
        shutil.copytree(_files_dir(), files, dirs_exist_ok=True)
    next_n = make.n()  # where the maker's counter goes on after the build
    make._seq = itertools.count(next_n)
    old = _SNAPSHOTS.pop(key, None)
    if old is not None:
        shutil.rmtree(old["files"], ignore_errors=True)
    _SNAPSHOTS[key] = {"rows": rows, "sequences": sequences, "files": files, "next_n": next_n,
                       "context": _freeze(context), "at": time.monotonic(),
                       "day": datetime.now(ZONE).date()}
    return context


def _restore(snap, make):
    db.session.rollback()
    with db.engine.begin() as conn:
        conn.execute(db.metadata.tables[COUNTER].delete())
        for table in _tables():
            found = snap["rows"].get(table.name)
            if found:
                conn.execute(table.insert(), found)
        for seq, (last_value, is_called) in snap["sequences"].items():
            conn.execute(sa.text("SELECT setval(:s, :v, :c)"),
                         {"s": seq, "v": last_value, "c": is_called})
        conn.info.pop(page_cache.MARK, None)  # the counter as the build left it: no bump
    shutil.copytree(snap["files"], _files_dir(), dirs_exist_ok=True)
    make._seq = itertools.count(snap["next_n"])
    loaded = _load(snap["context"])
    context = _thaw(snap["context"])
    del loaded
    return context


def _fresh(snap) -> bool:
    return (time.monotonic() - snap["at"] < MAX_AGE
            and datetime.now(ZONE).date() == snap["day"])


def cached(key, make, build):
    """`build()`'s context, built once per worker for `key` and restored after that (see the
    module docstring). `make` is the test's Maker, which `build` uses."""
    snap = _SNAPSHOTS.get(key)
    exact = (repr(make._seq) == "count(1)" and not db.session.new and not db.session.dirty
             and _database_is_empty() and _is_empty_dir(_files_dir()))
    if snap is not None and exact and _fresh(snap):
        return _restore(snap, make)
    if not exact:
        return build()  # restoring would not give what the build gives: build, keep nothing
    return _take(key, make, build)
