"""Benchmark the exports and record them in docs/performance.md under "## Exports".

1. A SQLite database with one school, 50,000 students in ~1,100 classes and a stored
   StarResult for each (bulk inserts; the default 细则's four dimensions).
2. The school workbook through the app (`write_workbook`: one streamed query → XlsxWriter
   constant-memory), against a floor: the same rows, already in memory, written with bare
   XlsxWriter into the same sheets. Each measurement runs in its own process, so each peak
   RSS (ru_maxrss) is its own. Targets: ratio ≤ 1.5, app peak ≤ 300 MB.
3. Report cards: the demo school (seed-demo + computed results), one class's cards through
   `write_cards_zip`; time per card.

    .venv/bin/python bench/export.py [--students 50000] [--cards 40] [--no-write]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SECTION = "## Exports"
CLASS_SIZE = 45
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高郑梁谢宋唐许韩冯邓曹彭曾肖田董潘袁蔡蒋余于杜叶程魏苏吕丁"
GIVEN = "伟强磊军洋勇杰涛明超亮浩宇鹏飞俊峰辉鑫博文斌凯芳娜敏静丽艳娟霞婷雪琳颖慧晶欣怡佳悦雯瑶㛃堃喆犇赟"
TITLES = ["三好学生", "技能之星", "劳动之星"]


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kB on Linux


def bench_app(url: str, files: str | None = None):
    from starrating import create_app

    return create_app({"SQLALCHEMY_DATABASE_URI": url, "SQLALCHEMY_ENGINE_OPTIONS": {},
                       "SECRET_KEY": "bench-only-secret-key", "HUEY_IMMEDIATE": True,
                       "STARRATING_FILES_DIR": files or tempfile.mkdtemp()})


def generate(url: str, students: int, seed: int = 11) -> dict:
    """School, term (default rules), classes, students and their stored results."""
    import sqlalchemy as sa

    from starrating.demo import default_rules_source
    from starrating.extensions import db
    from starrating.models import (
        Department,
        Major,
        RuleSet,
        RuleSetVersion,
        School,
        SchoolClass,
        StarResult,
        Student,
        Term,
    )
    from starrating.rules import load_rules

    rng = random.Random(seed)
    app = bench_app(url)
    started = time.perf_counter()
    with app.app_context():
        db.drop_all()
        db.create_all()
        source = default_rules_source()
        dims = [d.key for d in load_rules(source).dimensions]
        school = School(code="BENCH", name="全市职业院校（基准）")
        db.session.add(school)
        db.session.flush()
        rs = RuleSet(school_id=school.id, name="默认细则")
        db.session.add(rs)
        db.session.flush()
        version = RuleSetVersion(rule_set_id=rs.id, version=1, source=source)
        db.session.add(version)
        db.session.flush()
        term = Term(school_id=school.id, name="2026—2027学年第一学期", start_date=dt.date(2026, 9, 1),
                    end_date=dt.date(2027, 1, 20), status="open", rule_version_id=version.id)
        db.session.add(term)
        dept = Department(school_id=school.id, name="机电工程系")
        db.session.add(dept)
        db.session.flush()
        major = Major(department_id=dept.id, name="机电一体化")
        db.session.add(major)
        db.session.flush()
        n_classes = max(1, round(students / CLASS_SIZE))
        conn = db.session.connection()
        conn.execute(sa.insert(SchoolClass.__table__), [
            {"school_id": school.id, "major_id": major.id, "name": f"{24 + i % 3}级{i + 1}班",
             "grade": 2024 + i % 3} for i in range(n_classes)])
        class_ids = db.session.scalars(sa.select(SchoolClass.id).order_by(SchoolClass.id)).all()
        conn.execute(sa.insert(Student.__table__), [
            {"school_id": school.id, "student_no": f"S{i + 1:07d}",
             "name": rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN),
             "gender": "male", "class_id": class_ids[i // CLASS_SIZE % n_classes],
             "status": "active"} for i in range(students)])
        rows = db.session.execute(sa.select(Student.id, Student.class_id)).all()
        now = dt.datetime.now(dt.UTC)
        batch = []
        for sid, cid in rows:
            scores = {k: rng.randrange(5000, 10001) for k in dims}
            overall = sum(scores.values()) // len(scores)
            batch.append({
                "term_id": term.id, "student_id": sid, "class_id": cid,
                "rule_version_id": version.id, "computed_at": now,
                "overall_score": f"{overall / 100:.2f}", "overall_stars": (overall - 5000) // 1000,
                "dimensions": {k: {"score": f"{v / 100:.2f}", "stars": (v - 5000) // 1000}
                               for k, v in scores.items()},
                "titles": rng.sample(TITLES, rng.choice((0, 0, 0, 1, 2))), "explain": {}})
            if len(batch) == 10_000:
                conn.execute(sa.insert(StarResult.__table__), batch)
                batch = []
        if batch:
            conn.execute(sa.insert(StarResult.__table__), batch)
        db.session.commit()
        return {"students": students, "classes": n_classes, "term_id": term.id,
                "seconds": time.perf_counter() - started}


def measure_app(url: str, out: str) -> dict:
    """The app's workbook export, as the job runs it."""
    from starrating.extensions import db
    from starrating.models import Term
    from starrating.services.reports.xlsx import write_workbook

    app = bench_app(url)
    with app.app_context():
        term = db.session.scalars(db.select(Term)).first()
        before = peak_mb()
        cpu, started = cpu_seconds(), time.perf_counter()
        rows = write_workbook(None, term, out)
        seconds, cpu = time.perf_counter() - started, cpu_seconds() - cpu
    return {"rows": rows, "seconds": seconds, "cpu": cpu, "peak_mb": peak_mb(),
            "before_mb": before, "bytes": os.path.getsize(out)}


