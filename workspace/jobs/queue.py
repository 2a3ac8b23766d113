"""The job queue: work that leaves the request, kept in the database until a worker does it.

A job is a row of `jobs` (an outbox table), added to the caller's unit of work by `enqueue`: it
becomes durable when the caller commits, together with the work that asked for it, and vanishes
if that work rolls back. It needs no server beyond the database; Redis stays optional.

Workers (`flask jobs work`, or one inside `flask serve` in development) call `run_pending`: it
claims a due job with a conditional UPDATE (on PostgreSQL after `SELECT ... FOR UPDATE SKIP
LOCKED`, so workers pass each other by), which gives the worker a lease (`locked_until`); runs
its handler; and marks it done, or schedules another attempt with back-off, or after
`max_attempts` marks it failed for staff to see (`/staff/jobs`) and try again (`retry`). A
handler that knows trying again is pointless raises `PermanentFailure`: the job fails at once.
A kind may also ask to hear of each failure (`on_failure`), in a transaction of its own, since
the handler's own writes are rolled back when it raises.

What is promised: a job that is done is never run again, and whatever its handler writes to the
database commits in the same transaction as the done mark, so database work happens exactly once.
Effects outside the database happen at least once: a worker that dies mid-job leaves the job
running until its lease runs out, and then another worker runs it again. So a handler keys its
own outside effects (mail records a sent marker and checks it before sending) and must finish
well within the lease.
"""

from __future__ import annotations

import json
import os
import random
import socket
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import ColumnElement, and_, case, delete, func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from workspace import errors
from workspace.database import utcnow
from workspace.extensions import db
from workspace.jobs.models import (
    DEFAULT_MAX_ATTEMPTS,
    KEY_MAX,
    KIND_MAX,
    WORKER_MAX,
    Job,
    JobState,
)
from workspace.logging_setup import log_context

Handler = Callable[[dict[str, Any]], None]
# Told of each failed attempt: (payload, error as recorded, final: no attempt will follow).
FailureHook = Callable[[dict[str, Any], str, bool], None]

LEASE = timedelta(minutes=5)  # a handler must finish well within it
FIRST_RETRY = timedelta(seconds=30)  # then 1, 2, 4, 8 minutes ... up to LONGEST_RETRY
LONGEST_RETRY = timedelta(hours=1)
ERROR_MAX = 2000
LEASE_RAN_OUT = ("A worker stopped while running it (its lease ran out before it finished), so "
                 "it was run again.")


class PermanentFailure(Exception):
    """Raised by a handler for a failure that trying again won't mend (a mail server refusing
    a recipient): the job fails at once, for staff, without its remaining attempts."""


@dataclass(frozen=True)
class Registration:
    handler: Handler
    max_attempts: int
    on_failure: FailureHook | None = None


# Every kind of job this process can run, filled in by @register as feature modules are
# imported (create_app imports them all, in web processes and workers alike).
HANDLERS: dict[str, Registration] = {}


def register(kind: str, *, max_attempts: int = DEFAULT_MAX_ATTEMPTS,
             on_failure: FailureHook | None = None) -> Callable[[Handler], Handler]:
    """Name the handler of a kind of job: `@register("preview")` over `def f(payload): ...`.

    The handler runs in an app context of its own, without a request or a signed-in person;
    it raises to fail the attempt. It need not commit: what it writes commits with the job's
    done mark (and is rolled back if it raises). `on_failure(payload, error, final)` is called
    after each failed attempt; what it writes commits with the job's failure mark.
    """
    if not kind or len(kind) > KIND_MAX:
        raise ValueError(f"a job kind has 1 to {KIND_MAX} characters: {kind!r}")
    if max_attempts < 1:
        raise ValueError("a job needs at least one attempt")

    def decorator(handler: Handler) -> Handler:
        existing = HANDLERS.get(kind)
        # The same function registered again (a module imported twice) is fine; two features
        # choosing one name is a mistake that would send one's jobs to the other.
        if existing is not None and _name_of(existing.handler) != _name_of(handler):
            raise ValueError(f"the job kind {kind!r} is handled by "
                             f"{_name_of(existing.handler)} already")
        HANDLERS[kind] = Registration(handler, max_attempts, on_failure)
        return handler

    return decorator


def _name_of(handler: Handler) -> str:
    return f"{handler.__module__}.{handler.__qualname__}"


