"""A person asked about their time zone answers from the keyboard, in a real browser whose clock
is set somewhere else than the zone the workspace has for them."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from tests.browser.support import KeyboardDriver, PointerDriver

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

PROMPT = "[data-time-zone-prompt]"


def saved_zone(live_server, email: str) -> tuple[str, bool]:
    from workspace.auth.models import User

    with live_server.database() as session:
        user = session.scalar(select(User).where(User.email == email))
        return user.time_zone, user.time_zone_confirmed_at is not None


def test_a_person_in_arizona_takes_their_devices_zone_by_keyboard(open_page, live_server):
    # Georgia's member is down as Eastern; their laptop says Phoenix.
    page = open_page(timezone_id="America/Phoenix")
    driver = KeyboardDriver(page, audit=True)
    driver.sign_in("ga.member@example.org")
    driver.goto("/communities/")
    expect(page.locator(PROMPT)).to_contain_text(
        "Times show in Eastern time. Is that your time zone?")
    device = page.get_by_role("button", name="Use Mountain (Arizona) time")
    expect(device).to_be_visible()
    expect(page.get_by_role("button", name="Yes, keep Eastern time")).to_be_visible()

    driver.navigate_by(device)
    assert page.url.endswith("/communities/"), page.url
    expect(page.locator(PROMPT)).to_have_count(0)
    expect(page.get_by_role("status").filter(
        has_text="Times now show in Mountain (Arizona) time.")).to_be_visible()
    assert not driver.violations, "\n".join(driver.violations)
    assert saved_zone(live_server, "ga.member@example.org") == ("America/Phoenix", True)
    driver.goto("/news/")
    expect(page.locator(PROMPT)).to_have_count(0)


def test_a_device_zone_with_the_same_clock_is_offered_as_the_listed_zone(open_page,
                                                                         live_server):
    page = open_page(timezone_id="Pacific/Saipan")
    driver = PointerDriver(page)
    driver.sign_in("observer@example.org")
    device = page.get_by_role("button",
                              name="Use Chamorro (Guam, Northern Mariana Islands) time")
    driver.navigate_by(device)
    expect(page.get_by_role("status").filter(
        has_text="Times now show in Chamorro (Guam, Northern Mariana Islands) time.")
    ).to_be_visible()
    assert saved_zone(live_server, "observer@example.org") == ("Pacific/Guam", True)


def test_a_device_already_in_the_saved_zone_is_only_asked_to_keep_it(open_page, live_server):
    page = open_page(timezone_id="America/Phoenix")
    driver = PointerDriver(page)
    driver.sign_in("az.member@example.org")  # down as Arizona already
    prompt = page.locator(PROMPT)
    expect(prompt).to_contain_text("Times show in Mountain (Arizona) time.")
    expect(prompt.get_by_role("button")).to_have_count(1)
    driver.navigate_by(page.get_by_role("button", name="Yes, keep Mountain (Arizona) time"))
    expect(page.locator(PROMPT)).to_have_count(0)
    assert saved_zone(live_server, "az.member@example.org") == ("America/Phoenix", True)


def test_a_device_zone_the_workspace_cannot_show_is_not_offered(open_page):
    page = open_page(timezone_id="Europe/Paris")
    PointerDriver(page).sign_in("sme@example.org")
    prompt = page.locator(PROMPT)
    expect(prompt.get_by_role("button", name="Yes, keep Eastern time")).to_be_visible()
    expect(prompt.get_by_role("button")).to_have_count(1)
    expect(prompt.get_by_role("link", name="Choose another")).to_have_attribute(
        "href", "/account#time_zone")
