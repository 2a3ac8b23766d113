"""A topic page and a topic list cost the same number of queries however many posts there are."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import insert, select

from tests.forums.conftest import start_forum, url
from workspace.database import utcnow
from workspace.extensions import db
from workspace.forums import service
from workspace.forums.models import Post, Reaction, ReactionKind, Topic


def grow(topic: Topic, replies: int, authors: list) -> None:
    """Add replies in bulk, from several people, quoting and reacting now and then."""
    first = db.session.scalar(select(Post.id).where(Post.topic_id == topic.id))
    start = utcnow()
    db.session.execute(insert(Post), [
        {"topic_id": topic.id, "author_id": authors[n % len(authors)].id,
         "body": f"Reply {n}", "body_html": f"<p>Reply {n}</p>",
         "quoted_post_id": first if n % 7 == 0 else None,
         "created_at": start + timedelta(seconds=n), "is_opening": False}
        for n in range(replies)])
    ids = list(db.session.scalars(select(Post.id).where(Post.topic_id == topic.id)))
    db.session.execute(insert(Reaction), [
        {"post_id": post_id, "user_id": authors[n % len(authors)].id,
         "kind": list(ReactionKind)[n % 4], "created_at": start}
        for n, post_id in enumerate(ids) if n % 3 == 0])
    service.recount_topic(topic)
    db.session.commit()


@pytest.fixture
def people(member, other_member, sme, facilitator, observer):
    return [member, other_member, sme, facilitator]


def count_page(client, path: str, queries) -> int:
    # A real request starts with an empty session; the test's objects must not be refreshed
    # inside the count (they would be, having expired at the last commit).
    db.session.close()
    with queries() as counted:
        response = client.get(path)
    assert response.status_code == 200, path
    return counted.count


def test_a_topic_page_costs_the_same_for_10_and_500_replies(client_as, queries, community,
                                                            general, people, observer):
    short = service.start_topic(people[0], general, title="Short", body="Opening")
    long = service.start_topic(people[0], general, title="Long", body="Opening")
    grow(short, 10, people)
    grow(long, 500, people)
    paths = [url(community, f"/topics/{t.id}") for t in (short, long)]
    # A member, a facilitator and an observer; first and last pages.
    for viewer in [client_as(people[1]), client_as(people[3]), client_as(observer)]:
        first = [count_page(viewer, path, queries) for path in paths]
        last = [count_page(viewer, path + "?page=last", queries) for path in paths]
        assert first[0] == first[1] and last[0] == last[1], (first, last)
        assert max(first + last) <= 6, (first, last)


def test_a_topic_list_costs_the_same_for_10_and_500_replies(client_as, queries, community,
                                                            categories, people):
    few, many = categories[1], categories[2]
    for n in range(3):
        grow(service.start_topic(people[n % 4], few, title=f"Few {n}", body="Opening"), 3, people)
    for n in range(30):
        grow(service.start_topic(people[n % 4], many, title=f"Many {n}", body="Opening"), 17,
             people)
    client = client_as(people[1])
    paths = [url(community, f"/categories/{c.id}") for c in (few, many)]
    counts = [count_page(client, path, queries) for path in paths]
    assert counts[0] == counts[1] and counts[0] <= 12, counts
    index = url(community, "/")
    assert count_page(client, index, queries) <= 14


def test_my_activity_costs_the_same_however_much_is_watched(client_as, queries, community,
                                                           people):
    author = people[0]
    client = client_as(author)
    categories = start_forum(community)
    service.start_topic(author, categories[0], title="One", body="Opening")
    for n in range(20):
        grow(service.start_topic(author, categories[n % 4], title=f"T{n}", body="x"), 5, people)
    one = count_page(client, "/activity/", queries)
    assert count_page(client, "/activity/?page=2", queries) == one


def test_telling_2_or_40_watchers_of_a_reply_costs_the_same(queries, community, general, member,
                                                            other_member, network):
    from tests import factories
    from workspace import policy
    from workspace.auth.models import User
    from workspace.forums.models import TopicSubscription, WatchLevel
    from workspace.notifications.models import Notification

    watchers = [factories.make_user(network.seas["AZ"], f"watcher{n}@azed.gov")
                for n in range(40)]
    for person in watchers:
        factories.add_to(community, person, "member")
    quiet = service.start_topic(member, general, title="Two watch", body="Opening")
    busy = service.start_topic(member, general, title="Forty watch", body="Opening")
    db.session.flush()
    db.session.add_all([TopicSubscription(user_id=person.id, topic_id=topic.id,
                                          level=WatchLevel.WATCHING)
                        for topic, people in ((quiet, watchers[:1]), (busy, watchers))
                        for person in people])  # the topic's author watches it too
    db.session.commit()

    counts, author_id = [], other_member.id
    for topic_id in (quiet.id, busy.id):
        db.session.close()
        policy.forget_standings()  # as a new request starts with none
        author, topic = db.session.get(User, author_id), db.session.get(Topic, topic_id)
        with queries() as counted:
            service.reply(author, topic, body="Here is our monitoring calendar.")
        counts.append(counted.count)
    told = dict(db.session.execute(
        select(Notification.link, db.func.count()).group_by(Notification.link)).all())
    assert sorted(told.values()) == [2, 41]  # the author, and one or forty colleagues
    assert counts[0] == counts[1] <= 12, counts