def measure_floor(url: str, out: str) -> dict:
    """Bare XlsxWriter: the same rows (read beforehand, untimed) into the same sheets."""
    import sqlite3

    import xlsxwriter

    from starrating.rules import load_rules
    from starrating.services.reports.xlsx import WORKBOOK_OPTIONS, headers, sheet_name

    path = url.removeprefix("sqlite:///")
    conn = sqlite3.connect(path)
    source = conn.execute("SELECT source FROM rule_set_version").fetchone()[0]
    rules = load_rules(source)
    keys = [d.key for d in rules.dimensions]
    rows = []
    for cid, cname, no, name, score, stars, dims, titles in conn.execute(
            "SELECT r.class_id, c.name, s.student_no, s.name, r.overall_score, r.overall_stars,"
            " r.dimensions, r.titles FROM star_result r JOIN student s ON s.id = r.student_id"
            " JOIN school_class c ON c.id = r.class_id ORDER BY c.name, c.id, s.student_no"):
        dims = json.loads(dims)
        rows.append((cid, cname, no, name, float(score), stars,
                     [(float(dims[k]["score"]), dims[k]["stars"]) for k in keys],
                     "、".join(json.loads(titles))))
    conn.close()

    class Dim:
        def __init__(self, d):
            self.name = d.name

    head = headers([Dim(d) for d in rules.dimensions])
    before = peak_mb()
    cpu, started = cpu_seconds(), time.perf_counter()
    book = xlsxwriter.Workbook(out, WORKBOOK_OPTIONS)
    bold = book.add_format({"bold": True})
    num = book.add_format({"num_format": "0.00"})
    summary = book.add_worksheet("汇总")
    used = {"汇总"}
    sheet, current, r, counts = None, None, 0, []
    for cid, cname, no, name, score, stars, dims, titles in rows:
        if cid != current:
            sheet = book.add_worksheet(sheet_name(cname, used))
            sheet.freeze_panes(1, 3)  # the same layout as the app's sheets
            sheet.set_column(0, 0, 14)
            sheet.set_column(1, 2, 12)
            sheet.set_column(3, len(head) - 2, 11)
            sheet.set_column(len(head) - 1, len(head) - 1, 24)
            for col, text in enumerate(head):
                sheet.write_string(0, col, text, bold)
            current, r = cid, 1
            counts.append((cname, [0] * 6))
        sheet.write_string(r, 0, no)
        sheet.write_string(r, 1, name)
        sheet.write_string(r, 2, cname)
        col = 3
        for s, st in dims:
            sheet.write_number(r, col, s, num)
            sheet.write_number(r, col + 1, st)
            col += 2
        sheet.write_number(r, col, score, num)
        sheet.write_number(r, col + 1, stars)
        if titles:
            sheet.write_string(r, col + 2, titles)
        counts[-1][1][stars] += 1
        r += 1
    for i, (cname, c) in enumerate(counts, start=2):
        summary.write_string(i, 0, cname)
        for j, n in enumerate(c):
            summary.write_number(i, j + 1, n)
    book.close()
    seconds, cpu = time.perf_counter() - started, cpu_seconds() - cpu
    return {"rows": len(rows), "seconds": seconds, "cpu": cpu, "peak_mb": peak_mb(),
            "before_mb": before, "bytes": os.path.getsize(out)}


