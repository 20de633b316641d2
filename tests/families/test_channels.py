"""Pushes: email to a real SMTP server (aiosmtpd) started here, the 企业微信 / 钉钉 robot
bodies posted to a local HTTP server; a failing server is retried and logged, and the action
that caused the push succeeded."""

from __future__ import annotations

import json
import socket
import threading
from datetime import date, timedelta
from email import message_from_bytes, policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import sqlalchemy as sa
import time_machine
from aiosmtpd.controller import Controller

from starrating import jobs
from starrating.extensions import db
from starrating.models import ClassChannel, Delivery, Entry, NotificationSettings, utcnow
from starrating.services import channels, entries
from starrating.services.entry_input import EntryInput

DAYTIME = "2026-10-20 02:00:00+00:00"  # 10:00 in Shanghai: no quiet hours


class Inbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        self.messages.append((envelope.rcpt_tos, message_from_bytes(envelope.content,
                                                                    policy=policy.default)))
        return "250 OK"


@pytest.fixture
def smtp(app):
    handler = Inbox()
    with socket.socket() as probe:  # a free port (the controller checks it by connecting)
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=port,
                      SMTP_SENDER="starrating@school.example", SMTP_TLS=False)
    yield handler
    controller.stop()


class Robot:
    """A local group robot: records each POST; answers `status` (500 = failing)."""

    def __init__(self):
        self.posts: list[dict] = []
        self.status = 200
        robot = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802
                body = self.rfile.read(int(self.headers["Content-Length"]))
                robot.posts.append({"path": self.path, "json": json.loads(body),
                                    "type": self.headers["Content-Type"]})
                self.send_response(robot.status)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(b'{"errcode":0,"errmsg":"ok"}')

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def robot(app):
    app.config["WEBHOOK_ALLOWED_HOSTS"] = ("127.0.0.1",)
    server = Robot()
    yield server
    server.close()


def _deduct_over_http(act, fam, points="-2", indicator="moral.discipline"):
    teacher = act(fam.teacher)
    answer = teacher.post("/teacher/entry/new", data={
        "students": [str(fam.child_a.id)], "indicator": indicator, "points": points,
        "occurred_on": "2026-10-09", "note": "迟到"})
    return answer


def _deduct(fam, points="-2"):
    made = entries.record_entries(fam.teacher, fam.term, [fam.child_a.id], EntryInput(
        indicator="moral.discipline", points=points, occurred_on=date(2026, 10, 9)),
        today=date(2026, 11, 1))
    db.session.commit()
    return made


@time_machine.travel(DAYTIME, tick=False)
def test_email_reaches_a_real_smtp_server_with_the_events_text(fam, smtp):
    db.session.add(NotificationSettings(user_id=fam.guardian_user.id, email="parent@example.com",
                                        muted=[], by_email=["deduction"]))
    db.session.commit()
    _deduct(fam)  # the commit hands the push to the (immediate) queue
    assert len(smtp.messages) == 1
    to, message = smtp.messages[0]
    assert to == ["parent@example.com"]
    assert message["From"] == "starrating@school.example"
    text = message.get_content()
    assert fam.child_a.name in text and "-2.00" in text and "2026-10-09" in text
    assert str(message["Subject"])  # the event's name, in the guardian's language
    push = db.session.scalar(sa.select(Delivery))
    db.session.refresh(push)
    assert push.status == "sent" and push.attempts == 1
    # no other student's points, no other student's name
    assert fam.stranger.name not in text


@time_machine.travel(DAYTIME, tick=False)
def test_the_schools_smtp_settings_win_over_the_apps(fam, smtp, app):
    from starrating.models import FamilySettings

    port = app.config["SMTP_PORT"]
    app.config.update(SMTP_HOST="192.0.2.1", SMTP_PORT=1)  # unreachable: must not be used
    db.session.add(FamilySettings(school_id=fam.school.id, show_deduction_notes=True,
                                  show_evidence=False, thresholds=[], smtp_host="127.0.0.1",
                                  smtp_port=port, smtp_tls=False,
                                  smtp_sender="jiaxiao@school.example", monthly_day=0))
    db.session.add(NotificationSettings(user_id=fam.guardian_user.id, email="p@example.com",
                                        muted=[], by_email=["deduction"]))
    db.session.commit()
    _deduct(fam)
    assert smtp.messages[0][1]["From"] == "jiaxiao@school.example"


