"""Where one request's time goes: statements with their time, template rendering, Babel
lookups, url_for calls and the login (user loader), for any page and user.

    .venv/bin/python bench/profile.py --page class --students 30
    .venv/bin/python bench/profile.py --page stars --url postgresql+psycopg://postgres@127.0.0.1:5432/sr_bench
    .venv/bin/python bench/profile.py --page save --no-generate --url sqlite:////tmp/sr-profile.sqlite3

--students is the class size (the school has --school-students in classes of that size, the
teacher holding --teacher-classes of them, the first --publish published). The request is
made through the app's test client after a warm-up; wall times are taken without a
profiler (SQL from cursor events, the template between Flask's render signals, the login
around the user loader), counts of Babel lookups and url_for from a second, profiled pass
(whose times are inflated and shown only as shares).
"""

from __future__ import annotations

import sys
from pathlib import Path

# This file is named like the standard library's `profile`, which cProfile imports: run as
# a script its own folder comes first on sys.path, so take it off before importing cProfile.
HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != HERE]

import argparse  # noqa: E402
import cProfile  # noqa: E402
import pstats  # noqa: E402
import re  # noqa: E402
import time  # noqa: E402
from datetime import date  # noqa: E402

ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402
from flask import before_render_template, template_rendered  # noqa: E402

from bench.generate import bench_app  # noqa: E402
from bench.school import build  # noqa: E402
from starrating.extensions import db, login_manager  # noqa: E402
from starrating.page_cache import BUMP  # noqa: E402

PAGES = {
    # name: (who, path template, method)
    "class": ("teacher", "/teacher/class/{class_id}", "GET"),
    "stars": ("student", "/student/", "GET"),
    "records": ("student", "/student/entries", "GET"),
    "publishing": ("admin", "/admin/workflow", "GET"),
    "dashboard": ("admin", "/admin/dashboard", "GET"),
    "home": ("teacher", "/teacher/", "GET"),
    "save": ("teacher", "/teacher/entry/new", "POST"),
}


def csrf(html: str) -> str:
    return re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', html).group(1)


def login(client, username: str, password: str, path: str = "/login") -> None:
    token = csrf(client.get(path).get_data(as_text=True))
    response = client.post(path, data={"username": username, "password": password,
                                       "csrf_token": token})
    assert response.status_code in (302, 303), f"login failed for {username}"


class Recorder:
    """Statements (with time), template time and login time of the requests made inside."""

    def __init__(self, app):
        self.app = app
        self.statements: list[tuple[float, str]] = []
        self.template_s = 0.0
        self.login_s = 0.0
        self.login_statements = 0
        self.login_sql_s = 0.0
        self._t0: list[float] = []
        self._in_login = False

    def __enter__(self):
        with self.app.app_context():
            engine = db.engine

        def before(conn, cursor, statement, params, context, executemany):
            conn.info.setdefault("t0", []).append(time.perf_counter())

        def after(conn, cursor, statement, params, context, executemany):
            seconds = time.perf_counter() - conn.info["t0"].pop()
            self.statements.append((seconds, statement))
            if self._in_login:
                self.login_statements += 1
                self.login_sql_s += seconds

        def render_start(sender, template, context, **extra):
            self._t0.append(time.perf_counter())

        def render_end(sender, template, context, **extra):
            self.template_s += time.perf_counter() - self._t0.pop()

        self._hooks = [(engine, "before_cursor_execute", before),
                       (engine, "after_cursor_execute", after)]
        for target, name, fn in self._hooks:
            sa.event.listen(target, name, fn)
        before_render_template.connect(render_start, self.app)
        template_rendered.connect(render_end, self.app)
        self._signals = [(before_render_template, render_start),
                         (template_rendered, render_end)]
        loader = login_manager._user_callback
        self._loader = loader

        def timed_loader(token):
            self._in_login = True
            started = time.perf_counter()
            try:
                return loader(token)
            finally:
                self.login_s += time.perf_counter() - started
                self._in_login = False

        login_manager._user_callback = timed_loader
        return self

    def __exit__(self, *exc):
        for target, name, fn in self._hooks:
            sa.event.remove(target, name, fn)
        for signal, fn in self._signals:
            signal.disconnect(fn, self.app)
        login_manager._user_callback = self._loader


def counts_from_profile(profile: cProfile.Profile) -> dict:
    stats = pstats.Stats(profile)
    wanted = {
        "Babel get_translations": ("flask_babel", "get_translations"),
        "Babel get_locale": ("flask_babel", "get_locale"),
        "gettext calls (Python and templates)": ("flask_babel", "gettext"),
        "url_for": ("flask/app.py", "url_for"),
        "Jinja macro calls": ("jinja2/runtime.py", "__call__"),
    }
    out = {}
    total = 0.0
    for (filename, _line, func), (_cc, ncalls, _tt, ct, _callers) in stats.stats.items():
        total = max(total, ct)
        for label, (file_part, name) in wanted.items():
            if func == name and file_part in filename.replace("\\", "/"):
                calls, cum = out.get(label, (0, 0.0))
                out[label] = (calls + ncalls, max(cum, ct))
    return {"rows": out, "total": total}


