"""The journeys people take, in a real browser: with a mouse, with the keyboard only, at 320px.

Each journey runs three ways:
- pointer: a mouse user on a 1280px screen; every page on the way is also audited with axe-core;
- keyboard: Tab, Shift+Tab, Enter, Space (and arrow keys inside a select), never a click;
- reflow: a mouse user at 320 CSS px, where no page may scroll sideways (WCAG 1.4.10).
Every page visited in every mode is checked for its status and for sideways scrolling.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from tests.browser.support import (
    DATA_SYSTEMS,
    SDI,
    Driver,
    KeyboardDriver,
    make_driver,
)

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

MODES = {"pointer": 1280, "keyboard": 1280, "reflow": 320}


@pytest.fixture(params=list(MODES))
def mode(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def person(open_page: Callable[..., Page], mode: str) -> Callable[[], Driver]:
    """A new person at their own browser (own cookies), driven the way this mode says."""

    def person() -> Driver:
        page = open_page(width=MODES[mode])
        return make_driver(mode, page, audit=(mode == "pointer"))

    return person


def assert_accessible(*drivers: Driver) -> None:
    violations = [line for driver in drivers for line in driver.violations]
    assert not violations, "axe-core found WCAG 2.1 A/AA violations:\n" + "\n".join(violations)


def open_admin_page(driver: Driver, link: str) -> None:
    """Through the header: the Menu button on narrow screens, then Network admin, then a link."""
    page = driver.page
    menu = page.get_by_role("button", name="Menu", exact=True)
    if menu.is_visible():
        driver.operate(menu)
    driver.operate(page.get_by_role("button", name="Network admin"))
    driver.navigate_by(page.get_by_role("link", name=link, exact=True))


def flash(page: Page) -> str:
    return page.locator(".workspace-flashes").inner_text()


# --- (a) An invited newcomer ------------------------------------------------------------------

def test_an_invited_newcomer_sets_up_their_account_and_finds_their_community(person):
    staff = person()
    staff.sign_in("staff@example.org")
    staff.goto(f"/communities/{SDI}")
    page = staff.page
    staff.navigate_by(page.get_by_role("link", name="Invite someone"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Invite someone to")
    staff.fill(page.get_by_label("Email address"), "newcomer@azed.gov")
    staff.fill(page.get_by_label("Their name"), "Nora Newcomer")
    staff.select(page.get_by_label("Organization"), "Arizona Department of Education")
    staff.select(page.get_by_label("Community", exact=True),
                 "School and District Improvement Peer-to-Peer Exchange: Second Series")
    staff.select(page.get_by_label("Role in the community"), "Member")
    staff.fill(page.get_by_label("Personal note"), "Welcome to the exchange, Nora.")
    staff.navigate_by(page.get_by_role("button", name="Send invitation"))
    assert page.url.endswith(f"/communities/{SDI}/members")
    assert "Invitation sent to newcomer@azed.gov" in flash(page)

    # Without SMTP, staff read the email in the outbox and pass the link on.
    open_admin_page(staff, "Email outbox")
    email = page.locator("article").filter(has_text="newcomer@azed.gov").first
    expect(email).to_contain_text("You're invited")
    link = email.locator("a[href*='/invitations/']").get_attribute("href")

    newcomer = person()
    newcomer.goto(link)
    page = newcomer.page
    expect(page.get_by_role("heading", level=1)).to_have_text("Set up your account")
    expect(page.get_by_role("region", name="Your invitation")).to_contain_text(
        "Arizona Department of Education")
    newcomer.fill(page.get_by_label("Full name"), "Nora Newcomer-Diaz")
    newcomer.fill(page.get_by_label("Job title"), "School Improvement Specialist")
    newcomer.select(page.get_by_label("Time zone"), "Mountain (Arizona)")
    newcomer.fill(page.get_by_label(re.compile(r"^New password")), "a long walk in the desert")
    newcomer.fill(page.get_by_label("Confirm new password"), "a long walk in the desert")
    newcomer.navigate_by(page.get_by_role("button", name="Create my account"))
    assert page.url.endswith(f"/communities/{SDI}"), page.url
    assert "Your account is ready" in flash(page)
    expect(page.locator("#standing-heading + div")).to_contain_text("You are a member")

    newcomer.navigate_by(page.get_by_role("link", name="Member directory"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Member directory")
    expect(page.get_by_role("row").filter(has_text="Nora Newcomer-Diaz")).to_contain_text(
        "School Improvement Specialist")
    assert_accessible(staff, newcomer)


# --- (b) A state expresses interest; the facilitator accepts it ------------------------------

def test_a_state_expresses_interest_and_the_facilitator_accepts_it(person):
    texas = person()
    texas.sign_in("tx.member@example.org")
    texas.goto(f"/communities/{DATA_SYSTEMS}")
    page = texas.page
    texas.operate(page.locator("main a[href='#take-part']").first)  # "Express interest"
    statement = ("Our district data teams can't see student growth until the autumn, so plans "
                 "are built on last year's numbers.")
    texas.fill(page.get_by_label("Your state's problem of practice"), statement)
    texas.navigate_by(page.get_by_role("button", name="Express interest"))
    assert "The facilitators have your state's interest" in flash(page)
    expect(page.locator("#take-part")).to_contain_text(re.compile(
        r"Taylor Brooks expressed .*interest"))

    facilitator = person()
    facilitator.sign_in("facilitator@example.org")
    facilitator.goto(f"/communities/{DATA_SYSTEMS}")
    page = facilitator.page
    facilitator.navigate_by(page.get_by_role("link", name="Expressions of interest"))
    request = page.locator("li.workspace-interest").filter(has_text="Texas Education Agency")
    expect(request).to_contain_text(statement)
    facilitator.tick(request.get_by_label("Accept"))
    facilitator.fill(request.get_by_label("Message to Taylor Brooks"),
                     "Welcome aboard: the first session is on the calendar.")
    facilitator.navigate_by(request.get_by_role("button", name="Send decision"))
    assert "Texas Education Agency: accepted" in flash(page)

    facilitator.navigate_by(page.get_by_role("link", name="Overview"))
    expect(page.locator("section[aria-labelledby=people-heading]")).to_contain_text("Texas")

    texas.goto(f"/communities/{DATA_SYSTEMS}")
    expect(texas.page.locator("#standing-heading + div")).to_contain_text("You are a member")
    texas.navigate_by(texas.page.get_by_role("link", name="Member directory"))
    expect(texas.page.get_by_role("row").filter(has_text="Taylor Brooks")).to_contain_text(
        "Texas Education Agency")
    assert_accessible(texas, facilitator)


# --- (c) A state that doesn't take part is kept out --------------------------------------------

def test_a_member_of_a_state_that_does_not_take_part_is_kept_out(person):
    texas = person()
    texas.sign_in("tx.member@example.org")
    texas.goto(f"/communities/{SDI}/members", status=404)
    page = texas.page
    expect(page.get_by_role("heading", level=1)).to_have_text("Page not found")
    assert "Member directory" not in page.content()

    texas.goto(f"/communities/{SDI}")
    expect(page.locator("#standing-heading + div")).to_contain_text(
        "Texas Education Agency isn't taking part in this community")
    if isinstance(texas, KeyboardDriver):
        stops = texas.tab_stops()
        assert not [stop for stop in stops if re.search(r"\bjoin\b", stop, re.I)], stops
        assert not [stop for stop in stops if "Member directory" in stop], stops
    else:
        assert page.get_by_role("button", name=re.compile(r"\bjoin\b", re.I)).count() == 0
        assert page.get_by_role("link", name="Member directory").count() == 0
    assert_accessible(texas)


# --- (d) A forum discussion: a topic with a mention, a quoting reply that arrives live ----------

def open_notifications(driver: Driver) -> None:
    """Through the header, as on any page: the Menu button on narrow screens first."""
    page = driver.page
    menu = page.get_by_role("button", name="Menu", exact=True)
    if menu.is_visible():
        driver.operate(menu)
    driver.navigate_by(page.get_by_role("link", name=re.compile(r"^Notifications")))


def test_a_member_starts_a_discussion_and_a_colleague_replies_with_a_quote(person):
    arizona = person()
    arizona.sign_in("az.member@example.org")
    arizona.goto(f"/communities/{SDI}")
    page = arizona.page
    arizona.navigate_by(page.get_by_role("link", name="Forum", exact=True))
    arizona.navigate_by(page.get_by_role("link", name="Problems of practice").first)
    arizona.navigate_by(page.get_by_role("link", name="Start a topic"))
    title = "Checking on CSI plans in the middle of the year"
    arizona.fill(page.get_by_label("Title"), title)

    # Markdown, then "@jor" and a name chosen from the suggestions: arrows and Enter from the
    # keyboard, a click with the mouse.
    body = page.get_by_label("Your post")
    arizona.fill(body, "We check **two** leading indicators each quarter. @jor")
    suggestion = page.get_by_role("option", name=re.compile(r"^Jordan Ellis"))
    expect(suggestion).to_be_visible()
    expect(suggestion).to_have_attribute("aria-selected", "true")
    if isinstance(arizona, KeyboardDriver):
        page.keyboard.press("Enter")
    else:
        suggestion.click()
    expect(body).to_have_value(re.compile(r"@jordan\.ellis $"))  # the handle, not the address
    expect(page.locator("#live-announcer")).to_have_text("Jordan Ellis mentioned.")
    page.keyboard.type("how does Georgia do it?")

    arizona.operate(page.get_by_role("button", name="Preview"))
    preview = page.get_by_role("region", name="Preview")
    expect(preview.locator("strong")).to_have_text("two")
    if isinstance(arizona, KeyboardDriver):  # focus moves to the preview for a screen reader
        expect(preview.get_by_role("heading", name="Preview")).to_be_focused()
    arizona.navigate_by(page.get_by_role("button", name="Post topic"))
    expect(page.get_by_role("heading", level=1)).to_have_text(title)
    opening = page.locator("article.workspace-post").first
    expect(opening).to_contain_text("each quarter. @jordan.ellis how does Georgia do it?")
    expect(opening.locator(".workspace-mention")).to_have_text("@jordan.ellis")

    # Jordan hears of the mention and replies quoting Alex; Alex's open page gets the reply
    # without reloading, and a screen reader hears it arrive.
    georgia = person()
    georgia.sign_in("ga.member@example.org")
    open_notifications(georgia)
    # The demo's own discussions mentioned Jordan before: this is the new one.
    mention = georgia.page.get_by_role("link", name=f"Alex Morales mentioned you in “{title}”")
    georgia.navigate_by(mention)
    page = georgia.page
    expect(page.get_by_role("heading", level=1)).to_have_text(title)
    georgia.operate(page.get_by_role("link", name="Quote Alex Morales's topic"))
    reply = page.get_by_label("Your reply")
    expect(page.locator("[data-quoting]")).to_contain_text("Quoting Alex Morales's post")
    if isinstance(georgia, KeyboardDriver):  # quoting puts the caret in the reply
        expect(reply).to_be_focused()
    answer = "Georgia looks at attendance and interim reading results every 90 days."
    georgia.fill(reply, answer)
    georgia.navigate_by(page.get_by_role("button", name="Post reply"))
    posted = page.locator("article.workspace-post").filter(has_text=answer)
    expect(posted.locator("blockquote")).to_contain_text("Alex Morales wrote")

    page = arizona.page
    arrived = page.locator("article.workspace-post").filter(has_text=answer)
    expect(arrived).to_be_visible()
    expect(page.locator("#live-announcer")).to_have_text("New reply from Jordan Ellis.")
    # It lines up with the post above it (not indented as if nested), and the topic counts it.
    indent = "el => getComputedStyle(el).paddingLeft + ' ' + getComputedStyle(el).borderLeftWidth"
    assert arrived.evaluate(indent) == page.locator("article.workspace-post").first.evaluate(
        indent)
    expect(page.locator("[data-reply-count]")).to_have_text("1 reply")

    # Alex thanks Jordan for the reply, without leaving the page.
    thanks = arrived.get_by_role("button", name=re.compile(r"^Thanks"))
    arizona.operate(thanks)
    expect(arrived.get_by_role("button", name=re.compile(r"^Thanks"))).to_have_attribute(
        "aria-pressed", "true")
    expect(page.locator("#live-announcer")).to_have_text("Reaction added.")
    assert_accessible(arizona, georgia)
