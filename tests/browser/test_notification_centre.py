"""The header's unread count, live: a reply in a watched topic raises it (announced politely),
and reading the notice in another tab brings it down."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from tests.browser.support import SDI, PointerDriver

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

MEMBER = "az.member@example.org"


def _watched_topic(live_server) -> int:
    """A topic of the demo the member watches, with every notice of theirs read."""
    from workspace.auth.models import User
    from workspace.communities.models import Community
    from workspace.extensions import db
    from workspace.forums import service as forums
    from workspace.forums.models import Topic, WatchLevel
    from workspace.notifications import service as notices

    with live_server.app.app_context():
        member = db.session.scalar(select(User).where(User.email == MEMBER))
        topic = db.session.scalars(select(Topic).join(Community).where(
            Community.slug == SDI, Topic.is_hidden.is_(False), Topic.deleted_at.is_(None),
            Topic.is_locked.is_(False)).order_by(Topic.id)).first()
        assert member is not None and topic is not None
        forums.watch_topic(member, topic, WatchLevel.WATCHING)
        notices.mark_all_read(member)
        topic_id = topic.id
        db.session.remove()
    return topic_id


def _reply_from_georgia(live_server, topic_id: int) -> None:
    from workspace.auth.models import User
    from workspace.extensions import db
    from workspace.forums import service as forums
    from workspace.forums.models import Topic

    with live_server.app.test_request_context("/"):  # the notice's link is a path
        georgian = db.session.scalar(select(User).where(User.email == "ga.member@example.org"))
        forums.reply(georgian, db.session.get(Topic, topic_id),
                     body="Georgia checks leading indicators monthly.")
        db.session.remove()


def test_the_badge_rises_live_and_falls_when_read_in_another_tab(open_page, live_server):
    topic_id = _watched_topic(live_server)
    page = open_page()
    PointerDriver(page).sign_in(MEMBER)
    page.wait_for_function("() => window.workspaceSocket && window.workspaceSocket.connected")
    badge = page.locator("[data-notification-count]")
    expect(badge).to_have_count(0)  # nothing unread: no count at all

    _reply_from_georgia(live_server, topic_id)
    expect(badge).to_have_text("1")
    announcer = page.locator("#live-announcer")
    expect(announcer).to_have_attribute("aria-live", "polite")
    expect(announcer).to_contain_text("New notification: ")
    expect(announcer).to_contain_text("replied to")

    other_tab = open_page()
    PointerDriver(other_tab).sign_in(MEMBER)
    other_tab.goto("/notifications/")
    row = other_tab.locator("[data-notice-group]").first
    expect(row).to_contain_text("replied to")
    row.get_by_role("button", name="Mark as read").click()
    expect(other_tab.locator("#live-announcer")).to_have_text("Marked as read.")
    expect(row.locator(".workspace-tag--unread")).to_have_count(0)

    expect(badge).to_be_hidden()
    expect(badge).to_have_text("0")
