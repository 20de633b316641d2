"""HTTP under load: the student page and a 45-student class page vs. a bare hello-world.

    .venv/bin/python bench/load.py [--url postgresql+psycopg://postgres@127.0.0.1:5432/starrating_bench]
                                   [--connections 32] [--seconds 20] [--no-generate]

Fills the database with bench/generate.py (unless --no-generate), computes the term's
results, starts gunicorn with 2 workers on the app and on bench/hello.py, logs in a student
and a class teacher, and drives each URL with wrk (Debian package) from a second process on
loopback. Prints throughput, p99 latency and errors per page, the hello-world floor and the
ratio. Targets: student page ≥ 40 % of hello-world throughput, p99 ≤ 150 ms, zero errors.
"""

from __future__ import annotations

import argparse
import http.cookiejar
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
PY = sys.executable
GUNICORN = str(Path(PY).with_name("gunicorn"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_gunicorn(target: str, env: dict, workers: int = 2) -> tuple[subprocess.Popen, str]:
    port = free_port()
    proc = subprocess.Popen(
        [GUNICORN, "-w", str(workers), "-b", f"127.0.0.1:{port}", "--log-level", "warning",
         "--backlog", "2048", target],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            urllib.request.urlopen(base + "/login" if "starrating" in target else base, timeout=1)
            return proc, base
        except Exception:
            time.sleep(0.2)
    proc.kill()
    raise RuntimeError(f"gunicorn did not start: {proc.stderr.read().decode()[-2000:]}")


def login(base: str, username: str, password: str) -> str:
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    html = opener.open(base + "/login").read().decode()
    token = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', html).group(1)
    data = urllib.parse.urlencode({"username": username, "password": password,
                                   "csrf_token": token}).encode()
    response = opener.open(base + "/login", data)
    assert "/login" not in response.url, f"login failed for {username}"
    return "; ".join(f"{c.name}={c.value}" for c in jar)


def wrk(url: str, cookie: str | None, connections: int, seconds: int) -> dict:
    cmd = ["wrk", "-t", "2", "-c", str(connections), "-d", f"{seconds}s", "--latency",
           "--timeout", "10s"]
    if cookie:
        cmd += ["-H", f"Cookie: {cookie}"]
    out = subprocess.run(cmd + [url], capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)", out)
    factor = {"us": 0.001, "ms": 1, "s": 1000}[p99.group(2)]
    non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    socket_errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    errors = int(non2xx.group(1)) if non2xx else 0
    if socket_errors:
        errors += sum(int(x) for x in socket_errors.groups())
    return {"rps": rps, "p99_ms": float(p99.group(1)) * factor, "errors": errors, "raw": out}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--url", default="postgresql+psycopg://postgres@127.0.0.1:5432/starrating_bench")
    parser.add_argument("--students", type=int, default=50_000)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--no-generate", action="store_true")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk is not installed: apt-get install wrk")

    from bench.generate import PASSWORD, bench_app, generate

    if not args.no_generate:
        info = generate(args.url, args.students, 30)
        print(f"generated {info['students']:,} students in {info['seconds']:.0f} s")
    app = bench_app(args.url)
    with app.app_context():
        import sqlalchemy as sa

        from starrating.extensions import db
        from starrating.models import ClassAssignment, Student, User
        from starrating.services.terms import find_term

        term = find_term(None)
        assignment = db.session.scalars(sa.select(ClassAssignment).where(
            ClassAssignment.term_id == term.id).order_by(ClassAssignment.id).limit(1)).one()
        teacher = db.session.get(User, assignment.teacher_id).username
        student = db.session.scalar(sa.select(User.username).join(
            Student, Student.id == User.student_id).where(
            Student.class_id == assignment.class_id).limit(1))
        class_size = db.session.scalar(sa.select(sa.func.count(Student.id)).where(
            Student.class_id == assignment.class_id))
        try:
            from starrating.services.results import compute_term

            compute_term(None, term)
            db.session.commit()
        except ImportError:
            pass
        class_id = assignment.class_id

    env = dict(os.environ, STARRATING_DATABASE_URL=args.url, SECRET_KEY="bench-secret-key-0123456789",
               STARRATING_LOGIN_MAX_FAILURES="1000")
    results = {}
    app_proc, base = start_gunicorn("starrating:create_app()", env)
    try:
        student_cookie = login(base, student, PASSWORD)
        teacher_cookie = login(base, teacher, PASSWORD)
        pages = {"student page": (base + "/student/", student_cookie),
                 f"class page ({class_size} students)": (base + f"/teacher/class/{class_id}", teacher_cookie)}
        for name, (url, cookie) in pages.items():
            status = urllib.request.urlopen(urllib.request.Request(url, headers={"Cookie": cookie})).status
            assert status == 200, (name, status)
            wrk(url, cookie, args.connections, 3)  # warm-up
            results[name] = wrk(url, cookie, args.connections, args.seconds)
    finally:
        app_proc.send_signal(signal.SIGTERM)
        app_proc.wait(10)
    hello_proc, hello_base = start_gunicorn("bench.hello:app", dict(os.environ))
    try:
        wrk(hello_base + "/", None, args.connections, 3)
        floor = wrk(hello_base + "/", None, args.connections, args.seconds)
    finally:
        hello_proc.send_signal(signal.SIGTERM)
        hello_proc.wait(10)

    print(f"\nfloor: hello-world {floor['rps']:.0f} req/s, p99 {floor['p99_ms']:.1f} ms, "
          f"errors {floor['errors']}  ({args.connections} connections, gunicorn -w 2)")
    for name, r in results.items():
        print(f"{name}: {r['rps']:.0f} req/s = {r['rps'] / floor['rps']:.0%} of the floor, "
              f"p99 {r['p99_ms']:.1f} ms, errors {r['errors']}")


if __name__ == "__main__":
    main()
