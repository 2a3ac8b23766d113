"""Blog feeds: members' secret addresses (made, stored hashed, replaced, turned off), what each
feed holds at fetch time, the public feed, and the Atom read back by a feed parser."""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import feedparser
import pytest
from flask import url_for
from sqlalchemy import insert, select

from tests import factories
from workspace import errors
from workspace.blogs import feeds, service
from workspace.blogs.models import BlogFeed, BlogPost, BlogTag, PostState
from workspace.blogs.service import Publishing, Writing
from workspace.database import utcnow
from workspace.extensions import db

BODY = "We tried **weekly data chats** with principals & coaches.\n\n- one\n- two"


def publish(author, community, title="What Arizona tried", *, body=BODY, tags="",
            summary="", public_by=None) -> BlogPost:
    post = service.write(author, community, Writing(title=title, body=body, tags=tags,
                                                    summary=summary))
    if public_by is not None:
        service.make_public(public_by, post, True)
    return post


def parse(data: bytes) -> feedparser.FeedParserDict:
    parsed = feedparser.parse(data)
    assert parsed.bozo == 0, parsed.get("bozo_exception")
    assert parsed.version == "atom10"
    return parsed


def titles(data: bytes) -> list[str]:
    return [entry.title for entry in parse(data).entries]


def feed_path(token: str) -> str:
    return f"/blog-feeds/{token}.atom"


def public_path(community) -> str:
    return f"/communities/{community.slug}/blog/public.atom"


def all_rows_text() -> str:
    db.session.commit()
    with db.engine.connect() as connection:
        return "\n".join(repr(tuple(row)) for table in db.metadata.sorted_tables
                         for row in connection.execute(table.select()))


# --- Secret addresses ----------------------------------------------------------------------

def test_the_token_is_long_random_and_stored_only_as_its_hash(member, community):
    token = feeds.new_feed(member, community)
    assert len(token) >= 43 and token != feeds.new_feed(member, community)
    assert token not in all_rows_text()
    feed = db.session.scalar(select(BlogFeed).where(
        BlogFeed.token_hash == hashlib.sha256(token.encode()).hexdigest()))
    assert feed is not None and (feed.user_id, feed.community_id) == (member.id, community.id)


def test_the_token_opens_its_owners_feed_of_that_community(member, community):
    token = feeds.new_feed(member, community)
    assert feeds.member_feed(token) == (member, community)
    assert feeds.active_feed(member, community) is not None


def test_a_new_address_stops_the_old_one_of_that_community_only(network, member, community):
    other = factories.make_community(network, participants=["AZ"], slug="data-use-cop")
    factories.add_to(other, member, "member")
    elsewhere = feeds.new_feed(member, other)
    old = feeds.new_feed(member, community)
    new = feeds.new_feed(member, community)
    assert feeds.member_feed(old) is None
    assert feeds.member_feed(new) == (member, community)
    assert feeds.member_feed(elsewhere) == (member, other)


def test_turning_it_off_stops_the_address(member, other_member, community):
    token = feeds.new_feed(member, community)
    theirs = feeds.new_feed(other_member, community)
    assert feeds.revoke_feed(member, community) is True
    assert feeds.member_feed(token) is None
    assert feeds.active_feed(member, community) is None
    assert feeds.revoke_feed(member, community) is False  # nothing left to turn off
    assert feeds.member_feed(theirs) == (other_member, community)


@pytest.mark.parametrize("token", ["", "short", "../../etc/passwd", "x" * 300, "a" * 43 + "!"])
def test_malformed_and_unknown_tokens_open_nothing(member, community, token):
    feeds.new_feed(member, community)
    assert feeds.member_feed(token) is None
    assert feeds.member_feed("A" * 43) is None  # well formed, but no one's


def test_a_deactivated_account_has_no_feed(member, community):
    token = feeds.new_feed(member, community)
    member.is_deactivated = True
    db.session.commit()
    assert feeds.member_feed(token) is None


def test_outsiders_make_no_address(outsider, community):
    with pytest.raises(errors.NotFound):
        feeds.new_feed(outsider, community)


