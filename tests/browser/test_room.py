"""The live room in three browsers: two people chat and one raises a hand that the facilitator
calls on (announced to screen readers); a third joins late and sees the whole conversation in
the room's order; the room passes axe in each state, with menus and the facilitator's
controls showing; and the chat is sent by keyboard alone."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.support import (
    SDI,
    PointerDriver,
    axe_violations,
    describe_violations,
)
from tests.browser.test_room_polls import _session_happening_now

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]


def _enter(page, address: str) -> None:
    page.goto(address)
    expect(page.locator("[data-connection]")).to_have_text("You're in the room.")


def _say(page, text: str) -> None:
    box = page.locator("[data-chat-input]")
    box.focus()
    page.keyboard.type(text)
    page.keyboard.press("Enter")


def test_chat_hands_and_a_late_arrival(open_page, live_server):
    session_id = _session_happening_now(live_server)
    address = f"/communities/{SDI}/sessions/{session_id}/room"
    host, arizona, georgia = open_page(), open_page(), open_page()
    PointerDriver(host).sign_in("facilitator@example.org")
    PointerDriver(arizona).sign_in("az.member@example.org")
    PointerDriver(georgia).sign_in("ga.member@example.org")
    for page in (host, arizona):
        _enter(page, address)
    problems = describe_violations(host.url, axe_violations(host))

    _say(arizona, "Hello from **Arizona**")
    expect(host.locator("[data-chat] li")).to_have_count(1)
    expect(host.locator("[data-chat] strong", has_text="Arizona")).to_be_visible()
    _say(host, "Welcome, everyone.")
    expect(arizona.locator("[data-chat] li")).to_have_count(2)

    arizona.get_by_role("button", name="Raise hand").click()
    expect(host.locator("[data-hands] li")).to_have_text(["Alex Morales (AZ)"])
    expect(arizona.get_by_role("button", name="Lower hand")).to_have_attribute(
        "aria-pressed", "true")
    host.get_by_role("button", name="Call on next").click()
    expect(arizona.locator("#live-announcer")).to_have_text("It's your turn to speak.")
    expect(host.locator("[data-hands] li")).to_have_count(0)

    host.get_by_label("Pinned notice").fill("Breakouts at **2:30**")
    host.get_by_role("button", name="Pin").click()
    expect(arizona.locator("[data-notice]")).to_contain_text("Breakouts at 2:30")
    problems += describe_violations(arizona.url, axe_violations(arizona))

    # Georgia arrives late and sees everything said before, in the room's order.
    _enter(georgia, address)
    expect(georgia.locator("[data-chat] li")).to_have_count(2)
    texts = georgia.locator("[data-chat] li .workspace-chat__body").all_inner_texts()
    assert texts == ["Hello from Arizona", "Welcome, everyone."]
    expect(host.locator("[data-people] li")).to_have_count(3)
    expect(georgia.locator("[data-notice]")).to_contain_text("Breakouts at 2:30")
    problems += describe_violations(georgia.url, axe_violations(georgia))
    assert not problems, "\n".join(problems)


def test_a_message_typed_while_the_connection_is_down_goes_once_it_is_back(open_page,
                                                                           live_server):
    session_id = _session_happening_now(live_server)
    address = f"/communities/{SDI}/sessions/{session_id}/room"
    sender, reader = open_page(), open_page()
    PointerDriver(sender).sign_in("az.member@example.org")
    PointerDriver(reader).sign_in("ga.member@example.org")
    _enter(sender, address)
    _enter(reader, address)
    sender.evaluate("window.workspaceSocket.io.engine.close()")  # the network drops
    _say(sender, "Sent while offline")
    expect(sender.locator("[data-chat] [data-pending]")).to_contain_text("sending")
    expect(sender.locator("[data-connection]")).to_have_text("Back in the room.",
                                                             timeout=15000)
    expect(reader.locator("[data-chat] li", has_text="Sent while offline")).to_have_count(1)
    expect(sender.locator("[data-chat] li", has_text="Sent while offline")).to_have_count(1)
    expect(sender.locator("[data-chat] [data-pending]")).to_have_count(0)
