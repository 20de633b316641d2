"""Faults: the database away gives a 503 page and the app recovers; throttling holds
across several gunicorn workers."""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from config import TestingConfig
from starrating import create_app
from starrating.extensions import db
from tests.conftest import _config_dict


def test_database_unreachable_gives_503_without_traceback_then_recovers(tmp_path):
    folder = tmp_path / "gone"
    url = f"sqlite:///{folder / 'db.sqlite3'}"
    app = create_app({**_config_dict(), "SQLALCHEMY_DATABASE_URI": url})
    client = app.test_client()
    response = client.get("/healthz")
    assert response.status_code == 503
    text = response.get_data(as_text=True)
    assert "暂时无法连接数据库" in text
    assert "Traceback" not in text and "sqlite" not in text.lower()

    folder.mkdir()
    with app.app_context():
        db.create_all()
    assert client.get("/healthz").status_code == 200


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _try_login(base: str, username: str, password: str) -> int:
    import http.cookiejar

    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    html = opener.open(base + "/login").read().decode()
    token = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', html).group(1)
    data = urllib.parse.urlencode({"username": username, "password": password,
                                   "csrf_token": token}).encode()
    try:
        return opener.open(base + "/login", data).status
    except urllib.error.HTTPError as e:
        return e.code


@pytest.mark.skipif(not shutil.which(str(Path(sys.executable).with_name("gunicorn"))),
                    reason="gunicorn not installed")
def test_login_lockout_holds_across_gunicorn_workers(tmp_path, make):
    """Failures land on different worker processes, yet the 6th attempt is refused."""
    db_path = tmp_path / "shared.sqlite3"
    url = f"sqlite:///{db_path}"
    app = create_app({**_config_dict(), "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        db.create_all()
        from starrating.models import Role

        school = make.school()
        make.user(Role.TEACHER, school.id, username="victim")
        db.session.commit()
    port = _free_port()
    env = dict(os.environ, STARRATING_DATABASE_URL=url, SECRET_KEY="x" * 32,
               STARRATING_LOGIN_MAX_FAILURES=str(TestingConfig.LOGIN_MAX_FAILURES_PER_USER))
    gunicorn = str(Path(sys.executable).with_name("gunicorn"))
    proc = subprocess.Popen([gunicorn, "-w", "3", "-b", f"127.0.0.1:{port}",
                             "starrating:create_app()"], env=env,
                            cwd=Path(__file__).resolve().parent.parent,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(base + "/login", timeout=1)
                break
            except OSError:
                time.sleep(0.1)
        statuses = [_try_login(base, "victim", "wrong-Passw0rd") for _ in range(5)]
        assert statuses == [400] * 5
        from tests.factories import PASSWORD

        assert _try_login(base, "victim", PASSWORD) == 429  # locked, even with the right one
    finally:
        proc.terminate()
        proc.wait(10)


class _Forwarder:
    """A TCP forwarder to PostgreSQL that can be switched off and on: the database server
    'down' (nothing listening) and 'back'."""

    def __init__(self, target=("127.0.0.1", 5432)):
        self.target = target
        self.port = _free_port()
        self.server = None

    def start(self):
        import socketserver
        import threading

        target = self.target

        class Pipe(socketserver.BaseRequestHandler):
            def handle(self):
                upstream = socket.create_connection(target)

                def pump(a, b):
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

                t = threading.Thread(target=pump, args=(upstream, self.request), daemon=True)
                t.start()
                pump(self.request, upstream)
                t.join(5)

        socketserver.ThreadingTCPServer.allow_reuse_address = True
        self.server = socketserver.ThreadingTCPServer(("127.0.0.1", self.port), Pipe)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self):
        if self.server:
            self.server.shutdown()
            self.server.server_close()
            self.server = None


def _pg_up() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 5432), timeout=1):
            return True
    except OSError:
        return False


@pytest.mark.skipif(not _pg_up(), reason="PostgreSQL not reachable on 127.0.0.1:5432")
def test_postgresql_unreachable_gives_503_without_traceback_then_recovers():
    forwarder = _Forwarder()  # not started: the port is closed
    url = f"postgresql+psycopg://postgres@127.0.0.1:{forwarder.port}/postgres"
    app = create_app({**_config_dict(), "SQLALCHEMY_DATABASE_URI": url,
                      "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True,
                                                    "connect_args": {"connect_timeout": 3}}})
    client = app.test_client()
    try:
        for path in ("/healthz", "/healthz?again"):  # (/login needs no database)
            response = client.get(path)
            assert response.status_code == 503, path
            text = response.get_data(as_text=True)
            assert "暂时无法连接数据库" in text
            assert "Traceback" not in text and "psycopg" not in text
            assert str(forwarder.port) not in text
        forwarder.start()  # the database is back
        assert client.get("/healthz").status_code == 200
    finally:
        forwarder.stop()
        with app.app_context():
            db.engine.dispose()
