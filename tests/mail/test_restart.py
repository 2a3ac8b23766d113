"""The outbox survives a restart: what one process wrote, a worker started afterwards sends,
once, including the message whose worker died while sending it."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select, update

from tests.mail.conftest import MailServer
from workspace.database import utcnow
from workspace.extensions import db
from workspace.jobs.models import Job, JobState
from workspace.mail.models import MailState, OutboxMessage
from workspace.mail.service import SEND_JOB, queue_email

ROOT = Path(__file__).resolve().parents[2]


def flask_jobs_work(app_settings: dict[str, Any]) -> subprocess.CompletedProcess[str]:
    """`flask jobs work --burst` in a process of its own, configured only by its environment,
    as production starts it."""
    environment = {
        **os.environ,
        "DATABASE_URL": app_settings["SQLALCHEMY_DATABASE_URI"],
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": str(app_settings["MAIL_PORT"]),
        "SECRET_KEY": "restart-test",
        "BASE_URL": "http://localhost",
        "FILES_ROOT": app_settings["FILES_ROOT"],
        "FLASK_APP": "workspace",
    }
    environment.pop("REDIS_URL", None)
    return subprocess.run([sys.executable, "-m", "flask", "jobs", "work", "--burst"],
                          cwd=ROOT, env=environment, capture_output=True, text=True,
                          timeout=120, check=False)


def test_a_worker_started_after_a_restart_sends_each_waiting_message_once(
        app_settings, mail_server: MailServer):
    waiting = queue_email("az.member@example.org", "Welcome", "Hello, Arizona.")
    interrupted = queue_email("ga.member@example.org", "Welcome", "Hello, Georgia.")
    db.session.commit()
    ids = (waiting.id, interrupted.id)
    # A worker took the second one and stopped before finishing: its lease has run out.
    db.session.execute(
        update(Job).where(Job.key == f"{SEND_JOB}:{interrupted.id}")
        .values(state=JobState.RUNNING, attempts=1, locked_by="old-host:4242:worker",
                locked_until=utcnow() - timedelta(minutes=1)))
    db.session.commit()
    # The app that wrote them goes away; nothing of it is left but the database.
    db.session.remove()
    db.engine.dispose()

    finished = flask_jobs_work(app_settings)
    assert finished.returncode == 0, finished.stderr
    assert "2 jobs run." in finished.stdout
    assert sorted(each["To"] for each in mail_server.received) == [
        "az.member@example.org", "ga.member@example.org"]
    assert set(db.session.scalars(select(OutboxMessage.state)
                                  .where(OutboxMessage.id.in_(ids)))) == {MailState.SENT}
    assert set(db.session.scalars(select(Job.state))) == {JobState.DONE}
    db.session.commit()  # SQLite: a reader left open would keep the next worker from writing

    again = flask_jobs_work(app_settings)
    assert again.returncode == 0, again.stderr
    assert "0 jobs run." in again.stdout
    assert len(mail_server.received) == 2
