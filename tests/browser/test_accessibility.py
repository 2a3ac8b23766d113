"""axe-core on every page each kind of person can reach, and on every form's error state.

Pages are found, not listed: for each demo role the test signs in and follows same-origin links
breadth-first from the home page (GET links only, static files aside), auditing each page with
axe-core for WCAG 2.0 and 2.1, levels A and AA, and checking at 320 CSS px that it reflows
without sideways scrolling. A new page is audited as soon as something links to it. To keep the
run short, at most MAX_PER_ENDPOINT page of each endpoint (say, one community page of 24)
and MAX_PAGES pages are audited per role.

Forms people type into are found the same way; the endpoint each is sent to must have its error
state audited below (FORM_ERROR_STATES) or say in NO_ERROR_STATE why not.
"""

from __future__ import annotations

import re
from collections import Counter, deque
from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Page, expect
from werkzeug.exceptions import HTTPException

from tests.browser.support import (
    DATA_SYSTEMS,
    ROLES,
    SDI,
    SDI_2019,
    KeyboardDriver,
    PointerDriver,
    audit_mobile_menu,
    audit_open_states,
    axe_violations,
    describe_violations,
    page_widths,
    same_origin_links,
    watch,
)
from workspace.extensions import db

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

MAX_PAGES = 60
MAX_PER_ENDPOINT = 1
NARROW = 320
EMPTY_LIBRARY = "report-cards-cop"  # the demo adds nothing to it
EMPTY_BLOG = "english-language-proficiency-cop"  # nor to its blog

# Endpoints of forms people type into whose error state needs no audit of its own, and why.
NO_ERROR_STATE: dict[str, str] = {}

# Pages the crawl must reach as these people: if MAX_PAGES runs out first, raise it.
BLOG_PAGES = {"blogs.index", "blogs.post", "latest_posts.latest", "blog_feeds.your_feed"}
MUST_REACH: dict[str, set[str]] = {
    "visitor": {"resources.network", "resources.show", "blogs.index", "blogs.post"},
    "staff": {"jobs.index"},
    "facilitator": {"sessions.index", "sessions.show", "sessions.new", "sessions.edit",
                    "sessions.cancel", "sessions.roster", "polls.index", "sessions.summary",
                    "sessions.room_page",
                    "my_sessions.index_mine",
                    "library.index", "library.new", "library.summary", "library.new_collection",
                    "resources.network", "resources.show",
                    *BLOG_PAGES, "blogs.new", "blogs.edit", "blogs.settings"},
    "sme": {*BLOG_PAGES, "blogs.new"},
    "az.member": {"sessions.index", "sessions.show", "my_sessions.index_mine",
                  "sessions.room_page", "library.index", "library.new", "resources.network",
                  "resources.show", *BLOG_PAGES, "blogs.new", "notifications.index"},
    "observer": {*BLOG_PAGES},
}


def endpoint_of(live_server: Any, path: str) -> str:
    adapter = live_server.app.url_map.bind("127.0.0.1")
    try:
        endpoint, _ = adapter.match(path.split("?", 1)[0], method="GET")
    except HTTPException as exc:
        return f"<{type(exc).__name__}>"
    return endpoint


def typed_form_endpoints(live_server: Any, page: Page) -> set[str]:
    """Endpoints that the page's POST forms with fields to type into are sent to."""
    paths = page.evaluate("""() => Array.from(document.querySelectorAll('main form'))
        .filter(form => form.method.toLowerCase() === 'post' && form.querySelector(
          'textarea, input:not([type]), input[type=text], input[type=email], '
          + 'input[type=password], input[type=url], input[type=tel], input[type=number]'))
        .map(form => new URL(form.action, location.href).pathname)""")
    adapter = live_server.app.url_map.bind("127.0.0.1")
    endpoints = set()
    for path in paths:
        try:
            endpoints.add(adapter.match(path, method="POST")[0])
        except HTTPException:
            endpoints.add(f"<no POST route for {path}>")
    return endpoints


@pytest.mark.parametrize("role", list(ROLES))
def test_every_page_reachable_by_a_role_passes_axe_and_reflows(role, open_page, live_server):
    # A device clock elsewhere than the demo's zones, so the time-zone prompt offers it too.
    page = open_page(timezone_id="America/Boise")
    driver = PointerDriver(page)
    if ROLES[role]:
        driver.sign_in(ROLES[role])
        # The demo's people haven't confirmed their zones: each page is audited with the prompt
        # (and its device button) showing.
        assert page.locator("[data-time-zone-prompt] button:visible").count() == 2, role
    queue: deque[str] = deque(["/"])
    seen: set[str] = set()
    per_endpoint: Counter[str] = Counter()
    audited: list[str] = []
    problems: list[str] = []
    form_pages: set[str] = set()

    while queue and len(audited) < MAX_PAGES:
        path = queue.popleft()
        if path in seen:
            continue
        seen.add(path)
        endpoint = endpoint_of(live_server, path)
        if per_endpoint[endpoint] >= MAX_PER_ENDPOINT:
            continue
        per_endpoint[endpoint] += 1
        response = page.goto(path)
        audited.append(path)
        status = response.status if response else None
        if status != 200:
            problems.append(f"{path} (linked from a page {role} can see) answered {status}"
                            f" {watch(page).summary()}")
            continue
        problems += describe_violations(page.url, axe_violations(page))
        # Every menu and disclosure open too; the header's are the same on every page.
        problems += audit_open_states(page, header=len(audited) == 1)
        page.set_viewport_size({"width": NARROW, "height": 800})
        scroll_width, _ = page_widths(page)
        if scroll_width > NARROW:
            problems.append(f"{path} scrolls sideways at {NARROW}px (scrollWidth {scroll_width})")
        if len(audited) == 1:
            problems += audit_mobile_menu(page)
        page.set_viewport_size({"width": 1280, "height": 900})
        form_pages |= typed_form_endpoints(live_server, page)
        queue.extend(link for link in same_origin_links(page, live_server.url)
                     if link not in seen)

    assert len(audited) >= 3, f"the crawl as {role} found almost nothing: {audited}"
    unreached = MUST_REACH.get(role, set()) - set(per_endpoint)
    assert not unreached, (f"the crawl as {role} stopped after {len(audited)} pages without "
                           f"reaching {sorted(unreached)}: {audited}")
    missing = form_pages - {entry["endpoint"] for entry in FORM_ERROR_STATES} - set(
        NO_ERROR_STATE)
    assert not missing, (f"forms without an audited error state: {sorted(missing)}. Add them "
                         "to FORM_ERROR_STATES in tests/browser/test_accessibility.py.")
    assert not problems, (f"{len(problems)} problem(s) on {len(audited)} pages crawled as "
                          f"{role}:\n" + "\n".join(problems))


