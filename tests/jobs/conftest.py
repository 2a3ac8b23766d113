"""Job fixtures: a database file (as a real worker has), and handlers that record what ran.

Workers run each job in a database session of their own. SQLite in memory would give every
session one shared connection, so these tests use a file, or TEST_DATABASE_URL's PostgreSQL;
and the test's own session commits before a worker runs (`run_jobs`), as a request would.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from workspace.database import utcnow
from workspace.extensions import db
from workspace.jobs import queue
from workspace.jobs.models import Job, JobState


@pytest.fixture
def app_settings(app_settings: dict[str, Any], tmp_path: Path) -> dict[str, Any]:
    if os.environ.get("TEST_DATABASE_URL"):
        return app_settings
    return {**app_settings, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'jobs.sqlite3'}"}


def run_jobs(**options: Any) -> int:
    """What a worker does, after the test's own unit of work is committed."""
    db.session.commit()
    return queue.run_pending(**options)


def reread(job: Job) -> Job:
    """The job as the database has it now (workers change it in sessions of their own)."""
    db.session.commit()
    fresh = db.session.get(Job, job.id, populate_existing=True)
    assert fresh is not None
    return fresh


def make_failed_job(kind: str = "test.record", *, error: str = "OSError: the disk is full",
                    payload: dict[str, Any] | None = None) -> Job:
    job = Job(kind=kind, payload=payload or {"n": 1}, state=JobState.FAILED, attempts=5,
              max_attempts=5, last_error=error, finished_at=utcnow())
    db.session.add(job)
    db.session.commit()
    return job


@dataclass
class Recorder:
    """What the test handlers saw: each payload they ran with, and on which thread."""

    payloads: list[dict[str, Any]] = field(default_factory=list)
    threads: list[str] = field(default_factory=list)
    failures_left: dict[int, int] = field(default_factory=dict)  # payload n -> failures to come
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, payload: dict[str, Any]) -> None:
        with self.lock:
            self.payloads.append(payload)
            self.threads.append(threading.current_thread().name)

    @property
    def numbers(self) -> list[int]:
        return [payload["n"] for payload in self.payloads]


@pytest.fixture
def handlers(app: Flask, monkeypatch: pytest.MonkeyPatch) -> Iterator[Recorder]:
    """Kinds `test.record` (records its payload), `test.flaky` (fails as many times as
    `failures_left` says for its `n`, max 3 attempts) and `test.broken` (always fails)."""
    monkeypatch.setattr(queue, "HANDLERS", dict(queue.HANDLERS))
    recorder = Recorder()

    @queue.register("test.record")
    def record(payload: dict[str, Any]) -> None:
        recorder.record(payload)

    @queue.register("test.flaky", max_attempts=3)
    def flaky(payload: dict[str, Any]) -> None:
        recorder.record(payload)
        left = recorder.failures_left.get(payload["n"], 0)
        if left:
            recorder.failures_left[payload["n"]] = left - 1
            raise ConnectionError(f"the mail server hung up ({left} more)")

    @queue.register("test.broken", max_attempts=2)
    def broken(payload: dict[str, Any]) -> None:
        raise ValueError("x" * 5000)

    yield recorder


@pytest.fixture
def register(handlers: Recorder) -> Callable[..., Callable[[queue.Handler], queue.Handler]]:
    """`register(kind, max_attempts=...)`: a handler for one test (forgotten after it)."""
    return queue.register
