"""The blog in the real browser, from the keyboard.

- An SME writes a post: a chart uploaded into the text through the editor's "Insert image"
  (chosen, described, inserted at the caret) and a cover with its description, and publishes
  it. A member opens it in a browser of their own and comments; the SME's page, open all along,
  shows the comment without a reload and its live region says who wrote it. The page passes axe
  with the comment shown.
- An SME schedules a post; a member's blog index leaves it out until its time comes, and then
  shows it, with no one touching the post and no background job running.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from PIL import Image, ImageDraw
from playwright.sync_api import Page, expect
from sqlalchemy import select

from tests.browser.support import (
    SDI,
    KeyboardDriver,
    axe_violations,
    choose_by_keyboard,
    describe_violations,
    watch,
)

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

BLOG = f"/communities/{SDI}/blog"
WATCH_POST = """postId => new Promise(resolve => window.workspaceSocket.emit(
    'watch_blog_post', {post_id: postId}, resolve))"""


def picture(path: Path, color: str, label: str) -> Path:
    image = Image.new("RGB", (480, 240), color)
    ImageDraw.Draw(image).text((20, 20), label, fill="white")
    out = io.BytesIO()
    image.save(out, format="PNG")
    path.write_bytes(out.getvalue())
    return path


def post_id_of(live_server, title: str) -> int:
    from workspace.blogs.models import BlogPost

    with live_server.database() as session:
        found = session.scalar(select(BlogPost.id).where(BlogPost.title == title))
    assert found is not None, f"no post “{title}”"
    return found


def open_blog(driver: KeyboardDriver) -> None:
    """From the community's page, through its navigation, as a member finds the blog."""
    page = driver.page
    driver.goto(f"/communities/{SDI}")
    driver.navigate_by(page.locator("nav.workspace-community-nav").get_by_role(
        "link", name="Blog", exact=True))
    expect(page.get_by_role("heading", level=1)).to_have_text("Blog")