# --- States of a page the crawl meets only once -------------------------------------------------

# The crawl audits one page of each endpoint; these are the catalogue's other states: a person of
# a state agency with "Open to my state" chosen, a state taking part in nothing, a later page,
# and filters matching nothing; and a series' sessions as its facilitator sees them, with a
# session that has ended and its roster. Then the library's: filtered, matching nothing and
# empty; the network's as a member and a visitor; a resource that is a file with its preview, a
# link, a state team's own (with its share button) and a series summary page; a resource's
# forms as its author and a member; a collection with its form; a public resource on a
# community's public page. Then the blogs': filtered, matching nothing and empty; a post with
# comments, replies and reactions, with a reply form opened without JavaScript, and as a visitor
# and an observer; what waits (a scheduled post), a hidden comment and a post's history as the
# facilitator sees them; every form of a post and of a comment. Paths take ids from _ids().
BLOG = f"/communities/{SDI}/blog"
PAGE_STATES: dict[str, list[str]] = {
    "tx.member": ["/communities/?open_to=TX", "/communities/?state=TX", "/communities/?page=2",
                  "/communities/?state=TX&open_to=AZ&q=nothing+matches"],
    "facilitator": [f"/communities/{SDI}/sessions",
                    f"/communities/{SDI}/sessions/{{past_session}}",
                    f"/communities/{SDI}/sessions/{{past_session}}/roster",
                    f"/communities/{SDI}/library/summary",
                    f"/communities/{SDI}/library/collections/new",
                    f"{BLOG}", f"{BLOG}/{{scheduled_post}}", f"{BLOG}/{{scheduled_post}}/edit",
                    f"{BLOG}/{{chart_post}}", f"{BLOG}/{{cover_post}}/history",
                    f"{BLOG}/settings", f"{BLOG}/comments/{{other_comment}}/hide",
                    # The notification centre: grouped, filtered, and a filter matching nothing.
                    "/notifications/", "/notifications/?kind=discussions",
                    "/notifications/?kind=action_items",
                    f"/communities/{SDI}/email-defaults"],
    "az.member": [f"/communities/{SDI}/library?type=tool&tag=progress+monitoring",
                  f"/communities/{SDI}/library?type=recording",
                  f"/communities/{SDI}/library/new",
                  "/library", "/library/{slides}", "/library/{link}", "/library/{draft}",
                  "/library/{draft}/edit", "/library/{draft}/versions/new",
                  "/library/{draft}/delete", "/library/{protocol}/flag",
                  f"{BLOG}?tag=progress+monitoring", f"{BLOG}?tag=no+such+tag",
                  f"{BLOG}/{{cover_post}}", f"{BLOG}/{{cover_post}}?reply_to={{sme_reply}}",
                  f"{BLOG}/new", f"{BLOG}/{{member_post}}/edit",
                  f"{BLOG}/comments/{{own_comment}}/edit", f"{BLOG}/comments/{{sme_reply}}/flag",
                  f"{BLOG}/feed", "/blog"],
    "observer": [f"{BLOG}/{{chart_post}}"],
    "staff": [f"/communities/{EMPTY_BLOG}/blog",
              f"/communities/{EMPTY_LIBRARY}/library", f"/communities/{SDI_2019}/library",
              "/library/{summary}", f"/communities/{SDI_2019}/library/collections/{{toolkit}}",
              f"/communities/{SDI_2019}/library/collections/{{toolkit}}/edit"],
    "visitor": ["/library", "/library/{summary}", f"/communities/{DATA_SYSTEMS}",
                f"{BLOG}", f"{BLOG}/{{cover_post}}", f"/communities/{DATA_SYSTEMS}/blog"],
}
# What some of those pages must show for the audit to have seen the state it is there for.
SHOWING: dict[str, str] = {
    f"/communities/{SDI}/library?type=tool&tag=progress+monitoring":
        ".workspace-resource-card",
    f"/communities/{SDI}/library?type=recording": "text=Nothing matches these filters.",
    f"/communities/{EMPTY_LIBRARY}/library": "text=The library is empty so far.",
    "/library/{slides}": ".workspace-resource__preview img[alt^='First page of']",
    "/library/{link}": "a[target=_blank]:has-text('Open the link')",
    "/library/{draft}": "button:has-text('Share with everyone in')",
    "/library/{summary}": "a:has-text('Download PDF')",
    f"/communities/{DATA_SYSTEMS}": ".workspace-resource-card",
    f"{BLOG}?tag=progress+monitoring": ".workspace-blog-card",
    f"{BLOG}?tag=no+such+tag": "text=No posts match.",
    f"/communities/{EMPTY_BLOG}/blog": "text=No posts yet.",
    f"{BLOG}/{{cover_post}}": ".workspace-comment--reply",
    f"{BLOG}/{{cover_post}}?reply_to={{sme_reply}}": "#reply-form textarea",
    f"{BLOG}/{{chart_post}}": "[data-reaction]:not([hidden]) [data-reaction-count]:not([hidden])",
    f"{BLOG}/{{scheduled_post}}": "text=This post is scheduled",
    f"{BLOG}/{{cover_post}}/history": ".workspace-blog-revision",
    f"{BLOG}": ".workspace-blog-card",
    "/blog": ".workspace-blog-card",
    "/notifications/": "text=/^3 new replies in “/",
    "/notifications/?kind=discussions": "#filter-kind option[value=discussions][selected]",
    "/notifications/?kind=action_items": "text=No notifications match these filters.",
}
# The same path shows other things to other people: what each must see there.
SHOWING_AS: dict[tuple[str, str], str] = {
    ("facilitator", f"{BLOG}"): "#waiting-heading",
    ("facilitator", f"{BLOG}/{{chart_post}}"): ".workspace-comment__article--hidden",
    ("observer", f"{BLOG}/{{chart_post}}"): "text=Observers read the blog",
    ("visitor", f"{BLOG}/{{cover_post}}"): "a:has-text('Sign in')",
    ("visitor", f"/communities/{DATA_SYSTEMS}/blog"): ".workspace-blog-card",
}


