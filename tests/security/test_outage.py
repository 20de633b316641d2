"""Found by an outside attack: with the database unreachable a logged-in request got
Werkzeug's bare "Internal Server Error", without the security headers. Run as in production:
gunicorn on PostgreSQL, behind a proxy the test stops and starts again."""

from __future__ import annotations

import pytest

from starrating import create_app
from starrating.extensions import db
from tests.conftest import _config_dict
from tests.factories import PASSWORD, Maker
from tests.security.gunicorn_helpers import (
    GUNICORN,
    Browser,
    Proxy,
    gunicorn,
    pg_available,
    pg_database,
)

pytestmark = pytest.mark.skipif(not GUNICORN.exists(), reason="gunicorn not installed")


def _school_on(url: str) -> None:
    app = create_app({**_config_dict(), "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        db.create_all()
        Maker().school_setup()
        db.session.commit()
        db.session.remove()
        db.engine.dispose()


def test_logged_in_request_with_the_database_gone_gets_the_503_page_then_recovers(worker_id):
    if not pg_available():
        pytest.skip("PostgreSQL not reachable")
    with pg_database(f"sr_auth_outage_{worker_id}") as url:
        _school_on(url)
        proxy = Proxy()
        proxy.start()
        behind_proxy = url.replace(":5432/", f":{proxy.port}/")
        try:
            with gunicorn(behind_proxy, workers=2) as base:
                teacher = Browser(base)
                assert teacher.login("teacher_a", PASSWORD) == 200
                status, _, page = teacher.get("/teacher/")
                assert status == 200 and "24机电1班" in page

                proxy.stop()  # every connection cut, new ones refused
                for _ in range(4):  # both workers, each with a pooled connection
                    status, headers, page = teacher.get("/teacher/")
                    assert status == 503, page[:300]
                    assert "default-src 'self'" in headers["Content-Security-Policy"]
                    assert headers["X-Frame-Options"] == "DENY"
                    assert headers["Cache-Control"] == "no-store"
                    assert "服务暂时不可用" in page and "暂时无法连接数据库" in page
                    assert "Internal Server Error" not in page and "psycopg" not in page

                proxy.start()  # the database is back
                status, _, page = teacher.get("/teacher/")
                assert status == 200 and "24机电1班" in page
        finally:
            proxy.stop()