def request_once(client, page: str, info: dict, token: str | None):
    who, path, method = PAGES[page]
    url = path.format(**info)
    if method == "GET":
        return client.get(url)
    today = date.today().isoformat()
    return client.post(url, data={"students": info["open_student_id"], "indicator": "moral.service",
                                  "points": "1", "occurred_on": today, "note": "bench",
                                  "csrf_token": token})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--url", default="sqlite:////tmp/sr-profile.sqlite3")
    parser.add_argument("--page", choices=sorted(PAGES), default="class")
    parser.add_argument("--students", type=int, default=30, help="class size")
    parser.add_argument("--school-students", type=int, default=2000)
    parser.add_argument("--entries", type=int, default=10, help="entries per student")
    parser.add_argument("--teacher-classes", type=int, default=5)
    parser.add_argument("--publish", type=int, default=2,
                        help="the first N classes published (the teacher's last class stays open)")
    parser.add_argument("--lang", choices=["zh", "en"], default="zh")
    parser.add_argument("--repeat", type=int, default=20, help="timed requests (median shown)")
    parser.add_argument("--no-generate", action="store_true")
    parser.add_argument("--statements", action="store_true", help="print every statement")
    parser.add_argument("--miss", action="store_true",
                        help="bump the page version before each timed request: every one a "
                             "fragment-cache miss (default: repeat views, hits)")
    args = parser.parse_args()

    started = time.perf_counter()
    info = build(args.url, students=args.school_students, class_size=args.students,
                 entries=args.entries, teacher_classes=args.teacher_classes,
                 publish=args.publish, generate=not args.no_generate)
    print(f"school ready in {time.perf_counter() - started:.1f} s: class of {info['class_size']}, "
          f"teacher {info['teacher']}, student {info['students'][0]}, {info['published']} published")
    app = bench_app(args.url)
    who, _path, method = PAGES[args.page]
    user = {"teacher": info["teacher"], "student": info["students"][0],
            "admin": info["admin"]}[who]
    with app.app_context():
        from starrating.models import Student, User

        info["student_id"] = db.session.scalar(sa.select(Student.id).join(
            User, User.student_id == Student.id).where(User.username == info["students"][0]))
    client = app.test_client()
    login(client, user, info["password"])
    if args.lang == "en":
        client.set_cookie("lang", "en")
    token = None
    if method == "POST":
        token = csrf(client.get(f"/teacher/entry/new?class={info['open_class_id']}").get_data(as_text=True))
    response = request_once(client, args.page, info, token)  # warm-up
    assert response.status_code < 400, (response.status_code, response.get_data(as_text=True)[:500])

    walls, runs = [], []
    def bump():
        with app.app_context():
            db.session.execute(sa.text(BUMP))
            db.session.commit()

    for _ in range(args.repeat):
        if args.miss:
            bump()
        with Recorder(app) as rec:
            t0 = time.perf_counter()
            response = request_once(client, args.page, info, token)
            walls.append(time.perf_counter() - t0)
        runs.append(rec)
    order = sorted(range(len(walls)), key=walls.__getitem__)
    median = order[len(order) // 2]
    rec, wall = runs[median], walls[median]

    if args.miss:
        bump()
    profile = cProfile.Profile()
    profile.enable()
    request_once(client, args.page, info, token)
    profile.disable()
    counted = counts_from_profile(profile)

    sql_s = sum(t for t, _ in rec.statements)
    print(f"\npage {args.page} ({method} as {who} {user}, {args.lang}): status {response.status_code}, "
          f"{len(response.get_data())/1024:.0f} KB, median of {args.repeat}, "
          f"{'fragment-cache misses' if args.miss else 'repeat views (cache hits)'}")
    print(f"{'what':<44} {'count':>7} {'ms':>8}")
    print(f"{'whole request (test client)':<44} {'':>7} {wall * 1000:8.2f}")
    print(f"{'SQL statements (cursor time)':<44} {len(rec.statements):>7} {sql_s * 1000:8.2f}")
    print(f"{'  of which the login (user loader)':<44} {rec.login_statements:>7} {rec.login_sql_s * 1000:8.2f}")
    print(f"{'login (user loader), SQL and Python':<44} {'':>7} {rec.login_s * 1000:8.2f}")
    print(f"{'template rendering':<44} {'':>7} {rec.template_s * 1000:8.2f}")
    other = wall - sql_s - rec.template_s - (rec.login_s - rec.login_sql_s)
    print(f"{'rest (Python outside SQL and templates)':<44} {'':>7} {max(other, 0) * 1000:8.2f}")
    print("\nfrom one profiled request (calls; cumulative share of the profiled request):")
    for label, (calls, cum) in sorted(counted["rows"].items()):
        share = cum / counted["total"] if counted["total"] else 0
        print(f"  {label:<42} {calls:>7} {share:8.0%}")
    print("\nstatements (ms, first 100 characters):")
    for seconds, statement in rec.statements:
        text = " ".join(statement.split())
        print(f"  {seconds * 1000:6.2f}  {text if args.statements else text[:100]}")


if __name__ == "__main__":
    main()
