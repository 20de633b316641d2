"""A gunicorn server, a PostgreSQL database of the test's own and a TCP proxy the test can
stop: the pieces of the tests that run the app as it runs in production."""

from __future__ import annotations

import http.cookiejar
import os
import re
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parents[2]
GUNICORN = Path(sys.executable).with_name("gunicorn")
PG_ADMIN = os.environ.get("STARRATING_FAULTS_PG", "postgresql+psycopg://postgres@127.0.0.1:5432")
CSRF_RE = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def pg_available() -> bool:
    try:
        engine = sa.create_engine(f"{PG_ADMIN}/postgres", connect_args={"connect_timeout": 2})
        with engine.connect():
            pass
        engine.dispose()
        return True
    except Exception:
        return False


@contextmanager
def pg_database(name: str):
    """A fresh PostgreSQL database `name`, dropped afterwards; yields its URL."""
    admin = sa.create_engine(f"{PG_ADMIN}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield f"{PG_ADMIN}/{name}"
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


class Proxy:
    """A TCP proxy to PostgreSQL. `stop()` closes every connection and refuses new ones (the
    database server gone); `start()` listens again on the same port (it is back)."""

    def __init__(self, target=("127.0.0.1", 5432)):
        self.target = target
        self.port = free_port()
        self._listener: socket.socket | None = None
        self._sockets: set[socket.socket] = set()
        self._lock = threading.Lock()

    def start(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def stop(self) -> None:
        listener, self._listener = self._listener, None
        if listener is not None:
            try:
                listener.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            listener.close()
        with self._lock:
            sockets, self._sockets = self._sockets, set()
        for s in sockets:
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            s.close()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            if self._listener is not listener:
                client.close()
                return
            try:
                upstream = socket.create_connection(self.target)
            except OSError:
                client.close()
                continue
            with self._lock:
                self._sockets.update((client, upstream))
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    @staticmethod
    def _pump(a: socket.socket, b: socket.socket) -> None:
        try:
            while data := a.recv(65536):
                b.sendall(data)
        except OSError:
            pass
        finally:
            for s in (a, b):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass


@contextmanager
def gunicorn(database_url: str, workers: int, **env_extra: str):
    """`gunicorn -w <workers> 'starrating:create_app()'` on a free port; yields its base URL."""
    port = free_port()
    env = dict(os.environ, STARRATING_DATABASE_URL=database_url, SECRET_KEY="x" * 32,
               **env_extra)
    env.pop("STARRATING_ENV", None)
    proc = subprocess.Popen([str(GUNICORN), "-w", str(workers), "-b", f"127.0.0.1:{port}",
                             "starrating:create_app()"], env=env, cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            try:
                urllib.request.urlopen(base + "/login", timeout=1)
                break
            except OSError:
                if proc.poll() is not None:
                    raise AssertionError("gunicorn did not start") from None
                time.sleep(0.1)
        yield base
    finally:
        proc.terminate()
        proc.wait(10)


class Browser:
    """A cookie-keeping HTTP client for a live server."""

    def __init__(self, base: str):
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))

    def get(self, path: str):
        """(status, headers, text) of a GET; redirects are followed."""
        return self._open(urllib.request.Request(self.base + path))

    def token(self, page: str) -> str:
        """The CSRF token of a page (the session cookie that goes with it is kept)."""
        return CSRF_RE.search(self.get(page)[2]).group(1)

    def post(self, path: str, data: dict, csrf_from: str):
        return self.send(path, {**data, "csrf_token": self.token(csrf_from)})

    def send(self, path: str, data: dict):
        body = urllib.parse.urlencode(data).encode()
        return self._open(urllib.request.Request(self.base + path, body))

    def login(self, username: str, password: str) -> int:
        return self.post("/login", {"username": username, "password": password}, "/login")[0]

    def _open(self, request):
        try:
            with self.opener.open(request, timeout=20) as response:
                return response.status, response.headers, response.read().decode()
        except urllib.error.HTTPError as e:
            return e.code, e.headers, e.read().decode()