def audit_state(page: Page) -> list[str]:
    """axe problems of the page as it stands, with its disclosures open, and at 320px."""
    problems = describe_violations(page.url, axe_violations(page))
    problems += audit_open_states(page, header=False)
    page.set_viewport_size({"width": NARROW, "height": 800})
    scroll_width, _ = page_widths(page)
    if scroll_width > NARROW:
        problems.append(f"{page.url} scrolls sideways at {NARROW}px ({scroll_width}px)")
    page.set_viewport_size({"width": 1280, "height": 900})
    return problems


def test_each_state_of_a_page_passes_axe_and_reflows(open_page: Callable[..., Page],
                                                    live_server):
    values = _ids(live_server)
    _hide_comment(live_server, values["hidden_comment"])
    problems: list[str] = []
    for role, paths in PAGE_STATES.items():
        page = open_page()
        if ROLES[role]:
            PointerDriver(page).sign_in(ROLES[role])
        for template in paths:
            path = template.format(**values)
            response = page.goto(path)
            if not response or response.status != 200:
                problems.append(f"{path} answered {response.status if response else None}")
                continue
            for shown in (SHOWING.get(template), SHOWING_AS.get((role, template))):
                if shown and page.locator(shown).count() == 0:
                    problems.append(f"{path} as {role} does not show {shown}")
            problems += audit_state(page)
    assert not problems, "\n".join(problems)


def test_a_session_answered_and_a_session_cancelled_pass_axe_and_reflow(
        open_page: Callable[..., Page], live_server):
    """States a session reaches by a form: an answer given (its button pressed, the message
    saying so) and a cancellation (the alert on its page, the mark on every list)."""
    session = f"/communities/{SDI}/sessions/{_ids(live_server)['session']}"
    problems: list[str] = []

    member = open_page()
    driver = PointerDriver(member)
    driver.sign_in(ROLES["az.member"])
    driver.goto(session)
    driver.navigate_by(member.get_by_role("button", name="Maybe", exact=True))
    assert member.get_by_role("button", name="Maybe", exact=True).get_attribute(
        "aria-pressed") == "true"
    problems += audit_state(member)

    page = open_page()
    facilitator = PointerDriver(page)
    facilitator.sign_in(ROLES["facilitator"])
    facilitator.goto(session + "/cancel")
    facilitator.fill(page.get_by_label(re.compile("^Reason")), "The presenter is ill.")
    facilitator.navigate_by(page.get_by_role("button", name="Cancel the session"))
    assert page.locator("#cancelled-heading").count() == 1, page.url
    problems += audit_state(page)
    facilitator.goto(f"/communities/{SDI}/sessions")
    # The struck-through title says it in words too, for a list of links.
    assert page.get_by_role("link", name=re.compile(r"^Cancelled: Session 3: ")).count() == 1
    problems += audit_state(page)

    driver.goto("/sessions")  # the member's answer beside the cancelled session
    problems += audit_state(member)
    assert not problems, "\n".join(problems)


def test_the_outbox_with_a_failed_email_passes_axe_and_reflows(open_page: Callable[..., Page],
                                                              live_server):
    """The outbox as staff find it when the mail server refused something: the alert, the
    message with its attempts, error and buttons, first; then filtered to the failed ones. And
    Try again: the message waits to be sent."""
    from workspace.mail.models import MailState, OutboxMessage

    with live_server.database() as session:
        refused = OutboxMessage(
            recipient="gone@azed.gov", subject="A new reply in Monitoring",
            body="A new reply.", html_body="<p>A new reply.</p>", state=MailState.FAILED,
            attempts=1, error="The mail server refused the recipient: 550 5.1.1 No such user")
        session.add(refused)
        session.commit()
        refused_id = refused.id
    page = open_page()
    driver = PointerDriver(page)
    driver.sign_in(ROLES["staff"])
    problems: list[str] = []
    for path in ("/admin/outbox/", "/admin/outbox/?state=failed"):
        driver.goto(path)
        assert page.get_by_role("button", name=re.compile("^Try again")).count() == 1, path
        problems += audit_state(page)
    driver.navigate_by(page.get_by_role("button", name=re.compile("^Try again")))
    assert page.locator(".usa-alert--success").count() == 1, page.url
    problems += audit_state(page)
    assert not problems, "\n".join(problems)
    with live_server.database() as session:
        assert session.get(OutboxMessage, refused_id).state is not MailState.FAILED


