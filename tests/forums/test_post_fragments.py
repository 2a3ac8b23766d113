"""Rendered posts are kept by version (workspace/fragments.py) and never show stale or someone
else's view: an edit, a reaction or a hidden post reads at once, each viewer sees their own rights,
and the forms carry each viewer's own CSRF token."""

from __future__ import annotations

import re

from flask import current_app

from tests.forums.conftest import url
from workspace.extensions import db
from workspace.forums import moderation, service
from workspace.forums.models import Post, ReactionKind
from workspace.fragments import FRAGMENT_CSRF, FragmentCache


def page(client, path: str) -> str:
    db.session.commit()
    response = client.get(path)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def post_html(html: str, post_id: int) -> str:
    start = html.index(f'id="post-{post_id}"')
    return html[start:html.index("</article>", start)]


def test_the_cache_keeps_the_most_recently_used_pieces():
    cache = FragmentCache(2)
    rendered: list[str] = []

    def render(text: str):
        return lambda: rendered.append(text) or text

    assert cache.get_or_render("a", render("A")) == "A"
    assert cache.get_or_render("b", render("B")) == "B"
    assert cache.get_or_render("a", render("A again")) == "A"  # kept
    cache.get_or_render("c", render("C"))  # b was used least recently: it goes
    assert cache.get_or_render("b", render("B again")) == "B again"
    assert rendered == ["A", "B", "C", "B again"] and len(cache) == 2
    off = FragmentCache(0)
    off.get_or_render("a", render("one"))
    assert off.get_or_render("a", render("two")) == "two" and len(off) == 0


def test_a_second_view_renders_no_post_again(client_as, community, topic, other_member):
    cache = current_app.extensions["fragments"]
    path = url(community, f"/topics/{topic.id}")
    reader = client_as(other_member)
    page(reader, path)
    misses = cache.misses
    page(reader, path)
    assert cache.misses == misses and cache.hits >= 1


def test_an_edit_a_reaction_and_hiding_show_at_once(client_as, community, topic, member,
                                                    other_member, facilitator):
    reader = client_as(other_member)
    path = url(community, f"/topics/{topic.id}")
    post = service.reply(member, topic, body="First version of my reply")
    db.session.commit()
    post_id = post.id
    assert "First version" in post_html(page(reader, path), post_id)

    service.edit_post(member, db.session.get(Post, post_id), body="Second version, in detail")
    db.session.commit()
    html = post_html(page(reader, path), post_id)
    assert "Second version" in html and "First version" not in html

    service.toggle_reaction(facilitator, db.session.get(Post, post_id), ReactionKind.THANKS)
    db.session.commit()
    html = post_html(page(reader, path), post_id)
    assert re.search(r'value="thanks"[^>]*>.*?workspace-reaction__count">1<', html, re.S)

    moderation.hide_post(facilitator, db.session.get(Post, post_id), reason="Off topic")
    db.session.commit()
    assert f'id="post-{post_id}"' not in page(reader, path)
    author_view = post_html(page(client_as(member), path), post_id)
    assert "Off topic" in author_view and "only you and the facilitators" in author_view


def test_each_viewer_sees_their_own_rights_and_token(client_as, community, topic, member,
                                                     other_member):
    path = url(community, f"/topics/{topic.id}")
    post = service.reply(member, topic, body="A reply two people read")
    db.session.commit()
    post_id = post.id
    author, reader = client_as(member), client_as(other_member)
    author_html, reader_html = page(author, path), page(reader, path)
    assert "/edit" in post_html(author_html, post_id)
    assert "/edit" not in post_html(reader_html, post_id)
    assert "/reactions" in post_html(reader_html, post_id)
    # Render the reader's view twice: the second comes from the cache, with the reader's token.
    reader_html = page(reader, path)
    tokens = set(re.findall(r'name="csrf_token" value="([^"]+)"', post_html(reader_html, post_id)))
    page_tokens = set(re.findall(r'name="csrf_token"[^>]*value="([^"]+)"', reader_html))
    assert tokens and tokens <= page_tokens
    assert FRAGMENT_CSRF not in reader_html and FRAGMENT_CSRF not in author_html
    assert not tokens & set(re.findall(r'name="csrf_token" value="([^"]+)"',
                                       post_html(author_html, post_id)))