def _channel(fam, robot, kind="wecom", events=("deduction", "published")):
    db.session.add(ClassChannel(class_id=fam.class_a.id, kind=kind,
                                url=f"{robot.url}/cgi-bin/webhook/send?key=k1",
                                events=list(events), updated_by_id=fam.teacher.id))
    db.session.commit()


@time_machine.travel(DAYTIME, tick=False)
@pytest.mark.parametrize("kind", ["wecom", "dingtalk"])
def test_the_group_robot_gets_the_documented_body_without_points(fam, robot, kind, act):
    _channel(fam, robot, kind)
    answer = _deduct_over_http(act, fam)
    assert answer.status_code == 302, answer.get_data(as_text=True)[:500]
    assert len(robot.posts) == 1
    post = robot.posts[0]
    assert post["type"].startswith("application/json")
    assert set(post["json"]) == {"msgtype", "text"} and post["json"]["msgtype"] == "text"
    content = post["json"]["text"]["content"]
    assert fam.child_a.name in content
    assert "-2" not in content and "迟到" not in content  # no points, no note


@time_machine.travel(DAYTIME, tick=False)
@time_machine.travel(DAYTIME, tick=False)  # not in quiet hours, whenever the tests run
def test_a_failing_robot_is_retried_and_logged_and_the_entry_is_kept(fam, robot, act, caplog):
    _channel(fam, robot)
    robot.status = 500
    answer = _deduct_over_http(act, fam)
    assert answer.status_code == 302  # the action succeeded
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Entry)) == 1
    push = db.session.scalar(sa.select(Delivery))
    assert push.status == "pending" and push.attempts == 1 and "500" in push.last_error
    assert any("retried" in r.getMessage() for r in caplog.records)
    now = utcnow()
    with time_machine.travel(now + timedelta(minutes=2), tick=False):
        jobs.deliver_now()
    db.session.expire_all()
    push = db.session.get(Delivery, push.id)
    assert push.attempts == 2 and push.status == "pending"
    robot.status = 200
    with time_machine.travel(now + timedelta(minutes=10), tick=False):
        assert jobs.deliver_now() == (1, 0)
    db.session.expire_all()
    push = db.session.get(Delivery, push.id)
    assert push.status == "sent" and push.attempts == 3 and len(robot.posts) == 3


@time_machine.travel(DAYTIME, tick=False)
def test_a_push_fails_for_good_after_the_last_attempt(fam, robot):
    _channel(fam, robot)
    robot.status = 500
    _deduct(fam)
    now = utcnow()
    for minutes in (2, 8, 40, 80):
        with time_machine.travel(now + timedelta(minutes=minutes), tick=False):
            jobs.deliver_now()
    db.session.expire_all()
    push = db.session.scalar(sa.select(Delivery))
    assert push.status == "failed" and push.attempts == channels.MAX_ATTEMPTS


@time_machine.travel(DAYTIME, tick=False)
def test_an_unreachable_smtp_server_never_blocks_the_entry(fam, app, act):
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=1, SMTP_SENDER="x@example.com")
    db.session.add(NotificationSettings(user_id=fam.guardian_user.id, email="p@example.com",
                                        muted=[], by_email=["deduction"]))
    db.session.commit()
    assert _deduct_over_http(act, fam).status_code == 302
    push = db.session.scalar(sa.select(Delivery))
    assert push.status == "pending" and push.attempts == 1 and push.last_error


def test_the_class_teacher_sets_the_robot_and_only_robot_hosts_are_accepted(fam, act, app):
    teacher = act(fam.teacher)
    url = f"/families/class/{fam.class_a.id}/channel"
    answer = teacher.post(url, data={"kind": "wecom", "url": "http://10.0.0.1/hook",
                                     "events": ["deduction"]})
    assert answer.status_code == 400
    good = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=abc"
    assert teacher.post(url, data={"kind": "wecom", "url": good,
                                   "events": ["published"]}).status_code == 302
    row = db.session.get(ClassChannel, fam.class_a.id)
    assert row.url == good and row.events == ["published"]
    assert act(fam.other_teacher).post(url, data={"kind": "wecom", "url": good}).status_code \
        == 403
    assert teacher.post(url, data={"kind": "wecom", "url": ""}).status_code == 302
    db.session.expire_all()
    assert db.session.get(ClassChannel, fam.class_a.id) is None
