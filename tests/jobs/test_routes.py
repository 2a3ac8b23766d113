"""/staff/jobs over HTTP: staff read what failed and try it again; nobody else gets in."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.jobs.conftest import make_failed_job, reread
from workspace.database import utcnow
from workspace.jobs import queue
from workspace.jobs.models import JobState


@pytest.fixture
def failed(handlers):
    return make_failed_job(error="SMTPRecipientsRefused: {'tx.member@example.org': (550, "
                                 "b'Mailbox unavailable')}", payload={"message_id": 42})


def test_staff_see_failed_jobs_with_their_errors_and_the_queue(client_as, staff, failed):
    queue.enqueue("test.record", {"n": 1}, run_at=utcnow() + timedelta(minutes=5))
    page = client_as(staff).get("/staff/jobs/")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "<h1>Background jobs</h1>" in html
    assert f"#{failed.id}" in html and "test.record" in html
    assert "SMTPRecipientsRefused" in html and "Mailbox unavailable" in html
    assert "5 of 5" in html and "message_id" in html
    assert f'action="/staff/jobs/{failed.id}/retry"' in html
    assert "Jobs are waiting longer than they should" not in html


def test_staff_are_told_when_jobs_wait_with_no_worker_to_run_them(client_as, staff, handlers):
    queue.enqueue("test.record", {"n": 1}, run_at=utcnow() - timedelta(minutes=30))
    html = client_as(staff).get("/staff/jobs/").get_data(as_text=True)
    assert "Jobs are waiting longer than they should" in html
    assert "flask jobs work" in html
    assert "No job has failed" in html


def test_try_again_queues_the_job_with_its_attempts_back(client_as, staff, failed):
    client = client_as(staff)
    answer = client.post(f"/staff/jobs/{failed.id}/retry")
    assert answer.status_code == 302 and answer.headers["Location"].endswith("/staff/jobs/")
    job = reread(failed)
    assert (job.state, job.attempts) == (JobState.QUEUED, 0)
    assert f"Job #{failed.id} (test.record) is queued again" in client.get(
        "/staff/jobs/").get_data(as_text=True)

    second = client.post(f"/staff/jobs/{failed.id}/retry", follow_redirects=True)
    assert "hasn&#39;t failed" in second.get_data(as_text=True)
    assert client.post("/staff/jobs/99999/retry").status_code == 404


@pytest.mark.parametrize("who", ["member", "facilitator", "outsider"])
def test_only_staff_get_in(request, client_as, failed, who):
    client = client_as(request.getfixturevalue(who))
    assert client.get("/staff/jobs/").status_code == 403
    assert client.post(f"/staff/jobs/{failed.id}/retry").status_code == 403
    assert reread(failed).state is JobState.FAILED


def test_visitors_are_asked_to_sign_in(client, failed):
    assert "/sign-in" in client.get("/staff/jobs/").headers["Location"]
    assert "/sign-in" in client.post(f"/staff/jobs/{failed.id}/retry").headers["Location"]
