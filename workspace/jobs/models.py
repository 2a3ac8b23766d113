"""A job: work someone asked for, waiting in the database until a worker does it."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import Index, String, Text
from sqlalchemy import text as sql_text
from sqlalchemy.orm import Mapped, mapped_column

from workspace.database import created, enum_type, intpk, utcnow
from workspace.extensions import Model

KIND_MAX = 60
KEY_MAX = 200
WORKER_MAX = 120
DEFAULT_MAX_ATTEMPTS = 5


class JobState(enum.StrEnum):
    QUEUED = "queued"  # waiting for its run_at (again, after a failed attempt)
    RUNNING = "running"  # a worker holds it until locked_until
    DONE = "done"  # finished: never run again
    FAILED = "failed"  # gave up after max_attempts; staff may try it again


class Job(Model):
    __tablename__ = "jobs"
    __table_args__ = (
        # What workers ask for: queued jobs that are due, oldest first.
        Index("ix_jobs_state_run_at", "state", "run_at"),
        # The same work asked for twice runs once: a key is taken while its job is unfinished,
        # and free again once it is done (a later change may need the work done anew).
        Index("uq_jobs_key_unfinished", "key", unique=True,
              sqlite_where=sql_text("state != 'done'"),
              postgresql_where=sql_text("state != 'done'")),
    )

    id: Mapped[intpk]
    kind: Mapped[str] = mapped_column(String(KIND_MAX))
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    key: Mapped[str | None] = mapped_column(String(KEY_MAX))
    state: Mapped[JobState] = mapped_column(enum_type(JobState), default=JobState.QUEUED)
    attempts: Mapped[int] = mapped_column(default=0)  # runs begun, the current one included
    max_attempts: Mapped[int] = mapped_column(default=DEFAULT_MAX_ATTEMPTS)
    run_at: Mapped[datetime] = mapped_column(default=utcnow)
    locked_by: Mapped[str | None] = mapped_column(String(WORKER_MAX))
    locked_until: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[created]
    finished_at: Mapped[datetime | None]