def test_the_calendar_address_shown_once_passes_axe_and_copies_by_keyboard(
        open_page: Callable[..., Page], live_server):
    """The feed page as it is only once, after "Create my calendar address" (a POST the crawl
    never sends), then with an address in use; operated from the keyboard."""
    page = open_page()
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    driver = KeyboardDriver(page, audit=True)
    driver.sign_in(ROLES["tx.member"])
    driver.goto("/calendar")
    driver.navigate_by(page.get_by_role("button", name="Create my calendar address"))
    problems = audit_open_states(page, header=False)
    page.set_viewport_size({"width": NARROW, "height": 800})
    scroll_width, _ = page_widths(page)
    if scroll_width > NARROW:
        problems.append(f"/calendar (address shown) scrolls sideways at {NARROW}px")
    page.set_viewport_size({"width": 1280, "height": 900})

    address = page.get_by_label("Calendar address", exact=True)
    expect(address).to_have_attribute("readonly", "")
    driver.operate(page.locator("button[data-copy='feed-address']"))
    expect(page.locator("[data-copy-status='feed-address']")).to_have_text("Copied")
    assert page.evaluate("navigator.clipboard.readText()") == address.input_value()
    assert "/calendar/" in address.input_value()

    driver.goto("/calendar")  # an address in use: when it was made, replace, turn off
    expect(page.get_by_role("button", name="Replace address")).to_be_visible()
    assert page.get_by_label("Calendar address", exact=True).count() == 0
    problems += driver.violations
    assert not problems, "\n".join(problems)


def test_a_blog_feed_address_shown_once_passes_axe_and_copies_by_keyboard(
        open_page: Callable[..., Page], live_server):
    """A blog's feed page as it is only once, after "Create my feed address", then with the
    address in use; operated from the keyboard."""
    page = open_page()
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    driver = KeyboardDriver(page, audit=True)
    driver.sign_in(ROLES["az.member"])
    driver.goto(f"{BLOG}")
    driver.navigate_by(page.get_by_role("link", name="Follow in a feed reader"))
    driver.navigate_by(page.get_by_role("button", name="Create my feed address"))
    expect(page.get_by_role("heading", name="Your new feed address")).to_be_visible()
    problems = audit_state(page)

    address = page.get_by_label("Feed address", exact=True)
    expect(address).to_have_attribute("readonly", "")
    driver.operate(page.locator("button[data-copy='feed-address']"))
    expect(page.locator("[data-copy-status='feed-address']")).to_have_text("Copied")
    assert page.evaluate("navigator.clipboard.readText()") == address.input_value()
    assert "/blog-feeds/" in address.input_value()
    # The public feed's address is there too: the exchange's page is public.
    expect(page.get_by_label("Public feed address", exact=True)).to_have_value(
        re.compile(r"/blog/public\.atom$"))

    driver.goto(f"{BLOG}/feed")  # an address in use: replace it or turn it off
    expect(page.get_by_role("button", name="Replace address")).to_be_visible()
    assert page.get_by_label("Feed address", exact=True).count() == 0
    problems += audit_state(page) + driver.violations
    assert not problems, "\n".join(problems)


# --- Error states ------------------------------------------------------------------------------

def _tokens(live_server: Any) -> dict[str, str]:
    """A fresh invitation link and password-reset link, made the way the app makes them."""
    from workspace.auth.service import invitation_token, invite, reset_token, user_by_email

    with live_server.app.test_request_context(base_url=live_server.url):
        staff = user_by_email("staff@example.org")
        invitation = invite(staff, email="audit.person@azed.gov", name="Audit Person",
                            organization=staff.organization)
        tokens = {"invitation": invitation_token(invitation),
                  "reset": reset_token(user_by_email("tx.member@example.org"))}
        db.session.remove()
    return tokens


def _flag(live_server: Any, post_id: int) -> int:
    """An open flag in the demo's forum, raised the way a member raises one."""
    from workspace.auth.service import user_by_email
    from workspace.forums.models import Post
    from workspace.forums.moderation import flag_post

    with live_server.app.test_request_context(base_url=live_server.url):
        post = db.session.get(Post, post_id)
        flag = flag_post(user_by_email("az.member@example.org"), post, reason="Off topic")
        flag_id = flag.id
        db.session.remove()
    return flag_id


def _hide_comment(live_server: Any, comment_id: int) -> None:
    """A comment the facilitator hid, the way they hide one from the post."""
    from workspace.auth.service import user_by_email
    from workspace.blogs.models import BlogComment
    from workspace.blogs.moderation import hide_comment

    with live_server.app.test_request_context(base_url=live_server.url):
        hide_comment(user_by_email("facilitator@example.org"),
                     db.session.get(BlogComment, comment_id),
                     reason="It names a school leader; please repost without the name.")
        db.session.remove()


