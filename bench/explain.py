"""EXPLAIN the hot queries on PostgreSQL and check each uses an index.

    .venv/bin/python bench/explain.py [--url postgresql+psycopg://postgres@127.0.0.1:5432/starrating_bench]

Run after bench/generate.py (a city-sized database). Prints each query's plan and fails
(exit 1) when a query that must be selective scans a whole large table.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402

# (name, SQL, must use an index?) — parameters filled from the database below
HOT = [
    ("login session by token (every request)",
     "SELECT * FROM login_session JOIN \"user\" ON \"user\".id = login_session.user_id "
     "WHERE login_session.token = :token", True),
    ("class teacher's classes in a term",
     "SELECT class_id FROM class_assignment WHERE term_id = :term AND teacher_id = :teacher", True),
    ("a class's entry totals (class page)",
     "SELECT entry.student_id, entry.indicator, sum(entry.points_cents) FROM entry "
     "JOIN student ON student.id = entry.student_id WHERE entry.term_id = :term "
     "AND entry.deleted_at IS NULL AND student.class_id = :class GROUP BY entry.student_id, entry.indicator",
     True),
    ("a student's entries (student page)",
     "SELECT * FROM entry WHERE term_id = :term AND student_id = :student AND deleted_at IS NULL "
     "ORDER BY occurred_on DESC", True),
    ("a student's stored result", "SELECT * FROM star_result WHERE term_id = :term AND student_id = :student", True),
    ("a class's stored results", "SELECT * FROM star_result WHERE term_id = :term AND class_id = :class", True),
    ("a class's students", "SELECT * FROM student WHERE class_id = :class AND status = 'active'", True),
    ("failed logins of a user (throttle)",
     "SELECT count(*) FROM login_attempt WHERE username = :username AND at >= now() - interval '15 minutes'",
     True),
    ("audit log of a student", "SELECT * FROM audit_log WHERE student_id = :student ORDER BY at DESC LIMIT 50", True),
    ("whole-term totals (recompute)",
     "SELECT student_id, indicator, sum(points_cents) FROM entry WHERE term_id = :term "
     "AND deleted_at IS NULL GROUP BY student_id, indicator", False),
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--url", default="postgresql+psycopg://postgres@127.0.0.1:5432/starrating_bench")
    args = parser.parse_args()
    engine = sa.create_engine(args.url)
    bad = []
    with engine.connect() as conn:
        conn.execute(sa.text("ANALYZE"))
        params = dict(conn.execute(sa.text(
            "SELECT (SELECT id FROM term LIMIT 1) AS term, (SELECT teacher_id FROM class_assignment LIMIT 1) AS teacher, "
            "(SELECT class_id FROM class_assignment LIMIT 1) AS class, (SELECT id FROM student LIMIT 1) AS student, "
            "'t00001' AS username, coalesce((SELECT token FROM login_session LIMIT 1), 'x') AS token")).mappings().one())
        sizes = dict(conn.execute(sa.text(
            "SELECT relname, reltuples::bigint FROM pg_class WHERE relkind = 'r'")).all())
        for name, sql, selective in HOT:
            plan = [r[0] for r in conn.execute(sa.text("EXPLAIN " + sql), params)]
            # a sequential scan of a small table is the planner's right choice
            seq = [line for line in plan if "Seq Scan on " in line
                   and sizes.get(line.split("Seq Scan on ")[1].split()[0].strip('"'), 0) > 1000]
            verdict = "index (or a small table)" if not seq else "SEQ SCAN of a large table"
            if selective and seq:
                bad.append(name)
            print(f"\n== {name}: {verdict}")
            print("\n".join("   " + line for line in plan))
    print("\nall selective queries use indexes" if not bad else f"\nscans in: {bad}")
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
