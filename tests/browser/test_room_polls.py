"""Polls and action items in the live room, in two browsers: the facilitator makes a poll on
the spot and opens it, a member answers (and changes the answer), the facilitator sees the
count live and reveals it; the member writes down an action item everyone sees. The room's
panels pass axe with polls and items showing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from tests.browser.support import SDI, PointerDriver, axe_violations, describe_violations

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]


def _session_happening_now(live_server) -> int:
    from workspace.auth.models import User
    from workspace.communities.models import Community
    from workspace.database import utcnow
    from workspace.sessions.models import LiveSession, new_uid

    with live_server.database() as db_session:
        community = db_session.scalar(select(Community).where(Community.slug == SDI))
        author = db_session.scalar(select(User).where(User.email == "facilitator@example.org"))
        starts = utcnow() - timedelta(minutes=5)
        row = LiveSession(community_id=community.id, author_id=author.id, title="Live polls",
                          starts_at=starts, ends_at=starts + timedelta(minutes=90),
                          time_zone="America/New_York", uid=new_uid())
        db_session.add(row)
        db_session.commit()
        return row.id


def test_a_poll_and_an_action_item_in_two_browsers(open_page, live_server):
    session_id = _session_happening_now(live_server)
    address = f"/communities/{SDI}/sessions/{session_id}/room"
    host_page, member_page = open_page(), open_page()
    PointerDriver(host_page).sign_in("facilitator@example.org")
    PointerDriver(member_page).sign_in("az.member@example.org")
    for page in (host_page, member_page):
        page.goto(address)
        expect(page.locator("[data-connection]")).to_have_text("You're in the room.")

    polls = host_page.locator("[data-polls]")
    polls.get_by_label("Question").fill("Where is your plan?")
    polls.get_by_label("Options").fill("Drafting\nReviewing\nDone")
    polls.get_by_role("button", name="Add the poll").click()
    expect(polls.locator("[data-poll]")).to_contain_text("Not yet asked")
    expect(member_page.locator("[data-poll]")).to_have_count(0)  # drafts are the hosts'
    polls.get_by_role("button", name="Open “Where is your plan?”").click()

    ballot = member_page.locator("[data-poll]")
    expect(ballot).to_contain_text("Open")
    ballot.locator("label", has_text="Drafting").click()
    ballot.get_by_role("button", name="Answer").click()
    expect(ballot.get_by_role("button", name="Change my answer")).to_be_visible()
    ballot.locator("label", has_text="Reviewing").click()
    ballot.get_by_role("button", name="Change my answer").click()
    expect(polls).to_contain_text("Reviewing: 1 (100%)")
    expect(polls).to_contain_text("1 person answered")
    expect(ballot).not_to_contain_text("Reviewing: 1")  # not revealed yet

    polls.get_by_role("button", name="Show results to everyone “Where is your plan?”").click()
    expect(ballot).to_contain_text("Reviewing: 1 (100%)")
    expect(ballot).to_contain_text("everyone sees these results")

    actions = member_page.locator("[data-actions]")
    actions.get_by_label("Action step").fill("Share the monitoring rubric")
    actions.get_by_label("Owning state").select_option(label="Arizona")
    actions.get_by_role("button", name="Add the action item").click()
    expect(host_page.locator("[data-action-list]")).to_contain_text(
        "Share the monitoring rubric")
    expect(host_page.locator("[data-action-list]")).to_contain_text("Arizona")
    host_page.locator("[data-action-list]").get_by_role(
        "button", name="Done “Share the monitoring rubric”").click()
    expect(actions.locator("[data-action-list]")).to_contain_text("Done")

    problems = []
    for page in (host_page, member_page):
        problems += describe_violations(page.url, axe_violations(page))
    assert not problems, "\n".join(problems)