def test_the_last_fetch_is_noted_at_most_once_an_hour(member, community):
    token = feeds.new_feed(member, community)
    feeds.member_feed(token)
    feed = feeds.active_feed(member, community)
    assert feed is not None and feed.last_fetched_at is not None
    first = feed.last_fetched_at
    feeds.member_feed(token)
    assert feeds.active_feed(member, community).last_fetched_at == first
    feed.last_fetched_at = first - timedelta(hours=2)
    db.session.commit()
    feeds.member_feed(token)
    assert feeds.active_feed(member, community).last_fetched_at >= utcnow() - timedelta(minutes=1)


# --- What a feed holds ---------------------------------------------------------------------

def test_the_feed_is_atom_a_feed_reader_reads_back_field_by_field(app, client_as, member, sme,
                                                                 community):
    post = publish(sme, community, "Data chats: what we tried", tags="data use, coaching",
                   summary="Three months of weekly data chats & what changed.")
    token = feeds.new_feed(member, community)
    response = client_as(None).get(feed_path(token))
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/atom+xml; charset=utf-8"
    assert response.headers["Cache-Control"] == "private, no-cache"
    parsed = parse(response.data)

    with app.test_request_context():
        blog = url_for("blogs.index", slug=community.slug, _external=True)
        page = url_for("blogs.post", slug=community.slug, post_id=post.id, _external=True)
    assert parsed.feed.title == f"{community.title} blog"
    assert parsed.feed.id.startswith("tag:localhost,") and token not in parsed.feed.id
    links = {link.rel: link for link in parsed.feed.links}
    assert links["self"].href == f"http://localhost{feed_path(token)}"
    assert links["self"].type == "application/atom+xml"
    assert links["alternate"].href == blog and links["alternate"].type == "text/html"
    assert parsed.feed.updated_parsed is not None

    [entry] = parsed.entries
    assert entry.id == f"tag:localhost,{post.created_at:%Y-%m-%d}:blog-post:{post.id}"
    assert entry.title == "Data chats: what we tried"
    assert entry.author == sme.name
    assert entry.link == page == f"http://localhost/communities/{community.slug}/blog/{post.id}"
    assert entry.summary == "Three months of weekly data chats & what changed."
    assert [tag.term for tag in entry.tags] == ["coaching", "data use"]
    assert entry.content[0].type == "text/html"
    assert entry.content[0].value == post.body_html
    assert "<strong>weekly data chats</strong>" in post.body_html
    published = datetime(*entry.published_parsed[:6], tzinfo=UTC)
    assert abs(published - post.publish_at) < timedelta(seconds=1)
    assert entry.updated_parsed == entry.published_parsed
    # The HTML travels escaped, as type="html" requires, never as markup of the feed.
    assert b"&lt;strong&gt;weekly data chats&lt;/strong&gt;" in response.data


def test_ids_stay_and_an_edit_moves_the_updated_date(client_as, member, sme, community):
    post = publish(sme, community)
    token = feeds.new_feed(member, community)
    client = client_as(None)
    before = parse(client.get(feed_path(token)).data).entries[0]
    post.publish_at -= timedelta(hours=1)  # an hour ago, so the edit comes visibly after it
    db.session.commit()
    service.change(sme, post, Writing(title="What Arizona tried, a month on", body=BODY + "!"))
    after = parse(client.get(feed_path(token)).data).entries[0]
    assert after.id == before.id
    assert after.title == "What Arizona tried, a month on"
    assert after.updated_parsed > after.published_parsed


def test_only_posts_that_are_out_reach_the_feed(member, sme, facilitator, community):
    out = publish(sme, community, "Out now")
    service.write(sme, community, Writing(title="A draft", body=BODY,
                                          publishing=Publishing.DRAFT))
    taken_back = publish(sme, community, "Taken back")
    service.unpublish(facilitator, taken_back)
    tomorrow = datetime.now(ZoneInfo(sme.time_zone)).date() + timedelta(days=1)
    scheduled = service.write(sme, community, Writing(
        title="Scheduled", body=BODY, publishing=Publishing.LATER, day=tomorrow,
        clock=time(9, 0)))
    assert [post.title for post in feeds.member_posts(member, community)] == [out.title]
    # At its time it appears, with no one touching it.
    later = scheduled.publish_at + timedelta(seconds=1)
    assert [post.title for post in feeds.member_posts(member, community, later)] == [
        "Scheduled", "Out now"]