def _ids(live_server: Any) -> dict[str, Any]:
    from sqlalchemy import select

    from workspace.announcements.models import Announcement
    from workspace.auth.models import User
    from workspace.communities.models import Community
    from workspace.forums.models import ForumCategory, Post, Topic
    from workspace.organizations.models import Organization
    from workspace.sessions.models import LiveSession
    from workspace.sessions.poll_models import Poll

    with live_server.database() as session:
        member = session.scalar(select(User.id).where(User.email == "az.member@example.org"))
        sdi = session.scalar(select(Community.id).where(Community.slug == SDI))
        topic = session.scalar(select(Topic.id).where(Topic.community_id == sdi)
                               .order_by(Topic.id))
        posts = select(Post.id).where(Post.topic_id == topic).order_by(Post.id)
        return {
            "person": member,
            "organization": session.scalar(select(Organization.id).where(
                Organization.short_name == "AZ")),
            "announcement": session.scalar(select(Announcement.id).order_by(Announcement.id)),
            "category": session.scalar(select(ForumCategory.id).where(
                ForumCategory.community_id == sdi).order_by(ForumCategory.id)),
            "topic": topic,
            "own_post": session.scalar(posts.where(Post.author_id == member)),
            "other_post": session.scalar(posts.where(Post.author_id != member)),
            # "Session 3", two weeks ahead: one session, not part of a repeat.
            "session": session.scalar(select(LiveSession.id).where(
                LiveSession.community_id == sdi, LiveSession.number == 3)),
            "past_session": session.scalar(select(LiveSession.id).where(
                LiveSession.community_id == sdi, LiveSession.number == 1)),
            # A poll the demo prepared for the session open now (Session 2).
            "poll": session.scalar(select(Poll.id).join(
                LiveSession, LiveSession.id == Poll.session_id).where(
                LiveSession.community_id == sdi, LiveSession.number == 2).order_by(Poll.id)),
            "open_session": session.scalar(select(LiveSession.id).where(
                LiveSession.community_id == sdi, LiveSession.number == 2)),
            **_library_ids(session),
            **_blog_ids(session),
        }


def _library_ids(session: Any) -> dict[str, int | None]:
    """The demo library's resources (workspace/demo/library.yaml) each page state needs."""
    from sqlalchemy import select

    from workspace.resources.models import Audience, Collection, Resource, ResourceType

    def resource(*conditions: Any) -> int | None:
        return session.scalar(select(Resource.id).where(*conditions).order_by(Resource.id))

    return {
        "slides": resource(Resource.title.like("Session 1 slides: frameworks%")),
        "link": resource(Resource.link_url.is_not(None)),
        "draft": resource(Resource.audience == Audience.STATE),
        "protocol": resource(Resource.title == "Mid-year data review protocol"),
        "summary": resource(Resource.type == ResourceType.SUMMARY),
        "toolkit": session.scalar(select(Collection.id).where(
            Collection.title == "The SDI toolkit")),
    }


def _blog_ids(session: Any) -> dict[str, int | None]:
    """The demo blog's posts and comments (workspace/demo/blog.yaml) each page state needs."""
    from sqlalchemy import select

    from workspace.auth.models import User
    from workspace.blogs.models import BlogComment, BlogPost

    def post(title_start: str) -> int | None:
        return session.scalar(select(BlogPost.id).where(BlogPost.title.startswith(title_start)))

    def comment(post_id: int | None, email: str, *, reply: bool) -> int | None:
        parent = BlogComment.parent_id.is_not(None) if reply else BlogComment.parent_id.is_(None)
        return session.scalar(select(BlogComment.id).join(User, User.id == BlogComment.author_id)
                              .where(BlogComment.post_id == post_id, User.email == email, parent)
                              .order_by(BlogComment.id))

    cover_post = post("Two or three priorities")  # public, edited, comments and replies
    chart_post = post("Leading indicators")
    return {
        "cover_post": cover_post,
        "chart_post": chart_post,
        "member_post": post("What Arizona tried"),
        "scheduled_post": post("Before Session 3"),
        "own_comment": comment(cover_post, "az.member@example.org", reply=False),
        "sme_reply": comment(cover_post, "sme@example.org", reply=True),
        "other_comment": comment(cover_post, "ga.member@example.org", reply=False),
        "hidden_comment": comment(chart_post, "ga.member@example.org", reply=False),
    }


# A cover for the post form: a small PNG, as a person would choose one.
def _png() -> bytes:
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (60, 40), "teal").save(out, format="PNG")
    return out.getvalue()


