"""The queue's promises: durable with the work that asked, run once, retried, given up, taken
back from a worker that stopped, and the same work asked for twice done once."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from tests.jobs.conftest import make_failed_job, reread, run_jobs
from workspace import errors
from workspace.database import utcnow
from workspace.extensions import db
from workspace.jobs import queue
from workspace.jobs.models import Job, JobState
from workspace.mail.models import OutboxMessage
from workspace.mail.service import queue_email


def outbox_count() -> int:
    db.session.commit()
    return db.session.scalar(select(func.count()).select_from(OutboxMessage)) or 0


def test_a_job_asked_for_by_work_that_rolls_back_is_never_run(handlers):
    queue.enqueue("test.record", {"n": 1})
    queue_email("az.member@example.org", "Welcome", "Hello.")
    db.session.rollback()

    assert run_jobs() == 0
    assert handlers.payloads == []
    assert db.session.scalar(select(func.count()).select_from(Job)) == 0


def test_a_committed_job_runs_once_and_is_done(handlers):
    job = queue.enqueue("test.record", {"n": 7, "text": "ünïcode"})
    db.session.commit()

    assert run_jobs() == 1
    assert run_jobs() == 0
    assert handlers.payloads == [{"n": 7, "text": "ünïcode"}]
    job = reread(job)
    assert job.state is JobState.DONE
    assert job.attempts == 1
    assert job.finished_at is not None and job.locked_until is None
    assert job.locked_by and job.locked_by.endswith(":worker")


def test_jobs_run_in_the_order_they_fell_due_and_limit_stops_early(handlers):
    now = utcnow()
    for n, minutes_ago in ((1, 1), (2, 3), (3, 2)):
        queue.enqueue("test.record", {"n": n}, run_at=now - timedelta(minutes=minutes_ago))
    assert run_jobs(limit=2) == 2
    assert run_jobs() == 1
    assert handlers.numbers == [2, 3, 1]


def test_a_job_waits_for_its_time(handlers):
    job = queue.enqueue("test.record", {"n": 1}, run_at=utcnow() + timedelta(minutes=10))
    assert run_jobs() == 0
    db.session.execute(update(Job).where(Job.id == job.id).values(run_at=utcnow()))
    assert run_jobs() == 1


def test_what_a_handler_writes_commits_with_the_done_mark_and_not_when_it_fails(register):
    outcomes = iter([RuntimeError("the template is missing"), None])

    @register("test.email", max_attempts=2)
    def send(payload):
        queue_email(payload["to"], "Your digest", "Three new topics.")  # flushed, not committed
        outcome = next(outcomes)
        if outcome is not None:
            raise outcome

    job = queue.enqueue("test.email", {"to": "az.member@example.org"})
    assert run_jobs() == 1
    assert outbox_count() == 0  # the failed attempt's email went with it

    db.session.execute(update(Job).where(Job.id == job.id).values(run_at=utcnow()))
    assert run_jobs(limit=1) == 1  # the email's own sending job is another job
    assert outbox_count() == 1
    assert reread(job).state is JobState.DONE


def test_a_failing_job_is_retried_later_and_later_then_fails_for_staff(handlers):
    handlers.failures_left[1] = 99
    job = queue.enqueue("test.flaky", {"n": 1})
    delays = []
    for attempt in (1, 2):
        started = utcnow()
        assert run_jobs() == 1
        job = reread(job)
        assert (job.state, job.attempts) == (JobState.QUEUED, attempt)
        assert job.last_error.startswith("ConnectionError: the mail server hung up")
        assert job.locked_by is None and job.locked_until is None
        delays.append(job.run_at - started)
        assert run_jobs() == 0  # not yet: it waits out its back-off
        db.session.execute(update(Job).where(Job.id == job.id).values(run_at=utcnow()))

    assert timedelta(seconds=27) <= delays[0] <= timedelta(seconds=34)
    assert timedelta(seconds=54) <= delays[1] <= timedelta(seconds=67)

    assert run_jobs() == 1
    job = reread(job)
    assert (job.state, job.attempts, job.max_attempts) == (JobState.FAILED, 3, 3)
    assert job.finished_at is not None
    assert run_jobs() == 0
    assert handlers.numbers == [1, 1, 1]


def test_a_job_that_fails_twice_then_succeeds_is_done(handlers):
    handlers.failures_left[4] = 2
    job = queue.enqueue("test.flaky", {"n": 4})
    for _ in range(3):
        run_jobs()
        db.session.execute(update(Job).where(Job.id == job.id).values(run_at=utcnow()))
    job = reread(job)
    assert (job.state, job.attempts) == (JobState.DONE, 3)


def test_the_error_kept_is_the_exception_type_and_message_cut_short(handlers):
    job = queue.enqueue("test.broken", {})
    run_jobs()
    job = reread(job)
    assert job.last_error.startswith("ValueError: xxx")
    assert len(job.last_error) == queue.ERROR_MAX


def test_a_permanent_failure_fails_the_job_at_once(register):
    @register("test.refused", max_attempts=5)
    def refused(payload):
        raise queue.PermanentFailure("550 No such user here")

    job = queue.enqueue("test.refused", {})
    assert run_jobs() == 1
    job = reread(job)
    assert (job.state, job.attempts) == (JobState.FAILED, 1)
    assert job.last_error == "PermanentFailure: 550 No such user here"
    assert job.finished_at is not None


def test_a_failure_hook_hears_of_each_attempt_and_its_writes_keep(register):
    """The handler's writes roll back when it raises; the hook's commit with the failure."""
    heard = []

    def note(payload, error, final):
        heard.append((payload["to"], error, final))
        # A write of the hook's own (a bare row: queue_email would add a job to the count).
        db.session.add(OutboxMessage(recipient=payload["to"], subject="It failed", body=error))

    @register("test.failing", max_attempts=2, on_failure=note)
    def failing(payload):
        queue_email(payload["to"], "Never kept", "Rolled back with the attempt.")
        raise ConnectionError("the server hung up")

    job = queue.enqueue("test.failing", {"to": "az.member@example.org"})
    assert run_jobs() == 1
    db.session.execute(update(Job).where(Job.id == job.id).values(run_at=utcnow()))
    assert run_jobs() == 1
    assert heard == [("az.member@example.org", "ConnectionError: the server hung up", False),
                     ("az.member@example.org", "ConnectionError: the server hung up", True)]
    assert reread(job).state is JobState.FAILED
    assert set(db.session.scalars(select(OutboxMessage.subject))) == {"It failed"}
    assert outbox_count() == 2


def test_a_failing_hook_never_loses_the_failure_mark(register):
    def broken_hook(payload, error, final):
        queue_email("az.member@example.org", "Half written", "Dropped with the hook.")
        raise RuntimeError("the hook is broken")

    @register("test.failing", max_attempts=1, on_failure=broken_hook)
    def failing(payload):
        raise ConnectionError("the server hung up")

    job = queue.enqueue("test.failing", {})
    assert run_jobs() == 1
    job = reread(job)
    assert (job.state, job.last_error) == (JobState.FAILED, "ConnectionError: the server hung up")
    assert outbox_count() == 0


def test_a_job_whose_worker_stopped_too_often_tells_its_hook_it_is_final(register):
    heard = []

    @register("test.hanging", max_attempts=1, on_failure=lambda p, e, final: heard.append(final))
    def hanging(payload):
        raise AssertionError("never run: it used up its attempts already")

    job = Job(kind="test.hanging", payload={}, state=JobState.RUNNING, attempts=1,
              max_attempts=1, locked_by="gone:1:worker", locked_until=utcnow() - timedelta(1))
    db.session.add(job)
    assert run_jobs() == 1
    assert heard == [True]
    assert reread(job).state is JobState.FAILED


def test_back_off_doubles_from_thirty_seconds_up_to_an_hour():
    for attempts, expected in ((1, 30), (2, 60), (3, 120), (5, 480), (8, 3600), (40, 3600)):
        delay = queue.retry_delay(attempts).total_seconds()
        assert expected * 0.9 <= delay <= expected * 1.1, (attempts, delay)


def test_a_job_of_an_unknown_kind_fails_at_once_saying_so(handlers):
    job = Job(kind="summary.pdf", payload={}, max_attempts=5)
    db.session.add(job)

    assert run_jobs() == 1
    job = reread(job)
    assert job.state is JobState.FAILED
    assert job.attempts == 1
    assert "No handler is registered for the job kind 'summary.pdf'" in job.last_error


def test_enqueue_refuses_what_no_worker_could_run(handlers):
    with pytest.raises(ValueError, match="no handler"):
        queue.enqueue("test.nothing", {})
    with pytest.raises(TypeError):
        queue.enqueue("test.record", {"when": object()})


def test_two_features_cannot_claim_one_kind(handlers):
    with pytest.raises(ValueError, match="already"):
        @queue.register("test.record")
        def another(payload):
            pass


# --- Workers that stop ----------------------------------------------------------------------

def test_a_job_whose_worker_stopped_is_run_again_when_its_lease_runs_out(handlers):
    job = queue.enqueue("test.record", {"n": 1})
    held = queue.enqueue("test.record", {"n": 2})
    db.session.flush()
    db.session.execute(update(Job).where(Job.id == job.id).values(
        state=JobState.RUNNING, attempts=1, locked_by="old-host:1:worker",
        locked_until=utcnow() - timedelta(seconds=1)))
    db.session.execute(update(Job).where(Job.id == held.id).values(
        state=JobState.RUNNING, attempts=1, locked_by="busy-host:2:worker",
        locked_until=utcnow() + timedelta(minutes=4)))

    assert run_jobs() == 1
    assert handlers.numbers == [1]  # the job still in its lease is left alone
    job = reread(job)
    assert (job.state, job.attempts) == (JobState.DONE, 2)
    assert "lease ran out" in job.last_error
    assert reread(held).state is JobState.RUNNING


def test_a_job_that_outlived_its_workers_too_often_fails(handlers):
    job = Job(kind="test.record", payload={"n": 1}, state=JobState.RUNNING, attempts=5,
              max_attempts=5, locked_by="old-host:1:worker",
              locked_until=utcnow() - timedelta(minutes=1))
    db.session.add(job)

    assert run_jobs() == 1
    assert handlers.payloads == []
    job = reread(job)
    assert job.state is JobState.FAILED
    assert "used up its attempts" in job.last_error


def test_a_run_that_lost_its_lease_to_another_worker_leaves_the_job_to_it(register):
    @register("test.slow_email")
    def send(payload):
        # While this run was slow, its lease ran out and another worker took the job.
        with db.engine.begin() as connection:
            connection.execute(update(Job).where(Job.id == payload["job"])
                               .values(locked_by="faster-host:9:worker"))
        queue_email("az.member@example.org", "Hello", "Once.")

    job = queue.enqueue("test.slow_email", {})
    job.payload = {"job": job.id}
    assert run_jobs() == 1
    job = reread(job)
    assert (job.state, job.locked_by) == (JobState.RUNNING, "faster-host:9:worker")
    assert outbox_count() == 0  # that worker's run writes it, once


# --- The same work asked for twice ----------------------------------------------------------

def test_the_same_key_asked_for_twice_is_one_job_until_it_is_done(handlers):
    first = queue.enqueue("test.record", {"n": 1}, key="preview:abc")
    again = queue.enqueue("test.record", {"n": 2}, key="preview:abc")
    other = queue.enqueue("test.record", {"n": 3}, key="preview:def")
    assert again is first and other is not first
    db.session.commit()

    assert queue.enqueue("test.record", {"n": 4}, key="preview:abc").id == first.id
    db.session.commit()
    assert run_jobs() == 2
    assert sorted(handlers.numbers) == [1, 3]

    # Done, the key is free: a later change may need the work done again.
    later = queue.enqueue("test.record", {"n": 5}, key="preview:abc")
    assert later.id != first.id
    assert run_jobs() == 1
    assert handlers.numbers[-1] == 5


def test_a_failed_job_keeps_its_key_until_staff_try_it_again(handlers):
    failed = make_failed_job(payload={"n": 1})
    failed.key = "preview:abc"
    db.session.commit()
    assert queue.enqueue("test.record", {"n": 2}, key="preview:abc").id == failed.id


def test_a_key_taken_meanwhile_by_another_unit_of_work_returns_its_job(handlers, monkeypatch):
    """The check comes first, then the insert; another request may commit in between. The
    unique index refuses our row, and the caller's own work survives in its savepoint."""
    other = Job(kind="test.record", payload={"n": 1}, key="preview:abc")
    db.session.add(other)
    db.session.commit()
    look_up = queue._unfinished_job_with
    misses = iter([None])  # the first look finds nothing: the other request hadn't committed
    monkeypatch.setattr(queue, "_unfinished_job_with",
                        lambda key: next(misses, None) or look_up(key))
    queue_email("az.member@example.org", "Uploaded", "Your file is in the library.")

    assert queue.enqueue("test.record", {"n": 2}, key="preview:abc") is other
    db.session.commit()
    assert outbox_count() == 1  # the caller's own work (the email and its sending job) stays
    assert db.session.scalar(select(func.count()).select_from(Job)
                             .where(Job.key == "preview:abc")) == 1


