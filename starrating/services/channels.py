"""Sending the pushes: email over SMTP and the group robots of 企业微信 and 钉钉.

A `Delivery` row is sent by the job queue (starrating/jobs.py: at once after the request
that made it commits, and every minute for the due ones). A failure is written on the row
(attempts, last_error) and the push is tried again later — after 1, 5, 30 minutes — then
marked failed; the action that caused it was committed long before and never sees the failure.
Nothing here logs a message's text (it names a student).

Group-robot bodies are the documented text messages: 企业微信
{"msgtype": "text", "text": {"content": …}}, 钉钉 the same shape.
SMTP settings: the school's (FamilySettings.smtp_*, with its user name and password for the
server's login when set), else the app's SMTP_HOST, SMTP_PORT, SMTP_TLS, SMTP_SENDER,
SMTP_USER, SMTP_PASSWORD. The password is never logged nor written on a delivery row.
"""

from __future__ import annotations

import json
import logging
import smtplib
import urllib.request
from datetime import datetime, timedelta
from email.message import EmailMessage

import sqlalchemy as sa
from flask import current_app

from ..extensions import db
from ..models import Delivery, utcnow
from .guardians import family_settings

log = logging.getLogger(__name__)
RETRY_AFTER = (timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=30))
MAX_ATTEMPTS = len(RETRY_AFTER) + 1
TIMEOUT = 10  # seconds, for SMTP and webhooks
BATCH = 200


class ChannelError(Exception):
    pass


def webhook_body(kind: str, text: str) -> dict:
    """The documented text message of the group robot (both use this shape)."""
    return {"msgtype": "text", "text": {"content": text}}


def post_webhook(url: str, kind: str, text: str) -> None:
    data = json.dumps(webhook_body(kind, text), ensure_ascii=False).encode()
    request = urllib.request.Request(url, data=data, method="POST",
                                     headers={"Content-Type": "application/json; charset=utf-8"})
    with urllib.request.urlopen(request, timeout=TIMEOUT) as response:  # noqa: S310 (http/https)
        answer = response.read(2000)
    try:  # both robots answer 200 with {"errcode": 0} on success
        code = json.loads(answer or b"{}").get("errcode", 0)
    except ValueError:
        code = 0
    if code:
        raise ChannelError(f"robot answered errcode {code}")


def smtp_settings(school_id: int | None) -> dict:
    config = current_app.config
    school = family_settings(school_id) if school_id else None
    if school is not None and school.smtp_host:  # the school's server, with its own login
        return {"host": school.smtp_host, "port": school.smtp_port or 25,
                "tls": school.smtp_tls, "sender": school.smtp_sender or config.get(
                    "SMTP_SENDER", ""), "user": school.smtp_user or "",
                "password": school.smtp_password or ""}
    return {"host": config.get("SMTP_HOST", ""), "port": int(config.get("SMTP_PORT", 25)),
            "tls": bool(config.get("SMTP_TLS", False)), "sender": config.get("SMTP_SENDER", ""),
            "user": config.get("SMTP_USER", ""), "password": config.get("SMTP_PASSWORD", "")}


def send_email(settings: dict, to: str, subject: str, text: str) -> None:
    if not settings["host"] or not settings["sender"]:
        raise ChannelError("no SMTP server or sender is set")
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = settings["sender"], to, subject
    message.set_content(text)
    with smtplib.SMTP(settings["host"], settings["port"], timeout=TIMEOUT) as smtp:
        if settings["tls"]:
            smtp.starttls()
        if settings["user"]:
            smtp.login(settings["user"], settings["password"])
        smtp.send_message(message)


def send(delivery: Delivery) -> None:
    if delivery.channel == "email":
        send_email(smtp_settings(delivery.school_id), delivery.target, delivery.subject,
                   delivery.body)
    elif delivery.channel in ("wecom", "dingtalk"):
        post_webhook(delivery.target, delivery.channel, delivery.body)
    else:
        raise ChannelError(f"unknown channel {delivery.channel}")


def attempt(delivery: Delivery, now: datetime) -> bool:
    """Try one push; the row records the outcome. True when sent."""
    if delivery.status != "pending":
        return delivery.status == "sent"
    delivery.attempts += 1
    try:
        send(delivery)
    except Exception as e:  # any failure of the channel: record it, retry later
        delivery.last_error = f"{type(e).__name__}: {e}"[:500]
        if delivery.attempts >= MAX_ATTEMPTS:
            delivery.status = "failed"
            log.warning("delivery %s (%s) failed for good after %s attempts", delivery.id,
                        delivery.channel, delivery.attempts)
        else:
            delivery.due_at = now + RETRY_AFTER[delivery.attempts - 1]
            log.warning("delivery %s (%s) failed, retried at %s", delivery.id, delivery.channel,
                     delivery.due_at.isoformat())
        return False
    delivery.status, delivery.sent_at, delivery.last_error = "sent", now, ""
    return True


def due(now: datetime, ids=None) -> list[Delivery]:
    query = sa.select(Delivery).where(Delivery.status == "pending", Delivery.due_at <= now)
    if ids is not None:
        query = query.where(Delivery.id.in_(list(ids)))
    return list(db.session.scalars(query.order_by(Delivery.due_at, Delivery.id).limit(BATCH)))


def deliver_due(now: datetime | None = None, ids=None) -> tuple[int, int]:
    """Send the due pushes (only `ids` when given); (sent, not sent). The caller commits."""
    now = now or utcnow()
    sent = failed = 0
    for delivery in due(now, ids):
        if attempt(delivery, now):
            sent += 1
        else:
            failed += 1
        db.session.flush()
    return sent, failed