def test_an_sme_publishes_a_post_with_images_and_a_members_comment_arrives_live(
        open_page: Callable[..., Page], live_server, tmp_path: Path):
    chart = picture(tmp_path / "check-in-results.png", "navy", "Check-ins by quarter")
    cover = picture(tmp_path / "principals.png", "teal", "Principals at a table")
    title = "What a quarter of check-ins taught us"
    chart_alt = "A bar chart: twenty-two check-ins in the fall, thirty in the winter"
    cover_alt = "Four principals around a table, looking at a chart together"

    # --- The SME writes the post, by keyboard ---------------------------------------------------
    page = open_page()
    sme = KeyboardDriver(page, audit=True)
    sme.sign_in("sme@example.org")
    open_blog(sme)
    sme.navigate_by(page.get_by_role("link", name="Write a post"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Write a post")
    sme.fill(page.get_by_label("Title", exact=True), title)
    sme.fill(page.get_by_label("Summary", exact=True),
             "Four check-ins a year instead of one review: what moved, and what we'd change.")
    body = page.get_by_label("Post", exact=True)
    sme.fill(body, "The check-ins went well. ")

    # "Insert image": the file is chosen, uploaded, described, and goes in at the caret.
    with page.expect_file_chooser() as chooser:
        sme.operate(page.get_by_role("button", name="Insert image"))
    chooser.value.set_files(chart)
    description = page.get_by_label("Description", exact=True)
    expect(description).to_be_focused()
    page.keyboard.type(chart_alt)
    sme.operate(page.get_by_role("button", name="Insert the image"))
    expect(page.locator("[data-image-status]")).to_have_text("Image inserted into the text.")
    expect(body).to_be_focused()
    page.keyboard.type(" Next quarter we spread them out.")
    expect(body).to_have_value(re.compile(
        r"^The check-ins went well\. !\[" + re.escape(chart_alt)
        + rf"\]\({re.escape(BLOG)}/images/\d+\) Next quarter we spread them out\.$"))

    sme.fill(page.get_by_label("Tags", exact=True), "progress monitoring, state spotlight")
    # The cover: the file input opens its chooser from the keyboard; then its description.
    cover_input = page.locator("input[type=file][name=cover]")
    choose_by_keyboard(sme, page, cover_input).set_files(cover)
    sme.fill(page.get_by_label("Description of the cover image"), cover_alt)
    assert page.get_by_label("Publish now").is_checked()
    sme.navigate_by(page.get_by_role("button", name="Save", exact=True))

    expect(page.get_by_role("heading", level=1)).to_have_text(title)
    expect(page.get_by_role("status").filter(has_text="Your post is published.")).to_be_visible()
    article = page.locator("article.workspace-blog-post")
    expect(article.get_by_role("img", name=cover_alt)).to_be_visible()
    shown_chart = article.locator(".workspace-user-content").get_by_role("img", name=chart_alt)
    expect(shown_chart).to_be_visible()
    assert shown_chart.evaluate("img => img.complete && img.naturalWidth") == 480  # served
    expect(article.get_by_role("link", name="state spotlight")).to_be_visible()
    post_id = post_id_of(live_server, title)
    assert page.url.endswith(f"{BLOG}/{post_id}")

    # The page follows the post live before anyone comments; nothing reloads it from here on.
    page.wait_for_function("() => window.workspaceSocket && window.workspaceSocket.connected")
    page.evaluate(WATCH_POST, post_id)
    page.evaluate("() => { window.stillTheSamePage = true; }")
    expect(page.locator("[data-no-comments]")).to_be_visible()

    # --- A member opens it in a browser of their own and comments -------------------------------
    member_page = open_page()
    member = KeyboardDriver(member_page, audit=True)
    member.sign_in("ga.member@example.org")
    open_blog(member)
    member.navigate_by(member_page.get_by_role("link", name=title))
    expect(member_page.locator("article.workspace-blog-post").get_by_role(
        "img", name=chart_alt)).to_be_visible()
    comment = "Georgia tried monthly check-ins and found them too frequent. Quarterly is right."
    member.fill(member_page.get_by_label("Your comment"), comment)
    member.navigate_by(member_page.get_by_role("button", name="Post comment"))
    expect(member_page.get_by_role("status").filter(
        has_text="Your comment is posted.")).to_be_visible()
    posted = re.search(r"#comment-(\d+)$", member_page.url)
    assert posted is not None, member_page.url

    # --- The SME's open page shows it, and says so to a screen reader ---------------------------
    arrived = page.locator(f"#comment-{posted.group(1)}")
    expect(arrived).to_contain_text(comment)
    expect(arrived.get_by_role("heading", name="Comment by Jordan Ellis")).to_be_visible()
    live_region = page.locator("[data-comments-live]")
    expect(live_region).to_have_attribute("aria-live", "polite")
    expect(live_region).to_have_text("New comment from Jordan Ellis.")
    expect(page.locator("[data-comment-count]")).to_have_text("1")
    expect(page.locator("[data-no-comments]")).to_be_hidden()
    assert page.evaluate("() => window.stillTheSamePage === true"), "the SME's page reloaded"

    problems = describe_violations(f"{page.url} (a comment arrived live)", axe_violations(page))
    problems += sme.violations + member.violations
    assert not problems, "\n".join(problems)
    assert not watch(page).script_errors and not watch(member_page).script_errors, (
        watch(page).summary() + watch(member_page).summary())


def test_a_scheduled_post_appears_in_a_members_index_when_its_time_comes(
        open_page: Callable[..., Page], live_server):
    title = "Reading for Session 3: families in improvement planning"
    tomorrow = datetime.now(ZoneInfo("America/New_York")).date() + timedelta(days=1)

    # --- The SME schedules it for tomorrow morning, by keyboard ---------------------------------
    page = open_page()
    sme = KeyboardDriver(page, audit=True)
    sme.sign_in("sme@example.org")
    sme.goto(f"{BLOG}/new")
    sme.fill(page.get_by_label("Title", exact=True), title)
    sme.fill(page.get_by_label("Post", exact=True),
             "Two short pieces on families shaping school improvement plans.")
    schedule = page.get_by_label("Schedule for a date and time")
    sme.tick(schedule)
    sme.enter_date(page.get_by_label("Date", exact=True), tomorrow)
    sme.enter_time(page.get_by_label("Time", exact=True), time(9, 0))
    sme.navigate_by(page.get_by_role("button", name="Save", exact=True))
    expect(page.get_by_role("status").filter(has_text=(
        f"Your post is scheduled for {tomorrow:%A, %B} {tomorrow.day}, 9:00 AM. "
        "No one sees it before then."))).to_be_visible()
    expect(page.get_by_text("This post is scheduled")).to_be_visible()
    post_id = post_id_of(live_server, title)
    assert not sme.violations, "\n".join(sme.violations)

    # The form takes whole minutes: as if it had been scheduled for a few seconds from now.
    from workspace.blogs.models import BlogPost

    with live_server.database() as session:
        post = session.get(BlogPost, post_id)
        assert post is not None and post.publish_at is not None
        assert post.publish_at.astimezone(ZoneInfo("America/New_York")).time() == time(9, 0)
        publish_at = datetime.now(UTC) + timedelta(seconds=4)
        post.publish_at = publish_at
        session.commit()

    # --- The member's index leaves it out until its time, then shows it -------------------------
    member_page = open_page()
    member = KeyboardDriver(member_page)
    member.sign_in("az.member@example.org")
    card = member_page.locator(".workspace-blog-card").filter(has_text=title)
    looked_before = False
    for _ in range(40):
        # The server's clock is this one: it read the time between these two.
        asked_at = datetime.now(UTC)
        member.goto(BLOG)
        answered_at = datetime.now(UTC)
        if card.count():
            assert answered_at >= publish_at, "shown before its time"
            break
        assert asked_at < publish_at, "its time had come, and the index still left it out"
        looked_before = True
        member_page.wait_for_timeout(500)
    assert looked_before, "the index was never seen without the post"
    expect(card.get_by_role("link", name=title)).to_be_visible()
    member.navigate_by(card.get_by_role("link", name=title))
    expect(member_page.get_by_role("heading", level=1)).to_have_text(title)
    expect(member_page.get_by_text("This post is scheduled")).to_have_count(0)