def enqueue(kind: str, payload: dict[str, Any], *, key: str | None = None,
            run_at: datetime | None = None) -> Job:
    """Ask for work within the caller's unit of work (flush, never commit): it is kept when the
    caller commits and dropped if it rolls back. A `key` ("preview:<digest>") makes asking
    twice run the work once: while a job with that key is unfinished, that job is returned."""
    registration = HANDLERS.get(kind)
    if registration is None:
        raise ValueError(f"no handler is registered for the job kind {kind!r}")
    if key is not None and not 0 < len(key) <= KEY_MAX:
        raise ValueError(f"a job key has 1 to {KEY_MAX} characters: {key!r}")
    json.dumps(payload)  # a payload the database can't store fails here, not in the worker
    if key is not None:
        existing = _unfinished_job_with(key)
        if existing is not None:
            return existing
    job = Job(kind=kind, payload=payload, key=key, run_at=run_at or utcnow(),
              state=JobState.QUEUED, attempts=0, max_attempts=registration.max_attempts)
    if key is None:
        db.session.add(job)
        db.session.flush()
        return job
    # Another unit of work may be adding the same key at this moment, unseen until it commits:
    # the unique index decides, and the savepoint keeps the caller's own work when we lose.
    try:
        with db.session.begin_nested():
            db.session.add(job)
    except IntegrityError:
        existing = _unfinished_job_with(key)
        if existing is None:
            raise
        return existing
    return job


def enqueue_new(kind: str, work: Sequence[tuple[dict[str, Any], str | None]]) -> int:
    """Ask for many jobs of one kind in one INSERT (a digest's batch of emails), within the
    caller's unit of work. For work that is new by construction: keys are not looked up, so a
    key already unfinished makes the INSERT fail rather than return that job."""
    registration = HANDLERS.get(kind)
    if registration is None:
        raise ValueError(f"no handler is registered for the job kind {kind!r}")
    if not work:
        return 0
    now = utcnow()
    rows = []
    for payload, key in work:
        json.dumps(payload)
        if key is not None and not 0 < len(key) <= KEY_MAX:
            raise ValueError(f"a job key has 1 to {KEY_MAX} characters: {key!r}")
        rows.append({"kind": kind, "payload": payload, "key": key, "run_at": now,
                     "state": JobState.QUEUED, "attempts": 0,
                     "max_attempts": registration.max_attempts, "created_at": now})
    db.session.execute(insert(Job), rows)
    return len(rows)


def _unfinished_job_with(key: str) -> Job | None:
    return db.session.scalar(select(Job).where(Job.key == key, Job.state != JobState.DONE))


# Jobs that keep themselves going, each run queueing the next (enqueue_next): a worker that
# starts for good queues any of them that isn't waiting already (start_recurring).
RECURRING: set[str] = set()


def start_recurring() -> list[str]:
    """Queue each recurring job unless it is waiting (its key keeps it one); commits."""
    kinds = sorted(kind for kind in RECURRING if kind in HANDLERS)
    for kind in kinds:
        enqueue(kind, {}, key=kind)
    db.session.commit()
    return kinds


def enqueue_next(kind: str, payload: dict[str, Any], *, key: str, run_at: datetime) -> Job:
    """From a job that keeps itself going (reminders every minute): queue its next run under
    its own key. The running job hands the key over in the unit of work its done mark commits
    in, so exactly one run waits; if this run fails, it keeps the key and is retried."""
    db.session.execute(update(Job).where(Job.key == key, Job.state == JobState.RUNNING)
                       .values(key=None).execution_options(synchronize_session=False))
    return enqueue(kind, payload, key=key, run_at=run_at)


# --- Running jobs ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Claimed:
    """A job as this worker claimed it: what it needs to run it, read in the claiming UPDATE."""

    id: int
    kind: str
    payload: dict[str, Any]
    attempts: int
    max_attempts: int


def default_worker_id(role: str = "worker") -> str:
    """Who holds a job, as shown to staff: this machine, this process, and what kind of worker."""
    return f"{socket.gethostname()}:{os.getpid()}:{role}"[:WORKER_MAX]


