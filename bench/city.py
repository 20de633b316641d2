"""The city dashboard on a generated city: render time, CPU time and statements a request,
against a floor measured in the same run.

    .venv/bin/python bench/city.py --url sqlite:////tmp/city.sqlite3 [--schools 10] [--students 5000] [--no-generate]
    .venv/bin/python bench/city.py --url postgresql+psycopg://postgres@127.0.0.1:5432/sr_city_bench

Generates the city with bench/generate.py (--schools, --terms 2, --results: every term's
stars stored, classes spread over the workflow's states) unless --no-generate, then, logged
in as the city office through the test client (the whole request: login session, view,
nine statements, template), GETs /city/dashboard --repeat times. The floor is the one
statement any such page must run: the bare GROUP BY of the terms in force's stored results
by school, class and star level (raw SQL, no ORM, no template). Also times the city
workbook (services/city_workbook.py) once.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402

from bench.generate import generate  # noqa: E402


def bench_app(url: str):
    from starrating import create_app

    return create_app({"SQLALCHEMY_DATABASE_URI": url, "SQLALCHEMY_ENGINE_OPTIONS": {},
                       "SECRET_KEY": "bench-only-secret-key", "HUEY_IMMEDIATE": True,
                       "WTF_CSRF_ENABLED": False,
                       "STARRATING_FILES_DIR": tempfile.mkdtemp()})


def timed(fn, repeat: int) -> tuple[float, float]:
    """Median wall and CPU (user + system of this process) seconds of `fn`."""
    walls, cpus = [], []
    for _ in range(repeat):
        c0, t0 = time.process_time(), time.perf_counter()
        fn()
        walls.append(time.perf_counter() - t0)
        cpus.append(time.process_time() - c0)
    return statistics.median(walls), statistics.median(cpus)


def measure(url: str, repeat: int) -> list[str]:
    from starrating.auth.services import start_login_session
    from starrating.extensions import db
    from starrating.models import School, StarResult, Student, User
    from starrating.services.city_dashboard import city_dashboard
    from starrating.services.city_workbook import write_city_workbook

    app = bench_app(url)
    lines = []
    with app.app_context():
        city = db.session.scalar(sa.select(User).where(User.username == "city",
                                                       User.school_id.is_(None)))
        city_id, token = city.id, start_login_session(city).token
        db.session.commit()
        schools = db.session.scalar(sa.select(sa.func.count()).select_from(School))
        students = db.session.scalar(sa.select(sa.func.count()).select_from(Student))
        results = db.session.scalar(sa.select(sa.func.count()).select_from(StarResult))
        dash = city_dashboard(city)
        term_ids = [s.term_id for s in dash.schools if s.term_id]
        rated = sum(s.rated for s in dash.schools)
        db.session.rollback()

    client = app.test_client()
    with client.session_transaction() as sess:
        sess["_user_id"], sess["_fresh"] = token, True
    statements: list[str] = []

    with app.app_context():
        engine = db.engine

    def count(*args):
        statements.append(args[2])

    def page():
        answer = client.get("/city/dashboard")
        assert answer.status_code == 200, answer.status_code

    page()  # warm: templates compiled, rules parsed, catalogs loaded
    sa.event.listen(engine, "before_cursor_execute", count)
    page()
    sa.event.remove(engine, "before_cursor_execute", count)
    n_statements = len(statements)
    page_wall, page_cpu = timed(page, repeat)

    floor_sql = sa.text(
        "SELECT s.school_id, r.class_id, r.overall_stars, count(*) FROM star_result r "
        "JOIN school_class s ON s.id = r.class_id "
        "WHERE r.term_id IN :ids GROUP BY s.school_id, r.class_id, r.overall_stars"
    ).bindparams(sa.bindparam("ids", expanding=True))
    with app.app_context():
        def floor():
            with db.engine.connect() as conn:
                conn.execute(floor_sql, {"ids": term_ids}).all()

        floor()
        floor_wall, floor_cpu = timed(floor, repeat)

        def service():
            city_dashboard(db.session.get(User, city_id))
            db.session.rollback()

        service_wall, service_cpu = timed(service, repeat)
        out = os.path.join(tempfile.mkdtemp(), "city.xlsx")
        book_wall, book_cpu = timed(lambda: write_city_workbook(
            db.session.get(User, city_id), out), 1)
        size = os.path.getsize(out)

    name = sa.engine.make_url(url).get_backend_name()
    lines.append(f"{name}: {schools} schools, {students:,} students, {results:,} stored "
                 f"results ({rated:,} in the terms in force)")
    lines.append(f"{name}: floor (bare GROUP BY of the terms in force's results): "
                 f"{1000 * floor_wall:.0f} ms, CPU {1000 * floor_cpu:.0f} ms")
    lines.append(f"{name}: city_dashboard() service alone: {1000 * service_wall:.0f} ms, "
                 f"CPU {1000 * service_cpu:.0f} ms")
    lines.append(f"{name}: GET /city/dashboard (whole request): {1000 * page_wall:.0f} ms "
                 f"= {page_wall / floor_wall:.1f} × floor, CPU {1000 * page_cpu:.0f} ms a "
                 f"request, {n_statements} statements (target ≤ 1 s: "
                 f"{'met' if page_wall <= 1 else 'NOT met'})")
    lines.append(f"{name}: city workbook ({schools + 1} sheets, {size / 1024:.0f} kB): "
                 f"{1000 * book_wall:.0f} ms, CPU {1000 * book_cpu:.0f} ms")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--url", required=True)
    parser.add_argument("--schools", type=int, default=10)
    parser.add_argument("--students", type=int, default=5000, help="per school")
    parser.add_argument("--entries", type=int, default=30, help="per student and term")
    parser.add_argument("--terms", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--no-generate", action="store_true")
    args = parser.parse_args()
    if not args.no_generate:
        info = generate(args.url, args.students, args.entries, schools=args.schools,
                        terms=args.terms, results=True)
        print(f"generated {info['schools']} schools, {info['students']:,} students, "
              f"{info['entries']:,} entries in {info['classes']:,} classes in "
              f"{info['generate_seconds']:.0f} s, results stored in "
              f"{info['seconds'] - info['generate_seconds']:.0f} s", flush=True)
    for line in measure(args.url, args.repeat):
        print(line, flush=True)


if __name__ == "__main__":
    main()
