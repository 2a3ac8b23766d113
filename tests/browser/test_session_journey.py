"""A live session from the keyboard: a facilitator schedules it in the browser's own date and
time inputs, and a member whose clock is five hours away finds it in their time and answers.

Everything is done with Tab, Shift+Tab, typing, Enter, Space and the arrow keys (no clicks, no
fill()), and every page on the way is audited with axe-core and checked for reflow.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from tests.browser.support import SDI, KeyboardDriver

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

TITLE = "Planning the next improvement cycle"
AGENDA = "1. Where each State's plan stands\n2. What to change for next year"


def next_january_15() -> date:
    # Winter, so Arizona, Eastern and Hawaii time all read as standard time whatever the year.
    return date(datetime.now(UTC).year + 1, 1, 15)


def stored_session(live_server) -> tuple[datetime, datetime, str, str]:
    from workspace.sessions.models import LiveSession

    with live_server.database() as session:
        row = session.scalar(select(LiveSession).where(LiveSession.title == TITLE))
        assert row is not None, "the session was not saved"
        return row.starts_at, row.ends_at, row.time_zone, row.agenda


def test_a_facilitator_schedules_by_keyboard_and_a_member_in_hawaii_answers(open_page,
                                                                           live_server):
    day = next_january_15()
    when = f"{day:%A, %B} {day.day}, {day.year}"

    # --- The facilitator (Eastern time) schedules an Arizona-time session -----------------------
    page = open_page()
    facilitator = KeyboardDriver(page, audit=True)
    facilitator.sign_in("facilitator@example.org")
    facilitator.goto(f"/communities/{SDI}")
    facilitator.navigate_by(page.locator("nav.workspace-community-nav").get_by_role(
        "link", name="Sessions", exact=True))
    facilitator.navigate_by(page.get_by_role("link", name="Schedule a session"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Schedule a session")

    facilitator.fill(page.get_by_label("Session number"), "6")
    facilitator.fill(page.get_by_label(re.compile(r"^Title")), TITLE)
    facilitator.enter_date(page.get_by_label("Date", exact=True), day)
    facilitator.enter_time(page.get_by_label("Starts", exact=True), time(14, 0))
    # The end before the start: a typing slip the form must catch beside the field.
    facilitator.enter_time(page.get_by_label("Ends", exact=True), time(13, 30))
    facilitator.select(page.get_by_label("Time zone"), "Mountain (Arizona)")
    facilitator.fill(page.get_by_label("Agenda"), AGENDA)
    facilitator.navigate_by(page.get_by_role("button", name="Schedule", exact=True), status=422)

    summary = page.locator("#form-errors")
    expect(summary).to_be_focused()
    ends = page.get_by_label("Ends", exact=True)
    expect(ends).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#ends-error")).to_contain_text("End the session after it starts")
    assert "ends-error" in (ends.get_attribute("aria-describedby") or "").split()
    # The summary's link takes focus to the field at fault.
    facilitator.operate(summary.get_by_role("link", name="Ends: End the session after it starts",
                                            exact=False))
    expect(ends).to_be_focused()
    # What was typed is all still there.
    expect(page.get_by_label(re.compile(r"^Title"))).to_have_value(TITLE)
    expect(page.get_by_label("Date", exact=True)).to_have_value(day.isoformat())
    expect(page.get_by_label("Time zone")).to_have_value("America/Phoenix")

    facilitator.enter_time(ends, time(15, 30))
    facilitator.navigate_by(page.get_by_role("button", name="Schedule", exact=True))
    expect(page.get_by_role("status").filter(has_text="The session is scheduled.")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"Session 6: {TITLE}")
    expect(page.locator(".workspace-session-when")).to_have_text(
        f"{when}, 2:00 – 3:30 PM MST (4:00 – 5:30 PM EST for you)")
    starts_at, ends_at, zone_name, agenda = stored_session(live_server)
    assert (starts_at, ends_at) == (datetime.combine(day, time(21, 0), UTC),
                                    datetime.combine(day, time(22, 30), UTC))
    assert (zone_name, agenda.splitlines()) == ("America/Phoenix", AGENDA.splitlines())
    assert not facilitator.violations, "\n".join(facilitator.violations)

    # --- A member in Georgia, travelling in Hawaii, takes their device's zone -------------------
    page = open_page(timezone_id="Pacific/Honolulu")
    member = KeyboardDriver(page, audit=True)
    member.sign_in("ga.member@example.org")
    member.navigate_by(page.get_by_role("button", name="Use Hawaii time"))
    expect(page.get_by_role("status").filter(
        has_text="Times now show in Hawaii time.")).to_be_visible()

    member.goto("/sessions")
    item = page.locator("li.workspace-session-item").filter(has_text=TITLE)
    expect(item).to_contain_text("Jan 15")
    expect(item.locator(".workspace-reader-time")).to_have_text("(11:00 AM – 12:30 PM HST for you)")
    member.navigate_by(item.get_by_role("link", name=f"Session 6: {TITLE}"))
    expect(page.locator(".workspace-session-when")).to_have_text(
        f"{when}, 2:00 – 3:30 PM MST (11:00 AM – 12:30 PM HST for you)")

    going = page.get_by_role("button", name="Going", exact=True)
    expect(going).to_have_attribute("aria-pressed", "false")
    member.navigate_by(going)
    expect(page.get_by_role("status").filter(
        has_text="You're going. See you there.")).to_be_visible()
    expect(going).to_have_attribute("aria-pressed", "true")
    expect(page.get_by_role("button", name="Maybe", exact=True)).to_have_attribute(
        "aria-pressed", "false")
    # Back where they answered: the next Tab continues from the answer, not the page's top.
    rsvp = page.get_by_role("region", name="Are you coming?")
    expect(rsvp).to_be_focused()
    expect(rsvp).to_have_accessible_description(re.compile(r"^Your answer: Going\."))

    member.navigate_by(page.locator("nav.usa-breadcrumb").get_by_role("link", name="Sessions",
                                                                      exact=True))
    listed = page.locator("li.workspace-session-item").filter(has_text=TITLE)
    expect(listed.locator(".workspace-answer")).to_have_text("You: Going")
    assert not member.violations, "\n".join(member.violations)
