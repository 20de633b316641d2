"""HTTP under load (issue 15): each page's req/s, p50, p99, errors, statements and app CPU
per request beside a Flask hello-world's, and the verdict per goal.

    .venv/bin/python bench/load.py [--url postgresql+psycopg://postgres@127.0.0.1:5432/sr_perf_bench]
                                   [--students 2000] [--class-size 30] [--connections 16]
                                   [--seconds 15] [--sessions 32] [--no-generate]
                                   [--schools 10 --students 5000]   (a city of 50,000)

Builds the school with bench/school.py (generate.py's school; one teacher holding
--teacher-classes classes; the first --publish published, so students see stored stars),
serves the app and bench/hello.py with the repo's gunicorn.conf.py (gthread), logs in
--sessions sessions per user kind (that many published students; the teacher and the
admin that many times each) and drives each page with wrk from a second process on
loopback, rotating the sessions per request (a Lua script). App CPU per request is the
gunicorn workers' user + system time over the run divided by the requests answered;
statements per request come from requests through the app in this process: a page built
afresh (after a write elsewhere) and repeated (served from the page store).

Goals: read pages ≥ 10 % of the floor's req/s with p99 ≤ 50 ms and no errors; saving one
entry ≥ 8 % with p99 ≤ 50 ms; statements: class page ≤ 8, student pages ≤ 5, a save ≤ 10.
"""

from __future__ import annotations

import argparse
import http.cookiejar
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from datetime import date
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
# bench/ holds a profile.py: keep it from shadowing the standard library's (cProfile's)
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]
sys.path.insert(0, str(ROOT))
PY = sys.executable
GUNICORN = str(Path(PY).with_name("gunicorn"))
TICKS = os.sysconf("SC_CLK_TCK")