def test_a_scheduled_post_is_in_no_fetched_feed_before_its_time(client_as, member, sme,
                                                                facilitator, community):
    tomorrow = datetime.now(ZoneInfo(sme.time_zone)).date() + timedelta(days=1)
    post = service.write(sme, community, Writing(
        title="Scheduled", body=BODY, publishing=Publishing.LATER, day=tomorrow,
        clock=time(9, 0)))
    service.make_public(facilitator, post, True)
    token = feeds.new_feed(member, community)
    client = client_as(None)
    assert parse(client.get(feed_path(token)).data).entries == []
    assert parse(client.get(public_path(community)).data).entries == []
    post.publish_at = utcnow() - timedelta(minutes=1)  # its time comes
    db.session.commit()
    assert titles(client.get(feed_path(token)).data) == ["Scheduled"]
    assert titles(client.get(public_path(community)).data) == ["Scheduled"]


def test_the_newest_thirty_come_newest_first(member, facilitator, community):
    now = utcnow()
    posts = [publish(facilitator, community, f"Post {number}") for number in range(32)]
    for number, post in enumerate(posts):
        post.publish_at = now - timedelta(days=40 - number)
    db.session.commit()
    shown = [post.title for post in feeds.member_posts(member, community)]
    assert shown == [f"Post {number}" for number in range(31, 1, -1)]


def test_an_observer_reads_the_community_feed(client_as, observer, sme, community):
    publish(sme, community, "For everyone in the community")
    token = feeds.new_feed(observer, community)
    assert titles(client_as(None).get(feed_path(token)).data) == ["For everyone in the community"]


def test_a_withdrawn_states_member_gets_404_at_the_next_fetch(client_as, member, other_member,
                                                             staff, sme, community):
    from workspace.communities import service as communities

    publish(sme, community)
    token = feeds.new_feed(member, community)
    georgia = feeds.new_feed(other_member, community)
    client = client_as(None)
    assert len(parse(client.get(feed_path(token)).data).entries) == 1
    communities.withdraw_organization(staff, community, member.organization)
    response = client.get(feed_path(token))
    assert response.status_code == 404
    assert response.mimetype == "text/plain"
    assert "no longer a member" in response.get_data(as_text=True)
    assert len(parse(client.get(feed_path(georgia)).data).entries) == 1  # Georgia stays


def test_someone_removed_from_the_community_gets_404(client_as, member, sme, community):
    from workspace.communities.models import Membership

    publish(sme, community)
    token = feeds.new_feed(member, community)
    db.session.delete(db.session.scalar(select(Membership).where(
        Membership.user_id == member.id, Membership.community_id == community.id)))
    db.session.commit()
    assert client_as(None).get(feed_path(token)).status_code == 404


@pytest.mark.parametrize("token", ["nothing-like-a-token", "A" * 43, "a.b.c"])
def test_unknown_tokens_answer_a_plain_404(client_as, member, community, token):
    feeds.new_feed(member, community)
    response = client_as(None).get(feed_path(token))
    assert response.status_code == 404
    assert response.mimetype == "text/plain"


def test_hostile_text_stays_text_and_the_feed_stays_valid(client_as, member, sme, community):
    title = "<script>alert('t')</script> & \x08Q3 “results”"
    publish(sme, community, title, tags="<b>bold</b>", summary="1 < 2 & \x0b3 > 2",
            body="<script>alert(1)</script>\n\n<img src=x onerror=alert(2)> Plain words.")
    token = feeds.new_feed(member, community)
    response = client_as(None).get(feed_path(token))
    [entry] = parse(response.data).entries
    assert entry.title == "<script>alert('t')</script> & Q3 “results”"
    assert entry.summary == "1 < 2 & 3 > 2"
    assert [tag.term for tag in entry.tags] == ["<b>bold</b>"]
    assert b"<script" not in response.data and b"onerror" not in response.data
    assert "Plain words." in entry.content[0].value


