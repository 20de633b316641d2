"""Login throttling: counted atomically across workers, locked per user and address, a slower
limit per user across addresses, and an admin who lifts the lock."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
import sqlalchemy as sa

from starrating import create_app
from starrating.extensions import db
from starrating.models import LoginAttempt, Role, utcnow
from tests.conftest import _config_dict, csrf_from
from tests.factories import PASSWORD, Maker
from tests.security.gunicorn_helpers import GUNICORN, Browser, gunicorn, pg_available, pg_database


def login_from(app, address: str, username: str, password: str = PASSWORD, school=None):
    """A login by the form from the client address `address` (`school`: the code typed)."""
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    token = csrf_from(client.get("/login").get_data(as_text=True))
    data = {"username": username, "password": password, "csrf_token": token}
    if school is not None:
        data["school"] = school
    return client.post("/login", data=data)


def failures(**where) -> int:
    """Failed attempts counted for `username` (at any school: the key is "<school>:<name>")
    and/or from `ip`."""
    query = sa.select(sa.func.count(LoginAttempt.id))
    for column, value in where.items():
        if column == "username":
            query = query.where(LoginAttempt.username.like(f"%:{value}"))
        else:
            query = query.where(getattr(LoginAttempt, column) == value)
    return db.session.scalar(query)


# ---- found by an outside attack: 40 at once over 4 workers got 8 password checks, not 5 ------

def _victim_on(url: str) -> None:
    app = create_app({**_config_dict(), "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        db.create_all()
        Maker().user(Role.TEACHER, Maker().school().id, username="victim")
        db.session.commit()
        db.session.remove()
        db.engine.dispose()


def _forty_at_once(url: str) -> list[int]:
    _victim_on(url)
    with gunicorn(url, workers=4, STARRATING_LOGIN_MAX_FAILURES="5") as base:
        browsers = [Browser(base) for _ in range(40)]
        tokens = [b.token("/login") for b in browsers]
        barrier = threading.Barrier(40)
        statuses: list[int] = []

        def attempt(browser, token):
            barrier.wait()
            statuses.append(browser.send("/login", {"username": "victim",
                                                    "password": "Wrong-guess-1",
                                                    "csrf_token": token})[0])

        threads = [threading.Thread(target=attempt, args=pair)
                   for pair in zip(browsers, tokens, strict=True)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        assert conn.scalar(sa.text("SELECT count(*) FROM login_attempt")) == 5
    engine.dispose()
    return statuses


@pytest.mark.skipif(not GUNICORN.exists(), reason="gunicorn not installed")
def test_forty_wrong_passwords_at_once_get_exactly_five_checks_sqlite(tmp_path):
    statuses = _forty_at_once(f"sqlite:///{tmp_path / 'race.sqlite3'}")
    # 400: the password was checked and wrong; 429: refused before any check.
    assert sorted(statuses) == [400] * 5 + [429] * 35


@pytest.mark.skipif(not GUNICORN.exists(), reason="gunicorn not installed")
def test_forty_wrong_passwords_at_once_get_exactly_five_checks_postgresql(worker_id):
    if not pg_available():
        pytest.skip("PostgreSQL not reachable")
    with pg_database(f"sr_auth_race_{worker_id}") as url:
        statuses = _forty_at_once(url)
    assert sorted(statuses) == [400] * 5 + [429] * 35


# ---- found by an outside attack: anyone could lock any account with 5 wrong passwords ------

def test_failures_from_one_address_do_not_lock_the_user_out_from_another(app, school):
    for _ in range(5):
        assert login_from(app, "203.0.113.9", "admin1", "wrong-Passw0rd").status_code == 400
    assert login_from(app, "203.0.113.9", "admin1").status_code == 429  # that address: locked
    response = login_from(app, "10.1.2.3", "admin1")  # the admin's own computer
    assert response.status_code == 302 and response.headers["Location"] == "/"
    # The success clears only its own address's failures.
    assert failures(username="admin1", ip="203.0.113.9") == 5
    assert login_from(app, "203.0.113.9", "admin1").status_code == 429


def test_a_user_is_locked_everywhere_after_fifty_failures_from_many_addresses(app, school):
    now = utcnow()
    key = f"{school.school.id}:teacher_a"  # attempts count per account within its school
    db.session.add_all(LoginAttempt(username=key, ip=f"198.51.100.{n}", at=now)
                       for n in range(49))
    db.session.commit()
    # The 50th failure is still checked; after it, even the right password from a fresh
    # address is refused, for the whole window.
    assert login_from(app, "192.0.2.1", "teacher_a", "wrong-Passw0rd").status_code == 400
    response = login_from(app, "192.0.2.2", "teacher_a")
    assert response.status_code == 429
    assert "登录失败次数过多" in response.get_data(as_text=True)
    db.session.execute(sa.update(LoginAttempt).values(at=now - timedelta(minutes=16)))
    db.session.commit()
    assert login_from(app, "192.0.2.2", "teacher_a").status_code == 302


def test_a_refused_attempt_is_not_counted(app, school):
    for _ in range(8):
        login_from(app, "203.0.113.9", "teacher_a", "wrong-Passw0rd")
    assert failures(username="teacher_a") == 5


# ---- the admin's unlock ---------------------------------------------------------------------

def _lock(app, username: str) -> None:
    for _ in range(5):
        login_from(app, "127.0.0.1", username, "wrong-Passw0rd")
    assert login_from(app, "127.0.0.1", username).status_code == 429


def test_an_admin_lifts_the_lock_of_a_teacher_of_the_school(app, act, school):
    _lock(app, "teacher_a")
    response = act(school.admin).post(f"/accounts/{school.teacher.id}/unlock",
                                      {"next": "/admin/teachers"})
    assert response.status_code == 302 and response.headers["Location"] == "/admin/teachers"
    assert failures(username="teacher_a") == 0
    assert login_from(app, "127.0.0.1", "teacher_a").status_code == 302


def test_the_teachers_page_has_the_unlock_button(act, school):
    html = act(school.admin).get("/admin/teachers").get_data(as_text=True)
    assert f'action="/accounts/{school.teacher.id}/unlock"' in html
    assert "解除登录锁定" in html


def test_only_an_admin_of_the_school_may_unlock(app, act, school, make):
    _lock(app, "teacher_a")
    other_admin = make.user(Role.ADMIN, make.school().id)
    db.session.commit()
    url = f"/accounts/{school.teacher.id}/unlock"
    assert act(other_admin).post(url).status_code == 403
    assert act(school.other_teacher).post(url).status_code == 403
    assert act(school.student_user).post(url).status_code == 403
    anonymous = act(None).post(url)
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]
    assert act(school.admin).post("/accounts/999999/unlock").status_code == 404
    assert failures(username="teacher_a") == 5
    assert login_from(app, "127.0.0.1", "teacher_a",
                      school=school.school.code).status_code == 429


def test_behind_a_trusted_proxy_the_forwarded_address_counts(app, school):
    """Behind nginx (STARRATING_TRUSTED_PROXIES=1) the client's address comes from
    X-Forwarded-For; without it a client cannot claim an address."""
    proxied = create_app({**_config_dict(), "TRUSTED_PROXIES": 1,
                          "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
                          "STARRATING_FILES_DIR": app.config["STARRATING_FILES_DIR"]})
    for each, address in ((proxied, "203.0.113.77"), (app, "127.0.0.1")):
        client = each.test_client()
        client.environ_base.update(REMOTE_ADDR="127.0.0.1",
                                   HTTP_X_FORWARDED_FOR="203.0.113.77")
        token = csrf_from(client.get("/login").get_data(as_text=True))
        response = client.post("/login", data={"username": "admin1", "csrf_token": token,
                                               "password": "wrong-Passw0rd"})
        assert response.status_code == 400
        assert failures(username="admin1", ip=address) == 1
