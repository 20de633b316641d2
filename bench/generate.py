"""Fill a database with a city's worth of students for benchmarks.

    .venv/bin/python bench/generate.py --url sqlite:////tmp/city.sqlite3 [--students 50000] [--entries 30]
    .venv/bin/python bench/generate.py --url postgresql+psycopg://postgres@127.0.0.1:5432/starrating_bench

One school with many departments (a city's vocational schools' worth), classes of ~45, one
open term with the default 细则, a class teacher per class, club memberships, and N × E
entries spread over the default rules' indicators. The schema is rebuilt from the models;
rows go in with bulk inserts (COPY on PostgreSQL), so 1.5 million entries take seconds.
Prints the demo-style logins for one teacher and one student of the first class.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402
from werkzeug.security import generate_password_hash  # noqa: E402

from starrating import create_app  # noqa: E402
from starrating.extensions import db  # noqa: E402
from starrating.models import (  # noqa: E402
    ClassAssignment,
    Club,
    ClubMembership,
    Department,
    Entry,
    Major,
    RuleSet,
    RuleSetVersion,
    School,
    SchoolClass,
    Student,
    Term,
    User,
)

PASSWORD = "Bench2026"
CLASS_SIZE = 45
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高郑梁谢宋唐许韩冯邓曹彭曾肖田董潘袁蔡蒋余于杜叶程魏苏吕丁"
GIVEN = "伟强磊军洋勇杰涛明超亮浩宇鹏飞俊峰辉鑫博文斌凯芳娜敏静丽艳娟霞婷雪琳颖慧晶欣怡佳悦雯瑶"


def bench_app(url: str):
    return create_app({"SQLALCHEMY_DATABASE_URI": url, "SQLALCHEMY_ENGINE_OPTIONS": {},
                       "SECRET_KEY": "bench-only-secret-key"})


def _copy(conn, table, columns, rows) -> None:
    """PostgreSQL COPY: the fastest bulk load (psycopg 3)."""
    raw = conn.connection.driver_connection
    with raw.cursor() as cur, cur.copy(
            f'COPY "{table.name}" ({", ".join(columns)}) FROM STDIN') as copy:
        for row in rows:
            copy.write_row([_naive(v) for v in row])


def bulk(table, rows: list[dict]) -> None:
    if not rows:
        return
    conn = db.session.connection()
    if conn.dialect.name == "postgresql":
        columns = list(rows[0])
        _copy(conn, table, columns, ([r[c] for c in columns] for r in rows))
    else:
        conn.execute(sa.insert(table), rows)


def generate(url: str, students: int, entries: int, seed: int = 7) -> dict:
    rng = random.Random(seed)
    app = bench_app(url)
    started = time.perf_counter()
    with app.app_context():
        db.drop_all()
        db.create_all()
        from starrating.demo import default_rules_source
        from starrating.rules import load_rules

        rules_source = default_rules_source()
        rules = load_rules(rules_source)
        indicators = [k for k in rules.indicator_keys() if k != "club.membership"]

        school = School(code="CITY", name="全市职业院校（基准）")
        db.session.add(school)
        db.session.flush()
        rs = RuleSet(school_id=school.id, name="默认细则")
        db.session.add(rs)
        db.session.flush()
        version = RuleSetVersion(rule_set_id=rs.id, version=1, source=rules_source)
        db.session.add(version)
        db.session.flush()
        term = Term(school_id=school.id, name="2026—2027学年第一学期", start_date=date(2026, 9, 1),
                    end_date=date(2027, 1, 20), status="open", rule_version_id=version.id,
                    club_indicator="club.membership", notice_days=5)
        db.session.add(term)
        db.session.flush()

        n_classes = max(1, round(students / CLASS_SIZE))
        n_departments = max(2, n_classes // 50)
        departments = [Department(school_id=school.id, name=f"第{i + 1}系部")
                       for i in range(n_departments)]
        db.session.add_all(departments)
        db.session.flush()
        majors = [Major(department_id=d.id, name=f"专业{j + 1}") for d in departments for j in range(3)]
        db.session.add_all(majors)
        db.session.flush()

        teacher_hash = generate_password_hash(PASSWORD)
        bulk(User.__table__, [
            {"username": f"t{i + 1:05d}", "password_hash": teacher_hash, "role": "teacher",
             "display_name": f"教师{i + 1}", "active": True, "school_id": school.id,
             "must_change_password": False, "created_at": _now()}
            for i in range(n_classes)])
        teacher_ids = db.session.scalars(sa.select(User.id).order_by(User.id)).all()
        bulk(SchoolClass.__table__, [
            {"school_id": school.id, "major_id": majors[i % len(majors)].id,
             "name": f"{2024 + i % 3 - 2000}级{i + 1}班", "grade": 2024 + i % 3}
            for i in range(n_classes)])
        class_ids = db.session.scalars(sa.select(SchoolClass.id).order_by(SchoolClass.id)).all()
        bulk(ClassAssignment.__table__, [
            {"term_id": term.id, "class_id": c, "teacher_id": t}
            for c, t in zip(class_ids, teacher_ids, strict=True)])

        bulk(Student.__table__, [
            {"school_id": school.id, "student_no": f"S{i + 1:07d}",
             "name": rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN),
             "gender": "male" if rng.random() < 0.6 else "female",
             "class_id": class_ids[i // CLASS_SIZE % len(class_ids)], "status": "active"}
            for i in range(students)])
        student_ids = db.session.scalars(sa.select(Student.id).order_by(Student.id)).all()
        student_hash = generate_password_hash(PASSWORD)
        bulk(User.__table__, [
            {"username": f"S{i + 1:07d}", "password_hash": student_hash, "role": "student",
             "display_name": "学生", "active": True, "school_id": school.id, "student_id": sid,
             "must_change_password": False, "created_at": _now()}
            for i, sid in enumerate(student_ids)])

        clubs = [Club(school_id=school.id, name=f"社团{i + 1}", description="") for i in range(75)]
        db.session.add_all(clubs)
        db.session.flush()
        bulk(ClubMembership.__table__, [
            {"club_id": clubs[rng.randrange(75)].id, "student_id": sid, "term_id": term.id,
             "role": "", "joined_on": date(2026, 9, 10)}
            for sid in student_ids if rng.random() < 0.96])

        span = (date(2026, 11, 30) - term.start_date).days
        points = [-300, -200, -100, 100, 100, 200, 200, 300, 500]
        now = _now()
        batch: list[dict] = []
        for sid in student_ids:
            for _ in range(entries):
                batch.append({
                    "term_id": term.id, "student_id": sid, "indicator": rng.choice(indicators),
                    "points_cents": rng.choice(points), "item_name": "", "note": "",
                    "occurred_on": term.start_date + timedelta(days=rng.randrange(span)),
                    "source": "form", "author_id": None, "created_at": now, "updated_at": now,
                    "version": 1})
            if len(batch) >= 200_000:
                bulk(Entry.__table__, batch)
                batch = []
        bulk(Entry.__table__, batch)
        db.session.commit()
        if db.engine.dialect.name == "postgresql":
            with db.engine.connect() as conn:
                conn.execution_options(isolation_level="AUTOCOMMIT").execute(sa.text("ANALYZE"))
        elapsed = time.perf_counter() - started
        first_class = class_ids[0]
        student_login = db.session.scalar(
            sa.select(User.username).join(Student, Student.id == User.student_id)
            .where(Student.class_id == first_class).limit(1))
        return {"students": students, "entries": students * entries, "classes": n_classes,
                "seconds": elapsed, "term_id": term.id, "teacher": "t00001",
                "student": student_login, "password": PASSWORD, "class_id": first_class}


def _now():
    from starrating.models import utcnow

    return utcnow()


def _naive(value):
    """COPY bypasses the column types: store aware datetimes as naive UTC, as they do."""
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.astimezone(UTC).replace(tzinfo=None)
    return value


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--url", required=True, help="SQLAlchemy URL of a database to overwrite")
    parser.add_argument("--students", type=int, default=50_000)
    parser.add_argument("--entries", type=int, default=30, help="entries per student")
    args = parser.parse_args()
    info = generate(args.url, args.students, args.entries)
    print(f"generated {info['students']:,} students, {info['entries']:,} entries in "
          f"{info['classes']:,} classes in {info['seconds']:.1f} s")
    print(f"logins: teacher {info['teacher']} / student {info['student']}, password {PASSWORD}")


if __name__ == "__main__":
    main()
