"""Workers: several at once never run a job twice, `flask jobs` drives them, a stop request
waits for the current job, and the queue outlives the process that filled it."""

from __future__ import annotations

import os
import signal
import threading
import time
from datetime import timedelta

from sqlalchemy import func, select, update

from tests.jobs.conftest import make_failed_job, reread, run_jobs
from workspace import create_app
from workspace.database import utcnow
from workspace.extensions import db
from workspace.jobs import queue
from workspace.jobs.models import Job, JobState
from workspace.jobs.worker import Worker, start_in_process


def states() -> dict[JobState, int]:
    db.session.commit()
    return {state: count for state, count in db.session.execute(
        select(Job.state, func.count()).group_by(Job.state))}


def test_workers_racing_for_the_same_jobs_never_run_one_twice(app, register):
    """Four workers, each on its own thread with its own session, drain one queue (SQLite
    file or PostgreSQL, whichever TEST_DATABASE_URL says)."""
    runs: list[tuple[int, str]] = []
    lock = threading.Lock()

    @register("test.count")
    def count(payload):
        with lock:
            runs.append((payload["n"], threading.current_thread().name))
        time.sleep(0.002)  # long enough for the others to look for work meanwhile

    for n in range(60):
        queue.enqueue("test.count", {"n": n})
    db.session.commit()

    start = threading.Barrier(4)
    problems: list[BaseException] = []

    def work(name: str) -> None:
        try:
            with app.app_context():
                start.wait()
                queue.run_pending(worker_id=name)
        except BaseException as exc:  # noqa: BLE001 - reported by the test below
            problems.append(exc)

    threads = [threading.Thread(target=work, args=(f"worker-{n}",), name=f"worker-{n}")
               for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert not problems
    assert sorted(n for n, _ in runs) == list(range(60))  # every job once, none twice
    assert states() == {JobState.DONE: 60}
    holders = set(db.session.scalars(select(Job.locked_by)))
    assert holders <= {f"worker-{n}" for n in range(4)} and len(holders) > 1


def test_flask_jobs_work_burst_runs_what_is_due_and_exits(app, handlers):
    for n in (1, 2):
        queue.enqueue("test.record", {"n": n})
    queue.enqueue("test.record", {"n": 3}, run_at=utcnow() + timedelta(hours=1))
    db.session.commit()

    result = app.test_cli_runner().invoke(args=["jobs", "work", "--burst"])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "2 jobs run."
    assert handlers.numbers == [1, 2]
    assert states() == {JobState.DONE: 2, JobState.QUEUED: 1}


def test_flask_jobs_list_retry_and_prune(app, handlers):
    failed = make_failed_job(error="SMTPServerDisconnected: Connection unexpectedly closed")
    queue.enqueue("test.record", {"n": 2})
    db.session.commit()
    runner = app.test_cli_runner()

    listing = runner.invoke(args=["jobs", "list", "--failed"])
    assert listing.exit_code == 0, listing.output
    assert "1 queued, 0 running, 1 failed." in listing.output
    assert f"#{failed.id}" in listing.output and "SMTPServerDisconnected" in listing.output
    assert "test.record" in listing.output and listing.output.count("#") == 1

    retried = runner.invoke(args=["jobs", "retry", str(failed.id)])
    assert retried.exit_code == 0, retried.output
    assert reread(failed).state is JobState.QUEUED
    again = runner.invoke(args=["jobs", "retry", str(failed.id)])
    assert again.exit_code == 1 and "hasn't failed" in again.output

    run_jobs()
    db.session.execute(update(Job).values(finished_at=utcnow() - timedelta(days=20)))
    db.session.commit()
    pruned = runner.invoke(args=["jobs", "prune", "--days", "14"])
    assert pruned.output.strip() == "2 finished jobs removed."


def test_sigterm_stops_the_worker_after_the_job_it_is_running(app, register):
    """What a deployment's stop (or Ctrl+C) does: the current job finishes, no new one starts."""
    ran: list[int] = []

    @register("test.stop_here")
    def stop_here(payload):
        os.kill(os.getpid(), signal.SIGTERM)  # arrives while the job is running
        time.sleep(0.05)
        ran.append(payload["n"])

    for n in (1, 2):
        queue.enqueue("test.stop_here", {"n": n})
    db.session.commit()
    handler_before = signal.getsignal(signal.SIGTERM)

    result = app.test_cli_runner().invoke(args=["jobs", "work", "--worker-id", "cli"])
    assert result.exit_code == 0, result.output
    assert "Ctrl+C stops after the current job" in result.output
    assert result.output.strip().endswith("1 job run.")
    assert ran == [1]
    # Waiting: the second job, and the reminders' job that a worker starting queues.
    assert states() == {JobState.DONE: 1, JobState.QUEUED: 2}
    assert db.session.scalar(select(Job.kind).where(Job.state == JobState.QUEUED,
                                                    Job.key.is_not(None))) == "sessions.remind"
    assert signal.getsignal(signal.SIGTERM) is handler_before


def test_the_queue_survives_a_restart(app, app_settings, handlers):
    """Jobs committed by one process run in the next: one waiting, one its worker was running
    when the process died (its lease runs out)."""
    interrupted_id = queue.enqueue("test.record", {"n": 2}).id
    db.session.commit()
    with app.app_context():  # the first process's worker claims it, then dies mid-job
        claimed = queue._claim("doomed:1:worker")
        assert claimed is not None and claimed.id == interrupted_id
    waiting_id = queue.enqueue("test.record", {"n": 1}).id
    db.session.commit()
    db.session.remove()
    db.engine.dispose()

    restarted = create_app(app_settings)
    with restarted.app_context():
        assert queue.run_pending(worker_id="new:2:worker") == 1  # the interrupted one waits
        db.session.execute(update(Job).where(Job.id == interrupted_id)
                           .values(locked_until=utcnow() - timedelta(seconds=1)))
        db.session.commit()
        assert queue.run_pending(worker_id="new:2:worker") == 1
        done = {job.id: job for job in db.session.scalars(select(Job))}
        assert {done[waiting_id].state, done[interrupted_id].state} == {JobState.DONE}
        assert done[interrupted_id].attempts == 2
        db.session.remove()
        db.engine.dispose()
    assert sorted(handlers.numbers) == [1, 2]


def test_the_in_process_worker_runs_jobs_as_they_come_and_stops(app, handlers):
    worker = start_in_process(app)
    try:
        queue.enqueue("test.record", {"n": 1})
        db.session.commit()
        deadline = time.monotonic() + 10
        while not handlers.payloads and time.monotonic() < deadline:
            time.sleep(0.05)
        assert handlers.numbers == [1]
        assert handlers.threads == [f"jobs-{worker.worker_id}"]
    finally:
        worker.stop()
        worker.join(timeout=5)
    assert worker.jobs_run == 1
    assert worker.worker_id.endswith(":in-process")


def test_a_worker_keeps_going_when_the_queue_is_out_of_reach(app, handlers, monkeypatch):
    calls = iter([OSError("server closed the connection unexpectedly"), 0])

    def flaky_run_pending(**options):
        outcome = next(calls)
        if isinstance(outcome, Exception):
            raise outcome
        worker.stop()
        return outcome

    monkeypatch.setattr(queue, "run_pending", flaky_run_pending)
    monkeypatch.setattr("workspace.jobs.worker.TROUBLE_PAUSE", 0.01)
    worker = Worker(app, worker_id="steady")
    assert worker.run() == 0
    assert worker.is_stopping


def test_the_environment_can_keep_jobs_out_of_the_serving_process():
    from workspace.config import DefaultConfig, read_environment  # noqa: PLC0415

    assert DefaultConfig.JOBS_IN_PROCESS is None  # `flask serve` runs a worker, nothing else does
    assert read_environment({"JOBS_IN_PROCESS": "0"}) == {"JOBS_IN_PROCESS": False}
    assert read_environment({"JOBS_IN_PROCESS": "true"}) == {"JOBS_IN_PROCESS": True}
    assert "JOBS_IN_PROCESS" not in read_environment({})