def run_pending(*, limit: int | None = None, worker_id: str | None = None) -> int:
    """Run the jobs that are due, one at a time, until none is (or `limit` have run); how many
    were run, whether they succeeded or failed."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    worker_id = (worker_id or default_worker_id())[:WORKER_MAX]
    ran = 0
    while limit is None or ran < limit:
        # Each job in an app context of its own: its own database session and an empty `g`, so
        # nothing one job loaded or cached (say, the policy's standings) reaches the next one.
        with app.app_context():
            claimed = _claim(worker_id)
            if claimed is None:
                break
            with log_context(job_id=claimed.id, job_kind=claimed.kind):  # on each line it logs
                _run(claimed, worker_id)
        ran += 1
    return ran


def _is_due(now: datetime) -> ColumnElement[bool]:
    return or_(and_(Job.state == JobState.QUEUED, Job.run_at <= now),
               # Its worker stopped (crashed, killed, restarted) without finishing it.
               and_(Job.state == JobState.RUNNING, Job.locked_until < now))


def _claim(worker_id: str) -> Claimed | None:
    """Take the next due job for this worker, or None when nothing is due.

    The UPDATE repeats the "due" condition, so of two workers that picked the same job only one
    gets a row back: on SQLite writers take turns, and on PostgreSQL the second UPDATE waits for
    the first and then finds the job no longer due. SKIP LOCKED (PostgreSQL; SQLite ignores it)
    lets workers pick different jobs instead of queueing behind one another.
    """
    while True:
        now = utcnow()
        candidate = db.session.scalar(
            select(Job.id).where(_is_due(now)).order_by(Job.run_at, Job.id).limit(1)
            .with_for_update(skip_locked=True))
        if candidate is None:
            db.session.rollback()
            return None
        row = db.session.execute(
            update(Job).where(Job.id == candidate, _is_due(now))
            .values(state=JobState.RUNNING, locked_by=worker_id, locked_until=now + LEASE,
                    attempts=Job.attempts + 1,
                    last_error=case((Job.state == JobState.RUNNING, LEASE_RAN_OUT),
                                    else_=Job.last_error))
            .returning(Job.id, Job.kind, Job.payload, Job.attempts, Job.max_attempts)
            .execution_options(synchronize_session=False)).one_or_none()
        db.session.commit()  # the claim stands on its own: the handler runs outside it
        if row is not None:
            return Claimed(id=row.id, kind=row.kind, payload=dict(row.payload or {}),
                           attempts=row.attempts, max_attempts=row.max_attempts)
        # Another worker claimed it between our read and our write: look again.


def _run(claimed: Claimed, worker_id: str) -> None:
    registration = HANDLERS.get(claimed.kind)
    if registration is None:
        _fail(claimed, worker_id, f"No handler is registered for the job kind "
                                  f"{claimed.kind!r}; nothing in this version of the "
                                  f"workspace can run it.", final=True)
        return
    if claimed.attempts > claimed.max_attempts:
        # Claimed again after its worker stopped, once too often: it may be what stops them.
        _fail(claimed, worker_id, LEASE_RAN_OUT + " It has used up its attempts.", final=True,
              on_failure=registration.on_failure)
        return
    try:
        registration.handler(claimed.payload)
        _finish(claimed, worker_id)
    except Exception as exc:  # noqa: BLE001 - any failure of a job fails that job, not the worker
        db.session.rollback()
        _fail(claimed, worker_id, f"{type(exc).__name__}: {exc}",
              final=(isinstance(exc, PermanentFailure)
                     or claimed.attempts >= claimed.max_attempts),
              exc=exc, on_failure=registration.on_failure)


def _held_by(claimed: Claimed, worker_id: str) -> ColumnElement[bool]:
    return and_(Job.id == claimed.id, Job.state == JobState.RUNNING, Job.locked_by == worker_id)


def _finish(claimed: Claimed, worker_id: str) -> None:
    """Mark the job done in the handler's own transaction, so its writes and the mark commit
    together; if the lease ran out and another worker holds the job now, leave it to that one
    (and drop what this run wrote)."""
    result = db.session.execute(
        update(Job).where(_held_by(claimed, worker_id))
        .values(state=JobState.DONE, finished_at=utcnow(), locked_until=None)
        .execution_options(synchronize_session=False))
    if result.rowcount != 1:  # type: ignore[attr-defined]
        db.session.rollback()
        current_app.logger.warning("job %s (%s) finished after its lease ran out; another worker "
                                   "has it now", claimed.id, claimed.kind)
        return
    db.session.commit()


def _fail(claimed: Claimed, worker_id: str, error: str, *, final: bool,
          exc: BaseException | None = None, on_failure: FailureHook | None = None) -> None:
    now = utcnow()
    values: dict[str, Any] = {"last_error": error[:ERROR_MAX], "locked_until": None}
    if final:
        values.update(state=JobState.FAILED, finished_at=now)
        current_app.logger.error("job %s (%s) failed for good after %s attempt(s): %s",
                                 claimed.id, claimed.kind, claimed.attempts, error,
                                 exc_info=exc)
    else:
        values.update(state=JobState.QUEUED, locked_by=None,
                      run_at=now + retry_delay(claimed.attempts))
        current_app.logger.warning("job %s (%s) failed on attempt %s of %s: %s", claimed.id,
                                   claimed.kind, claimed.attempts, claimed.max_attempts, error,
                                   exc_info=exc)
    result = db.session.execute(update(Job).where(_held_by(claimed, worker_id)).values(**values)
                                .execution_options(synchronize_session=False))
    # Only the worker holding the job speaks for it; a hook that fails loses its own writes
    # (the savepoint), never the failure mark.
    if on_failure is not None and result.rowcount == 1:  # type: ignore[attr-defined]
        try:
            with db.session.begin_nested():
                on_failure(claimed.payload, error[:ERROR_MAX], final)
        except Exception:  # noqa: BLE001 - the job's failure is recorded whatever the hook does
            current_app.logger.exception("the failure hook of job %s (%s) failed", claimed.id,
                                         claimed.kind)
    db.session.commit()


def retry_delay(attempts: int) -> timedelta:
    """How long a job waits after its `attempts`-th failed attempt: doubling from 30 seconds up
    to an hour, give or take a tenth, so jobs that failed together don't all return at once."""
    doubled = FIRST_RETRY * 2 ** min(max(attempts - 1, 0), 16)
    return min(doubled, LONGEST_RETRY) * random.uniform(0.9, 1.1)


