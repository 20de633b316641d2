"""Try Quick start command 1 as a newcomer would, and an export on it, end to end.

    python3 scripts/check_quickstart.py [--port 5077] [--keep]

Clones this repository into a temporary folder, runs `bash scripts/demo.sh` there (install,
migrate, seed, server and job worker), logs in as the demo admin in headless Chromium, starts
a workbook export on the reports page and waits until the page says it is done — with no other
command — then downloads it, and stops the server (the worker must stop with it). Exits 1
when a step fails. Not part of the test suite: it installs a fresh virtualenv (about a minute).
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def wait_for(url: str, seconds: int) -> None:
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            urllib.request.urlopen(url, timeout=2)
            return
        except OSError:
            time.sleep(1)
    raise SystemExit(f"no answer at {url} after {seconds} s")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=5077)
    parser.add_argument("--keep", action="store_true", help="keep the clone")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    work = Path(tempfile.mkdtemp(prefix="quickstart-"))
    clone = work / "starrating"
    subprocess.run(["git", "clone", "-q", str(REPO), str(clone)], check=True)
    log = open(work / "demo.log", "w")
    env = {**os.environ, "PORT": str(args.port)}
    env.pop("STARRATING_DATABASE_URL", None)
    demo = subprocess.Popen(["bash", "scripts/demo.sh"], cwd=clone, stdout=log,
                            stderr=subprocess.STDOUT, env=env, start_new_session=True)
    base = f"http://127.0.0.1:{args.port}"
    try:
        wait_for(base + "/healthz", 300)
        printed = (work / "demo.log").read_text()
        assert "admin" in printed and "Admin2026" in printed, printed[-2000:]
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium")
            page = browser.new_page()
            page.goto(base + "/login")
            page.fill("input[name=username]", "admin")
            page.fill("input[name=password]", "Admin2026")
            page.click("form button[type=submit], form input[type=submit]")
            page.goto(base + "/admin/reports")
            page.select_option("select[name=kind]", "xlsx")
            page.select_option("select[name=scope]", "school")
            page.click("form.export-form input[type=submit]")
            row = page.locator("tr.export-job").first
            started = time.time()
            while row.get_attribute("data-status") != "done":
                if time.time() - started > 180:
                    raise SystemExit("the export did not finish in 3 minutes: "
                                     + row.inner_text())
                time.sleep(2)
                page.reload()
                row = page.locator("tr.export-job").first
            with page.expect_download() as info:
                row.locator("a.download").click()
            target = work / info.value.suggested_filename
            info.value.save_as(target)
            print(f"export done in {time.time() - started:.0f} s and downloaded: "
                  f"{target.name} ({target.stat().st_size} bytes)")
            browser.close()
    finally:
        os.killpg(demo.pid, signal.SIGINT)
        try:
            demo.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(demo.pid, signal.SIGKILL)
    time.sleep(2)
    left = subprocess.run(["pgrep", "-f", f"{clone}/.venv/bin/huey_consumer"],
                          capture_output=True, text=True).stdout.split()
    if left:
        print(f"worker still running after the server stopped: {left}")
        return 1
    print("server and worker stopped")
    if not args.keep:
        subprocess.run(["rm", "-rf", str(work)], check=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
