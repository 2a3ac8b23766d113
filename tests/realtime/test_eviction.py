"""Losing access to a community takes a person's open pages out of its live rooms at once.

Georgia's member follows a topic and the forum; then access goes in each of the ways it can go.
Within a second they hear nothing more there, and asking to follow again is refused.
"""

from __future__ import annotations

import time

import pytest
from flask import current_app
from sqlalchemy import select

from tests.conftest import LiveClient
from workspace import realtime
from workspace.auth import service as accounts
from workspace.communities import service as communities
from workspace.communities.models import Membership
from workspace.extensions import db, socketio
from workspace.forums import service as forums

LIVE = "/live"


def rooms_of(page) -> set[str]:
    manager = socketio.server.manager
    sid = manager.sid_from_eio_sid(page.eio_sid, LIVE)
    return set(manager.get_rooms(sid, LIVE)) if sid else set()


def received(page) -> dict[str, list[dict]]:
    """Events the page got since last asked, by name (a closed page keeps what it had)."""
    client = page._client  # the Socket.IO test client inside tests.conftest.LiveClient
    events, client.queue = client.queue, []
    got: dict[str, list[dict]] = {}
    for event in events:
        if event["namespace"] == LIVE:
            got.setdefault(event["name"], []).append(event["args"][0])
    return got


def left_within(page, community, seconds: float = 1.0) -> float:
    """How long until the page was in none of the community's rooms (or had disconnected)."""
    start = time.monotonic()
    while time.monotonic() - start < seconds:
        if not page.is_connected(LIVE) or not any(
                realtime.is_in_community(room, community.id) for room in rooms_of(page)):
            return time.monotonic() - start
        time.sleep(0.01)
    pytest.fail(f"still in {sorted(rooms_of(page))} after {seconds} s")


@pytest.fixture
def following(connect_as, other_member, member, community, topic):
    """Georgia's member and Arizona's, each on the topic page with the forum followed too."""
    pages = {}
    for name, person in (("georgia", other_member), ("arizona", member)):
        page = connect_as(person)
        assert page.emit("watch_topic", {"topic_id": topic.id}, namespace=LIVE,
                         callback=True) == {"ok": True}
        assert page.emit("watch_forum", {"community_id": community.id}, namespace=LIVE,
                         callback=True) == {"ok": True}
        assert {realtime.topic_room(community.id, topic.id),
                realtime.forum_room(community.id)} <= rooms_of(page)
        received(page)
        pages[name] = page
    return pages


def nothing_more_reaches_georgia(pages, topic, member, general, community, *,
                                 may_reconnect: bool = True) -> None:
    georgia, arizona = pages["georgia"], pages["arizona"]
    post = forums.reply(member, topic, body="Our calendar, for members only.")
    started = forums.start_topic(member, general, title="Members only", body="Still private.")
    heard = received(georgia)
    assert "post_added" not in heard and "topic_started" not in heard
    heard = received(arizona)  # the control: someone who kept access hears both
    assert heard["post_added"] == [{"topic_id": topic.id, "post_id": post.id}]
    assert [event["topic_id"] for event in heard["topic_started"]] == [started.id]
    if not georgia.is_connected(LIVE):  # closed: the page connects again, as workspace.js does
        georgia = LiveClient(current_app._get_current_object(), georgia.flask_test_client)
        assert georgia.is_connected(LIVE) is may_reconnect
    if georgia.is_connected(LIVE):  # still signed in: asking again is refused by the policy
        for event, ids in (("watch_topic", {"topic_id": topic.id}),
                           ("watch_forum", {"community_id": community.id})):
            assert georgia.emit(event, ids, namespace=LIVE, callback=True)["ok"] is False
        assert not any(realtime.is_in_community(room, community.id) for room in rooms_of(georgia))


def test_when_their_agency_withdraws(following, staff, community, other_member, member, topic,
                                     general):
    communities.withdraw_organization(staff, community, other_member.organization)
    assert left_within(following["georgia"], community) < 1
    assert following["georgia"].is_connected(LIVE)  # other communities and notices still flow
    assert realtime.user_room(other_member.id) in rooms_of(following["georgia"])
    nothing_more_reaches_georgia(following, topic, member, general, community)


def test_when_their_membership_ends(following, facilitator, community, other_member, member,
                                    topic, general):
    membership = db.session.scalar(select(Membership).where(
        Membership.community_id == community.id, Membership.user_id == other_member.id))
    communities.remove_member(facilitator, community, membership)
    assert left_within(following["georgia"], community) < 1
    nothing_more_reaches_georgia(following, topic, member, general, community)


def test_when_their_account_is_deactivated(following, staff, community, other_member, member,
                                           topic, general):
    accounts.set_deactivated(staff, other_member, True)
    assert left_within(following["georgia"], community) < 1
    assert not following["georgia"].is_connected(LIVE)
    nothing_more_reaches_georgia(following, topic, member, general, community,
                                 may_reconnect=False)


def test_when_they_sign_out(following, community, member, topic, general):
    georgia = following["georgia"]
    assert georgia.flask_test_client.post("/sign-out").status_code == 302
    assert left_within(georgia, community) < 1
    assert not georgia.is_connected(LIVE)
    nothing_more_reaches_georgia(following, topic, member, general, community,
                                 may_reconnect=False)


def test_when_they_move_to_an_agency_outside_the_community(following, staff, network, community,
                                                           other_member, member, topic, general):
    accounts.update_person(staff, other_member, name=other_member.name, title="", phone="",
                           time_zone="America/New_York", organization=network.seas["TX"],
                           is_network_staff=False)
    assert left_within(following["georgia"], community) < 1  # closed: the page reconnects
    nothing_more_reaches_georgia(following, topic, member, general, community)
