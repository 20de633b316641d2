"""The school's SMTP login: a user name and a write-only password (never shown back in the
form, never in an audit row or the delivery log) that the channel uses to log in to a real
SMTP server with AUTH (aiosmtpd) started here."""

from __future__ import annotations

import json
import logging
import socket

import pytest
import sqlalchemy as sa
import time_machine
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult

from starrating.extensions import db
from starrating.models import AuditLog, Delivery, FamilySettings, NotificationSettings
from tests.families.test_channels import DAYTIME, Inbox, _deduct

SECRET = "s3cret-Mail-2026"
pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")


class Authenticator:
    def __init__(self):
        self.tried: list[tuple[str, str]] = []

    def __call__(self, server, session, envelope, mechanism, auth_data):
        login, password = auth_data.login.decode(), auth_data.password.decode()
        self.tried.append((login, password))
        # handled=False: the server answers 535 itself on a failure
        return AuthResult(success=(login, password) == ("jiaxiao", SECRET), handled=False)


@pytest.fixture
def auth_smtp(app):
    handler, authenticator = Inbox(), Authenticator()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    # AUTH over a plain connection only in this test (a real server wants TLS)
    controller = Controller(handler, hostname="127.0.0.1", port=port,
                            authenticator=authenticator, auth_required=True,
                            auth_require_tls=False)
    controller.start()
    app.config.update(SMTP_HOST="", SMTP_USER="", SMTP_PASSWORD="")
    yield handler, authenticator, port
    controller.stop()


def _settings(f, port, password=SECRET, user="jiaxiao"):
    db.session.add(FamilySettings(school_id=f.school.id, show_deduction_notes=True,
                                  show_evidence=False, thresholds=[], smtp_host="127.0.0.1",
                                  smtp_port=port, smtp_tls=False,
                                  smtp_sender="jiaxiao@school.example", smtp_user=user,
                                  smtp_password=password, monthly_day=0))
    db.session.add(NotificationSettings(user_id=f.guardian_user.id, email="p@example.com",
                                        muted=[], by_email=["deduction"]))
    db.session.commit()


@time_machine.travel(DAYTIME, tick=False)
def test_the_channel_logs_in_with_the_schools_user_and_password(fam, auth_smtp):
    inbox, authenticator, port = auth_smtp
    _settings(fam, port)
    _deduct(fam)
    assert authenticator.tried == [("jiaxiao", SECRET)]
    assert len(inbox.messages) == 1 and inbox.messages[0][0] == ["p@example.com"]
    assert fam.child_a.name in inbox.messages[0][1].get_content()
    push = db.session.scalar(sa.select(Delivery))
    db.session.refresh(push)
    assert push.status == "sent"


@time_machine.travel(DAYTIME, tick=False)
def test_a_wrong_password_fails_the_push_and_is_never_logged(fam, auth_smtp, caplog):
    inbox, authenticator, port = auth_smtp
    _settings(fam, port, password="wrong-Password-1")
    with caplog.at_level(logging.DEBUG):
        made = _deduct(fam)
    assert made and not inbox.messages  # the entry is kept, the email is not sent
    assert set(authenticator.tried) == {("jiaxiao", "wrong-Password-1")}  # PLAIN, then LOGIN
    push = db.session.scalar(sa.select(Delivery))
    db.session.refresh(push)
    assert push.status == "pending" and push.attempts == 1 and "535" in push.last_error
    assert "wrong-Password-1" not in push.last_error
    assert "wrong-Password-1" not in caplog.text


def test_the_password_is_write_only_in_the_settings_form(fam, act):
    admin = act(fam.admin)
    form = {"deduction_points": "-20", "deduction_sanction": "", "deduction_points_2": "",
            "deduction_sanction_2": "", "repeat_count": "3", "repeat_days": "7",
            "repeat_sanction": "", "smtp_host": "smtp.school.example", "smtp_port": "587", "smtp_tls": "y",
            "smtp_sender": "jiaxiao@school.example", "smtp_user": "jiaxiao",
            "smtp_password": SECRET, "monthly_day": "3"}
    assert admin.post("/families/settings", form).status_code == 302
    row = db.session.get(FamilySettings, fam.school.id)
    db.session.refresh(row)
    assert (row.smtp_user, row.smtp_password, row.monthly_day) == ("jiaxiao", SECRET, 3)
    page = admin.get("/families/settings").get_data(as_text=True)
    assert SECRET not in page and "已设置" in page and 'value="jiaxiao"' in page
    # empty keeps the stored password; a new one replaces it; the box forgets it
    assert admin.post("/families/settings", {**form, "smtp_password": ""}).status_code == 302
    db.session.refresh(row)
    assert row.smtp_password == SECRET
    assert admin.post("/families/settings", {**form, "smtp_password": "Other-2026"}
                      ).status_code == 302
    db.session.refresh(row)
    assert row.smtp_password == "Other-2026"
    assert admin.post("/families/settings", {**form, "smtp_password": "",
                                             "smtp_password_clear": "y"}).status_code == 302
    db.session.refresh(row)
    assert row.smtp_password == ""
    assert "未设置" in admin.get("/families/settings").get_data(as_text=True)
    audits = db.session.scalars(sa.select(AuditLog).where(
        AuditLog.object_type == "family_settings").order_by(AuditLog.id)).all()
    assert len(audits) == 4
    dumped = json.dumps([[a.before, a.after] for a in audits], ensure_ascii=False)
    assert SECRET not in dumped and "Other-2026" not in dumped
    assert [bool((a.after or {}).get("smtp_password_changed")) for a in audits] == [
        True, False, True, True]
    # a day past the 28th is refused, and nothing is written
    answer = admin.post("/families/settings", {**form, "monthly_day": "31"})
    assert answer.status_code == 400 and "1 到 28" in answer.get_data(as_text=True)
    db.session.refresh(row)
    assert row.monthly_day == 3