# --- Staff ----------------------------------------------------------------------------------

def test_staff_retry_a_failed_job_with_all_its_attempts_to_run_now(handlers):
    job = make_failed_job()

    retried = queue.retry(job.id)
    assert (retried.state, retried.attempts, retried.finished_at) == (JobState.QUEUED, 0, None)
    assert retried.run_at <= utcnow()
    assert run_jobs() == 1
    assert reread(job).state is JobState.DONE


def test_only_a_failed_job_can_be_retried(handlers):
    job = queue.enqueue("test.record", {"n": 1})
    db.session.commit()
    with pytest.raises(errors.Conflict):
        queue.retry(job.id)
    with pytest.raises(errors.NotFound):
        queue.retry(job.id + 1000)


def test_the_summary_counts_unfinished_jobs_and_notices_a_stalled_queue(handlers):
    queue.enqueue("test.record", {"n": 1}, run_at=utcnow() - timedelta(minutes=20))
    queue.enqueue("test.record", {"n": 2}, run_at=utcnow() + timedelta(minutes=20))
    make_failed_job()

    summary = queue.queue_summary()
    assert (summary.queued, summary.running, summary.failed) == (2, 0, 1)
    assert summary.is_stalled(utcnow())
    run_jobs()
    assert not queue.queue_summary().is_stalled(utcnow())


def test_pruning_forgets_only_jobs_done_long_ago(handlers):
    old, recent = (queue.enqueue("test.record", {"n": n}) for n in (1, 2))
    failed = make_failed_job()
    run_jobs()
    db.session.execute(update(Job).where(Job.id == old.id)
                       .values(finished_at=utcnow() - timedelta(days=30)))
    db.session.commit()

    assert queue.prune_done(older_than=timedelta(days=14)) == 1
    remaining = set(db.session.scalars(select(Job.id)))
    assert remaining == {recent.id, failed.id}
