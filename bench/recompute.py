"""Full-term recompute (aggregate, evaluate, store) vs. the bare GROUP BY floor.

    .venv/bin/python bench/recompute.py [--students 50000] [--sqlite PATH] [--pg URL] [--no-generate]

For each database (SQLite file, and PostgreSQL when it answers): fill it with
bench/generate.py, then time in one run
  floor:      SELECT student_id, indicator, SUM(points_cents) … GROUP BY (rows fetched)
  compute:    services.results.compute_term — first run (stores every result)
  recompute:  the same again after one entry changed (compares, updates what changed)
and print each figure, the floor and the ratio. Target: ratio ≤ 3.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402

from bench.generate import bench_app, generate  # noqa: E402


def timed(fn, repeat=1):
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def run(url: str, students: int, do_generate: bool) -> list[str]:
    if do_generate:
        info = generate(url, students, 30)
        print(f"[{url.split(':')[0]}] generated {info['students']:,} students, "
              f"{info['entries']:,} entries in {info['seconds']:.0f} s", flush=True)
    app = bench_app(url)
    lines = []
    with app.app_context():
        from starrating.extensions import db
        from starrating.models import Entry, StarResult
        from starrating.services.results import compute_term
        from starrating.services.terms import find_term

        term = find_term(None)
        db.session.execute(sa.delete(StarResult))
        db.session.commit()

        def floor():
            db.session.execute(
                sa.select(Entry.student_id, Entry.indicator, sa.func.sum(Entry.points_cents))
                .where(Entry.term_id == term.id, Entry.deleted_at.is_(None))
                .group_by(Entry.student_id, Entry.indicator)).all()

        floor_s = timed(floor, 3)

        def first():
            compute_term(None, term)
            db.session.commit()

        first_s = timed(first)
        entry = db.session.scalars(sa.select(Entry).limit(1)).one()
        entry.points_cents += 500
        db.session.commit()

        def again():
            compute_term(None, term)
            db.session.commit()

        again_s = timed(again)
        n = db.session.scalar(sa.select(sa.func.count(StarResult.id)))
        name = db.engine.dialect.name
        lines.append(f"{name}: floor (bare GROUP BY, {n:,} students) {floor_s:.2f} s")
        lines.append(f"{name}: compute, first (stores all) {first_s:.2f} s = {first_s / floor_s:.2f} × floor")
        lines.append(f"{name}: recompute after one change {again_s:.2f} s = {again_s / floor_s:.2f} × floor")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--students", type=int, default=50_000)
    parser.add_argument("--sqlite", default="/tmp/starrating_bench.sqlite3")
    parser.add_argument("--pg", default="postgresql+psycopg://postgres@127.0.0.1:5432/starrating_bench")
    parser.add_argument("--no-generate", action="store_true")
    args = parser.parse_args()
    urls = [f"sqlite:///{args.sqlite}"]
    try:
        sa.create_engine(args.pg).connect().close()
        urls.append(args.pg)
    except Exception as e:  # no server: SQLite only
        print(f"PostgreSQL not reachable ({type(e).__name__}): SQLite only")
    out = []
    for url in urls:
        out += run(url, args.students, not args.no_generate)
    print("\n".join(out))


if __name__ == "__main__":
    main()
