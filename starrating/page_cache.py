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

The counter is kept per school: a request of a user of school S (or of the city office
inside S) bumps S's row, since a school's users write only their own school's data (the
authorization matrix tests it); every other write — the CLI, the job worker, a city
office outside any school, a request before login — bumps the instance's row (id 0),
which every page depends on. A page's version is the sum of its school's row and the
instance's, read with the login; so a teacher's save in one school leaves the other
schools' kept pages alone.

Whole pages (`@whole_page` on the most read GET views: the class page, the student's stars
and records, the admin's publishing page and dashboard, the home pages) are kept the same
way, under the same version, keyed by the reader (user, role, school, a city office's
visit), the address with its query and the language, and kept for the minute it was built
in. Time-driven changes (a notice period ending, a term starting) are writes to nothing:
the minute bounds how long a page can lag behind them. When the minute has passed, one
request of the server builds the page again while the others are served the previous
minute's copy (never a copy of an older page version: a write changes the key), so the
turn of a minute is not every reader building at once. A page carries a per-session CSRF token: it is kept
split where the token was, and the reader's own token goes in when it is served. A request
with a flashed message waiting, or one whose view changed the session, is neither served
from nor kept in the cache.

Browsers are not sent ETags: every page is `Cache-Control: no-store` (pages hold personal
data about minors, and school computers are shared), so a browser never has a copy to
revalidate. The saving is on the server: a cached fragment skips its queries, the rule
engine and the template; a cached page skips the view.
"""

from __future__ import annotations

import re
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from functools import wraps

import sqlalchemy as sa
from flask import Flask, current_app, g, has_request_context, request, session
from flask_babel import get_locale
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup

from .extensions import db
from .models.perf import PageVersion

# Tables whose writes change no cached fragment: logins, the login throttle, jobs and
# import staging, the audit trail (always written beside a watched change), the counter.
UNWATCHED = frozenset({"page_version", "login_session", "login_attempt", "export_job",
                       "import_batch", "audit_log"})
_WRITE = re.compile(
    r'^\s*(?:INSERT\s+(?:OR\s+\w+\s+)?INTO|UPDATE|DELETE\s+FROM|TRUNCATE(?:\s+TABLE)?)\s+'
    r'"?(\w+)"?', re.IGNORECASE)
INSTANCE = 0  # the row every page depends on; a school's row has the school's id
BUMP = ("INSERT INTO page_version (id, version) VALUES (0, 1) "
        "ON CONFLICT (id) DO UPDATE SET version = page_version.version + 1")
MARK = "page_write"
MAX_ENTRIES = 2000
MAX_PAGE_BYTES = 64 * 1024 * 1024  # bytes of whole pages kept per server


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


def bump(conn, school_id: int | None = None) -> None:
    """Bump a school's counter (None: the instance's) on this SQLAlchemy connection's DBAPI
    connection, in its open transaction."""
    statement = BUMP if school_id is None else BUMP.replace("(0, 1)", f"({int(school_id)}, 1)")
    cursor = conn.connection.dbapi_connection.cursor()
    try:
        cursor.execute(statement)
    finally:
        cursor.close()


def writer_school() -> int | None:
    """The school a committing request writes for: its logged-in user's (a city office
    user's inside a school: that school); None — the whole instance — outside a request,
    before login, or for a user of no school."""
    if not has_request_context():
        return None
    page_user = g.get("page_user")
    return getattr(page_user, "school_id", None) if page_user is not None else None


def note_write(conn) -> None:
    """A write SQLAlchemy did not see (COPY on the driver's connection): bump at commit."""
    conn.info[MARK] = True


def _on_commit(conn) -> None:
    if conn.info.pop(MARK, False) and _has_counter(conn):
        bump(conn, writer_school())


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


def version_of(school_id):
    """The page version of a school (`school_id`: a column expression; its row plus the
    instance's) as a Core scalar subquery: the login statement (auth/sessions.load_user)
    reads it with the user, so a logged-in request spends no statement of its own on it,
    and the version is read before anything the page shows."""
    table = PageVersion.__table__
    return (sa.select(sa.func.coalesce(sa.func.sum(table.c.version), 0))
            .where(sa.or_(table.c.id == INSTANCE, table.c.id == school_id))
            .scalar_subquery())


def current_version() -> int:
    """The page version, read once per request (one primary-key read, unless the login
    statement brought it)."""
    if "_page_version" not in g:
        school_id = writer_school()
        ids = [INSTANCE] if school_id is None else [INSTANCE, school_id]
        g._page_version = db.session.scalar(
            sa.select(sa.func.coalesce(sa.func.sum(PageVersion.version), 0))
            .where(PageVersion.id.in_(ids))) or 0
    return g._page_version


def set_version(value: int | None) -> None:
    g._page_version = value or 0


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


class PageStore:
    """Whole rendered pages, an LRU bounded by the bytes it holds (one per app)."""

    def __init__(self, max_bytes: int = MAX_PAGE_BYTES):
        self.max_bytes = max_bytes
        self.items: OrderedDict[tuple, tuple[int, tuple[bytes, ...]]] = OrderedDict()
        self.bytes = 0
        self.lock = threading.Lock()
        self.building: set[tuple] = set()
        self.renders = 0
        self.hits = 0

    def get(self, key: tuple, minute: int) -> tuple[bytes, ...] | None:
        """The page kept under `key` if it was built in this minute — or in the minute
        before while another request of this server builds it again; None: build it
        (after `claim`, which tells the others)."""
        with self.lock:
            found = self.items.get(key)
            if found is None:
                return None
            built, parts = found
            if built != minute and not (built == minute - 1 and key in self.building):
                return None
            self.items.move_to_end(key)
            self.hits += 1
            return parts

    def claim(self, key: tuple) -> None:
        with self.lock:
            self.building.add(key)

    def release(self, key: tuple) -> None:
        with self.lock:
            self.building.discard(key)

    def put(self, key: tuple, minute: int, parts: tuple[bytes, ...]) -> None:
        """`parts`: the page's bytes split where the reader's CSRF token goes."""
        size = sum(map(len, parts))
        if size > self.max_bytes // 8:
            return
        with self.lock:
            self.renders += 1
            old = self.items.pop(key, None)
            if old is not None:
                self.bytes -= sum(map(len, old[1]))
            self.items[key] = (minute, parts)
            self.bytes += size
            while self.bytes > self.max_bytes:
                _key, (_minute, dropped) = self.items.popitem(last=False)
                self.bytes -= sum(map(len, dropped))


def cache() -> FragmentCache:
    return current_app.extensions["page_cache"]


def pages() -> PageStore:
    return current_app.extensions["page_store"]


def page_key() -> tuple | None:
    """What a whole page depends on besides the database, or None: not to be cached."""
    if request.method != "GET" or not current_user.is_authenticated:
        return None
    if "_flashes" in session:  # the page would show (and use up) a message
        return None
    user = current_user
    if user.school_id is None:  # no school's row would tell of a school's writes
        return None
    visit = getattr(user, "city_visit", None)
    return ("page", request.endpoint, request.full_path, user.id, str(user.role),
            user.school_id, (visit.school_id, visit.may_write) if visit else None,
            str(get_locale() or ""), current_version())


def _same_session(before: dict) -> bool:
    """Whether the view left the session as it found it, but for a CSRF token it created
    (which serving the kept page creates again)."""
    field = current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token")
    after = dict(session)
    if field not in before:
        after.pop(field, None)
    return after == before


_SIGNED: dict[tuple[str, str], tuple[str, float]] = {}
SIGNED_FOR = 60.0  # seconds a signed token is handed out again (its limit: WTF_CSRF_TIME_LIMIT)


def reader_token() -> str:
    """The reader's CSRF token for a kept page: Flask-WTF's (the session's raw token,
    signed with the time), signed at most once a minute per session instead of on every
    view. A token signed a minute ago is what a page rendered then carries, and valid for
    WTF_CSRF_TIME_LIMIT as any other."""
    field = current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token")
    raw = session.get(field)
    if raw is None or field in g:
        return generate_csrf()
    key = (raw, current_app.config.get("WTF_CSRF_SECRET_KEY") or current_app.secret_key)
    now = time.time()
    found = _SIGNED.get(key)
    if found is not None and now - found[1] < SIGNED_FOR:
        setattr(g, field, found[0])
        return found[0]
    token = generate_csrf()
    if len(_SIGNED) > 20000:  # sessions come and go: start again rather than grow
        _SIGNED.clear()
    _SIGNED[key] = (token, now)
    return token


def whole_page(view: Callable) -> Callable:
    """Serve the view's page from the page store while nothing it shows has changed (see
    the module's docstring). Put it below the role guard."""

    @wraps(view)
    def run(*args, **kwargs):
        key = page_key()
        if key is None:
            return view(*args, **kwargs)
        store = pages()
        minute = int(time.time() // 60)
        found = store.get(key, minute)
        if found is not None:
            g._whole_page_hit = True
            body = (reader_token().encode().join(found) if len(found) > 1 else found[0])
            return current_app.response_class(body, mimetype="text/html")
        store.claim(key)
        try:
            before = dict(session)
            response = current_app.make_response(view(*args, **kwargs))
            if (response.status_code == 200 and response.mimetype == "text/html"
                    and not response.is_streamed and "Set-Cookie" not in response.headers
                    and _same_session(before)):
                body = response.get_data()
                token = g.get(current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token"))
                store.put(key, minute,
                          tuple(body.split(token.encode())) if token else (body,))
        finally:
            store.release(key)
        return response

    return run


def fragment(name: str, key: tuple, template: str, **context) -> Markup:
    """`{{ fragment('class-table', (class id, term id, …), 'teacher/_class_rows.html', o=o) }}`:
    the rendered template, from the cache when the reader, the key, the language and the
    page version match. The template gets only `context` (and the Jinja globals)."""
    def render():
        return current_app.jinja_env.get_template(template).render(**context)

    if not _school_reader():
        return Markup(render())
    reader = (current_user.id, str(current_user.role))
    full = (name, *reader, str(get_locale() or ""), current_version(), *key)
    return cache().get_or_render(full, render)


def _school_reader() -> bool:
    """A logged-in user of a school: only their pages are kept (the version read is that
    school's and the instance's)."""
    return current_user.is_authenticated and current_user.school_id is not None


def memo(name: str, key: tuple, compute: Callable):
    """Data (plain values, no ORM objects) kept like a fragment: for the reader, the key
    and the page version. Outside a request (CLI, worker) it is computed every time."""
    if not has_request_context() or not _school_reader():
        return compute()
    reader = (current_user.id, str(current_user.role))
    full = ("memo", name, *reader, current_version(), *key)
    return cache().get_or_render(full, compute, wrap=False)


def init_app(app: Flask) -> None:
    install_listeners()
    app.extensions["page_cache"] = FragmentCache(app.config.get("PAGE_CACHE_SIZE", MAX_ENTRIES))
    app.extensions["page_store"] = PageStore(app.config.get("PAGE_STORE_BYTES", MAX_PAGE_BYTES))
    app.jinja_env.globals["fragment"] = fragment
