"""Outgoing email: written to the outbox in the caller's unit of work, sent by a job after it.

`queue_email` adds the message and a "mail.send" job together, so an email exists exactly when
the work that asked for it commits, and the request never waits for a mail server. Without an
SMTP server (development, the demo) the job marks the message kept: staff read it in the app.

Failures. A temporary one (the server unreachable, hanging up, too slow, or answering 4xx) fails
the attempt, and the queue tries again with its back-off; a 5xx answer about this message (its
sender, recipient or content refused) fails the job at once, since sending it again would get
the same answer. Either way the message records its attempts and the last error (the queue's
`on_failure` hook, in a transaction of its own), and when no attempt is left it is FAILED:
staff see it in the outbox and may try it again (`retry_message`) once the cause is mended.

Never twice, and what is left at least once. A message is sent only while it is QUEUED or
FAILED, and marked SENT in the transaction that finishes its job: a job run again, a staff
retry or another worker taking over after a lease ran out all find it SENT and send nothing.
What remains is the moment between the server taking the message and that commit: if the
worker dies or the database can't be reached just then, the job's lease runs out and the
message goes out again. It carries the same Message-ID each time (derived from the row), so a
mail system that notices duplicates can drop it.
"""

from __future__ import annotations

import smtplib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any

from flask import current_app
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import case, func, insert, select, update

from workspace import errors
from workspace.database import utcnow
from workspace.extensions import db
from workspace.jobs import queue as jobs
from workspace.jobs.models import JobState
from workspace.mail.models import ERROR_MAX, MailState, OutboxMessage

SEND_JOB = "mail.send"
SEND_ATTEMPTS = 6  # back-off 30s, 1, 2, 4, 8 minutes: about a quarter of an hour in all
SMTP_TIMEOUT = 10  # seconds for each exchange with the server, well within the job's lease


class MailNotSent(Exception):
    """The mail server couldn't take the message now; another attempt may pass."""


class MailRefused(jobs.PermanentFailure):
    """The mail server refused the message for good (5xx): trying again won't change that."""


@dataclass(frozen=True)
class Email:
    """One email as the outbox keeps it, before it is queued."""

    recipient: str
    subject: str
    body: str  # the plain-text part
    html: str = ""
    headers: Mapping[str, str] = field(default_factory=dict)
    attachments: Sequence[Mapping[str, Any]] = ()
    key: str | None = None  # asking twice with one key queues once
    user_id: int | None = None

    def row(self) -> dict[str, Any]:
        return {"recipient": self.recipient, "subject": self.subject[:200], "body": self.body,
                "html_body": self.html, "headers": dict(self.headers),
                "attachments": [dict(each) for each in self.attachments], "key": self.key,
                "user_id": self.user_id, "state": MailState.QUEUED, "attempts": 0}


def queue_email(recipient: str, subject: str, body: str, *, html: str = "",
                headers: Mapping[str, str] | None = None,
                attachments: Iterable[Mapping[str, Any]] = (), key: str | None = None,
                user_id: int | None = None) -> OutboxMessage:
    """Add an email to the outbox within the caller's unit of work (flush, never commit); it is
    sent after the commit. With a `key`, asking again returns the message already queued."""
    return queue(Email(recipient, subject, body, html, dict(headers or {}), tuple(attachments),
                       key, user_id))


def queue(email: Email) -> OutboxMessage:
    """queue_email for an Email already built."""
    if email.key is not None:
        existing = db.session.scalar(select(OutboxMessage).where(OutboxMessage.key == email.key))
        if existing is not None:
            return existing
    message = OutboxMessage(**email.row())
    db.session.add(message)
    db.session.flush()
    jobs.enqueue(SEND_JOB, {"message_id": message.id}, key=f"{SEND_JOB}:{message.id}")
    return message


def queue_many(emails: Sequence[Email]) -> int:
    """Queue many emails in a few statements whatever their number (digests: a batch at a
    time); keys queued already are left alone. How many were queued."""
    keys = [email.key for email in emails if email.key is not None]
    taken = set(db.session.scalars(select(OutboxMessage.key).where(
        OutboxMessage.key.in_(keys)))) if keys else set()
    rows = [{**email.row(), "created_at": utcnow()} for email in emails
            if email.key is None or email.key not in taken]
    if not rows:
        return 0
    # Without an order asked of RETURNING, SQLite and PostgreSQL insert many rows per statement.
    message_ids = db.session.scalars(insert(OutboxMessage).returning(OutboxMessage.id),
                                     rows).all()
    jobs.enqueue_new(SEND_JOB, [({"message_id": message_id}, f"{SEND_JOB}:{message_id}")
                                for message_id in sorted(message_ids)])
    return len(message_ids)


def record_failure(payload: dict[str, Any], error: str, final: bool) -> None:
    """After a failed attempt (the handler's own writes rolled back): count it, keep the error,
    and fail the message when no attempt follows."""
    message = db.session.get(OutboxMessage, int(payload["message_id"]))
    if message is None or message.state in (MailState.SENT, MailState.KEPT):
        return
    message.attempts += 1
    message.error = error.removeprefix(f"{MailNotSent.__name__}: ").removeprefix(
        f"{MailRefused.__name__}: ")[:ERROR_MAX]
    # QUEUED while another attempt is due (also after staff retried the job from /staff/jobs).
    message.state = MailState.FAILED if final else MailState.QUEUED


