"""Full-term recompute (aggregate, evaluate, store) vs. the bare GROUP BY floor.

    .venv/bin/python bench/recompute.py [--students 50000] [--sqlite PATH] [--pg URL] [--no-generate] [--repeat 3]

For each database (SQLite file, and PostgreSQL when it answers): fill it with
bench/generate.py, then time in one run
  floor:      SELECT student_id, indicator, SUM(points_cents) … GROUP BY (rows fetched)
  compute:    services.results.compute_term — first run (stores every result; the stored
              results are deleted before each run)
  recompute:  the same again after one entry changed (compares, updates what changed)
each the median of --repeat runs
and print each figure, the floor and the ratio. Target: ratio ≤ 3.

Besides the wall time, each figure's CPU time: the benchmark process's user + system time
(the app's side: SQLite runs inside it, so for SQLite that is all of it) and, on PostgreSQL,
the server backend's user + system time read from /proc (the server is on this machine;
parallel query workers are not counted). On a shared machine the CPU ratios are the steadier
ones: waiting for a CPU adds to the wall time only.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402

from bench.generate import bench_app, generate  # noqa: E402

_TICK = os.sysconf("SC_CLK_TCK")


def backend_cpu(pid: int | None) -> float | None:
    """User + system seconds of a PostgreSQL backend process so far (None: not readable)."""
    if pid is None:
        return None
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / _TICK  # utime, stime (fields 14, 15)


def timed(fn, repeat=1, backend=None, setup=None):
    """Median wall seconds, median process CPU seconds, median backend CPU seconds (or None)
    of `repeat` runs, each after an untimed `setup()`."""
    walls, cpus, servers = [], [], []
    for _ in range(repeat):
        if setup is not None:
            setup()
        s0 = backend_cpu(backend)
        c0 = time.process_time()
        t0 = time.perf_counter()
        fn()
        walls.append(time.perf_counter() - t0)
        cpus.append(time.process_time() - c0)
        s1 = backend_cpu(backend)
        if s0 is not None and s1 is not None:
            servers.append(s1 - s0)
    return (statistics.median(walls), statistics.median(cpus),
            statistics.median(servers) if servers else None)


def _line(name, label, figure, floor):
    wall, cpu, server = figure
    text = f"{name}: {label} {wall:.2f} s"
    if floor is not None:
        text += f" = {wall / floor[0]:.2f} × floor"
    text += f"; app CPU {cpu:.2f} s" + (f" = {cpu / floor[1]:.2f} × floor's" if floor is not None else "")
    if server is not None:
        text += f"; server CPU {server:.2f} s"
        if floor is not None and floor[2]:
            total, floor_total = cpu + server, floor[1] + floor[2]
            text += f"; app + server CPU {total:.2f} s = {total / floor_total:.2f} × floor's"
    return text


def run(url: str, students: int, do_generate: bool, repeat: int = 3) -> list[str]:
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

        core = Entry.__table__.c

        def floor_core():
            """The same fetch as Core rows (no ORM row objects), as the computation now reads it."""
            db.session.execute(
                sa.select(core.student_id, core.indicator, sa.func.sum(core.points_cents))
                .where(core.term_id == term.id, core.deleted_at.is_(None))
                .group_by(core.student_id, core.indicator)).all()

        backend = None
        if db.engine.dialect.name == "postgresql":
            backend = db.session.execute(sa.text("SELECT pg_backend_pid()")).scalar()
        floor_f = timed(floor, max(3, repeat), backend)
        floor_core_f = timed(floor_core, max(3, repeat), backend)

        def clear():
            db.session.execute(sa.delete(StarResult))
            db.session.commit()

        def first():
            compute_term(None, term)
            db.session.commit()

        first_f = timed(first, repeat, backend, setup=clear)

        def change():
            entry = db.session.scalars(sa.select(Entry).order_by(Entry.id).limit(1)).one()
            entry.points_cents += 500
            db.session.commit()

        def again():
            compute_term(None, term)
            db.session.commit()

        again_f = timed(again, repeat, backend, setup=change)
        if backend is not None and db.session.execute(sa.text("SELECT pg_backend_pid()")).scalar() != backend:
            first_f, again_f, floor_f, floor_core_f = (
                f[:2] + (None,) for f in (first_f, again_f, floor_f, floor_core_f))
        n = db.session.scalar(sa.select(sa.func.count(StarResult.id)))
        name = db.engine.dialect.name
        lines.append(_line(name, f"floor (bare GROUP BY, {n:,} students)", floor_f, None))
        lines.append(_line(name, "compute, first (stores all)", first_f, floor_f))
        lines.append(_line(name, "recompute after one change", again_f, floor_f))
        lines.append(_line(name, "floor as Core rows (no ORM row objects; the computation reads so)",
                           floor_core_f, None))
        lines.append(_line(name, "compute, first, against the Core-rows floor", first_f, floor_core_f))
        for label, figure in (("first computation", first_f), ("recompute", again_f)):
            wall, cpu = figure[0] / floor_f[0], figure[1] / floor_f[1]
            lines.append(f"{name}: {label} ≤ 3 × floor: wall {'met' if wall <= 3 else 'NOT met'} "
                         f"({wall:.2f}), app CPU {'met' if cpu <= 3 else 'NOT met'} ({cpu:.2f})")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--students", type=int, default=50_000)
    parser.add_argument("--sqlite", default="/tmp/starrating_bench.sqlite3")
    parser.add_argument("--pg", default="postgresql+psycopg://postgres@127.0.0.1:5432/starrating_bench")
    parser.add_argument("--no-generate", action="store_true")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each figure (medians)")
    args = parser.parse_args()
    urls = [f"sqlite:///{args.sqlite}"]
    try:
        sa.create_engine(args.pg).connect().close()
        urls.append(args.pg)
    except Exception as e:  # no server: SQLite only
        print(f"PostgreSQL not reachable ({type(e).__name__}): SQLite only")
    out = []
    for url in urls:
        out += run(url, args.students, not args.no_generate, args.repeat)
    print("\n".join(out))


if __name__ == "__main__":
    main()
