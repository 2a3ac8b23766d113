"""Outgoing email: written to the outbox in the caller's unit of work, sent by a job after it.

`queue_email` adds the message and a "mail.send" job together, so an email exists exactly when
the work that asked for it commits, and the request never waits for a mail server. Without an
SMTP server (development, the demo) the job marks the message kept: staff read it in the app.
"""

from __future__ import annotations

import smtplib
from collections.abc import Iterable, Mapping
from email.message import EmailMessage
from email.utils import make_msgid
from typing import Any

from flask import current_app
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import select

from workspace.database import utcnow
from workspace.extensions import db
from workspace.jobs import queue as jobs
from workspace.mail.models import MailState, OutboxMessage

SEND_JOB = "mail.send"


def queue_email(recipient: str, subject: str, body: str, *, html: str = "",
                headers: Mapping[str, str] | None = None,
                attachments: Iterable[Mapping[str, Any]] = (), key: str | None = None,
                user_id: int | None = None) -> OutboxMessage:
    """Add an email to the outbox within the caller's unit of work (flush, never commit); it is
    sent after the commit. With a `key`, asking again returns the message already queued."""
    if key is not None:
        existing = db.session.scalar(select(OutboxMessage).where(OutboxMessage.key == key))
        if existing is not None:
            return existing
    message = OutboxMessage(recipient=recipient, subject=subject[:200], body=body,
                            html_body=html, headers=dict(headers or {}),
                            attachments=[dict(each) for each in attachments], key=key,
                            user_id=user_id, state=MailState.QUEUED, attempts=0)
    db.session.add(message)
    db.session.flush()
    jobs.enqueue(SEND_JOB, {"message_id": message.id}, key=f"{SEND_JOB}:{message.id}")
    return message


@jobs.register(SEND_JOB, max_attempts=6)
def send(payload: dict[str, Any]) -> None:
    message = db.session.get(OutboxMessage, int(payload["message_id"]))
    if message is None or message.state in (MailState.SENT, MailState.KEPT):
        return  # sent (or kept) already: never twice
    if not current_app.config.get("MAIL_SERVER"):
        message.state = MailState.KEPT
        return
    message.attempts += 1
    _send_smtp(message)
    message.state = MailState.SENT
    message.sent_at = utcnow()
    message.error = ""


def as_email(message: OutboxMessage) -> EmailMessage:
    """The message as it goes out: text, an HTML alternative, attachments, its headers."""
    config = current_app.config
    email = EmailMessage()
    email["From"] = config["MAIL_SENDER"]
    email["To"] = message.recipient
    email["Subject"] = message.subject
    # One id per outbox row, kept across attempts, so a mail system that sees it twice can tell.
    email["Message-ID"] = make_msgid(idstring=f"outbox-{message.id}",
                                     domain=config["MAIL_SENDER"].rsplit("@", 1)[-1].rstrip(">"))
    for name, value in (message.headers or {}).items():
        email[name] = value
    email.set_content(message.body)
    if message.html_body:
        email.add_alternative(message.html_body, subtype="html")
    for attachment in message.attachments or []:
        maintype, _, subtype = attachment["media_type"].partition("/")
        content = attachment["content"]
        email.add_attachment(content.encode() if isinstance(content, str) else content,
                             maintype=maintype, subtype=subtype,
                             filename=attachment["filename"])
    return email


def _send_smtp(message: OutboxMessage) -> None:
    config = current_app.config
    with smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=10) as smtp:
        if config.get("MAIL_USE_TLS"):
            smtp.starttls()
        if config.get("MAIL_USERNAME"):
            smtp.login(config["MAIL_USERNAME"], config.get("MAIL_PASSWORD") or "")
        smtp.send_message(as_email(message))


def outbox_page(page: int, recipient: str | None = None) -> Pagination:
    stmt = select(OutboxMessage).order_by(OutboxMessage.id.desc())
    if recipient:
        stmt = stmt.where(OutboxMessage.recipient == recipient.strip().lower())
    return db.paginate(stmt, page=page, per_page=25, error_out=False)
