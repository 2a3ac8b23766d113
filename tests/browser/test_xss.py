"""Cross-site scripting: a public corpus pushed through every field that takes people's text.

The vectors (tests/data/xss_vectors.json, from the OWASP, PortSwigger and HTML5 Security cheat
sheets) go in through the app's own forms over HTTP, with real CSRF tokens, as the people who may
write each field; then the pages that show them are opened in Chromium with a trap:

- an init script replaces alert, confirm, prompt and print with functions that raise
  window.__xss_fired (in every frame), and a dialog listener catches anything that slips past;
- listeners record JavaScript errors and console errors, and any navigation away from the app;
- a DOM scan looks for what an injection leaves behind even when nothing fired: inline event
  handlers, javascript:/vbscript:/data: URLs, inline scripts, frames, objects, <base>, <meta>.

The pages are opened with the Content-Security-Policy bypassed, so what is tested is the escaping
and sanitizing itself, not the CSP that backs it up. Vectors are batched: many to a field, many
objects to a list page, so each page is opened once. Short fields (names, titles) get the corpus
packed into as many objects as it takes, all shown by one list page.

Fields: a community's title, timeframe, purpose, Markdown description, objectives, outcomes,
session topics, topics, subject matter experts and recruiting note; announcements' title, byline
and Markdown body; organizations' name, short name, state name and website; people's name, title
and phone (by staff, and one's own profile; a handle can hold no markup, which
tests/auth/test_handles.py shows for every vector); invitations' name and note (which also reach
the email outbox); a state's problem-of-practice statement and the facilitator's decision note;
forum categories' name and description, topics' title, Markdown posts and quotes, flag and hide
reasons; blog posts' title, summary, Markdown body, tags and cover description, and comments and
replies; the library's resource titles, Markdown descriptions, tags, link addresses and version
notes, collections' title and description, and the series summary.
Search boxes get vectors in their query strings (reflected rather than stored). A field added later
needs a line in write_the_corpus() and its page in READING.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from playwright.sync_api import APIRequestContext, Page

from tests.browser.support import DATA_SYSTEMS, DEMO_PASSWORD, SDI

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

CORPUS = Path(__file__).resolve().parents[1] / "data" / "xss_vectors.json"
VECTORS: list[str] = [entry["vector"] for entry in json.loads(
    CORPUS.read_text(encoding="utf-8"))["vectors"]]

TRAP = """(() => {
  window.__xss_fired = [];
  const trap = name => function (...args) {
    window.__xss_fired.push(name + '(' + args.map(String).join(', ') + ')');
  };
  for (const name of ['alert', 'confirm', 'prompt', 'print']) {
    Object.defineProperty(window, name, {value: trap(name), writable: false,
                                         configurable: false});
  }
})();"""

# What an injection leaves in the DOM. The app's own markup has none of it: its CSP forbids
# inline scripts and handlers, and it embeds no frames or objects.
DOM_SCAN = """() => {
  const found = [];
  const dangerousUrl = /^[\\s\\u0000-\\u001f]*(javascript|vbscript|livescript|data)\\s*:/i;
  const urlAttributes = ['href', 'src', 'action', 'formaction', 'data', 'background', 'poster',
                         'xlink:href', 'dynsrc', 'lowsrc', 'srcdoc', 'codebase', 'values', 'to'];
  const describe = el => el.outerHTML.slice(0, 140);
  // The app's own links in the head: its stylesheets, and a blog's feed for feed readers.
  const ownLink = el => el.closest('head') && new URL(el.href).origin === location.origin
    && (new URL(el.href).pathname.startsWith('/static/')
        || (el.rel === 'alternate' && el.type === 'application/atom+xml'));
  for (const el of document.querySelectorAll('*')) {
    for (const attr of el.attributes) {
      const name = attr.name.toLowerCase();
      if (name.startsWith('on')) found.push('event handler ' + name + ': ' + describe(el));
      else if (urlAttributes.includes(name) && dangerousUrl.test(attr.value))
        found.push('script URL in ' + name + ': ' + describe(el));
      else if (name === 'style' && /expression|javascript|behavior|binding|url\\s*\\(/i
               .test(attr.value)) found.push('style: ' + describe(el));
    }
    const tag = el.tagName.toLowerCase();
    if (tag === 'script' && !(el.src && new URL(el.src).origin === location.origin
                              && new URL(el.src).pathname.startsWith('/static/')))
      found.push('script: ' + describe(el));
    if (['iframe', 'frame', 'frameset', 'object', 'embed', 'applet', 'base', 'meta', 'bgsound',
         'isindex', 'keygen', 'marquee', 'xss', 'style', 'link'].includes(tag)
        && !(tag === 'link' && ownLink(el))
        && !(tag === 'meta' && el.closest('head') && !el.httpEquiv))
      found.push(tag + ': ' + describe(el));
  }
  return found;
}"""


def packs(limit: int, vectors: list[str] = VECTORS) -> list[str]:
    """The vectors packed, space-separated, into values of at most `limit` characters."""
    values: list[str] = []
    current = ""
    for vector in vectors:
        if len(vector) > limit:
            continue
        if current and len(current) + 1 + len(vector) > limit:
            values.append(current)
            current = ""
        current = f"{current} {vector}" if current else vector
    if current:
        values.append(current)
    return values


def chunks(limit: int, separator: str = "\n\n") -> list[str]:
    """The whole corpus in as few values of at most `limit` characters as it takes."""
    values: list[str] = []
    current = ""
    for vector in VECTORS:
        candidate = f"{current}{separator}{vector}" if current else vector
        if len(candidate) > limit and current:
            values.append(current)
            candidate = vector
        current = candidate
    values.append(current)
    return values


# --- Writing through the forms ----------------------------------------------------------------

class Writer:
    """A person's HTTP session (the browser context's cookies): signs in and sends forms."""

    def __init__(self, request: APIRequestContext, base_url: str) -> None:
        self.request = request
        self.base_url = base_url
        self.csrf = ""

    def _token(self, path: str) -> str:
        page = self.request.get(self.base_url + path)
        found = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.text())
        assert found, f"no CSRF token on {path}"
        return found.group(1)

    def sign_in(self, email: str) -> Writer:
        token = self._token("/sign-in")
        response = self.request.post(self.base_url + "/sign-in", form={
            "csrf_token": token, "email": email, "password": DEMO_PASSWORD})
        assert response.status == 200 and "data-user-id" in response.text(), email
        self.csrf = self._token("/")  # the session's token, in the page's sign-out form
        return self

    def post(self, path: str, fields: dict[str, Any],
             files: dict[str, tuple[str, str, bytes]] | None = None) -> str:
        """Send a form (with files, as (name, media type, bytes), multipart like a browser's)."""
        if not self.csrf:
            self.csrf = self._token(path)
        form = {"csrf_token": self.csrf, **{k: v for k, v in fields.items() if v is not None}}
        if files:
            response = self.request.post(self.base_url + path, multipart={
                **form, **{field: {"name": name, "mimeType": media_type, "buffer": data}
                           for field, (name, media_type, data) in files.items()}})
        else:
            response = self.request.post(self.base_url + path, form=form)
        body = response.text()
        assert response.status == 200, f"POST {path} answered {response.status}: {body[:300]}"
        assert 'id="form-errors"' not in body and "usa-alert--error" not in body, (
            f"POST {path} was refused: "
            f"{re.findall(r'(?:usa-error-message|usa-alert__text)[^>]*>([^<]*)', body)}")
        return body


def _lookup(live_server: Any) -> dict[str, Any]:
    from sqlalchemy import select

    from workspace.communities.models import Community
    from workspace.organizations.models import Organization

    with live_server.database() as session:
        return {
            "sdi": session.scalar(select(Community.id).where(Community.slug == SDI)),
            "oss": session.scalar(select(Organization.id).where(Organization.short_name == "OSS")),
        }


def _people(live_server: Any, count: int) -> list[int]:
    """Accounts to write names onto: observers of the SDI exchange, from a partner."""
    from sqlalchemy import select

    from workspace.auth.models import User
    from workspace.communities.models import Community, CommunityRole, Membership
    from workspace.organizations.models import Organization

    with live_server.database() as session:
        partner = session.scalar(select(Organization).where(Organization.short_name == "OSS"))
        sdi = session.scalar(select(Community).where(Community.slug == SDI))
        staff_hash = session.scalar(select(User.password_hash).where(
            User.email == "staff@example.org"))
        people = [User(email=f"xss{number}@example.org", name=f"Person {number}",
                       handle=f"xss{number}", organization=partner, password_hash=staff_hash)
                  for number in range(count)]
        session.add_all(people)
        session.add_all(Membership(community=sdi, user=person, role=CommunityRole.OBSERVER)
                        for person in people)
        session.commit()
        return [person.id for person in people]


def _latest_interest(live_server: Any) -> int:
    from sqlalchemy import func, select

    from workspace.communities.models import Interest

    with live_server.database() as session:
        return session.scalar(select(func.max(Interest.id)))


def _first_invitation_link(live_server: Any) -> str:
    from sqlalchemy import select

    from workspace.auth.models import Invitation
    from workspace.auth.service import invitation_token

    with live_server.database() as session:
        invitation = session.scalar(select(Invitation).where(
            Invitation.email == "invitee0@azed.gov", Invitation.revoked_at.is_(None)))
        return f"/invitations/{invitation_token(invitation)}"


def write_the_corpus(live_server: Any, writers: dict[str, Writer]) -> dict[str, Any]:
    staff, facilitator = writers["staff"], writers["facilitator"]
    texas, arizona = writers["tx.member"], writers["az.member"]
    ids = _lookup(live_server)
    titles, names, short_names = packs(200), packs(120), packs(80)
    long_texts, notes = chunks(4000), chunks(2000)

    # A recruiting community whose every text field holds vectors; the long Markdown
    # description and the one-per-line lists hold all of them.
    staff.post(f"/communities/{DATA_SYSTEMS}/edit", {
        "title": titles[0], "slug": DATA_SYSTEMS, "kind": "cop", "status": "recruiting",
        "timeframe": packs(120)[0], "summary": long_texts[0], "description": "\n\n".join(VECTORS),
        "objectives": "\n".join(VECTORS), "intended_outcomes": "\n".join(VECTORS),
        "session_topics": "\n".join(VECTORS), "topics": packs(400)[0],
        "subject_matter_experts": "\n".join(VECTORS),
        "recruiting_note": notes[0], "capacity": "", "is_public": "y"})
    # New communities for the rest: every title and (catalogue) summary on one page.
    for number, title in enumerate(titles[1:], start=1):
        staff.post("/communities/new", {
            "title": title, "slug": f"xss-{number}", "kind": "cop", "status": "recruiting",
            "summary": long_texts[number % len(long_texts)], "timeframe": "",
            "topics": packs(400)[number % len(packs(400))], "is_public": "y"})

    # Announcements: one body with everything, and a title and byline for each pack.
    staff.post("/news/new", {"title": "All the vectors", "byline": "",
                             "body": "\n\n".join(VECTORS), "publish": "y"})
    for number, title in enumerate(titles):
        staff.post("/news/new", {"title": title, "byline": titles[-1 - number],
                                 "body": f"Announcement {number}", "publish": "y"})

    # Organizations: names, short names and (an address-shaped vector in) a website.
    websites = [vector for vector in VECTORS if vector.startswith("https://")]
    for number, name in enumerate(titles):
        staff.post("/organizations/new", {
            "kind": "partner", "name": name,
            "short_name": short_names[number] if number < len(short_names) else f"XSS-{number}",
            "state_code": "", "partner_type": "",
            "website": websites[number] if number < len(websites) else ""})
    # State agencies' state names: the catalogue's state filter and the directory show them.
    for number, state_name in enumerate(short_names):
        staff.post("/organizations/new", {
            "kind": "sea", "name": f"XSS state agency {number}", "short_name": f"XSS-SEA-{number}",
            "state_code": "ZZ", "state_name": state_name, "partner_type": "", "website": ""})

    # People: staff write names, titles and phones; one person writes their own profile.
    halves = (names[: len(names) // 2 + 1], names[len(names) // 2 + 1:] or names)
    phones = packs(40)
    people = _people(live_server, len(halves[0]))
    for number, user_id in enumerate(people):
        staff.post(f"/people/{user_id}", {
            "name": halves[0][number], "title": halves[1][number % len(halves[1])],
            "phone": phones[number % len(phones)], "time_zone": "America/New_York",
            "organization_id": ids["oss"]})
    arizona.post("/account", {"name": names[0], "title": names[-1], "phone": phones[0],
                              "time_zone": "America/Phoenix", "handle": "alex.morales"})

    # Invitations: the invitee's name and the personal note (shown on the invitation page,
    # the people page and in the email in the outbox).
    for number in range(25):
        staff.post(f"/invitations/new?community={ids['sdi']}", {
            "email": f"invitee{number}@azed.gov", "name": names[number % len(names)],
            "organization_id": ids["oss"], "community_id": ids["sdi"], "role": "observer",
            "message": notes[number % len(notes)]})

    # Recruiting: Texas states its problem of practice, the facilitator declines with a note,
    # and again until every vector has been through both.
    rounds = max(len(long_texts), 2)
    for number in range(rounds):
        texas.post(f"/communities/{DATA_SYSTEMS}/interest",
                   {"problem_of_practice": long_texts[number % len(long_texts)]})
        facilitator.post(f"/communities/{DATA_SYSTEMS}/interests/{_latest_interest(live_server)}",
                         {"decision": "declined",
                          "message": long_texts[(number + 1) % len(long_texts)]})
    texas.post(f"/communities/{DATA_SYSTEMS}/interest",
               {"problem_of_practice": long_texts[0]})

    # The forum: categories (facilitator), topics and Markdown posts (a member), a quoting
    # reply, flags and a hidden post with their reasons (facilitator).
    forum = f"/communities/{SDI}/forums"
    for number, description in enumerate(chunks(1000)):
        facilitator.post(f"{forum}/categories", {"name": packs(80)[number],
                                                 "description": description})
    category = _forum_category(live_server)
    for number, title in enumerate(titles):
        arizona.post(f"{forum}/categories/{category}/topics/new", {
            "category_id": category, "title": title, "nonce": f"xss-topic-{number}",
            "body": "\n\n".join(VECTORS) if number == 0 else f"Topic {number}"})
    topic, opening = _forum_topic(live_server, titles[0])
    arizona.post(f"{forum}/topics/{topic}/posts", {"body": "Quoting the vectors.",
                                                   "quoted_post_id": opening,
                                                   "nonce": "xss-quote"})
    reasons = packs(500)
    for number in range(4):
        arizona.post(f"{forum}/topics/{topic}/posts", {"body": f"Reply {number}",
                                                       "nonce": f"xss-reply-{number}"})
    replies = _forum_posts(live_server, topic)[-4:]
    for number, post in enumerate(replies[:3]):
        facilitator.post(f"{forum}/posts/{post}/flag", {"reason": reasons[number]})
    facilitator.post(f"{forum}/posts/{replies[3]}/hide", {"reason": reasons[-1]})
    return {"people": people, "invitation": _first_invitation_link(live_server),
            "category": category, "topic": topic}


def tag_lists(most: int) -> list[str]:
    """The vectors as comma-separated tags of at most 40 characters, `most` tags to a list (a
    comma inside a vector makes two tags of it)."""
    lists: list[str] = []
    current: list[str] = []
    count = 0
    for value in packs(40):
        pieces = sum(1 for piece in value.split(",") if piece.strip().strip("#").strip())
        if current and count + pieces > most:
            lists.append(", ".join(current))
            current, count = [], 0
        current.append(value)
        count += pieces
    lists.append(", ".join(current))
    return lists


def write_the_blog_and_library(live_server: Any,
                               writers: dict[str, Writer]) -> dict[str, Any]:
    """The SDI exchange's blog (the SME's posts, a member's comments) and library (a member's
    links and files, the SME's collections, the facilitator's series summary)."""
    from tests.resources.conftest import pdf_bytes, png_bytes

    sme, facilitator, arizona = writers["sme"], writers["facilitator"], writers["az.member"]
    titles, summaries, alts, notes = packs(200), packs(500), packs(300), packs(500)
    everything = "\n\n".join(VECTORS)
    cover = ("cover.png", "image/png", png_bytes())

    # Blog posts: every title, summary, cover description and tag on the index's pages; all
    # the vectors in the first post's Markdown, and in comments and a reply under it.
    blog = f"/communities/{SDI}/blog"
    post_tags = tag_lists(8)
    for number, title in enumerate(titles):
        sme.post(f"{blog}/new", {
            "title": title, "summary": summaries[number % len(summaries)],
            "body": everything if number == 0 else f"Post {number}",
            "tags": post_tags[number] if number < len(post_tags) else "",
            "cover_alt": alts[number % len(alts)], "publishing": "now",
            "nonce": f"xss-blog-{number}"}, files={"cover": cover})
    post = _blog_post(live_server, "xss-blog-0")
    for number, body in enumerate(chunks(10_000)):
        arizona.post(f"{blog}/{post}/comments", {"body": body, "nonce": f"xss-comment-{number}"})
    comment = _blog_comments(live_server, post)[0]
    arizona.post(f"{blog}/{post}/comments", {"body": chunks(10_000)[-1],
                                             "parent_id": str(comment),
                                             "nonce": "xss-blog-reply"})
    # Public: visitors read it too.
    facilitator.post(f"{blog}/{post}/public", {"public": "1"})

    # The library: links (the address itself holds vectors) with every title, Markdown
    # description and tag; a file in many versions, each with its note.
    library = f"/communities/{SDI}/library"
    descriptions, resource_tags = chunks(4000), tag_lists(12)
    links = [f"https://example.org/?{value}" for value in packs(950)]
    for number, title in enumerate(titles):
        arizona.post(f"{library}/new", {
            "source": "link", "link_url": links[number % len(links)], "type": "tool",
            "title": title, "description": descriptions[number % len(descriptions)],
            "tags": resource_tags[number] if number < len(resource_tags) else "",
            "audience": "community", "nonce": f"xss-link-{number}"})
    arizona.post(f"{library}/new", {
        "source": "files", "type": "template", "title": "Every version",
        "description": everything, "tags": resource_tags[0], "audience": "community",
        "nonce": "xss-file"}, files={"files": ("plan.pdf", "application/pdf", pdf_bytes())})
    versioned = _resources(live_server, "Every version")[0]
    for number, note in enumerate(notes):
        arizona.post(f"/library/{versioned}/versions/new", {"note": note}, files={
            "file": (f"plan {number}.pdf", "application/pdf", pdf_bytes(f"Version {number}"))})

    # Collections: every title on the library's page; all the vectors in the first one's
    # description, which holds the versioned file.
    for number, title in enumerate(titles):
        sme.post(f"{library}/collections/new", {
            "title": title, "description": everything if number == 0 else f"Collection {number}"})
    collection = _collection(live_server, everything)
    sme.post(f"/library/{versioned}/collections", {"collection": str(collection)})

    # The series summary: a page written here, in Markdown.
    facilitator.post(f"{library}/summary", {"title": titles[0], "description": everything,
                                            "editor_field": "description",
                                            "nonce": "xss-summary"})
    return {"post": post, "comment": comment, "resource": versioned, "collection": collection,
            "summary": _resources(live_server, summary=True)[-1],
            # Each address once (titles are stored with their whitespace tidied: found by link).
            "links": _resources(live_server, link="https://example.org/?")[:len(links)],
            "blog_pages": -(-len(titles) // 10), "library_pages": -(-(len(titles) + 1) // 24)}


def _blog_post(live_server: Any, nonce: str) -> int:
    from sqlalchemy import select

    from workspace.blogs.models import BlogPost

    with live_server.database() as session:
        return session.scalar(select(BlogPost.id).where(BlogPost.client_nonce == nonce))


def _blog_comments(live_server: Any, post: int) -> list[int]:
    from sqlalchemy import select

    from workspace.blogs.models import BlogComment

    with live_server.database() as session:
        return list(session.scalars(select(BlogComment.id).where(BlogComment.post_id == post)
                                    .order_by(BlogComment.id)))


def _resources(live_server: Any, title: str | None = None, *, summary: bool = False,
               link: str | None = None) -> list[int]:
    """The SDI exchange's resources, oldest first: by title, its series summaries, or links
    whose address starts so."""
    from sqlalchemy import select

    from workspace.communities.models import Community
    from workspace.resources.models import Resource, ResourceType

    with live_server.database() as session:
        sdi = session.scalar(select(Community.id).where(Community.slug == SDI))
        stmt = select(Resource.id).where(Resource.community_id == sdi).order_by(Resource.id)
        if title is not None:
            stmt = stmt.where(Resource.title == title)
        if summary:
            stmt = stmt.where(Resource.type == ResourceType.SUMMARY)
        if link is not None:
            stmt = stmt.where(Resource.link_url.startswith(link, autoescape=True))
        return list(session.scalars(stmt))


def _collection(live_server: Any, description: str) -> int:
    from sqlalchemy import select

    from workspace.resources.models import Collection

    with live_server.database() as session:
        return session.scalar(select(Collection.id).where(Collection.description == description))


def _forum_category(live_server: Any) -> int:
    from sqlalchemy import select

    from workspace.communities.models import Community
    from workspace.forums.models import ForumCategory

    with live_server.database() as session:
        sdi = session.scalar(select(Community.id).where(Community.slug == SDI))
        return session.scalar(select(ForumCategory.id).where(ForumCategory.community_id == sdi)
                              .order_by(ForumCategory.id))


def _forum_topic(live_server: Any, title: str) -> tuple[int, int]:
    from sqlalchemy import select

    from workspace.forums.models import Topic

    with live_server.database() as session:
        topic = session.scalar(select(Topic.id).where(Topic.title == title))
    return topic, _forum_posts(live_server, topic)[0]


def _forum_posts(live_server: Any, topic: int) -> list[int]:
    from sqlalchemy import select

    from workspace.forums.models import Post

    with live_server.database() as session:
        return list(session.scalars(select(Post.id).where(Post.topic_id == topic)
                                    .order_by(Post.id)))


# --- Reading in the browser -------------------------------------------------------------------

class Trap:
    """Everything that would show a vector ran, for one page."""

    def __init__(self, page: Page, base_url: str) -> None:
        self.page = page
        self.base_url = base_url
        self.events: list[str] = []
        page.add_init_script(TRAP)
        page.on("dialog", self._dialog)
        page.on("pageerror", lambda error: self.events.append(f"script error: {error}"))
        page.on("console", lambda message: message.type == "error" and self.events.append(
            f"console error: {message.text}"))
        page.on("framenavigated", self._navigated)

    def _dialog(self, dialog: Any) -> None:
        self.events.append(f"{dialog.type} dialog: {dialog.message}")
        dialog.dismiss()

    def _navigated(self, frame: Any) -> None:
        if frame == self.page.main_frame and not frame.url.startswith(self.base_url):
            self.events.append(f"navigated away to {frame.url}")

    def inspect(self, path: str) -> list[str]:
        """Open a page, give deferred handlers (autofocus, ontoggle, SVG animations) a moment,
        and report what fired or was left behind."""
        self.events.clear()
        response = self.page.goto(path)
        assert response is not None and response.status == 200, (path, response and
                                                                  response.status)
        self.page.wait_for_timeout(300)
        found = list(self.events)
        for frame in self.page.frames:
            try:
                fired = frame.evaluate("() => window.__xss_fired || []")
            except Exception as exc:  # noqa: BLE001 - a frame that went away is itself news
                fired = [f"(could not read frame {frame.url}: {exc})"]
            found += [f"{call} ran in {frame.url}" for call in fired]
        found += self.page.evaluate(DOM_SCAN)
        shown = self.page.evaluate("""(vectors) => {
            const text = document.body.innerText + ' ' + Array.from(
              document.querySelectorAll('input, textarea, option'), el => el.value).join(' ');
            return vectors.filter(v => text.includes(v.trim())).length;
        }""", VECTORS)
        assert shown, f"{path} shows none of the vectors: the test would prove nothing there"
        return [f"{path}: {item}" for item in found]


def _searching(path: str, words: str) -> str:
    """A search page with vectors in its query string: reflected, not stored."""
    return f"{path}{quote(words, safe='')}"


FORUM = f"/communities/{SDI}/forums"
# Who reads which page once everything is written.
READING = {
    "staff": ["/", "/communities/", f"/communities/{DATA_SYSTEMS}",
              f"/communities/{DATA_SYSTEMS}/edit", "/communities/manage", "/news/",
              "/news/manage", "/organizations/?kind=partner", "/people", "/people?page=2",
              f"/communities/{SDI}/members", "/admin/outbox/", "/invitations/new",
              "/people/{person}", "/organizations/{organization}/edit",
              _searching("/communities/?q=", packs(200)[1]),
              _searching("/organizations/?q=", packs(100)[0]),
              _searching("/people?q=", packs(200)[2]),
              _searching("/admin/outbox/?to=", packs(200)[3])],
    "facilitator": [f"/communities/{DATA_SYSTEMS}/interests", "/notifications/",
                    f"{FORUM}/", f"{FORUM}/categories", f"/communities/{SDI}/moderation/flags",
                    f"/communities/{SDI}/moderation/log",
                    f"/communities/{SDI}/moderation/flags/{{flag}}/hide",
                    f"{FORUM}/topics/{{topic}}"],
    "tx.member": [f"/communities/{DATA_SYSTEMS}", "/notifications/"],
    "az.member": ["/account", f"/communities/{SDI}/members", f"{FORUM}/topics/{{topic}}",
                  f"{FORUM}/categories/{{category}}", f"{FORUM}/categories/{{category}}?page=2",
                  f"{FORUM}/categories/{{category}}?page=3", "/activity/",
                  _searching(f"{FORUM}/search?q=", packs(200)[4])],
    "visitor": ["{invitation}", "/news/{announcement}"],
    "sme": [],  # the blog's pages, once written (reading_the_blog_and_library)
}
BLOG = f"/communities/{SDI}/blog"
LIBRARY = f"/communities/{SDI}/library"


def reading_the_blog_and_library(written: dict[str, Any]) -> dict[str, list[str]]:
    """The pages that show what write_the_blog_and_library() wrote, by who reads them."""
    post, resource, collection = written["post"], written["resource"], written["collection"]
    return {
        "sme": [*(f"{BLOG}?page={number}" for number in range(1, written["blog_pages"] + 1)),
                f"{BLOG}/{post}", f"{BLOG}/{post}/edit", "/blog",
                f"{LIBRARY}/collections/{collection}",
                f"{LIBRARY}/collections/{collection}/edit", f"/library/{resource}"],
        "az.member": [f"{BLOG}/{post}", f"{BLOG}/comments/{written['comment']}/edit",
                      *(f"{LIBRARY}?page={number}"
                        for number in range(1, written["library_pages"] + 1)),
                      f"/library/{resource}", f"/library/{resource}/edit",
                      *(f"/library/{link}" for link in written["links"])],
        "facilitator": [f"/library/{written['summary']}"],
        "visitor": [f"{BLOG}/{post}", f"/communities/{SDI}"],
    }


def test_no_vector_runs_anywhere_it_is_shown(open_page: Callable[..., Page], live_server):
    from tests.browser.support import ROLES

    pages = {role: open_page(bypass_csp=True) for role in READING}
    writers = {role: Writer(page.context.request, live_server.url) for role, page in
               pages.items()}
    for role, writer in writers.items():
        if ROLES[role]:
            writer.sign_in(ROLES[role])
    written = write_the_corpus(live_server, writers)
    more_reading = reading_the_blog_and_library(write_the_blog_and_library(live_server, writers))
    values = {"person": written["people"][0], "invitation": written["invitation"],
              "topic": written["topic"], "category": written["category"],
              "organization": _organization_with_website(live_server),
              "announcement": _announcement_id(live_server, "All the vectors"),
              "flag": _open_flag_id(live_server)}

    problems: list[str] = []
    for role, paths in READING.items():
        trap = Trap(pages[role], live_server.url)
        for path in [*(path.format(**values) for path in paths), *more_reading.get(role, [])]:
            problems += trap.inspect(path)
    assert not problems, (f"{len(problems)} sign(s) of script injection:\n"
                          + "\n".join(problems[:60]))


def _organization_with_website(live_server: Any) -> int:
    from sqlalchemy import select

    from workspace.organizations.models import Organization

    with live_server.database() as session:
        return session.scalar(select(Organization.id).where(Organization.website.is_not(None))
                              .order_by(Organization.id))


def _announcement_id(live_server: Any, title: str) -> int:
    from sqlalchemy import select

    from workspace.announcements.models import Announcement

    with live_server.database() as session:
        return session.scalar(select(Announcement.id).where(Announcement.title == title))


def _open_flag_id(live_server: Any) -> int:
    from sqlalchemy import select

    from workspace.moderation.models import Flag

    with live_server.database() as session:
        return session.scalar(select(Flag.id).where(Flag.resolved_at.is_(None))
                              .order_by(Flag.id))


# --- The trap works ---------------------------------------------------------------------------

CONTROL = f"""<!doctype html><html lang="en"><head><title>Raw insert</title></head><body>
<p>{VECTORS[VECTORS.index('<img src=x onerror=alert(1)>')]}</p>
<p>{VECTORS[VECTORS.index('<details open ontoggle=alert(1)>')]}</p>
<p><a href="javascript:alert(1)">not run until clicked, but left in the page</a></p>
<p>javascript:alert(1)</p>
<iframe srcdoc="<script>alert('from a frame')</script>"></iframe>
<script>console.error('an injected script failed')</script>
</body></html>"""


def test_the_trap_catches_a_raw_insert(open_page, live_server):
    """The same inspection, on a page of the app's origin that inserts vectors unescaped."""
    page = open_page(bypass_csp=True)
    page.route(f"{live_server.url}/raw-insert", lambda route: route.fulfill(
        status=200, content_type="text/html", body=CONTROL))
    page.route(f"{live_server.url}/leave", lambda route: route.fulfill(
        status=200, content_type="text/html",
        body="<p>javascript:alert(1)</p><script>location.href = 'about:blank#left'</script>"))
    trap = Trap(page, live_server.url)
    found = "\n".join(trap.inspect("/raw-insert"))
    for sign in ("alert(1) ran", "event handler onerror", "event handler ontoggle",
                 "script URL in href", "iframe:", "script:", "an injected script failed",
                 "from a frame"):
        assert sign in found, f"the trap missed {sign!r}:\n{found}"
    trap.events.clear()
    page.goto("/leave")
    page.wait_for_timeout(300)
    assert any("navigated away to about:blank" in event for event in trap.events), trap.events


def test_the_corpus_is_large_and_sourced():
    document = json.loads(CORPUS.read_text(encoding="utf-8"))
    assert len(document["vectors"]) >= 100
    assert {entry["from"] for entry in document["vectors"]} <= set(document["sources"])
    assert len(set(VECTORS)) == len(VECTORS)
