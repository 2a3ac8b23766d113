"""Nothing written in the forum is lost, in the real browser with the real scripts.

- The reply box saves a draft to the server as one types, and the topic page puts it back.
- With the network gone, the browser keeps its own copy; back online, the page offers it.
- A double-click on "Post reply" posts once.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import func, select

from tests.browser.support import SDI, KeyboardDriver

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

WELCOME = "Welcome: introduce your state team"


def open_welcome_topic(driver: KeyboardDriver) -> Page:
    driver.goto(f"/communities/{SDI}/forums/")
    driver.navigate_by(driver.page.get_by_role("link", name=WELCOME).first)
    return driver.page


def posts_saying(live_server, text: str) -> int:
    from workspace.forums.models import Post

    with live_server.database() as session:
        return session.scalar(select(func.count(Post.id)).where(Post.body.contains(text)))


def test_a_reply_being_written_survives_leaving_the_page_and_losing_the_network(
        open_page, live_server):
    page = open_page()
    georgia = KeyboardDriver(page)
    georgia.sign_in("ga.member@example.org")
    open_welcome_topic(georgia)
    reply = page.get_by_label("Your reply")
    georgia.fill(reply, "Georgia's team: two federal programs staff and a data lead.")
    expect(page.locator("[data-draft-status]")).to_contain_text("Draft saved at")

    # Leave and come back: the server's draft is in the box, and the page says so.
    georgia.goto(f"/communities/{SDI}")
    open_welcome_topic(georgia)
    expect(reply).to_have_value("Georgia's team: two federal programs staff and a data lead.")
    expect(page.locator("[data-restored-note]")).to_contain_text(
        "We restored the reply you were writing")

    # The network goes while Jordan keeps writing and presses "Post reply".
    page.context.set_offline(True)
    georgia.focus(reply)
    page.keyboard.press("End")
    page.keyboard.type(" Our problem of practice is TSI support.")
    expect(page.locator("[data-draft-status]")).to_contain_text(
        "Couldn't reach the server to save a draft. A copy is kept in this browser.")
    georgia.focus(page.get_by_role("button", name="Post reply"))
    with page.expect_event("requestfailed", lambda request: request.method == "POST"
                           and request.url.endswith("/posts")):
        page.keyboard.press("Space")
    assert posts_saying(live_server, "TSI support") == 0

    # Back online, the topic page has the server's older draft and offers the newer copy.
    page.context.set_offline(False)
    open_welcome_topic(georgia)
    expect(reply).to_have_value("Georgia's team: two federal programs staff and a data lead.")
    georgia.operate(page.get_by_role("button", name="Use that text instead"))
    expect(reply).to_have_value(re.compile(r"Our problem of practice is TSI support\.$"))
    expect(reply).to_be_focused()
    georgia.navigate_by(page.get_by_role("button", name="Post reply"))
    expect(page.locator("article.workspace-post").filter(has_text="TSI support")).to_have_count(1)

    # Posted, the draft and the browser's copy are gone: the box is empty on the next visit.
    georgia.navigate_by(page.get_by_role("link", name="Forum home"))
    georgia.navigate_by(page.get_by_role("link", name=WELCOME).first)
    expect(reply).to_have_value("")
    expect(page.get_by_role("button", name="Use that text instead")).to_have_count(0)


def test_a_double_click_posts_once(open_page, live_server):
    page = open_page()
    arizona = KeyboardDriver(page)
    arizona.sign_in("az.member@example.org")
    open_welcome_topic(arizona)
    arizona.fill(page.get_by_label("Your reply"), "Arizona will bring its quarterly review.")
    with page.expect_navigation():
        page.get_by_role("button", name="Post reply").dblclick()
    page.wait_for_load_state()
    expect(page.locator("article.workspace-post").filter(
        has_text="Arizona will bring its quarterly review.")).to_have_count(1)
    assert posts_saying(live_server, "quarterly review") == 1
