"""Background jobs in the served app: staff find a failed job, try it again, and the worker
inside the server (as under `flask serve`) runs it; the page passes axe and reflows."""

from __future__ import annotations

import time
from typing import Any

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from tests.browser.support import (
    PointerDriver,
    axe_violations,
    describe_violations,
    page_widths,
    watch,
)
from workspace.database import utcnow
from workspace.jobs import queue
from workspace.jobs.models import Job, JobState

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

NARROW = 320


@pytest.fixture
def live_server_settings() -> dict[str, Any]:
    return {"JOBS_IN_PROCESS": True}


@pytest.fixture
def ran(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """The payloads the `test.thumbnail` handler ran with (in the live server's worker)."""
    monkeypatch.setattr(queue, "HANDLERS", dict(queue.HANDLERS))
    payloads: list[dict[str, Any]] = []
    queue.register("test.thumbnail")(payloads.append)
    return payloads


def audit(page: Any) -> list[str]:
    problems = describe_violations(page.url, axe_violations(page))
    page.set_viewport_size({"width": NARROW, "height": 800})
    if page_widths(page)[0] > NARROW:
        problems.append(f"{page.url} scrolls sideways at {NARROW}px")
    page.set_viewport_size({"width": 1280, "height": 900})
    return problems


def test_staff_try_a_failed_job_again_and_the_server_runs_it(open_page, live_server, ran):
    with live_server.database() as session:
        failed = Job(kind="test.thumbnail", payload={"digest": "9f86d081884c7d659a2f" * 3},
                     state=JobState.FAILED, attempts=5, max_attempts=5, finished_at=utcnow(),
                     last_error="UnidentifiedImageError: cannot identify image file "
                                "<_io.BufferedReader name='/srv/files/9f/86/" + "d0" * 40 + "'>")
        session.add(failed)
        session.commit()
        job_id = failed.id

    page = open_page()
    driver = PointerDriver(page)
    driver.sign_in("staff@example.org")
    page.get_by_role("button", name="Network admin").click()
    driver.navigate_by(page.get_by_role("link", name="Background jobs"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Background jobs")
    expect(page.get_by_text("UnidentifiedImageError")).to_be_visible()
    problems = audit(page)

    driver.navigate_by(page.get_by_role("button", name=f"Try again job #{job_id}, test.thumbnail"))
    expect(page.get_by_text(f"Job #{job_id} (test.thumbnail) is queued again")).to_be_visible()
    problems += audit(page)
    assert not problems, "\n".join(problems)

    deadline = time.monotonic() + 15
    while not ran and time.monotonic() < deadline:
        time.sleep(0.1)
    assert ran == [{"digest": "9f86d081884c7d659a2f" * 3}]
    with live_server.database() as session:
        assert session.scalar(select(Job.state).where(Job.id == job_id)) is JobState.DONE
    driver.goto("/staff/jobs/")
    expect(page.get_by_text("No job has failed")).to_be_visible()
    assert not watch(page).server_errors
