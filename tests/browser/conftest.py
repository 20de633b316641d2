"""Browser tests: the app served on a free local port, driven in Debian's chromium."""

from __future__ import annotations

import os
import re
import shutil
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from tests.factories import PASSWORD

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screens"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]

pytestmark = pytest.mark.browser


def pytest_collection_modifyitems(items):
    if not shutil.which(CHROMIUM):
        skip = pytest.mark.skip(reason=f"{CHROMIUM} is not installed (apt-get install chromium)")
        for item in items:
            if "tests/browser" in str(item.fspath):
                item.add_marker(skip)


class LiveServer:
    def __init__(self, app):
        self.app = app
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.thread.join(timeout=5)


@pytest.fixture
def live_server(app):
    with LiveServer(app) as server:
        yield server


@pytest.fixture(scope="session")
def _playwright():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="session")
def browser(_playwright):
    browser = _playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
    yield browser
    browser.close()


REFUSED_DOCUMENT = re.compile(r"Failed to load resource: the server responded with a status of "
                              r"(400|409) ")


class Page:
    """A Playwright page with the live server's URL, console errors and screenshots."""

    def __init__(self, page, base_url):
        self.page = page
        self.base = base_url
        self.console_errors: list[str] = []
        page.on("console", self._console)
        page.on("pageerror", lambda e: self.console_errors.append(str(e)))

    def _console(self, message) -> None:
        # A refused form is re-rendered with 400 (or 409) by design, and Chromium logs the
        # document's status as a console error; anything else (a script error, a missing
        # asset) is a real one.
        if message.type == "error" and not REFUSED_DOCUMENT.match(message.text):
            self.console_errors.append(message.text)

    def __getattr__(self, name):
        return getattr(self.page, name)

    def go(self, path: str):
        return self.page.goto(self.base + path)

    def login(self, username: str, password: str = PASSWORD):
        self.go("/login")
        self.page.fill("input[name=username]", username)
        self.page.fill("input[name=password]", password)
        self.page.click("input[type=submit], button[type=submit]")
        self.page.wait_for_load_state()
        assert "/login" not in self.page.url, f"login failed for {username}"

    def logout(self):
        self.page.click("form[action='/logout'] button")
        self.page.wait_for_load_state()

    def set_language(self, code: str):
        self.page.click(f"form[action='/lang/{code}'] button")
        self.page.wait_for_load_state()

    def shot(self, name: str, full_page: bool = True) -> Path:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        path = ARTIFACTS / (re.sub(r"[^\w.-]+", "_", name) + ".png")
        self.page.screenshot(path=str(path), full_page=full_page)
        return path


def _new_page(browser, live_server, width, height, mobile=False):
    context = browser.new_context(viewport={"width": width, "height": height},
                                  device_scale_factor=1, is_mobile=mobile, has_touch=mobile,
                                  locale="zh-CN")
    context.set_default_timeout(int(os.environ.get("STARRATING_BROWSER_TIMEOUT_MS", "15000")))
    return context, Page(context.new_page(), live_server.url)


@pytest.fixture
def page(browser, live_server):
    """A desktop-sized page (1280×900)."""
    context, p = _new_page(browser, live_server, 1280, 900)
    yield p
    context.close()


@pytest.fixture
def phone(browser, live_server):
    """A phone-sized page (375×780)."""
    context, p = _new_page(browser, live_server, 375, 780, mobile=True)
    yield p
    context.close()


@pytest.fixture
def new_page(browser, live_server):
    """Factory for extra pages (several users at once): new_page(width=1280, height=900)."""
    contexts = []

    def _make(width=1280, height=900, mobile=False):
        context, p = _new_page(browser, live_server, width, height, mobile)
        contexts.append(context)
        return p

    yield _make
    for context in contexts:
        context.close()