# Each form sent once with required fields empty: who, where, which form, which fields to clear
# (or to fill with something wrong, options to choose, radios to tick and files to attach, all
# by label), and what the summary must then say.
FORM_ERROR_STATES: list[dict[str, Any]] = [
    {"endpoint": "auth.sign_in", "role": "visitor", "path": "/sign-in"},
    {"endpoint": "auth.forgot_password", "role": "visitor", "path": "/password/forgot"},
    {"endpoint": "auth.accept_invitation", "role": "visitor",
     "path": "/invitations/{invitation}", "clear": ["Full name"]},
    {"endpoint": "auth.reset_password", "role": "visitor", "path": "/password/reset/{reset}"},
    {"endpoint": "auth.profile", "role": "az.member", "path": "/account",
     "clear": ["Full name", "Handle"]},
    {"endpoint": "auth.change_password", "role": "az.member", "path": "/account/password"},
    {"endpoint": "communities.express_interest", "role": "tx.member",
     "path": f"/communities/{DATA_SYSTEMS}", "form": "main form[action$='/interest']"},
    {"endpoint": "communities.edit", "role": "facilitator", "path": f"/communities/{SDI}/edit",
     "clear": ["Title"]},
    {"endpoint": "auth.new_invitation", "role": "staff", "path": "/invitations/new"},
    {"endpoint": "auth.edit_person", "role": "staff", "path": "/people/{person}",
     "clear": ["Full name"]},
    {"endpoint": "communities.new", "role": "staff", "path": "/communities/new"},
    {"endpoint": "organizations.new", "role": "staff", "path": "/organizations/new"},
    {"endpoint": "organizations.edit", "role": "staff",
     "path": "/organizations/{organization}/edit", "clear": ["Name"]},
    # Email paused until a day gone by.
    {"endpoint": "email_settings.settings", "role": "az.member", "path": "/settings/email",
     "tick": ["Pause all email"], "fill": {"Until": "2020-01-15"},
     "message": "Until: Choose a date from today on"},
    {"endpoint": "announcements.new", "role": "staff", "path": "/news/new"},
    {"endpoint": "announcements.edit", "role": "staff",
     "path": "/news/{announcement}/edit", "clear": ["Title"]},
    # The School and District Improvement P2P's forum, as the demo seeds it.
    {"endpoint": "forums.new_topic", "role": "az.member",
     "path": f"/communities/{SDI}/forums/categories/{{category}}/topics/new",
     "form": "main form[action$='/topics/new']"},
    {"endpoint": "forums.reply", "role": "az.member",
     "path": f"/communities/{SDI}/forums/topics/{{topic}}", "form": "main form[action$='/posts']"},
    {"endpoint": "forums.edit_post", "role": "az.member",
     "path": f"/communities/{SDI}/forums/posts/{{own_post}}/edit",
     "form": "main form[action$='/edit']", "clear": ["Your post"]},
    {"endpoint": "forums.flag_post", "role": "az.member",
     "path": f"/communities/{SDI}/forums/posts/{{other_post}}/flag",
     "form": "main form[action$='/flag']"},
    {"endpoint": "forums.hide_post", "role": "facilitator",
     "path": f"/communities/{SDI}/forums/posts/{{other_post}}/hide",
     "form": "main form[action$='/hide']"},
    {"endpoint": "forums.categories", "role": "facilitator",
     "path": f"/communities/{SDI}/forums/categories",
     "form": "main form[action$='/categories']:has(input[name=name])"},
    {"endpoint": "forums.edit_category", "role": "facilitator",
     "path": f"/communities/{SDI}/forums/categories/{{category}}/edit",
     "form": "main form[action$='/edit']", "clear": ["Name"]},
    {"endpoint": "moderation.hide_flagged", "role": "facilitator",
     "path": f"/communities/{SDI}/moderation/flags/{{flag}}/hide",
     "form": "main form[action$='/hide']"},
    # Sessions: the title missing; the end before the start; a time the clocks skip (2:30 AM
    # on the second Sunday of March, Eastern); a session moved without a reason; a
    # cancellation without one.
    {"endpoint": "sessions.new", "role": "facilitator", "path": f"/communities/{SDI}/sessions/new",
     "form": "main form[action$='/sessions/new']"},
    {"endpoint": "sessions.new", "role": "facilitator", "path": f"/communities/{SDI}/sessions/new",
     "form": "main form[action$='/sessions/new']",
     "fill": {"Title": "Audited session", "Date": "2030-01-15", "Starts": "14:00",
              "Ends": "13:00"}, "message": "Ends: End the session after it starts"},
    {"endpoint": "sessions.new", "role": "facilitator", "path": f"/communities/{SDI}/sessions/new",
     "form": "main form[action$='/sessions/new']",
     "fill": {"Title": "Audited session", "Date": "2030-03-10", "Starts": "02:30",
              "Ends": "03:30"}, "choose": {"Time zone": "America/New_York"},
     "message": "Starts: 2:30 AM does not exist on March 10, 2030 in Eastern time"},
    {"endpoint": "sessions.edit", "role": "facilitator",
     "path": f"/communities/{SDI}/sessions/{{session}}/edit", "form": "main form[action$='/edit']",
     "fill": {"Date": "2030-02-12"}, "message": "Reason for the change: Say why the time changes"},
    {"endpoint": "sessions.cancel", "role": "facilitator",
     "path": f"/communities/{SDI}/sessions/{{session}}/cancel",
     "form": "main form[action$='/cancel']"},
    # "Publish" comes first: an empty summary can't be published.
    {"endpoint": "sessions.summary", "role": "facilitator",
     "path": f"/communities/{SDI}/sessions/{{session}}/summary",
     "form": "main form[action$='/summary']", "clear": ["Summary"],
     "message": "Summary: Write the summary before publishing it."},
    {"endpoint": "polls.edit", "role": "facilitator",
     "path": f"/communities/{SDI}/sessions/{{open_session}}/polls/{{poll}}/edit",
     "form": "main form[action$='/edit']", "clear": ["Question"],
     "message": "Question: Write the question."},
    {"endpoint": "polls.index", "role": "facilitator",
     "path": f"/communities/{SDI}/sessions/{{session}}/polls",
     "form": "main form[action$='/polls']", "message": "Question: Write the question."},
    # The library: nothing chosen to add; a resource without its title; a version without its
    # file or what changed; a flag without its reason; a collection and a summary untitled.
    {"endpoint": "library.new", "role": "az.member", "path": f"/communities/{SDI}/library/new",
     "form": "main form[data-upload-form]",
     "message": "Files: Choose a file to upload, or give a link."},
    {"endpoint": "resources.edit", "role": "az.member", "path": "/library/{draft}/edit",
     "form": "main form[action$='/edit']", "clear": ["Title"],
     "message": "Title: Give it a title."},
    {"endpoint": "resources.new_version", "role": "az.member",
     "path": "/library/{draft}/versions/new", "form": "main form[action$='/versions/new']",
     "message": "What changed: Say what changed in this version."},
    {"endpoint": "resources.flag", "role": "az.member", "path": "/library/{protocol}/flag",
     "form": "main form[action$='/flag']"},
    {"endpoint": "library.new_collection", "role": "facilitator",
     "path": f"/communities/{SDI}/library/collections/new",
     "form": "main form[action$='/collections/new']",
     "message": "Title: Give the collection a title."},
    {"endpoint": "library.edit_collection", "role": "staff",
     "path": f"/communities/{SDI_2019}/library/collections/{{toolkit}}/edit",
     "form": "main form[action$='/edit']", "clear": ["Title"],
     "message": "Title: Give the collection a title."},
    {"endpoint": "library.summary", "role": "facilitator",
     "path": f"/communities/{SDI}/library/summary", "form": "main form[action$='/summary']",
     "clear": ["Title"], "message": "Title: Give the summary a title."},
    # The blog: a post without its title; a cover without its description; a schedule in the
    # past; an edit that clears the title; a comment, an edit, a flag and a hiding with nothing
    # written. Arizona's member may write: the demo turns "members may post" on.
    {"endpoint": "blogs.new", "role": "az.member", "path": f"{BLOG}/new",
     "form": "main form[action$='/blog/new']", "message": "Title: Give the post a title."},
    {"endpoint": "blogs.new", "role": "az.member", "path": f"{BLOG}/new",
     "form": "main form[action$='/blog/new']",
     "fill": {"Title": "Our family survey", "Post": "We asked every family."},
     "attach": {"Choose an image": ("families.png", _png())},
     "message": "Describe the cover image for people who can't see it."},
    {"endpoint": "blogs.new", "role": "az.member", "path": f"{BLOG}/new",
     "form": "main form[action$='/blog/new']",
     "fill": {"Title": "Our family survey", "Post": "We asked every family.",
              "Date": "2020-01-15", "Time": "09:00"},
     "tick": ["Schedule for a date and time"],
     "message": "Date: That time has passed: choose a time in the future, or publish now."},
    {"endpoint": "blogs.edit", "role": "az.member", "path": f"{BLOG}/{{member_post}}/edit",
     "form": "main form[action$='/edit']", "clear": ["Title"],
     "message": "Title: Give the post a title."},
    {"endpoint": "blog_comments.add_comment", "role": "az.member",
     "path": f"{BLOG}/{{chart_post}}", "form": "main form[action$='/comments']",
     "message": "Your comment: Write your comment before posting it."},
    {"endpoint": "blog_comments.edit_comment", "role": "az.member",
     "path": f"{BLOG}/comments/{{own_comment}}/edit", "form": "main form[action$='/edit']",
     "clear": ["Your comment"], "message": "Your comment: Write your comment before posting it."},
    {"endpoint": "blog_comments.flag_comment", "role": "az.member",
     "path": f"{BLOG}/comments/{{sme_reply}}/flag", "form": "main form[action$='/flag']",
     "message": "Say why you are flagging this comment."},
    {"endpoint": "blog_comments.hide_comment", "role": "facilitator",
     "path": f"{BLOG}/comments/{{other_comment}}/hide", "form": "main form[action$='/hide']",
     "message": "Say why you are hiding it."},
]

