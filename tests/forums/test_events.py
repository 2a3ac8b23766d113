"""Live forum pages: readers follow a topic and hear about new posts; no one else does."""

from __future__ import annotations

from sqlalchemy import select

from tests.forums.conftest import url
from workspace.communities import service as communities
from workspace.extensions import db
from workspace.forums import moderation, service
from workspace.forums.models import Post

LIVE = "/live"


def events(client, name: str) -> list[dict]:
    return [event["args"][0] for event in client.get_received(LIVE) if event["name"] == name]


def follow(client, topic) -> dict:
    return client.emit("watch_topic", {"topic_id": topic.id}, namespace=LIVE, callback=True)


def test_a_new_reply_reaches_the_people_reading_the_topic(connect_as, topic, member,
                                                          other_member, observer):
    reader, watcher = connect_as(other_member), connect_as(observer)
    assert follow(reader, topic) == {"ok": True}
    assert follow(watcher, topic) == {"ok": True}  # observers read, so they may follow
    reply = service.reply(member, topic, body="Here is our monitoring calendar.")
    expected = [{"topic_id": topic.id, "post_id": reply.id}]
    assert events(reader, "post_added") == expected
    assert events(watcher, "post_added") == expected


def test_an_outsider_cannot_follow_a_topic_or_hear_its_posts(connect_as, topic, member,
                                                             outsider):
    texan = connect_as(outsider)
    answer = follow(texan, topic)
    assert answer["ok"] is False and "isn't available" in answer["error"]
    service.reply(member, topic, body="Members only")
    assert events(texan, "post_added") == []


def test_a_withdrawn_states_member_cannot_follow(connect_as, topic, other_member, staff,
                                                 community):
    communities.withdraw_organization(staff, community, other_member.organization)
    assert follow(connect_as(other_member), topic)["ok"] is False


def test_a_hidden_topic_is_followed_only_by_its_author_and_facilitators(
        connect_as, topic, member, other_member, facilitator):
    first = db.session.scalars(select(Post).where(Post.topic_id == topic.id)).first()
    moderation.hide_post(facilitator, first, reason="Duplicate")
    assert follow(connect_as(other_member), topic)["ok"] is False
    assert follow(connect_as(member), topic) == {"ok": True}
    assert follow(connect_as(facilitator), topic) == {"ok": True}


def test_a_bad_payload_is_answered_not_crashed(connect_as, member):
    client = connect_as(member)
    answer = client.emit("watch_topic", {"topic_id": "seven"}, namespace=LIVE, callback=True)
    assert answer == {"ok": False, "error": "'topic_id' must be a whole number."}
    answer = client.emit("watch_topic", {"topic_id": 999}, namespace=LIVE, callback=True)
    assert answer["ok"] is False


def test_a_hidden_post_sends_only_ids_and_its_fragment_is_gone_for_readers(
        connect_as, client_as, topic, member, other_member, facilitator, community):
    reply = service.reply(other_member, topic, body="A student's full name")
    reader = connect_as(member)
    follow(reader, topic)
    moderation.hide_post(facilitator, reply, reason="Names a student")
    changed = events(reader, "post_changed")
    assert changed == [{"topic_id": topic.id, "post_id": reply.id}]
    fragment = client_as(member).get(url(community, f"/posts/{reply.id}/fragment"))
    assert fragment.status_code == 404


def test_the_live_fragment_is_the_post_as_the_reader_sees_it(client_as, topic, member,
                                                             other_member, community):
    reply = service.reply(other_member, topic, body="**Ninety-day** cycles")
    fragment = client_as(member).get(url(community, f"/posts/{reply.id}/fragment"))
    html = fragment.get_data(as_text=True)
    assert fragment.status_code == 200 and html.lstrip().startswith("<article")
    assert "<strong>Ninety-day</strong>" in html and "<html" not in html
    assert f'id="post-{reply.id}"' in html and 'data-author="Ga Member"' in html


def test_new_topics_reach_people_on_the_forum_pages(connect_as, community, general, member,
                                                    other_member, outsider):
    reader, texan = connect_as(other_member), connect_as(outsider)
    ids = {"community_id": community.id}
    assert reader.emit("watch_forum", ids, namespace=LIVE, callback=True) == {"ok": True}
    assert texan.emit("watch_forum", ids, namespace=LIVE, callback=True)["ok"] is False
    topic = service.start_topic(member, general, title="Family engagement", body="Ideas?")
    assert events(reader, "topic_started") == [{"topic_id": topic.id, "category_id": general.id,
                                                "title": "Family engagement"}]
    assert events(texan, "topic_started") == []