def measure_cards(cards: int) -> dict:
    """Per-card time: the demo school's largest class through write_cards_zip."""
    import io

    import sqlalchemy as sa

    from starrating.demo import seed_demo
    from starrating.extensions import db
    from starrating.models import SchoolClass, StarResult, Term
    from starrating.services.reports.pdf import write_cards_zip
    from starrating.services.results import compute_term

    tmp = tempfile.mkdtemp()
    app = bench_app(f"sqlite:///{tmp}/demo.sqlite3", files=tmp)
    with app.app_context(), app.test_request_context():
        db.create_all()
        seed_demo()
        term = db.session.scalars(sa.select(Term)).first()
        compute_term(None, term)
        db.session.commit()
        class_id, n = db.session.execute(
            sa.select(StarResult.class_id, sa.func.count()).group_by(StarResult.class_id)
            .order_by(sa.func.count().desc()).limit(1)).one()
        school_class = db.session.get(SchoolClass, class_id)
        write_cards_zip(None, term, io.BytesIO(), school_class)  # warm: fonts, templates
        before = peak_mb()
        started = time.perf_counter()
        done = write_cards_zip(None, term, io.BytesIO(), school_class)
        seconds = time.perf_counter() - started
    return {"cards": done, "seconds": seconds, "ms_per_card": seconds / done * 1000,
            "peak_mb": peak_mb(), "before_mb": before}