# --- Staff ----------------------------------------------------------------------------------

def retry(job_id: int) -> Job:
    """Put a failed job back in the queue to run now, with all its attempts again (for staff:
    the caller checks who is asking)."""
    result = db.session.execute(
        update(Job).where(Job.id == job_id, Job.state == JobState.FAILED)
        .values(state=JobState.QUEUED, attempts=0, run_at=utcnow(), locked_by=None,
                locked_until=None, finished_at=None)
        .execution_options(synchronize_session=False))
    if result.rowcount != 1:  # type: ignore[attr-defined]
        db.session.rollback()
        job = db.session.get(Job, job_id)
        if job is None:
            raise errors.NotFound("That job isn't in the queue.")
        raise errors.Conflict("That job hasn't failed (someone may have tried it again "
                              "already), so there is nothing to retry.")
    db.session.commit()
    job = db.session.get(Job, job_id, populate_existing=True)
    assert job is not None
    return job


def failed_jobs(*, page: int) -> Pagination:
    stmt = (select(Job).where(Job.state == JobState.FAILED)
            .order_by(Job.finished_at.desc(), Job.id.desc()))
    return db.paginate(stmt, page=page, per_page=25, error_out=False)


@dataclass(frozen=True)
class QueueSummary:
    queued: int
    running: int
    failed: int
    oldest_due: datetime | None  # when the job waiting longest became due

    def is_stalled(self, now: datetime, *, after: timedelta = timedelta(minutes=5)) -> bool:
        """Jobs have waited longer than any worker would leave them: is one running?"""
        return self.oldest_due is not None and now - self.oldest_due > after


def queue_summary() -> QueueSummary:
    counts = {state: count for state, count in db.session.execute(
        select(Job.state, func.count()).where(Job.state != JobState.DONE).group_by(Job.state))}
    oldest_due = db.session.scalar(
        select(func.min(Job.run_at)).where(Job.state == JobState.QUEUED, Job.run_at <= utcnow()))
    return QueueSummary(queued=counts.get(JobState.QUEUED, 0),
                        running=counts.get(JobState.RUNNING, 0),
                        failed=counts.get(JobState.FAILED, 0), oldest_due=oldest_due)


def unfinished_jobs(*, failed_only: bool = False, limit: int = 100) -> list[Job]:
    states = [JobState.FAILED] if failed_only else [JobState.QUEUED, JobState.RUNNING,
                                                    JobState.FAILED]
    return list(db.session.scalars(
        select(Job).where(Job.state.in_(states)).order_by(Job.id.desc()).limit(limit)))


def prune_done(*, older_than: timedelta) -> int:
    """Delete jobs done longer ago than `older_than` (their work is kept where it belongs)."""
    result = db.session.execute(
        delete(Job).where(Job.state == JobState.DONE, Job.finished_at < utcnow() - older_than))
    db.session.commit()
    return int(result.rowcount)  # type: ignore[attr-defined]
