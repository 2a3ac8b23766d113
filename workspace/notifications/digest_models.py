"""A digest run: one pass of `flask digest send` over everyone, recorded so none is sent twice."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index
from sqlalchemy import text as sql_text
from sqlalchemy.orm import Mapped, mapped_column

from workspace.database import created, enum_type, intpk
from workspace.extensions import Model
from workspace.notifications.models import Cadence


class DigestRun(Model):
    """The daily (or weekly) digest of one window of time, sent person by person in id order.

    The next run's window starts where the last finished one ended. A run that stopped part way
    (the machine restarted, the command crashed) is finished by the next invocation, with the
    same window, from the person after `cursor_user_id`: each batch of people commits with the
    cursor, so a person's digest and the cursor past them are written together.
    """

    __tablename__ = "digest_runs"
    __table_args__ = (
        # What each invocation asks: this cadence's latest run, finished or not.
        Index("ix_digest_runs_cadence_window_end", "cadence", "window_end"),
        # One unfinished run per cadence: two invocations at once can't both start one.
        Index("uq_digest_runs_unfinished", "cadence", unique=True,
              sqlite_where=sql_text("finished_at IS NULL"),
              postgresql_where=sql_text("finished_at IS NULL")),
    )

    id: Mapped[intpk]
    cadence: Mapped[Cadence] = mapped_column(enum_type(Cadence))
    window_start: Mapped[datetime]  # what is new since then ...
    window_end: Mapped[datetime]  # ... until then (when the run began)
    started_at: Mapped[created]
    finished_at: Mapped[datetime | None]
    cursor_user_id: Mapped[int] = mapped_column(default=0)  # the last person done
    # The invocation working on the run holds it until then, renewed each batch; another
    # invocation meanwhile stops with a message. A crashed one's hold runs out.
    held_until: Mapped[datetime | None]
    people: Mapped[int] = mapped_column(default=0)  # people looked at
    emails: Mapped[int] = mapped_column(default=0)  # digests queued
