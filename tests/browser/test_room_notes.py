"""Shared notes in the browser: two people type into the room's notes at once, one of them
while offline, and both end with everyone's words (yjs in each page, pycrdt on the server)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from tests.browser.support import DEMO_PASSWORD, SDI, axe_violations, describe_violations

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]


def open_session_id(live_server) -> int:
    from workspace.communities.models import Community
    from workspace.database import utcnow
    from workspace.sessions.models import LiveSession

    now = utcnow()
    with live_server.database() as session:
        found = session.scalar(select(LiveSession.id).join(Community).where(
            Community.slug == SDI, LiveSession.starts_at <= now, LiveSession.ends_at > now))
        assert found is not None, "the demo has no session running now (open_now)"
        return found


def enter_room(page: Page, email: str, session_id: int) -> None:
    page.goto("/sign-in")
    page.get_by_label("Email address").fill(email)
    page.get_by_label(re.compile(r"^Password")).fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page.locator("body[data-user-id]")).to_have_count(1)
    page.goto(f"/communities/{SDI}/sessions/{session_id}/room")
    expect(page.get_by_label("Notes for everyone in the room")).to_be_enabled()


def type_at_end(page: Page, words: str) -> None:
    notes = page.get_by_label("Notes for everyone in the room")
    notes.focus()
    page.keyboard.press("Control+End")
    page.keyboard.type(words)


def test_two_people_type_into_the_notes_and_both_see_both(open_page, live_server):
    session_id = open_session_id(live_server)
    arizona, georgia = open_page(), open_page()
    enter_room(arizona, "az.member@example.org", session_id)
    enter_room(georgia, "ga.member@example.org", session_id)
    arizona_notes = arizona.get_by_label("Notes for everyone in the room")
    georgia_notes = georgia.get_by_label("Notes for everyone in the room")

    type_at_end(arizona, "Arizona: monitor CSI schools monthly. ")
    type_at_end(georgia, "Georgia: share the rubric. ")
    for notes in (arizona_notes, georgia_notes):
        expect(notes).to_have_value(re.compile("Arizona: monitor CSI schools monthly. "))
        expect(notes).to_have_value(re.compile("Georgia: share the rubric. "))
    expect(arizona_notes).to_have_value(georgia_notes.input_value())

    # Georgia's connection drops; she keeps typing, and Arizona types meanwhile.
    georgia.evaluate("() => window.workspaceSocket.disconnect()")
    expect(georgia.locator("[data-notes-status]")).to_contain_text("Offline")
    type_at_end(georgia, "Typed offline. ")
    type_at_end(arizona, "While Georgia was away. ")
    expect(georgia_notes).not_to_have_value(re.compile("While Georgia was away"))
    georgia.evaluate("() => window.workspaceSocket.connect()")
    expect(georgia.locator("[data-notes-status]")).to_contain_text("merged")
    for notes in (arizona_notes, georgia_notes):
        expect(notes).to_have_value(re.compile("Typed offline. "))
        expect(notes).to_have_value(re.compile("While Georgia was away. "))
    expect(arizona_notes).to_have_value(georgia_notes.input_value())

    from workspace.sessions.models import SessionNote

    def stored() -> str:
        with live_server.database() as session:
            return session.scalar(select(SessionNote.text).where(
                SessionNote.session_id == session_id, SessionNote.group_id.is_(None))) or ""

    # Each page shows the other's words only after the server stored them.
    assert stored() == arizona_notes.input_value()
    problems = describe_violations(arizona.url, axe_violations(arizona))
    assert not problems, "\n".join(problems)
    assert not live_server.errors