_ERRORS_ARE_TIED_TO_FIELDS = """() => Array.from(document.querySelectorAll('[aria-invalid=true]'))
  .filter(field => !(field.getAttribute('aria-describedby') || '').split(' ')
    .some(id => id && document.getElementById(id)
                && document.getElementById(id).classList.contains('usa-error-message')))
  .map(field => field.id || field.name)"""


def test_every_form_error_state_passes_axe(open_page: Callable[..., Page], live_server):
    values = {**_tokens(live_server), **_ids(live_server)}
    values["flag"] = _flag(live_server, values["other_post"])
    problems: list[str] = []
    by_role: dict[str, list[dict[str, Any]]] = {}
    for entry in FORM_ERROR_STATES:
        by_role.setdefault(entry["role"], []).append(entry)
    for role, entries in by_role.items():
        page = open_page()
        driver = PointerDriver(page)
        if ROLES[role]:
            driver.sign_in(ROLES[role])
        for entry in entries:
            path = entry["path"].format(**values)
            driver.goto(path)
            form = page.locator(entry.get("form", "main form[method=post]:not([action])")).first
            for label in entry.get("clear", []):
                form.get_by_label(re.compile("^" + re.escape(label))).fill("")
            for label in entry.get("tick", []):  # first: it may show the fields to fill
                # USWDS draws radios and checkboxes on their labels; the inputs sit off screen.
                radio_id = form.get_by_label(label, exact=True).get_attribute("id")
                form.locator(f"label[for='{radio_id}']").click()
            for label, value in entry.get("fill", {}).items():
                form.get_by_label(re.compile("^" + re.escape(label) + r"\b")).fill(value)
            for label, value in entry.get("choose", {}).items():
                form.get_by_label(re.compile("^" + re.escape(label))).select_option(value)
            for label, (name, data) in entry.get("attach", {}).items():
                # By its <label>: USWDS names the file input itself "Drag file here or ...".
                input_id = form.locator("label", has_text=label).get_attribute("for")
                form.locator(f"input[type=file][id='{input_id}']").set_input_files(
                    {"name": name, "mimeType": "image/png", "buffer": data})
            form.evaluate("form => { form.noValidate = true; }")
            with page.expect_navigation() as navigation:
                form.locator("button[type=submit]").first.click()
            status = navigation.value.status if navigation.value else None
            if status != 422:
                sent = entry.get("fill", "empty")
                problems.append(f"{path} sent {sent} answered {status}, not 422 "
                                f"{watch(page).summary()}")
                continue
            summary = page.locator("#form-errors")
            if summary.count() != 1:
                problems.append(f"{path}: no error summary (#form-errors)")
            elif entry.get("message", "") not in summary.inner_text():
                problems.append(f"{path}: the error summary does not say "
                                f"{entry['message']!r}: {summary.inner_text()!r}")
            elif not summary.evaluate("el => el === document.activeElement"):
                problems.append(f"{path}: the error summary does not receive focus")
            untied = page.evaluate(_ERRORS_ARE_TIED_TO_FIELDS)
            if untied:
                problems.append(f"{path}: invalid fields without their error message in "
                                f"aria-describedby: {untied}")
            problems += describe_violations(f"{page.url} (error state)", axe_violations(page))
    assert not problems, "\n".join(problems)


# --- Email settings and unsubscribing ------------------------------------------------------------