GOALS = {  # page: (share of the floor's req/s, p99 ms, statement budget or None)
    "class page": (0.10, 50, 8),
    "stars page": (0.10, 50, 5),
    "records page": (0.10, 50, 5),
    "admin publishing": (0.10, 50, None),
    "admin dashboard": (0.10, 50, None),
    "save one entry": (0.08, 50, 10),
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_gunicorn(target: str, env: dict, workers: int | None) -> tuple[subprocess.Popen, str]:
    """gunicorn with the repo's gunicorn.conf.py (read from the working directory)."""
    port = free_port()
    # no worker recycling during a run: its CPU time would leave the count with it
    env = dict(env, GUNICORN_BIND=f"127.0.0.1:{port}", GUNICORN_LOGLEVEL="warning",
               GUNICORN_MAX_REQUESTS="0")
    if workers:
        env["GUNICORN_WORKERS"] = str(workers)
    proc = subprocess.Popen([GUNICORN, target], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    for _ in range(150):
        try:
            urllib.request.urlopen(base + ("/login" if "starrating" in target else "/"), timeout=1)
            return proc, base
        except Exception:
            time.sleep(0.2)
    proc.kill()
    raise RuntimeError(f"gunicorn did not start: {proc.stderr.read().decode()[-2000:]}")


def stop(proc: subprocess.Popen) -> None:
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(15)
    except subprocess.TimeoutExpired:
        proc.kill()


def workers_cpu(master: int) -> float:
    """User + system CPU seconds of the master's worker processes (from /proc)."""
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == master:  # ppid
            total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / TICKS


def login(base: str, username: str, password: str, path: str = "/login") -> tuple[str, str]:
    """A logged-in session: (Cookie header, a CSRF token of that session)."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    opener.addheaders = [("User-Agent", USER_AGENT)]  # wrk sends the same, as a browser would
    html = opener.open(base + path).read().decode()
    token = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', html).group(1)
    data = urllib.parse.urlencode({"username": username, "password": password,
                                   "csrf_token": token}).encode()
    response = opener.open(base + path, data)
    assert "/login" not in response.url, f"login failed for {username}"
    page = opener.open(base + "/password").read().decode()
    token = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', page).group(1)
    return "; ".join(f"{c.name}={c.value}" for c in jar), token


# One browser: the login's user agent is the one the session was made with (Flask-Login's
# session protection marks the session again when it changes).
USER_AGENT = "Mozilla/5.0 (starrating bench)"

LUA = """
local sessions = %s
local method, body_of = "%s", %s
local i = 0
request = function()
  i = (i %% #sessions) + 1
  local s = sessions[i]
  local headers = {["Cookie"] = s.cookie, ["User-Agent"] = "%s"}
  if method == "POST" then
    headers["Content-Type"] = "application/x-www-form-urlencoded"
    return wrk.format("POST", nil, headers, body_of .. "&csrf_token=" .. s.token)
  end
  return wrk.format("GET", nil, headers, nil)
end
"""


def lua_script(sessions: list[tuple[str, str]], method: str, body: str) -> str:
    rows = ", ".join(f"{{cookie={json.dumps(c)}, token={json.dumps(t)}}}" for c, t in sessions)
    handle = tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False)
    handle.write(LUA % ("{" + rows + "}", method, json.dumps(body), USER_AGENT))
    handle.close()
    return handle.name


def wrk(url: str, connections: int, seconds: int, script: str | None = None) -> dict:
    cmd = ["wrk", "-t", "2", "-c", str(connections), "-d", f"{seconds}s", "--latency",
           "--timeout", "10s"]
    if script:
        cmd += ["-s", script]
    out = subprocess.run(cmd + [url], capture_output=True, text=True, check=True).stdout

    def ms(label: str) -> float:
        m = re.search(rf"{label}%\s+([\d.]+)(us|ms|s)\b", out)
        return float(m.group(1)) * {"us": 0.001, "ms": 1, "s": 1000}[m.group(2)]

    requests = int(re.search(r"(\d+) requests in", out).group(1))
    non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    sock = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    errors = (int(non2xx.group(1)) if non2xx else 0) + (sum(map(int, sock.groups())) if sock else 0)
    return {"rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
            "p50": ms("50"), "p99": ms("99"), "errors": errors, "requests": requests, "raw": out}


def database_cpu() -> float:
    """User + system CPU seconds of every PostgreSQL server process (the database shares
    the machine's cores with the app and wrk; its work is not in the workers' figure)."""
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            head, rest = stat.read_text().rsplit(")", 1)
        except OSError:
            continue
        if head.split("(", 1)[1] == "postgres":
            fields = rest.split()
            total += int(fields[11]) + int(fields[12])
    return total / TICKS


def measure(proc, url, connections, seconds, script=None) -> dict:
    wrk(url, connections, 3, script)  # warm-up: imports, pools, caches
    before, db_before = workers_cpu(proc.pid), database_cpu()
    result = wrk(url, connections, seconds, script)
    answered = max(result["requests"], 1)
    result["cpu_ms"] = (workers_cpu(proc.pid) - before) * 1000 / answered
    result["db_cpu_ms"] = (database_cpu() - db_before) * 1000 / answered
    return result


def statements_per_request(url_db: str, info: dict, pages: dict) -> dict:
    """Each page's statements through the app in this process, after a warm-up: a GET
    built afresh (after a write elsewhere bumped the page version) and repeated (the page
    store's copy), as (built, repeated); a POST as (its count, None)."""
    from bench.generate import bench_app
    from bench.profile import csrf
    from bench.profile import login as client_login
    from starrating.extensions import db
    from starrating.page_cache import BUMP

    app = bench_app(url_db)
    with app.app_context():
        engine = db.engine

    def bump():
        with app.app_context():
            db.session.execute(sa.text(BUMP))
            db.session.commit()

    def counted(send) -> int:
        seen: list[str] = []

        def count(conn, cursor, statement, *args):
            seen.append(statement)

        sa.event.listen(engine, "before_cursor_execute", count)
        try:
            response = send()
        finally:
            sa.event.remove(engine, "before_cursor_execute", count)
        assert response.status_code < 400, response.status_code
        return len(seen)

    counts = {}
    for name, (who, path, method, body) in pages.items():
        client = app.test_client()
        client_login(client, who, info["password"], info.get("login_path", "/login"))
        token = csrf(client.get("/password").get_data(as_text=True))
        data = dict(urllib.parse.parse_qsl(body), csrf_token=token) if body else None
        if method == "POST":
            client.post(path, data=data)
            counts[name] = (counted(lambda c=client, p=path, d=data: c.post(p, data=d)), None)
            continue
        client.get(path)
        bump()
        built = counted(lambda c=client, p=path: c.get(p))
        counts[name] = (built, counted(lambda c=client, p=path: c.get(p)))
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--url", default="postgresql+psycopg://postgres@127.0.0.1:5432/sr_perf_bench")
    parser.add_argument("--students", type=int, default=2000, help="students in the school")
    parser.add_argument("--class-size", type=int, default=30)
    parser.add_argument("--entries", type=int, default=10, help="entries per student")
    parser.add_argument("--teacher-classes", type=int, default=5)
    parser.add_argument("--publish", type=int, default=2)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--seconds", type=int, default=15)
    parser.add_argument("--sessions", type=int, default=32, help="sessions rotated per user kind")
    parser.add_argument("--workers", type=int, default=None, help="default: gunicorn.conf.py's")
    parser.add_argument("--only", default="", help="comma-separated page names")
    parser.add_argument("--save", metavar="FILE", help="write the figures as JSON")
    parser.add_argument("--against", metavar="FILE",
                        help="a --save of the small school: print this run's req/s as a share "
                             "of it (the city goal: ≥ 80 %%)")
    parser.add_argument("--schools", type=int, default=1,
                        help="a city of N schools of --students each; the first is measured")
    parser.add_argument("--no-generate", action="store_true")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk is not installed: apt-get install wrk")

    from bench.school import build

    started = time.perf_counter()
    info = build(args.url, students=args.students, class_size=args.class_size,
                 entries=args.entries, teacher_classes=args.teacher_classes,
                 publish=args.publish, generate=not args.no_generate, schools=args.schools)
    print(f"school: {args.students:,} students in classes of {args.class_size}, "
          f"{args.entries} entries each, teacher {info['teacher']} holding "
          f"{args.teacher_classes} classes, {info['published']} published "
          f"({time.perf_counter() - started:.0f} s)")
    published_students = info["published_students"][:args.sessions]
    today = max(date(2026, 9, 1), min(date.today(), date(2027, 1, 20))).isoformat()
    save_body = urllib.parse.urlencode({"students": info["open_student_id"],
                                        "indicator": "moral.service", "points": "1",
                                        "occurred_on": today, "note": "load"})
    pages = {  # name: (user kind, path, method, body)
        "class page": ("teacher", f"/teacher/class/{info['class_id']}", "GET", ""),
        "stars page": ("student", "/student/", "GET", ""),
        "records page": ("student", "/student/entries", "GET", ""),
        "admin publishing": ("admin", "/admin/workflow", "GET", ""),
        "admin dashboard": ("admin", "/admin/dashboard", "GET", ""),
        "save one entry": ("teacher", "/teacher/entry/new", "POST", save_body),
    }
    if args.only:
        pages = {k: v for k, v in pages.items() if k in args.only.split(",")}

    env = dict(os.environ, STARRATING_DATABASE_URL=args.url,
               SECRET_KEY="bench-secret-key-0123456789", STARRATING_LOGIN_MAX_FAILURES="1000",
               STARRATING_LOGIN_MAX_FAILURES_PER_IP="100000")
    results: dict[str, dict] = {}
    app_proc, base = start_gunicorn("starrating:create_app()", env, args.workers)
    try:
        sessions = {
            "student": [login(base, u, info["password"], info["login_path"])
                        for u in published_students],
            "teacher": [login(base, info["teacher"], info["password"], info["login_path"])
                        for _ in range(args.sessions)],
            "admin": [login(base, info["admin"], info["password"], info["login_path"])
                      for _ in range(args.sessions)],
        }
        for name, (kind, path, method, body) in pages.items():
            script = lua_script(sessions[kind], method, body)
            results[name] = measure(app_proc, base + path, args.connections, args.seconds, script)
            os.unlink(script)
    finally:
        stop(app_proc)
    hello_proc, hello_base = start_gunicorn("bench.hello:app", dict(os.environ), args.workers)
    try:
        floor = measure(hello_proc, hello_base + "/", args.connections, args.seconds)
    finally:
        stop(hello_proc)
    counts = statements_per_request(args.url, info, {
        name: ({"teacher": info["teacher"], "admin": info["admin"],
                "student": published_students[0]}[kind], path, method, body)
        for name, (kind, path, method, body) in pages.items()})

    with open("/proc/loadavg") as f:
        load = " ".join(f.read().split()[:3])
    print(f"\nwrk -t2 -c{args.connections} -d{args.seconds}s, {args.sessions} sessions rotated "
          f"per user kind, gunicorn.conf.py (gthread), {os.cpu_count()} CPUs, "
          f"load average at the end {load}")
    print("stmts: built afresh / repeated (the page store's copy); a save: its own count")
    print("CPU ms: the app's workers per request; DB ms: PostgreSQL's server processes per "
          "request (the same 2 cores)")
    print(f"{'page':<18} {'req/s':>7} {'of floor':>8} {'p50 ms':>7} {'p99 ms':>7} {'errors':>6} "
          f"{'stmts':>5} {'CPU ms':>6} {'DB ms':>6}  verdict")
    print(f"{'floor: hello':<18} {floor['rps']:7.0f} {'':>8} {floor['p50']:7.1f} "
          f"{floor['p99']:7.1f} {floor['errors']:6d} {'0':>5} {floor['cpu_ms']:6.2f} "
          f"{floor['db_cpu_ms']:6.2f}")
    for name, r in results.items():
        share, p99_goal, budget = GOALS[name]
        ratio = r["rps"] / floor["rps"]
        misses = []
        if ratio < share:
            misses.append(f"req/s {ratio:.1%} < {share:.0%}")
        if r["p99"] > p99_goal:
            misses.append(f"p99 > {p99_goal} ms")
        if r["errors"]:
            misses.append("errors")
        built, repeated = counts[name]
        if budget is not None and built > budget:
            misses.append(f"statements > {budget}")
        verdict = "met" if not misses else "NOT met: " + ", ".join(misses)
        stmts = f"{built}/{repeated}" if repeated is not None else str(built)
        print(f"{name:<18} {r['rps']:7.0f} {ratio:8.1%} {r['p50']:7.1f} {r['p99']:7.1f} "
              f"{r['errors']:6d} {stmts:>5} {r['cpu_ms']:6.2f} {r['db_cpu_ms']:6.2f}  {verdict}")
    compare(results, floor, args)


def compare(results: dict, floor: dict, args) -> None:
    if args.save:
        Path(args.save).write_text(json.dumps({"floor": floor, "pages": results,
                                               "schools": args.schools,
                                               "students": args.students}, indent=1))
    if not args.against:
        return
    small = json.loads(Path(args.against).read_text())
    print(f"\nthis run ({args.schools} school(s) of {args.students:,}) against "
          f"{args.against} ({small['schools']} school(s) of {small['students']:,}), "
          "each as a share of its own run's floor:")
    for name, r in results.items():
        if name not in small["pages"]:
            continue
        mine = r["rps"] / floor["rps"]
        theirs = small["pages"][name]["rps"] / small["floor"]["rps"]
        ratio = mine / theirs if theirs else 0
        cpu = small["pages"][name]["cpu_ms"] / r["cpu_ms"] if r["cpu_ms"] else 0
        print(f"  {name:<18} {ratio:6.0%} of its small-school throughput (CPU per request: "
              f"{cpu:.0%} of the small school's speed)  "
              f"{'met' if ratio >= 0.8 else 'NOT met'} (goal ≥ 80 %)")


if __name__ == "__main__":
    main()