def test_an_unchanged_feed_answers_304_to_its_etag(client_as, member, sme, community):
    publish(sme, community)
    token = feeds.new_feed(member, community)
    client = client_as(None)
    first = client.get(feed_path(token))
    etag = first.headers["ETag"]
    again = client.get(feed_path(token), headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""
    publish(sme, community, "Another post")
    changed = client.get(feed_path(token), headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag


# --- The public feed -----------------------------------------------------------------------

def test_the_public_feed_has_the_public_posts_that_are_out(client_as, member, sme, facilitator,
                                                          community):
    publish(sme, community, "Members only")
    public = publish(sme, community, "For everyone", public_by=facilitator)
    taken_back = publish(sme, community, "Public, then taken back", public_by=facilitator)
    service.unpublish(facilitator, taken_back)
    for client in (client_as(None), client_as(member)):  # the same feed, signed in or not
        response = client.get(public_path(community))
        assert response.status_code == 200
        assert response.headers["Content-Type"] == "application/atom+xml; charset=utf-8"
        assert response.headers["Cache-Control"] == "public, no-cache"
        parsed = parse(response.data)
        assert [entry.title for entry in parsed.entries] == ["For everyone"]
        assert parsed.entries[0].link.endswith(f"/blog/{public.id}")
    # One post, one id: the same entry in the member's feed and the public one.
    member_entry = parse(client_as(None).get(feed_path(feeds.new_feed(member, community))).data)
    public_entry = parse(client_as(None).get(public_path(community)).data)
    assert public_entry.entries[0].id in {entry.id for entry in member_entry.entries}
    assert public_entry.feed.id != member_entry.feed.id


def test_a_community_that_isnt_public_has_no_public_feed(client_as, member, sme, facilitator,
                                                        community):
    publish(sme, community, "For everyone", public_by=facilitator)
    community.is_public = False
    db.session.commit()
    assert client_as(None).get(public_path(community)).status_code == 404
    assert client_as(member).get(public_path(community)).status_code == 404
    assert client_as(None).get("/communities/no-such-place/blog/public.atom").status_code == 404


def test_an_empty_public_feed_is_still_valid_and_dated(client_as, community):
    parsed = parse(client_as(None).get(public_path(community)).data)
    assert parsed.entries == []
    assert datetime(*parsed.feed.updated_parsed[:6], tzinfo=UTC) == community.created_at.replace(
        microsecond=0)


# --- The page where a member makes their address -------------------------------------------

def page_path(community) -> str:
    return f"/communities/{community.slug}/blog/feed"


def shown_address(html: str) -> str:
    match = re.search(r'id="feed-address" type="text" value="([^"]+)"', html)
    assert match, "the address is not shown"
    return match.group(1)


def test_the_page_offers_to_make_an_address(client_as, member, community):
    response = client_as(member).get(page_path(community))
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Create my feed address" in html
    assert "Replace address" not in html and 'id="feed-address"' not in html
    # A public community also offers its public feed, and tells browsers of it.
    assert f'value="http://localhost{public_path(community)}"' in html
    assert (f'<link rel="alternate" type="application/atom+xml" title="{community.title} blog '
            f'(public posts)" href="{public_path(community)}">') in html


def test_the_address_is_shown_once(client_as, member, sme, community):
    publish(sme, community)
    client = client_as(member)
    response = client.post(page_path(community), data={"action": "make"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    address = shown_address(html)
    token = re.fullmatch(r"http://localhost/blog-feeds/([A-Za-z0-9_-]{43})\.atom", address)
    assert token, address
    assert "Copy address" in html
    assert titles(client_as(None).get(address).data) == ["What Arizona tried"]
    again = client.get(page_path(community)).get_data(as_text=True)
    assert token.group(1) not in again
    assert "Replace address" in again and "Turn off" in again


def test_replacing_the_address_stops_the_old_one(client_as, member, community):
    client = client_as(member)
    old = shown_address(client.post(page_path(community), data={"action": "make"}).get_data(
        as_text=True))
    new = shown_address(client.post(page_path(community), data={"action": "make"}).get_data(
        as_text=True))
    assert old != new
    visitor = client_as(None)
    assert visitor.get(old).status_code == 404
    assert visitor.get(new).status_code == 200


def test_turning_it_off_stops_the_address_and_notes_it(client_as, member, community):
    client = client_as(member)
    address = shown_address(client.post(page_path(community), data={"action": "make"})
                            .get_data(as_text=True))
    client_as(None).get(address)
    assert "Not yet" not in client.get(page_path(community)).get_data(as_text=True)
    response = client.post(page_path(community), data={"action": "turn_off"},
                           follow_redirects=True)
    html = response.get_data(as_text=True)
    assert "Your feed address is turned off." in html
    assert "Create my feed address" in html
    assert client_as(None).get(address).status_code == 404


def test_a_form_with_no_choice_is_refused(client_as, member, community):
    assert client_as(member).post(page_path(community), data={}).status_code == 422
    assert feeds.active_feed(member, community) is None


def test_outsiders_and_visitors_get_no_page(client_as, outsider, community):
    assert client_as(outsider).get(page_path(community)).status_code == 404
    assert client_as(outsider).post(page_path(community),
                                     data={"action": "make"}).status_code == 404
    assert client_as(None).get(page_path(community)).status_code == 302  # to sign in


def test_in_production_the_addresses_are_https(app, client_as, member, sme, community):
    publish(sme, community)
    app.config["PREFERRED_URL_SCHEME"] = "https"
    address = shown_address(client_as(member).post(page_path(community), data={
        "action": "make"}).get_data(as_text=True))
    assert address.startswith("https://localhost/blog-feeds/")
    parsed = parse(client_as(None).get(address).data)
    assert parsed.entries[0].link.startswith("https://localhost/communities/")


@pytest.fixture
def app_settings(app_settings, request):
    # The autouse blog_pages fixture makes the app before a test's own fixtures run, so a test
    # wanting the limiter on asks for `rate_limited` and it is set here, in time.
    if "rate_limited" in request.fixturenames:
        app_settings["RATELIMIT_ENABLED"] = True
    return app_settings


@pytest.fixture
def rate_limited() -> None:
    """The limiter is on for this test (see app_settings)."""


def test_the_feed_is_rate_limited_generously(rate_limited, client_as, member, community):
    token = feeds.new_feed(member, community)
    client = client_as(None)
    answers = [client.get(feed_path(token)).status_code for _ in range(61)]
    assert answers[:60] == [200] * 60 and answers[60] == 429
    misses = [client.get(feed_path("B" * 43)).status_code for _ in range(61)]
    assert misses[:60] == [404] * 60 and misses[60] == 429


# --- Speed ---------------------------------------------------------------------------------

def write_in_bulk(community_id: int, author_ids: list[int], count: int) -> None:
    """Posts that are out, public, each with two tags, by several authors."""
    now = utcnow()
    start = len(db.session.scalars(select(BlogPost.id)).all())
    db.session.execute(insert(BlogPost), [
        {"community_id": community_id, "author_id": author_ids[n % len(author_ids)],
         "title": f"Post {n}", "summary": "", "body": "Words", "body_html": "<p>Words</p>",
         "cover_alt": "", "state": PostState.PUBLISHED,
         "publish_at": now - timedelta(minutes=n + 1), "is_public": True,
         "comment_count": 0, "created_at": now}
        for n in range(start, start + count)])
    ids = db.session.scalars(select(BlogPost.id).order_by(BlogPost.id.desc()).limit(count))
    db.session.execute(insert(BlogTag), [{"post_id": post_id, "tag": tag}
                                         for post_id in ids for tag in ("data", "coaching")])
    db.session.commit()


@pytest.mark.parametrize("which", ["member", "public"])
def test_a_feed_costs_the_same_for_3_and_100_posts(client_as, queries, community, facilitator,
                                                   sme, member, which):
    ids = community.id, [facilitator.id, sme.id, member.id]
    write_in_bulk(*ids, 3)
    path = feed_path(feeds.new_feed(member, community)) if which == "member" else (
        public_path(community))
    client = client_as(None)
    client.get(path)  # the first fetch notes the time; later ones don't

    def count() -> tuple[int, int]:
        db.session.close()
        with queries() as counted:
            response = client.get(path)
        assert response.status_code == 200
        return counted.count, len(parse(response.data).entries)

    few, few_entries = count()
    write_in_bulk(*ids, 97)
    many, many_entries = count()
    assert (few_entries, many_entries) == (3, 30)
    assert few == many <= (4 if which == "member" else 3), (few, many)
