"""Page fragments rendered once and served again until something they show changes.

The expensive part of a page (a class's table of running stars, a student's stars block)
is read hundreds of times between writes. It is kept, rendered, in the app server's own
memory under a key made of: the fragment's name, the reader (user id and role), what the
page names (class, student, term, state…), the language, and the **page version** — one
counter in the database (`page_version`, one row) that every committed write to a table
pages show bumps. Checking it is one primary-key read, so every server sees another
server's write at its next request, and nothing stale is served after a write anywhere
(the web app, the CLI, the job worker, a second server).

Writes are found where they cannot be missed: every INSERT, UPDATE, DELETE or TRUNCATE
statement SQLAlchemy sends (ORM flushes, Core bulk statements, text) on a table not in
UNWATCHED marks its connection; when that connection commits, the counter is bumped in the
same transaction, just before the COMMIT (so the row lock is held only for the commit).
A rollback forgets the mark. A write that goes around SQLAlchemy (PostgreSQL COPY on the
driver's connection) must call `bump(connection)` itself.

The counter is one for the whole instance: a write in one school makes every school's
fragments render again once. That is the price of never missing a write; a per-school
counter is the next step if the city's write rate makes hit rates low.

Browsers are not sent ETags: every page is `Cache-Control: no-store` (pages hold personal
data about minors, and school computers are shared), so a browser never has a copy to
revalidate. The saving is on the server: a cached fragment skips its queries, the rule
engine and the template.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from collections.abc import Callable

import sqlalchemy as sa
from flask import Flask, current_app, g, has_request_context
from flask_babel import get_locale
from flask_login import current_user
from markupsafe import Markup

from .extensions import db

# Tables whose writes change no cached fragment: logins, the login throttle, jobs and
# import staging, the audit trail (always written beside a watched change), the counter.
UNWATCHED = frozenset({"page_version", "login_session", "login_attempt", "export_job",
                       "import_batch", "audit_log"})
_WRITE = re.compile(
    r'^\s*(?:INSERT\s+(?:OR\s+\w+\s+)?INTO|UPDATE|DELETE\s+FROM|TRUNCATE(?:\s+TABLE)?)\s+'
    r'"?(\w+)"?', re.IGNORECASE)
BUMP = ("INSERT INTO page_version (id, version) VALUES (1, 1) "
        "ON CONFLICT (id) DO UPDATE SET version = page_version.version + 1")
MARK = "page_write"
MAX_ENTRIES = 2000


def watched_write(statement: str) -> bool:
    match = _WRITE.match(statement)
    if match is None:
        return False
    if statement.lstrip()[:8].upper() == "TRUNCATE":
        return True
    return match.group(1).lower() not in UNWATCHED


def _mark(conn, cursor, statement, parameters, context, executemany) -> None:
    if MARK not in conn.info and watched_write(statement):
        conn.info[MARK] = True


def bump(conn) -> None:
    """Bump the counter on this SQLAlchemy connection's DBAPI connection (in its open
    transaction)."""
    cursor = conn.connection.dbapi_connection.cursor()
    try:
        cursor.execute(BUMP)
    finally:
        cursor.close()


def note_write(conn) -> None:
    """A write SQLAlchemy did not see (COPY on the driver's connection): bump at commit."""
    conn.info[MARK] = True


def _on_commit(conn) -> None:
    if conn.info.pop(MARK, False) and _has_counter(conn):
        bump(conn)


def _has_counter(conn) -> bool:
    """Whether the database has the page_version table yet (not while migrations before
    0017 run); remembered per engine once it has."""
    engine = conn.engine
    if getattr(engine, "_page_version_table", False):
        return True
    found = sa.inspect(conn).has_table("page_version")
    if found:
        engine._page_version_table = True
    return found


def _on_rollback(conn) -> None:
    if conn.invalidated:  # a dropped connection: its mark went with it (and its writes)
        return
    conn.info.pop(MARK, None)


_installed = False


def install_listeners() -> None:
    """Listen on every engine (the app's, a CLI's, a second app's) once per process."""
    global _installed
    if _installed:
        return
    sa.event.listen(sa.engine.Engine, "before_cursor_execute", _mark)
    sa.event.listen(sa.engine.Engine, "commit", _on_commit)
    sa.event.listen(sa.engine.Engine, "rollback", _on_rollback)
    _installed = True


def current_version() -> int:
    """The page version, read once per request (one primary-key read)."""
    if "_page_version" not in g:
        g._page_version = db.session.scalar(
            sa.select(sa.text("version")).select_from(sa.text("page_version"))
            .where(sa.text("id = 1"))) or 0
    return g._page_version


class FragmentCache:
    """A bounded, thread-safe LRU of rendered fragments, one per app (so per server)."""

    def __init__(self, size: int = MAX_ENTRIES):
        self.size = size
        self.items: OrderedDict[tuple, object] = OrderedDict()
        self.lock = threading.Lock()
        self.renders = 0
        self.hits = 0

    def get_or_render(self, key: tuple, render: Callable, wrap: bool = True):
        with self.lock:
            found = self.items.get(key)
            if found is not None:
                self.items.move_to_end(key)
                self.hits += 1
                return found
        html = Markup(render()) if wrap else render()
        with self.lock:
            self.renders += 1
            self.items[key] = html
            while len(self.items) > self.size:
                self.items.popitem(last=False)
        return html


def cache() -> FragmentCache:
    return current_app.extensions["page_cache"]


def fragment(name: str, key: tuple, template: str, **context) -> Markup:
    """`{{ fragment('class-table', (class id, term id, …), 'teacher/_class_rows.html', o=o) }}`:
    the rendered template, from the cache when the reader, the key, the language and the
    page version match. The template gets only `context` (and the Jinja globals)."""
    reader = (current_user.id, str(current_user.role)) if current_user.is_authenticated \
        else (None, None)
    full = (name, *reader, str(get_locale() or ""), current_version(), *key)
    return cache().get_or_render(
        full, lambda: current_app.jinja_env.get_template(template).render(**context))


def memo(name: str, key: tuple, compute: Callable):
    """Data (plain values, no ORM objects) kept like a fragment: for the reader, the key
    and the page version. Outside a request (CLI, worker) it is computed every time."""
    if not has_request_context():
        return compute()
    reader = (current_user.id, str(current_user.role)) if current_user.is_authenticated \
        else (None, None)
    full = ("memo", name, *reader, current_version(), *key)
    return cache().get_or_render(full, compute, wrap=False)


def init_app(app: Flask) -> None:
    install_listeners()
    app.extensions["page_cache"] = FragmentCache(app.config.get("PAGE_CACHE_SIZE", MAX_ENTRIES))
    app.jinja_env.globals["fragment"] = fragment
