"""The community's flag queue and log over HTTP: each role (outsider twins included)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from workspace.extensions import db
from workspace.forums import moderation as forum_moderation
from workspace.forums.models import Post
from workspace.moderation import service


def moderation_url(community, path: str) -> str:
    return f"/communities/{community.slug}/moderation{path}"


@pytest.fixture
def flag(topic, other_member):
    post = db.session.scalars(select(Post).where(Post.topic_id == topic.id)).first()
    return forum_moderation.flag_post(other_member, post, reason="Off topic")


@pytest.fixture
def pages(community, flag):
    return {"flags": moderation_url(community, "/flags"),
            "log": moderation_url(community, "/log"),
            "hide": moderation_url(community, f"/flags/{flag.id}/hide")}


@pytest.mark.parametrize(("who", "status"), [
    ("member", 403), ("observer", 403), ("sme", 403), ("outsider", 404),
    ("facilitator", 200), ("staff", 200)])
def test_every_page_answers_each_role_as_promised(request, pages, client_as, who, status):
    client = client_as(request.getfixturevalue(who))
    assert {name: client.get(path).status_code for name, path in pages.items()} == {
        name: status for name in pages}


def test_visitors_are_asked_to_sign_in(pages, client):
    for path in pages.values():
        response = client.get(path)
        assert response.status_code == 302 and "/sign-in" in response.headers["Location"]


def test_the_queue_lists_the_flag_and_dismisses_it(client_as, facilitator, member, outsider,
                                                    flag, community):
    client = client_as(facilitator)
    queue = client.get(moderation_url(community, "/flags")).get_data(as_text=True)
    assert "Waiting for you (1)" in queue and "Off topic" in queue
    assert "Az Member&#39;s post in" in queue and flag.link in queue
    dismissal = moderation_url(community, f"/flags/{flag.id}/dismissal")
    assert client_as(member).post(dismissal).status_code == 403
    assert client_as(outsider).post(dismissal).status_code == 404
    assert client.post(dismissal).status_code == 302
    again = client.post(dismissal, follow_redirects=True).get_data(as_text=True)
    assert "That flag was already dealt with." in again and "Waiting for you (0)" in again
    log = client.get(moderation_url(community, "/log")).get_data(as_text=True)
    assert "Dismissed a flag" in log and f'href="{flag.link}"' in log


def test_hiding_from_the_queue(client_as, facilitator, member, flag, community):
    path = moderation_url(community, f"/flags/{flag.id}/hide")
    client = client_as(facilitator)
    assert "Hide Az Member&#39;s post in" in client.get(path).get_data(as_text=True)
    assert client_as(member).post(path, data={"reason": "Off topic"}).status_code == 403
    empty = client.post(path, data={"reason": ""})
    assert empty.status_code == 422 and "Say why you are hiding it." in empty.get_data(
        as_text=True)
    done = client.post(path, data={"reason": "Off topic for this forum"})
    assert done.status_code == 302 and done.headers["Location"].endswith("/moderation/flags")
    post = db.session.get(Post, flag.subject_id)
    db.session.refresh(post)
    assert post.hidden_reason == "Off topic for this forum"
    assert client.post(path, data={"reason": "Again"}).status_code == 302  # told, not hidden twice


def test_a_flag_of_another_community_is_not_found_here(client_as, staff, flag, network):
    from tests import factories  # noqa: PLC0415

    other = factories.make_community(network, participants=["AZ"], slug="other-p2p")
    client = client_as(staff)
    assert client.get(moderation_url(other, "/flags")).status_code == 200
    assert client.get(moderation_url(other, f"/flags/{flag.id}/hide")).status_code == 404
    assert client.post(moderation_url(other, f"/flags/{flag.id}/dismissal")).status_code == 404


def test_the_forums_old_addresses_lead_to_the_communitys_pages(client_as, facilitator, member,
                                                               outsider, flag, community):
    forum = f"/communities/{community.slug}/forums"
    client = client_as(facilitator)
    for old, new in ((f"{forum}/flags", "/moderation/flags"),
                     (f"{forum}/log?page=2", "/moderation/log?page=2")):
        response = client.get(old)
        assert response.status_code == 301 and response.headers["Location"].endswith(
            f"/communities/{community.slug}{new}")
        assert client_as(member).get(old).status_code == 403
        assert client_as(outsider).get(old).status_code == 404
    dismissal = client.post(f"{forum}/flags/{flag.id}/dismissal")
    assert dismissal.status_code == 308 and dismissal.headers["Location"].endswith(
        f"/moderation/flags/{flag.id}/dismissal")
    assert client.post(f"{forum}/flags/{flag.id}/dismissal", follow_redirects=True
                       ).status_code == 200
    db.session.refresh(flag)
    assert not flag.is_open


def test_the_communitys_navigation_counts_open_flags_for_moderators(client_as, facilitator,
                                                                    member, flag, community):
    forum = client_as(facilitator).get(f"/communities/{community.slug}/forums/").get_data(
        as_text=True)
    assert 'href="/communities/school-improvement-p2p/moderation/flags"' in forum
    assert '<span class="usa-tag workspace-count">1</span>' in forum
    overview = client_as(facilitator).get(f"/communities/{community.slug}").get_data(
        as_text=True)
    assert "Moderation log" in overview
    for page in ("", "/members", "/forums/"):
        seen = client_as(member).get(f"/communities/{community.slug}{page}").get_data(
            as_text=True)
        assert "Flagged content" not in seen and "Moderation log" not in seen


def test_another_kind_of_content_is_in_the_same_queue_page(notes, client_as, facilitator,
                                                           member, other_member, flag,
                                                           community):
    note = notes.add(community, member, "Call me at 555-0100")
    note_flag = service.flag(other_member, notes.kind, note, reason="A phone number")
    page = client_as(facilitator).get(moderation_url(community, "/flags")).get_data(
        as_text=True)
    assert "Waiting for you (2)" in page
    assert "Az Member&#39;s note" in page and "Call me at 555-0100" in page
    assert "Hide note" in page and "Hide post" in page
    hide = moderation_url(community, f"/flags/{note_flag.id}/hide")
    assert client_as(facilitator).post(hide, data={"reason": "No numbers"}).status_code == 302
    assert note.hidden
    log = client_as(facilitator).get(moderation_url(community, "/log")).get_data(as_text=True)
    assert "Hid a note" in log and 'href="/notes/1"' in log
