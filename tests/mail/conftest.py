"""Mail fixtures: a real SMTP server on 127.0.0.1 (aiosmtpd) that answers as a test tells it,
and the outbox's job run the way a worker runs it.

Workers use database sessions of their own, so these tests use a database file (or
TEST_DATABASE_URL's PostgreSQL), as tests/jobs do.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import Message
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from flask import Flask
from sqlalchemy import select, update

from workspace.database import utcnow
from workspace.extensions import db
from workspace.jobs import queue
from workspace.jobs.models import Job, JobState
from workspace.mail.models import OutboxMessage
from workspace.mail.service import SEND_JOB


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class MailServer:
    """An SMTP server that answers the next DATA commands as `data_answers` says ("451 ..."),
    refuses recipients while `refuse_recipients` is set, and otherwise takes the message."""

    port: int
    received: list[Message] = field(default_factory=list)  # what it took, in order
    data_seen: list[Message] = field(default_factory=list)  # every message offered, taken or not
    data_answers: list[str] = field(default_factory=list)
    refuse_recipients: str | None = None
    controller: Controller | None = None

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any,  # noqa: N802
                          address: str, rcpt_options: list[str]) -> str:
        if self.refuse_recipients:
            return self.refuse_recipients
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        message = message_from_bytes(envelope.content)
        self.data_seen.append(message)
        if self.data_answers:
            return self.data_answers.pop(0)
        self.received.append(message)
        return "250 Message accepted for delivery"

    def start(self) -> MailServer:
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self.controller.start()
        return self

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


@pytest.fixture
def app_settings(app_settings: dict[str, Any], tmp_path: Path) -> dict[str, Any]:
    """Mail goes to 127.0.0.1 on a port of this test's own (see `mail_server`)."""
    settings = {**app_settings, "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": free_port()}
    if not os.environ.get("TEST_DATABASE_URL"):
        settings["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{tmp_path / 'mail.sqlite3'}"
    return settings


@pytest.fixture(autouse=True)
def _in_the_app(app: Flask) -> None:
    """Every test here runs inside its app (and its fresh database)."""


@pytest.fixture
def mail_server(app_settings: dict[str, Any]) -> Iterator[MailServer]:
    """The SMTP server the app sends to, running."""
    server = MailServer(port=app_settings["MAIL_PORT"]).start()
    yield server
    server.stop()


def run_mail() -> int:
    """What a worker does after the request committed: the jobs due now."""
    db.session.commit()
    return queue.run_pending()


def later() -> int:
    """The back-off has passed: every waiting job is due, and the worker runs them."""
    db.session.execute(update(Job).where(Job.state == JobState.QUEUED).values(run_at=utcnow()))
    return run_mail()


def reread(message: OutboxMessage) -> OutboxMessage:
    db.session.commit()
    fresh = db.session.get(OutboxMessage, message.id, populate_existing=True)
    assert fresh is not None
    return fresh


def send_job(message: OutboxMessage) -> Job:
    db.session.commit()
    job = db.session.scalar(select(Job).where(Job.key == f"{SEND_JOB}:{message.id}")
                            .order_by(Job.id.desc()).execution_options(populate_existing=True))
    assert job is not None
    return job
