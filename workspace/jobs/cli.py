"""`flask jobs work | list | retry | prune`: the worker and a look at the queue."""

from __future__ import annotations

import signal
from datetime import timedelta
from types import FrameType
from typing import Any

import click
from flask import current_app
from flask.cli import AppGroup

from workspace import errors
from workspace.jobs import queue
from workspace.jobs.worker import Worker

jobs_group = AppGroup("jobs", help="Background jobs: run the worker, look at the queue.")


@jobs_group.command("work")
@click.option("--burst", is_flag=True,
              help="Run until nothing is due, then exit (for cron and tests).")
@click.option("--worker-id", default=None,
              help="How this worker is named to staff (default: host:pid:worker).")
def work_command(burst: bool, worker_id: str | None) -> None:
    """Run jobs as they fall due. SIGTERM or Ctrl+C stops after the current job."""
    worker = Worker(current_app._get_current_object(),  # type: ignore[attr-defined]
                    worker_id=worker_id)
    previous: dict[int, Any] = {}

    def stop_after_this_job(signum: int, frame: FrameType | None) -> None:
        worker.stop()
        # A second signal acts at once, the way it would have without us.
        signal.signal(signum, previous[signum])

    for stopping_signal in (signal.SIGTERM, signal.SIGINT):
        previous[stopping_signal] = signal.signal(stopping_signal, stop_after_this_job)
    if not burst:
        queue.start_recurring()  # reminders and the like, which need a worker to keep going
        click.echo(f"Working on jobs as {worker.worker_id}; Ctrl+C stops after the current job.")
    try:
        ran = worker.run(burst=burst)
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    click.echo(f"{ran} job{'s' if ran != 1 else ''} run.")


@jobs_group.command("list")
@click.option("--failed", is_flag=True, help="Only the jobs that gave up.")
@click.option("--limit", default=100, show_default=True, type=int)
def list_command(failed: bool, limit: int) -> None:
    """Jobs not yet done, newest first."""
    summary = queue.queue_summary()
    click.echo(f"{summary.queued} queued, {summary.running} running, {summary.failed} failed.")
    for job in queue.unfinished_jobs(failed_only=failed, limit=limit):
        error = (job.last_error or "").splitlines()[0] if job.last_error else ""
        click.echo(f"#{job.id:<6} {job.state.value:<8} {job.kind:<24} "
                   f"attempt {job.attempts}/{job.max_attempts}  "
                   f"run at {job.run_at:%Y-%m-%d %H:%M:%S} UTC"
                   + (f"  {error[:120]}" if error else ""))


@jobs_group.command("retry")
@click.argument("job_id", type=int)
def retry_command(job_id: int) -> None:
    """Put a failed job back in the queue, to run now."""
    try:
        job = queue.retry(job_id)
    except errors.WorkspaceError as exc:
        raise click.ClickException(exc.message) from exc
    click.echo(f"Job #{job.id} ({job.kind}) is queued again.")


@jobs_group.command("prune")
@click.option("--days", default=14, show_default=True, type=int,
              help="Delete jobs done more than this many days ago.")
def prune_command(days: int) -> None:
    """Forget jobs done long ago (for cron); failed and waiting jobs are kept."""
    removed = queue.prune_done(older_than=timedelta(days=days))
    click.echo(f"{removed} finished job{'s' if removed != 1 else ''} removed.")