def child(kind: str, *args: str) -> dict:
    cmd = [sys.executable, __file__, "--child", kind, *args]
    done = subprocess.run(cmd, capture_output=True, text=True)
    if done.returncode:
        sys.stderr.write("\n".join(done.stderr.splitlines()[-15:])[-3000:] + "\n")
        raise SystemExit(f"{kind} failed")
    out = done.stdout
    return json.loads(out.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--students", type=int, default=50_000)
    ap.add_argument("--cards", type=int, default=40, help="(the demo class size decides)")
    ap.add_argument("--db", default=None, help="SQLite file to (re)build; default: a temp file")
    ap.add_argument("--no-write", action="store_true", help="do not update docs/performance.md")
    ap.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        kind, *rest = args.child
        result = {"app": lambda: measure_app(*rest), "floor": lambda: measure_floor(*rest),
                  "generate": lambda: generate(rest[0], int(rest[1])),
                  "cards": lambda: measure_cards(int(rest[0]))}[kind]()
        print(json.dumps(result))
        return

    tmp = Path(tempfile.mkdtemp(prefix="starrating-export-bench-"))
    db_path = Path(args.db) if args.db else tmp / "bench.sqlite3"
    url = f"sqlite:///{db_path}"
    gen = child("generate", url, str(args.students))
    lines = [f"generated {gen['students']:,} stored results in {gen['classes']:,} classes "
             f"in {gen['seconds']:.1f} s (SQLite, bulk inserts)"]
    # Alternate floor and app; keep each one's best time (and its worst peak): on a shared
    # machine the best of three is the least disturbed.
    floors, apps = [], []
    for _ in range(3):
        floors.append(child("floor", url, str(tmp / "floor.xlsx")))
        apps.append(child("app", url, str(tmp / "app.xlsx")))
    floor = min(floors, key=lambda m: m["seconds"])
    app = min(apps, key=lambda m: m["seconds"])
    app_peak = max(m["peak_mb"] for m in apps)
    ratio = app["seconds"] / floor["seconds"]
    cpu_ratio = min(m["cpu"] for m in apps) / min(m["cpu"] for m in floors)
    lines += [
        f"floor, bare XlsxWriter (rows already in memory): {floor['seconds']:.2f} s, "
        f"peak RSS {max(m['peak_mb'] for m in floors):.0f} MB "
        f"(of which {floor['before_mb']:.0f} MB the rows held in memory before writing)",
        f"app, write_workbook (query streamed with yield_per → XlsxWriter): "
        f"{app['seconds']:.2f} s, peak RSS {app_peak:.0f} MB "
        f"({app['before_mb']:.0f} MB before the export: interpreter and app)",
        f"rows: {app['rows']:,}; sheets: {gen['classes'] + 1:,}; file {app['bytes'] / 1e6:.1f} MB",
        f"ratio app / floor: {ratio:.2f} (target ≤ 1.5)  peak: {app_peak:.0f} MB (target ≤ 300 MB)",
        f"CPU time (user + system, less disturbed by other work on the machine): app "
        f"{min(m['cpu'] for m in apps):.2f} s, floor {min(m['cpu'] for m in floors):.2f} s, "
        f"ratio {cpu_ratio:.2f}",
    ]
    cards = child("cards", str(args.cards))
    lines.append(f"report cards (demo school, one class, WeasyPrint + WenQuanYi Zen Hei): "
                 f"{cards['cards']} cards in {cards['seconds']:.2f} s = "
                 f"{cards['ms_per_card']:.0f} ms a card, peak RSS {cards['peak_mb']:.0f} MB")
    ok = ratio <= 1.5 and app_peak <= 300
    lines.append("targets met" if ok else "TARGETS MISSED")
    print("\n".join(lines), flush=True)
    if not args.no_write:
        write_section(lines, args)
    if not ok:
        raise SystemExit(1)


def write_section(lines: list[str], args: argparse.Namespace) -> None:
    """Replace (or append) only the "## Exports" section of docs/performance.md."""
    path = ROOT / "docs" / "performance.md"
    text = path.read_text(encoding="utf-8") if path.exists() else "# Performance\n"
    body = "\n".join([
        SECTION, "",
        f"Measured by `.venv/bin/python bench/export.py --students {args.students}`, "
        "each measurement in its own process (peak RSS = ru_maxrss of that process).",
        f"Date {dt.date.today().isoformat()}; machine: {os.cpu_count()} CPUs (nproc), "
        f"Python {platform.python_version()} on {platform.system()} {platform.machine()}.",
        "Targets: the school workbook for 50,000 students (~1,100 classes: a summary sheet and "
        "a sheet per class) within 1.5× the time of writing the same rows with bare XlsxWriter, "
        "peak memory ≤ 300 MB. The floor gets its rows from memory; the app reads them from "
        "the database in one streamed query (constant number of queries).",
        "", "```", *lines, "```", "",
        "Report cards: each is a full A4 page (details, dimension table, radar SVG, entry "
        "summary, notable entries, two notes) laid out by WeasyPrint; most of the time is "
        "layout, and a class's 45 cards take 10–20 s on one worker (2 CPUs shared with other "
        "work make the figure vary between about 180 and 500 ms). The card font is WenQuanYi "
        "Zen Hei (Debian fonts-wqy-zenhei) because WenQuanYi Micro Hei lacks CJK Extension A "
        "(㛃); the font alone is not the cost (Micro Hei measured within the noise). Exports "
        "of many cards run as huey jobs: more consumer workers (`-w`) share a school's cards.",
        "",
    ])
    start = text.find(SECTION + "\n")
    if start == -1:
        text = text.rstrip("\n") + "\n\n" + body
    else:
        end = text.find("\n## ", start + len(SECTION))
        text = text[:start] + body + (text[end + 1:] if end != -1 else "")
    path.write_text(text.rstrip("\n") + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