def test_email_settings_by_keyboard_saved_paused_and_unsubscribed_pass_axe(
        open_page: Callable[..., Page], live_server):
    """The settings page by keyboard: a choice saved, email paused until a day (said at the
    top), then on again; and the pages a visitor meets from an email's unsubscribe link."""
    from datetime import timedelta

    from workspace.auth.service import user_by_email
    from workspace.database import utcnow
    from workspace.notifications.email import unsubscribe_token

    page = open_page()
    driver = KeyboardDriver(page, audit=True)
    driver.sign_in(ROLES["az.member"])
    driver.goto("/settings/email")
    driver.tick(page.locator("#blogs").get_by_label(re.compile("^Weekly digest")))
    driver.tick(page.get_by_label("Pause all email", exact=True))
    until = utcnow().date() + timedelta(days=20)
    driver.enter_date(page.get_by_label(re.compile("^Until")), until)
    driver.navigate_by(page.get_by_role("button", name="Save email settings"))
    expect(page.locator(".usa-alert--success")).to_contain_text("Your email settings are saved.")
    expect(page.locator("#email-paused h2")).to_have_text(
        f"Email is paused until {until:%B} {until.day}, {until.year}")
    expect(page.locator("#blogs").get_by_label(re.compile("^Weekly digest"))).to_be_checked()
    driver.navigate_by(page.get_by_role("button", name="Turn email back on"))
    expect(page.locator(".usa-alert--success")).to_contain_text("Email is on again.")
    assert page.locator("#email-paused").count() == 0

    with live_server.app.app_context():
        token = unsubscribe_token(user_by_email("az.member@example.org").id, "category:mentions")
        db.session.remove()
    visitor = KeyboardDriver(open_page(), audit=True)
    visitor.goto(f"/email/unsubscribe/{token}")
    visitor.navigate_by(visitor.page.get_by_role("button", name="Unsubscribe"))
    expect(visitor.page.locator("h1")).to_have_text("Unsubscribed")
    visitor.navigate_by(visitor.page.get_by_role("button", name=re.compile("^Undo")))
    expect(visitor.page.locator("h1")).to_have_text("Email back on")
    visitor.goto("/email/unsubscribe/not-a-token", status=404)
    assert not driver.violations + visitor.violations, "\n".join(
        driver.violations + visitor.violations)


# --- The audit can fail --------------------------------------------------------------------------

BROKEN_PAGE = """<!doctype html><html lang="en"><head><title>Broken on purpose</title></head>
<body><main><h1>Broken on purpose</h1>
<img src="/static/vendor/uswds/img/usa-icons/close.svg">
<form><input type="text" name="nameless"></form>
</main></body></html>"""


def test_the_audit_reports_what_is_broken(open_page, live_server):
    """A page served on the app's origin, under the app's CSP, that axe must fault."""
    from workspace.security import SECURITY_HEADERS

    page = open_page()
    page.route(f"{live_server.url}/broken-on-purpose", lambda route: route.fulfill(
        status=200, content_type="text/html", body=BROKEN_PAGE, headers=SECURITY_HEADERS))
    page.goto("/broken-on-purpose")
    found = {violation["id"] for violation in axe_violations(page)}
    assert {"image-alt", "label"} <= found, found


# --- Text spacing (WCAG 1.4.12) ------------------------------------------------------------------

# The spacing a reader may set for themselves, as the criterion states it.
TEXT_SPACING = """* { line-height: 1.5 !important; letter-spacing: 0.12em !important;
                     word-spacing: 0.16em !important; }
                  p { margin-bottom: 2em !important; }"""

_CLIPPED_TEXT = """() => Array.from(document.querySelectorAll('body *')).filter(el => {
  if (['INPUT', 'SELECT', 'TEXTAREA', 'OPTION', 'SCRIPT', 'STYLE'].includes(el.tagName))
    return false;
  if (el.closest('.usa-sr-only, .usa-skipnav, [hidden], [aria-hidden=true]')) return false;
  if (!el.textContent.trim() || !el.getClientRects().length) return false;
  const style = getComputedStyle(el);
  const hides = value => value === 'hidden' || value === 'clip';
  return (hides(style.overflowX) && el.scrollWidth > el.clientWidth + 1)
      || (hides(style.overflowY) && el.scrollHeight > el.clientHeight + 1);
}).slice(0, 5).map(el => el.tagName.toLowerCase() + '.' + String(el.className).trim()
                          .split(/\\s+/).join('.') + ': ' + el.textContent.trim().slice(0, 40))"""

SPACED_PAGES = {
    "az.member": ["/", "/communities/", f"/communities/{SDI}", f"/communities/{SDI}/members",
                  f"/communities/{SDI}/forums/", "/account", "/calendar"],
    "staff": ["/invitations/new", "/organizations/", "/admin/outbox/"],
}


def test_pages_keep_their_text_with_a_readers_own_text_spacing(open_page, live_server):
    """The reader's spacing is injected as a style sheet, which the app's CSP would refuse
    from a page; here the context bypasses CSP, as a user style sheet would."""
    problems = []
    for role, paths in SPACED_PAGES.items():
        page = open_page(bypass_csp=True)
        PointerDriver(page).sign_in(ROLES[role])
        for path in paths:
            page.goto(path)
            page.add_style_tag(content=TEXT_SPACING)
            for width in (1280, NARROW):
                page.set_viewport_size({"width": width, "height": 900})
                clipped = page.evaluate(_CLIPPED_TEXT)
                if clipped:
                    problems.append(f"{path} at {width}px clips text: {clipped}")
                scroll_width, viewport = page_widths(page)
                if scroll_width > viewport:
                    problems.append(f"{path} at {width}px scrolls sideways ({scroll_width}px)")
            page.set_viewport_size({"width": 1280, "height": 900})
    assert not problems, "\n".join(problems)
