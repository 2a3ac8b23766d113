"""What assistive technology hears and where keyboard focus goes, in the real browser.

- A live notification is announced through the page's polite live region (#live-announcer),
  pushed over the real Socket.IO connection (WCAG 4.1.3 status messages).
- The skip link is the first Tab stop and takes focus to the main content (2.4.1).
- Tab order cycles through the page and out again: no keyboard trap (2.1.2).
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from tests.browser.support import KeyboardDriver, PointerDriver

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]


def test_a_live_notification_is_announced_politely(open_page, live_server):
    from workspace.auth.models import User
    from workspace.extensions import db
    from workspace.notifications.models import NotificationKind
    from workspace.notifications.service import notify

    page = open_page()
    PointerDriver(page).sign_in("az.member@example.org")
    page.wait_for_function("() => window.workspaceSocket && window.workspaceSocket.connected")
    announcer = page.locator("#live-announcer")
    expect(announcer).to_have_attribute("aria-live", "polite")

    with live_server.app.app_context():
        member = db.session.scalar(select(User).where(User.email == "az.member@example.org"))
        notify(member, NotificationKind.GENERAL,
               "Texas Education Agency joined the Data Systems CoP.", "/", actor=None,
               community=None, subject=None)
        db.session.commit()  # the notice announces itself once committed
        db.session.remove()

    expect(announcer).to_have_text(
        "New notification: Texas Education Agency joined the Data Systems CoP.")


def test_the_skip_link_comes_first_and_moves_focus_to_the_content(open_page):
    page = open_page()
    driver = KeyboardDriver(page)
    driver.goto("/communities/")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to main content")
    expect(skip).to_be_focused()
    driver.assert_focus_visible(skip)
    page.keyboard.press("Enter")
    expect(page.locator("main#main-content")).to_be_focused()
    page.keyboard.press("Tab")
    inside_main = page.evaluate("() => !!document.activeElement.closest('main')")
    assert inside_main, "Tab after the skip link should continue inside the main content"


def test_tab_goes_through_a_signed_in_page_without_getting_stuck(open_page):
    page = open_page()
    driver = KeyboardDriver(page)
    driver.sign_in("facilitator@example.org")
    driver.goto("/communities/data-systems-cop/interests")
    stops = driver.tab_stops()
    assert len(stops) > 5 and "Skip to main content" in stops[0], stops
    assert any("Send decision" in stop for stop in stops) or any(
        "Change the capacity" in stop for stop in stops), stops


def test_following_a_notification_marks_it_read(open_page, live_server):
    from workspace.auth.models import User
    from workspace.extensions import db
    from workspace.notifications.models import NotificationKind
    from workspace.notifications.service import notify

    with live_server.app.app_context():
        member = db.session.scalar(select(User).where(User.email == "az.member@example.org"))
        notify(member, NotificationKind.GENERAL, "The network published its spring news.",
               "/news/", actor=None, community=None, subject=None)
        db.session.commit()
        db.session.remove()

    page = open_page()
    PointerDriver(page).sign_in("az.member@example.org")
    page.goto("/notifications/")
    unread_before = int(page.locator("[data-notification-count]").inner_text())
    page.get_by_role("link", name="The network published its spring news.").click()
    page.wait_for_url("**/news/")
    page.goto("/notifications/")
    badge = page.locator("[data-notification-count]")
    if unread_before == 1:
        expect(badge).to_have_count(0)
    else:
        expect(badge).to_have_text(str(unread_before - 1))
    item = page.locator(".workspace-notification", has_text="spring news")
    expect(item.locator(".workspace-tag--unread")).to_have_count(0)
