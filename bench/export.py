"""Benchmark the exports and record them in docs/performance.md under "## Exports".

1. A SQLite database with one school, 50,000 students in ~1,100 classes and a stored
   StarResult for each (bulk inserts; the default 细则's four dimensions).
2. The school workbook through the app (`write_workbook`: one streamed query → XlsxWriter
   constant-memory), against a floor: the same rows, already in memory, written with bare
   XlsxWriter into the same sheets. Each measurement runs in its own process, so each peak
   RSS (ru_maxrss) is its own. Targets: ratio ≤ 1.5, app peak ≤ 300 MB.
3. Report cards, recorded under "## Report cards": a school of --card-students students
   (the same generator, plus entries, notes and club memberships so each card is full),
   every class's cards rendered as the jobs render them — the zip of single cards
   (`write_cards_zip`, one layout per class split into pages) and the merged print PDF
   (`write_cards_pdf`) — with one worker process and with two (classes dealt out), against
   a floor measured in the same run: a trivial one-page PDF (one line of Chinese, the same
   font) rendered once per card. Reports cards per second, CPU time per card and the
   time extrapolated to 5,000 cards. Target: 5,000 cards ≤ 10 minutes with two workers.

    .venv/bin/python bench/export.py [--students 50000] [--card-students 900] [--only cards]
                                     [--no-write]
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
CARDS_SECTION = "## Report cards"
SCHOOL_CARDS = 5000
CARDS_TARGET_SECONDS = 600
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
            sheet.write_string(0, 0, f"{cname} · 评价细则 · 暂定（未确认）", bold)  # title row
            sheet.freeze_panes(2, 3)  # the same layout as the app's sheets
            sheet.set_column(0, 0, 14)
            sheet.set_column(1, 2, 12)
            sheet.set_column(3, len(head) - 2, 11)
            sheet.set_column(len(head) - 1, len(head) - 1, 24)
            for col, text in enumerate(head):
                sheet.write_string(1, col, text, bold)
            current, r = cid, 2
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


def add_card_details(url: str) -> dict:
    """Entries (a dozen per student over the rules' indicators), notes and club
    memberships, so that the cards are as full as a real term's."""
    import sqlalchemy as sa

    from starrating.extensions import db
    from starrating.models import (
        Club,
        ClubMembership,
        Entry,
        Student,
        StudentTermNote,
        Term,
        User,
    )
    from starrating.models.accounts import Role
    from starrating.services.scoring import term_rules

    rng = random.Random(5)
    app = bench_app(url)
    with app.app_context():
        term = db.session.scalars(sa.select(Term)).first()
        keys = term_rules(term).indicator_keys()
        author = User(school_id=term.school_id, username="bench-teacher", role=Role.TEACHER,
                      display_name="王老师", password_hash="x")
        db.session.add(author)
        clubs = [Club(school_id=term.school_id, name=f"社团{i}") for i in range(20)]
        db.session.add_all(clubs)
        db.session.flush()
        students = db.session.scalars(sa.select(Student.id)).all()
        conn = db.session.connection()
        entries, notes, members = [], [], []
        for sid in students:
            for _ in range(12):
                entries.append({
                    "term_id": term.id, "student_id": sid, "indicator": rng.choice(keys),
                    "points_cents": rng.choice((200, 300, 500, -200, 100)),
                    "occurred_on": dt.date(2026, 9, 1) + dt.timedelta(days=rng.randrange(100)),
                    "item_name": "参加校级技能竞赛并获奖", "note": "", "author_id": author.id,
                    "created_at": dt.datetime.now(dt.UTC)})
            notes.append({"term_id": term.id, "student_id": sid,
                          "teacher_comment": "该生学习认真，积极参加集体活动，技能训练刻苦。" * 2,
                          "self_statement": "本学期我努力学习专业技能，参加了社团活动。" * 2})
            for club in rng.sample(clubs, 2):
                members.append({"club_id": club.id, "student_id": sid, "term_id": term.id,
                                "role": rng.choice(("", "", "社长", "干事")),
                                "joined_on": dt.date(2026, 9, 10)})
        conn.execute(sa.insert(Entry.__table__), entries)
        conn.execute(sa.insert(StudentTermNote.__table__), notes)
        conn.execute(sa.insert(ClubMembership.__table__), members)
        db.session.commit()
        return {"entries": len(entries)}


def measure_cards(url: str, kind: str, worker: int, workers: int) -> dict:
    """Render this worker's share of the classes (every `workers`-th) as `kind` ("zip",
    "pdf"), or the floor ("floor": a trivial one-page PDF once per card of the share)."""
    import io

    import sqlalchemy as sa

    from starrating.extensions import db
    from starrating.models import SchoolClass, StarResult, Term
    from starrating.services.reports import pdf

    app = bench_app(url)
    with app.app_context(), app.test_request_context():
        term = db.session.scalars(sa.select(Term)).first()
        classes = db.session.scalars(sa.select(SchoolClass).order_by(SchoolClass.id)).all()
        mine = classes[worker::workers]
        # warm-up (imports, fonts, templates), untimed, as a running worker is
        renderer = pdf.CardRenderer()
        renderer.render("<p>学生</p>")
        cards = db.session.scalar(sa.select(sa.func.count()).select_from(StarResult).where(
            StarResult.class_id.in_([c.id for c in mine])))
        cpu, started = cpu_seconds(), time.perf_counter()
        if kind == "floor":
            for _ in range(cards):
                renderer.render("<p>学生</p>")
        else:
            for school_class in mine:
                if kind == "zip":
                    pdf.write_cards_zip(None, term, io.BytesIO(), school_class)
                else:
                    pdf.write_cards_pdf(None, term, io.BytesIO(), school_class)
        seconds, cpu = time.perf_counter() - started, cpu_seconds() - cpu
    return {"cards": cards, "seconds": seconds, "cpu": cpu, "peak_mb": peak_mb()}


def run_cards(url: str, kind: str, workers: int) -> dict:
    """`workers` processes at once, each with its share; wall time of the slowest."""
    procs = [subprocess.Popen([sys.executable, __file__, "--child", "cards", url, kind,
                               str(w), str(workers)], stdout=subprocess.PIPE, text=True)
             for w in range(workers)]
    started = time.perf_counter()
    results = []
    for proc in procs:
        out, _ = proc.communicate()
        if proc.returncode:
            raise SystemExit(f"cards {kind} failed")
        results.append(json.loads(out.strip().splitlines()[-1]))
    cards = sum(r["cards"] for r in results)
    seconds = max(r["seconds"] for r in results)
    return {"cards": cards, "seconds": seconds, "wall": time.perf_counter() - started,
            "cpu_per_card": sum(r["cpu"] for r in results) / cards,
            "per_second": cards / seconds, "peak_mb": max(r["peak_mb"] for r in results)}


def cards_bench(args) -> list[str]:
    tmp = Path(tempfile.mkdtemp(prefix="starrating-cards-bench-"))
    url = f"sqlite:///{tmp / 'cards.sqlite3'}"
    gen = child("generate", url, str(args.card_students))
    child("details", url)
    lines = [f"school: {gen['students']:,} students in {gen['classes']} classes of "
             f"{CLASS_SIZE}, 12 entries, two notes and two clubs each"]
    figures = {}
    for kind, label in (("floor", "floor, a trivial one-page PDF per card"),
                        ("zip", "zip of single cards (write_cards_zip)"),
                        ("pdf", "merged class PDF (write_cards_pdf)")):
        for workers in (1, 2):
            m = run_cards(url, kind, workers)
            figures[kind, workers] = m
            school = SCHOOL_CARDS / m["per_second"]
            lines.append(
                f"{label}, {workers} worker{'s' if workers > 1 else ''}: {m['cards']} cards "
                f"in {m['seconds']:.1f} s = {m['per_second']:.1f} cards/s, CPU "
                f"{m['cpu_per_card'] * 1000:.0f} ms a card, peak RSS {m['peak_mb']:.0f} MB; "
                f"{SCHOOL_CARDS:,} cards ≈ {school / 60:.1f} min")
    for kind in ("zip", "pdf"):
        ratio = figures[kind, 1]["cpu_per_card"] / figures["floor", 1]["cpu_per_card"]
        lines.append(f"{kind}: CPU a card / floor's CPU a page = {ratio:.1f}")
    worst = SCHOOL_CARDS / min(figures["zip", 2]["per_second"], figures["pdf", 2]["per_second"])
    ok = worst <= CARDS_TARGET_SECONDS
    lines.append(f"5,000 cards with two workers (wall time measured): ≤ {worst / 60:.1f} min "
                 "(target ≤ 10 min): " + ("met" if ok else "MISSED"))
    # On a machine shared with other work the wall time is the other work's too; the CPU
    # time a card is the process's own: with two idle cores, two workers need this.
    cpu = max(figures["zip", 2]["cpu_per_card"], figures["pdf", 2]["cpu_per_card"])
    cores = min(2, os.cpu_count() or 1)
    lines.append(f"5,000 cards from CPU time ({cpu * 1000:.0f} ms a card, {cores} cores "
                 f"free): {SCHOOL_CARDS * cpu / cores / 60:.1f} min; load average at the end "
                 f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    return lines


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
    ap.add_argument("--card-students", type=int, default=900,
                    help="students in the report-card school (20 classes of 45)")
    ap.add_argument("--only", choices=["workbook", "cards"], default=None)
    ap.add_argument("--db", default=None, help="SQLite file to (re)build; default: a temp file")
    ap.add_argument("--no-write", action="store_true", help="do not update docs/performance.md")
    ap.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        kind, *rest = args.child
        result = {"app": lambda: measure_app(*rest), "floor": lambda: measure_floor(*rest),
                  "generate": lambda: generate(rest[0], int(rest[1])),
                  "details": lambda: add_card_details(rest[0]),
                  "cards": lambda: measure_cards(rest[0], rest[1], int(rest[2]),
                                                 int(rest[3]))}[kind]()
        print(json.dumps(result))
        return

    if args.only != "workbook":
        card_lines = cards_bench(args)
        print("\n".join(card_lines), flush=True)
        if not args.no_write:
            write_cards_section(card_lines, args)
    if args.only == "cards":
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
    ok = ratio <= 1.5 and app_peak <= 300
    lines.append("targets met" if ok else "TARGETS MISSED")
    print("\n".join(lines), flush=True)
    if not args.no_write:
        write_section(lines, args)
    if not ok:
        raise SystemExit(1)


def replace_section(section: str, body: str) -> None:
    """Replace (or append) one "## ..." section of docs/performance.md."""
    path = ROOT / "docs" / "performance.md"
    text = path.read_text(encoding="utf-8") if path.exists() else "# Performance\n"
    start = text.find(section + "\n")
    if start == -1:
        text = text.rstrip("\n") + "\n\n" + body
    else:
        end = text.find("\n## ", start + len(section))
        text = text[:start] + body + (text[end + 1:] if end != -1 else "")
    path.write_text(text.rstrip("\n") + "\n", encoding="utf-8")


def write_cards_section(lines: list[str], args: argparse.Namespace) -> None:
    replace_section(CARDS_SECTION, "\n".join([
        CARDS_SECTION, "",
        f"Measured by `.venv/bin/python bench/export.py --only cards --card-students "
        f"{args.card_students}` (each worker a process of its own; CPU = user + system).",
        f"Date {dt.date.today().isoformat()}; machine: {os.cpu_count()} CPUs (nproc), "
        f"Python {platform.python_version()}; the machine was shared with other work.",
        "Target: a school's 5,000 cards in ≤ 10 minutes with two workers.", "",
        "```", *lines, "```", "", CARDS_NOTES, ""]))


CARDS_NOTES = """How the time was cut (cProfile of one class's 40 demo cards, 132 ms a card before):
- **One WeasyPrint render per class.** A card used to be its own document: stylesheet
  matching, font subsetting (two faces) and PDF writing were paid per card. Now a class's
  cards are one HTML document, a page per card (`pdf.cards_html`); the merged print PDF is
  that document, and the zip splits its pages into single-card PDFs
  (`CardRenderer.split`, by each card's anchor).
- **Fixed table layout** (`table-layout: fixed` in card.css): WeasyPrint no longer measures
  every cell's text twice to find column widths (≈ 40 ms a card in the profile).
- **One font face**: headings are not bold, so only WenQuanYi Zen Hei Medium is embedded
  (a synthetic bold was a second subset per PDF). Zen Hei stays: Micro Hei lacks CJK
  Extension A (㛃) and Noto CJK is slower with memory that grows.
- **A small user-agent stylesheet** (templates/reports/card_ua.css) instead of WeasyPrint's
  HTML5 one: cascading 256 lines of rules onto every element was a quarter of the layout
  time; the card renders pixel-identical.
- **A lighter chart**: the radar is hand-written SVG with one path for the rings and
  spokes instead of ten elements; stars are two text runs instead of a span each.

Before and after, the same 450-student school, one worker, CPU time (2026-12-01, load
average 7–10 from other sessions, so wall time meant little): before this change the zip
took 68.1 s CPU (151 ms a card); now 44.7 s (99 ms) for the zip and 35.0 s (78 ms) for the
merged class PDF.
What remains is WeasyPrint's own layout and line breaking of CJK text (Pango), which grows
with the text on the card; splitting the class into single-card PDFs for the zip adds
~25 ms a card (each PDF embeds its own font subset). A whole-school zip is ONE job and
runs on one worker; two workers halve the time when classes are exported as separate jobs
(the merged class PDF, or a class's zip) — and only as two processes: huey's default
thread workers (`-w 2`) share one interpreter lock, so card exports need
`huey_consumer … -k process -w 2` to use both cores."""


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
        "Report cards: see the section \"Report cards\" below.", "",
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
