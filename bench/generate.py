"""Fill a database with a city's worth of students for benchmarks.

    .venv/bin/python bench/generate.py --url sqlite:////tmp/city.sqlite3 [--students 50000] [--entries 30]
    .venv/bin/python bench/generate.py --url postgresql+psycopg://postgres@127.0.0.1:5432/starrating_bench
    .venv/bin/python bench/generate.py --url sqlite:////tmp/city.sqlite3 --schools 10 --students 5000 --terms 2 --results

One school with many departments (a city's vocational schools' worth), classes of ~45, one
open term with the default 细则, a class teacher per class, club memberships, and N × E
entries spread over the default rules' indicators. The schema is rebuilt from the models;
rows go in with bulk inserts (COPY on PostgreSQL), so 1.5 million entries take seconds.
Prints the demo-style logins for one teacher and one student of the first class.

With `--schools N` it builds a city instead: N schools of --students each (their own
departments, classes, teachers, students, clubs), `--terms` terms each, a city-office
account `city`, and with `--results` every term's stars computed and stored
(services/results.compute_term) and the classes spread over the workflow's states — what
the city dashboard reads (bench/city.py measures it).
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


def generate(url: str, students: int, entries: int, seed: int = 7, schools: int = 1,
             terms: int = 1, results: bool = False) -> dict:
    """One school of `students` (as before), or with `schools` > 1 a city: that many
    schools of `students` each, `terms` terms each (the last one in force), the city
    office's account, entries made over the last 60 days, and with `results` every term's
    stars computed and stored and the classes of the term in force spread over the
    workflow's states (earlier terms final)."""
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
        city = schools > 1
        filled = []
        for n in range(schools):
            code, name = ("CITY", "全市职业院校（基准）") if not city else (
                f"S{n + 1:02d}", f"第{n + 1}职业学校（基准）")
            filled.append(_fill_school(code, name, students, entries, rng, rules_source,
                                       indicators, terms if city else 1, spread=city))
        if city:
            bulk(User.__table__, [{
                "username": "city", "password_hash": generate_password_hash(PASSWORD),
                "role": "city", "display_name": "市教育局", "active": True, "school_id": None,
                "must_change_password": False, "created_at": _now()}])
        db.session.commit()
        _analyze(city)
        generated = time.perf_counter() - started
        if results:
            _store_results(filled, rng)
            _analyze(city)
        elapsed = time.perf_counter() - started
        first = filled[0]
        first_class = first["class_ids"][0]
        student_login = db.session.scalar(
            sa.select(User.username).join(Student, Student.id == User.student_id)
            .where(Student.class_id == first_class).limit(1))
        return {"students": students * schools, "entries": students * entries * schools
                * (terms if city else 1), "classes": sum(len(f["class_ids"]) for f in filled),
                "schools": schools, "seconds": elapsed, "generate_seconds": generated,
                "term_id": first["term_ids"][-1], "teacher": "t00001",
                "student": student_login, "password": PASSWORD, "class_id": first_class,
                "city_user": "city" if city else None, "school_code": first["code"]}


def _analyze(vacuum: bool) -> None:
    """PostgreSQL's statistics (and for a city the visibility map, so that counts are read
    from covering indexes alone, as on a database autovacuum has been through)."""
    if db.engine.dialect.name == "postgresql":
        with db.engine.connect() as conn:
            conn.execution_options(isolation_level="AUTOCOMMIT").execute(
                sa.text("VACUUM ANALYZE" if vacuum else "ANALYZE"))


# Terms of a city school, oldest first; the last is the one in force on 2026-12-01.
TERMS = [("2025—2026学年第一学期", date(2025, 9, 1), date(2026, 1, 20)),
         ("2025—2026学年第二学期", date(2026, 2, 20), date(2026, 7, 10)),
         ("2026—2027学年第一学期", date(2026, 9, 1), date(2027, 1, 20))]