@jobs.register(SEND_JOB, max_attempts=SEND_ATTEMPTS, on_failure=record_failure)
def send(payload: dict[str, Any]) -> None:
    message = db.session.get(OutboxMessage, int(payload["message_id"]))
    if message is None or message.state in (MailState.SENT, MailState.KEPT):
        return  # sent (or kept) already: never twice
    if not current_app.config.get("MAIL_SERVER"):
        message.state = MailState.KEPT
        return
    _send_smtp(message)
    message.attempts += 1
    message.state = MailState.SENT
    message.sent_at = utcnow()
    message.error = ""


def message_id_header(message: OutboxMessage) -> str:
    """The Message-ID header: the same for every attempt at this row, different for any other
    (the row's creation time tells apart databases that reuse ids)."""
    domain = current_app.config["MAIL_SENDER"].rsplit("@", 1)[-1].rstrip(">").strip()
    return f"<outbox.{message.id}.{message.created_at:%Y%m%d%H%M%S%f}@{domain}>"


def as_email(message: OutboxMessage) -> EmailMessage:
    """The message as it goes out: text, an HTML alternative, attachments, its headers."""
    config = current_app.config
    email = EmailMessage()
    email["From"] = config["MAIL_SENDER"]
    email["To"] = message.recipient
    email["Subject"] = message.subject
    # One id per outbox row, kept across attempts, so a mail system that sees it twice can tell.
    email["Message-ID"] = message_id_header(message)
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
    """Hand the message to the SMTP server; MailNotSent or MailRefused if it doesn't take it."""
    config = current_app.config
    email = as_email(message)  # a message we can't build fails as itself, not as the server's
    server = f"{config['MAIL_SERVER']}:{config['MAIL_PORT']}"
    try:
        with smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"],
                          timeout=SMTP_TIMEOUT) as smtp:
            if config.get("MAIL_USE_TLS"):
                smtp.starttls()
            if config.get("MAIL_USERNAME"):
                smtp.login(config["MAIL_USERNAME"], config.get("MAIL_PASSWORD") or "")
            smtp.send_message(email)
    except smtplib.SMTPRecipientsRefused as exc:
        answers = [_answer(code, reply) for code, reply in exc.recipients.values()]
        refusal = f"The mail server refused the recipient: {'; '.join(answers)}"
        if all(code >= 500 for code, _ in exc.recipients.values()):
            raise MailRefused(refusal) from exc
        raise MailNotSent(refusal) from exc
    except (smtplib.SMTPSenderRefused, smtplib.SMTPDataError) as exc:
        what = "sender" if isinstance(exc, smtplib.SMTPSenderRefused) else "message"
        refusal = f"The mail server refused the {what}: {_answer(exc.smtp_code, exc.smtp_error)}"
        raise (MailRefused if exc.smtp_code >= 500 else MailNotSent)(refusal) from exc
    except smtplib.SMTPResponseException as exc:  # greeting, TLS, sign-in: the set-up
        raise MailNotSent(f"The mail server at {server} answered "
                          f"{_answer(exc.smtp_code, exc.smtp_error)}") from exc
    except smtplib.SMTPServerDisconnected as exc:
        raise MailNotSent(f"The mail server at {server} hung up: {exc}") from exc
    except TimeoutError as exc:
        raise MailNotSent(f"The mail server at {server} didn't answer in time.") from exc
    except OSError as exc:  # refused, reset, unknown host (smtplib's errors are OSErrors too)
        raise MailNotSent(f"Couldn't reach the mail server at {server}: "
                          f"{exc.strerror or exc}") from exc


def _answer(code: int, reply: bytes | str) -> str:
    text = reply.decode(errors="replace") if isinstance(reply, bytes) else reply
    return f"{code} {text}".strip()


# --- Staff ----------------------------------------------------------------------------------

SHOWN_STATES = (MailState.FAILED, MailState.QUEUED, MailState.SENT, MailState.KEPT)


def outbox_page(page: int, recipient: str | None = None,
                state: MailState | None = None) -> Pagination:
    """Messages newest first, the failed ones ahead of all others (they need someone)."""
    stmt = select(OutboxMessage).order_by(
        case((OutboxMessage.state == MailState.FAILED, 0), else_=1), OutboxMessage.id.desc())
    if recipient:
        stmt = stmt.where(OutboxMessage.recipient == recipient.strip().lower())
    if state is not None:
        stmt = stmt.where(OutboxMessage.state == state)
    return db.paginate(stmt, page=page, per_page=25, error_out=False)


def failed_count() -> int:
    return db.session.scalar(select(func.count()).select_from(OutboxMessage)
                             .where(OutboxMessage.state == MailState.FAILED)) or 0


def message_in_outbox(message_id: int) -> OutboxMessage:
    message = db.session.get(OutboxMessage, message_id)
    if message is None:
        raise errors.NotFound("That message isn't in the outbox.")
    return message


def retry_message(message_id: int) -> OutboxMessage:
    """Send a failed message again, with all its attempts (for staff: the caller checks who is
    asking). One unit of work: the message is queued again with its job."""
    message = message_in_outbox(message_id)
    result = db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message_id, OutboxMessage.state == MailState.FAILED)
        .values(state=MailState.QUEUED).execution_options(synchronize_session=False))
    if result.rowcount != 1:  # type: ignore[attr-defined]
        db.session.rollback()
        raise errors.Conflict("That message hasn't failed (someone may have tried it again "
                              "already), so there is nothing to retry.")
    # The job that gave up still holds the key: it is that job that runs again.
    job = jobs.enqueue(SEND_JOB, {"message_id": message_id}, key=f"{SEND_JOB}:{message_id}")
    if job.state is JobState.FAILED:
        jobs.retry(job.id)  # commits the message's state with it
    else:
        db.session.commit()
    db.session.refresh(message)
    return message
