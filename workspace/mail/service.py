"""Outgoing email: always kept in the outbox, sent by SMTP when a server is configured."""

from __future__ import annotations

import smtplib
from email.message import EmailMessage

from flask import current_app
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import select

from workspace.database import utcnow
from workspace.extensions import db
from workspace.mail.models import OutboxMessage


def queue_email(recipient: str, subject: str, body: str) -> OutboxMessage:
    """Add an email to the outbox within the caller's unit of work (flush, never commit)."""
    message = OutboxMessage(recipient=recipient, subject=subject, body=body)
    db.session.add(message)
    db.session.flush()
    return message


def deliver_pending(messages: list[OutboxMessage]) -> None:
    """Send queued messages after the caller commits; failures are noted, never raised."""
    if not current_app.config.get("MAIL_SERVER") or not messages:
        return
    for message in messages:
        try:
            _send_smtp(message)
        except (OSError, smtplib.SMTPException) as exc:
            current_app.logger.warning("email to %s failed: %s", message.recipient, exc)
            message.error = str(exc)[:500]
        else:
            message.sent_at = utcnow()
    db.session.commit()


def _send_smtp(message: OutboxMessage) -> None:
    config = current_app.config
    email = EmailMessage()
    email["From"] = config["MAIL_SENDER"]
    email["To"] = message.recipient
    email["Subject"] = message.subject
    email.set_content(message.body)
    with smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=10) as smtp:
        if config.get("MAIL_USE_TLS"):
            smtp.starttls()
        if config.get("MAIL_USERNAME"):
            smtp.login(config["MAIL_USERNAME"], config.get("MAIL_PASSWORD") or "")
        smtp.send_message(email)


def outbox_page(page: int, recipient: str | None = None) -> Pagination:
    stmt = select(OutboxMessage).order_by(OutboxMessage.id.desc())
    if recipient:
        stmt = stmt.where(OutboxMessage.recipient == recipient.strip().lower())
    return db.paginate(stmt, page=page, per_page=25, error_out=False)