def _fill_school(code: str, name: str, students: int, entries: int, rng, rules_source,
                 indicators, n_terms: int, spread: bool) -> dict:
    school = School(code=code, name=name)
    db.session.add(school)
    db.session.flush()
    rs = RuleSet(school_id=school.id, name="默认细则")
    db.session.add(rs)
    db.session.flush()
    version = RuleSetVersion(rule_set_id=rs.id, version=1, source=rules_source)
    db.session.add(version)
    db.session.flush()
    made_terms = []
    for term_name, start, end in TERMS[-n_terms:]:
        term = Term(school_id=school.id, name=term_name, start_date=start, end_date=end,
                    status="open" if end > date(2026, 12, 1) else "closed",
                    rule_version_id=version.id, club_indicator="club.membership",
                    notice_days=5)
        db.session.add(term)
        db.session.flush()
        made_terms.append(term)
    term = made_terms[-1]

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
    teacher_ids = db.session.scalars(sa.select(User.id).where(User.school_id == school.id)
                                     .order_by(User.id)).all()
    bulk(SchoolClass.__table__, [
        {"school_id": school.id, "major_id": majors[i % len(majors)].id,
         "name": f"{2024 + i % 3 - 2000}级{i + 1}班", "grade": 2024 + i % 3}
        for i in range(n_classes)])
    class_ids = db.session.scalars(sa.select(SchoolClass.id).where(
        SchoolClass.school_id == school.id).order_by(SchoolClass.id)).all()
    for made in made_terms:
        bulk(ClassAssignment.__table__, [
            {"term_id": made.id, "class_id": c, "teacher_id": t}
            for c, t in zip(class_ids, teacher_ids, strict=True)])

    bulk(Student.__table__, [
        {"school_id": school.id, "student_no": f"S{i + 1:07d}",
         "name": rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN),
         "gender": "male" if rng.random() < 0.6 else "female",
         "class_id": class_ids[i // CLASS_SIZE % len(class_ids)], "status": "active"}
        for i in range(students)])
    student_ids = db.session.scalars(sa.select(Student.id).where(
        Student.school_id == school.id).order_by(Student.id)).all()
    student_hash = generate_password_hash(PASSWORD)
    bulk(User.__table__, [
        {"username": f"S{i + 1:07d}", "password_hash": student_hash, "role": "student",
         "display_name": "学生", "active": True, "school_id": school.id, "student_id": sid,
         "must_change_password": False, "created_at": _now()}
        for i, sid in enumerate(student_ids)])

    clubs = [Club(school_id=school.id, name=f"社团{i + 1}", description="") for i in range(75)]
    db.session.add_all(clubs)
    db.session.flush()
    for made in made_terms:
        bulk(ClubMembership.__table__, [
            {"club_id": clubs[rng.randrange(75)].id, "student_id": sid, "term_id": made.id,
             "role": "", "joined_on": made.start_date + timedelta(days=9)}
            for sid in student_ids if rng.random() < 0.96])

    points = [-300, -200, -100, 100, 100, 200, 200, 300, 500]
    now = _now()
    for made in made_terms:
        span = (min(made.end_date, date(2026, 11, 30)) - made.start_date).days
        batch: list[dict] = []
        for sid in student_ids:
            for _ in range(entries):
                occurred = made.start_date + timedelta(days=rng.randrange(span))
                # A city's entries are recorded over time (the dashboard counts the last 7
                # and 30 days); one school's all now, as the other benchmarks had them.
                created = (now - timedelta(days=rng.randrange(60), minutes=rng.randrange(1440))
                           if spread and made is term else
                           datetime.combine(occurred, datetime.min.time(), UTC)
                           if spread else now)
                batch.append({
                    "term_id": made.id, "student_id": sid, "indicator": rng.choice(indicators),
                    "points_cents": rng.choice(points), "item_name": "", "note": "",
                    "occurred_on": occurred, "source": "form", "author_id": None,
                    "created_at": created, "updated_at": created, "version": 1})
            if len(batch) >= 200_000:
                bulk(Entry.__table__, batch)
                batch = []
        bulk(Entry.__table__, batch)
    return {"code": code, "school_id": school.id, "term_ids": [t.id for t in made_terms],
            "class_ids": class_ids}


def _store_results(filled: list[dict], rng) -> None:
    """Every term's stars computed and stored (services/results.py, as `stars compute`
    does); the classes of the term in force spread over submitted, published and final,
    earlier terms' classes final."""
    from starrating.models import ClassTermStatus
    from starrating.services.results import compute_term

    now = _now()
    for school in filled:
        for term_id in school["term_ids"]:
            compute_term(None, db.session.get(Term, term_id))
            db.session.commit()
        rows = []
        *earlier, current = school["term_ids"]
        for term_id in earlier:
            rows += [{"term_id": term_id, "class_id": c, "state": "final",
                      "finalized_at": now} for c in school["class_ids"]]
        for c in school["class_ids"]:
            state = rng.choices(["open", "submitted", "published", "final"], [3, 2, 3, 2])[0]
            if state != "open":
                rows.append({"term_id": current, "class_id": c, "state": state,
                             "submitted_at": now, "published_at": now,
                             "notice_ends_at": now + timedelta(days=5),
                             "finalized_at": now if state == "final" else None})
        for row in rows:  # COPY needs the same columns in every row
            for column in ("submitted_at", "published_at", "notice_ends_at", "finalized_at"):
                row.setdefault(column, None)
        bulk(ClassTermStatus.__table__, rows)
        db.session.commit()


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
    parser.add_argument("--schools", type=int, default=1,
                        help="a city of N schools, each of --students students")
    parser.add_argument("--terms", type=int, default=1, choices=range(1, len(TERMS) + 1),
                        help="terms per school of a city (the last one in force)")
    parser.add_argument("--results", action="store_true",
                        help="compute and store every term's stars; spread the classes "
                             "over the workflow's states")
    args = parser.parse_args()
    info = generate(args.url, args.students, args.entries, schools=args.schools,
                    terms=args.terms, results=args.results)
    print(f"generated {info['schools']} school(s), {info['students']:,} students, "
          f"{info['entries']:,} entries in {info['classes']:,} classes in "
          f"{info['seconds']:.1f} s ({info['generate_seconds']:.1f} s before results)")
    print(f"logins: teacher {info['teacher']} / student {info['student']}"
          f" (school {info['school_code']}), password {PASSWORD}")
    if info["city_user"]:
        print(f"city office: {info['city_user']} / {PASSWORD} at /city/login")


if __name__ == "__main__":
    main()
