"""Blog posts as an Atom feed (RFC 4287), the format feed readers take.

Written with the standard library's ElementTree rather than feedgen: feedgen 1.0.0 (its latest
release, 2023) drops the rel and type of every entry link (lkiesow/python-feedgen#135, open),
dates the feed "now" unless told otherwise, and ships no types; the dozen elements a blog feed
needs are simpler to write, and ElementTree escapes text and attributes itself.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ElementTree
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from workspace.blogs.models import BlogPost

ATOM_NS = "http://www.w3.org/2005/Atom"
XML_NS = "http://www.w3.org/XML/1998/namespace"
ATOM_TYPE = "application/atom+xml"
GENERATOR = "CoP Workspace"

# XML 1.0 forbids most control characters even escaped; one pasted into a title would make the
# whole feed unreadable, so they are dropped.
NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


@dataclass(frozen=True)
class FeedLinks:
    """Where a feed lives and points: absolute addresses, since a feed is read elsewhere."""

    self_url: str  # this feed
    page_url: str  # the blog it follows, as a web page
    base_url: str  # the site, against which relative links in posts resolve
    post_url: Callable[[BlogPost], str]


def tag_uri(authority: str, day: datetime, specific: str) -> str:
    """A permanent id (RFC 4151): it survives a community's renamed slug or a new address."""
    return f"tag:{authority},{day.astimezone(UTC):%Y-%m-%d}:{specific}"


def _clean(text: str) -> str:
    return NOT_XML.sub("", text)


def _time(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _element(parent: ElementTree.Element, name: str, text: str | None = None,
             **attributes: str) -> ElementTree.Element:
    element = ElementTree.SubElement(parent, name,
                                     {key: _clean(value) for key, value in attributes.items()})
    if text is not None:
        element.text = _clean(text)
    return element


def post_updated(post: BlogPost) -> datetime:
    """When readers last saw the post change: its publication, or its last edit after it."""
    assert post.publish_at is not None  # only posts that are out reach a feed
    return max(post.publish_at, post.edited_at or post.publish_at)


def _entry(feed: ElementTree.Element, post: BlogPost, *, authority: str,
           links: FeedLinks) -> None:
    assert post.publish_at is not None
    entry = _element(feed, "entry")
    _element(entry, "id", tag_uri(authority, post.created_at, f"blog-post:{post.id}"))
    _element(entry, "title", post.title, type="text")
    _element(entry, "published", _time(post.publish_at))
    _element(entry, "updated", _time(post_updated(post)))
    author = _element(entry, "author")
    _element(author, "name", post.author.name)
    _element(entry, "link", rel="alternate", type="text/html", href=links.post_url(post))
    for tag in post.tag_names:
        _element(entry, "category", term=tag, label=tag)
    if post.summary:
        _element(entry, "summary", post.summary, type="text")
    # The sanitized HTML saved with the post, escaped as Atom's type="html" requires.
    _element(entry, "content", post.body_html, type="html")


def blog_atom(posts: Sequence[BlogPost], *, feed_id: str, title: str, subtitle: str,
              authority: str, links: FeedLinks, empty_since: datetime) -> bytes:
    """The Atom document for these posts, newest first. A feed with no posts is dated
    `empty_since`, so the same content always gives the same bytes (and ETag)."""
    # Atom is the default namespace, declared by hand: ElementTree's default_namespace option
    # refuses unqualified attributes, and Atom's attributes (rel, href, term) have none.
    feed = ElementTree.Element("feed", {
        "xmlns": ATOM_NS, f"{{{XML_NS}}}lang": "en",
        f"{{{XML_NS}}}base": _clean(links.base_url.rstrip("/") + "/")})
    _element(feed, "id", feed_id)
    _element(feed, "title", title, type="text")
    _element(feed, "subtitle", subtitle, type="text")
    updated = max((post_updated(post) for post in posts), default=empty_since)
    _element(feed, "updated", _time(updated))
    _element(feed, "link", rel="self", type=ATOM_TYPE, href=links.self_url)
    _element(feed, "link", rel="alternate", type="text/html", href=links.page_url)
    _element(feed, "generator", GENERATOR)
    for post in posts:
        _entry(feed, post, authority=authority, links=links)
    return ElementTree.tostring(feed, encoding="utf-8", xml_declaration=True)
