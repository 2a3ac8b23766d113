"""The notification centre: notices grouped by kind and thread, filtered, marked read, and gone
when their reader may no longer see what they are about."""

from __future__ import annotations

from sqlalchemy import select

from tests import factories
from workspace.communities import service as communities
from workspace.extensions import db
from workspace.forums import service as forums
from workspace.forums.moderation import hide_post
from workspace.notifications.centre import Filters, centre_page
from workspace.notifications.models import Category, Notification, NotificationKind
from workspace.notifications.service import (
    Subject,
    Thread,
    mark_read,
    notify,
    still_visible,
    unread_count,
    visible_notices,
)


def _replies(topic, *authors) -> None:
    for number, author in enumerate(authors):
        forums.reply(author, topic, body=f"Reply number {number}.")


def _headlines(person, filters: Filters | None = None) -> list[tuple[str, str, bool]]:
    groups = centre_page(person, filters or Filters(), page=1).groups.items
    return [(group.headline, group.who, group.unread) for group in groups]


def test_replies_in_one_topic_show_as_one_row_with_who_wrote_them(topic, member, other_member,
                                                                  facilitator, sme):
    _replies(topic, other_member, sme, other_member, facilitator)
    title = topic.title
    assert _headlines(member) == [
        (f"4 new replies in “{title}”", "Facilitator, Ga Member and 1 other", True)]
    html_centre = centre_page(member, Filters(), page=1)
    newest = html_centre.groups.items[0].newest
    assert newest.message == f"Facilitator replied to “{title}”."  # its link and time lead
    assert html_centre.unread == 4 == unread_count(member)


def test_a_group_of_one_reads_as_its_notice_and_read_groups_come_after(topic, member,
                                                                        other_member):
    _replies(topic, other_member)
    assert _headlines(member) == [(f"Ga Member replied to “{topic.title}”.", "", True)]
    alone = notify(other_member, NotificationKind.GENERAL, "Welcome to the network.", "/",
                   actor=None, community=None, subject=None)
    db.session.commit()
    mark_read(other_member)
    _replies(topic, member, member)  # Georgia's member watches the topic they replied in
    assert _headlines(other_member) == [
        (f"2 new replies in “{topic.title}”", "Az Member", True),
        (alone.message, "", False)]


def test_a_page_of_groups_costs_the_same_for_3_notices_or_60(client_as, queries, member,
                                                             other_member, community):
    def send(count: int) -> None:
        for number in range(count):
            notify(member, NotificationKind.REPLY, f"Reply {number}.", "/", actor=other_member,
                   community=community, subject=None,
                   thread=Thread(f"forum_topic:{number % 30}", f"Topic {number % 30}"))
        db.session.commit()

    client = client_as(member)
    costs = []
    for count in (3, 57):  # 3, then 60 in 30 groups: more than a page
        send(count)
        with queries() as counted:
            assert client.get("/notifications/").status_code == 200
        costs.append(counted.count)
    assert costs[0] == costs[1]
    page_two = client.get("/notifications/?page=2").get_data(as_text=True)
    # 30 groups, newest first: page two has the oldest five, the first three sent three times.
    assert "3 new replies in “Topic 0”" in page_two and "Reply 27." in page_two


def test_filters_by_community_and_kind_and_keeps_them_in_links(client_as, member, other_member,
                                                               facilitator, community,
                                                               recruiting_community, network):
    factories.add_to(recruiting_community, member, "member")
    for number in range(30):
        notify(member, NotificationKind.REPLY, f"Reply {number}.", "/", actor=other_member,
               community=community, subject=None, thread=Thread(f"forum_topic:{number}", "T"))
    notify(member, NotificationKind.SESSION_CHANGED, "Session moved.", "/", actor=facilitator,
           community=recruiting_community, subject=None)
    db.session.commit()
    sessions = Filters(category=Category.SESSIONS)
    assert _headlines(member, sessions) == [("Session moved.", "", True)]
    assert _headlines(member, Filters(community_id=recruiting_community.id)) == [
        ("Session moved.", "", True)]
    assert _headlines(member, Filters(community_id=community.id, category=Category.SESSIONS)) == []
    client = client_as(member)
    html = client.get(f"/notifications/?community={community.id}&kind=discussions"
                      ).get_data(as_text=True)
    assert f'/notifications/?community={community.id}&amp;kind=discussions&amp;page=2' in html
    assert "Mark these 30 as read" in html
    assert f'<option value="{recruiting_community.id}">' in html
    assert '<option value="discussions" selected>Discussions</option>' in html
    empty = client.get(f"/notifications/?community={recruiting_community.id}&kind=discussions"
                       ).get_data(as_text=True)
    assert "No notifications match these filters." in empty
    # Nonsense in the address shows everything rather than failing.
    assert client.get("/notifications/?community=x&kind=nonsense").status_code == 200


def test_mark_these_read_marks_only_the_filtered_ones_and_tells_every_tab(
        client_as, connect_as, member, other_member, facilitator, community,
        recruiting_community):
    factories.add_to(recruiting_community, member, "member")
    notify(member, NotificationKind.REPLY, "Reply.", "/", actor=other_member,
           community=community, subject=None)
    moved = notify(member, NotificationKind.SESSION_CHANGED, "Session moved.", "/",
                   actor=facilitator, community=recruiting_community, subject=None)
    db.session.commit()
    tab = connect_as(member)
    tab.get_received("/live")
    answer = client_as(member).post("/notifications/read", data={"kind": "sessions"})
    assert answer.status_code == 302 and answer.location.endswith("/notifications/?kind=sessions")
    assert unread_count(member) == 1
    events = [event for event in tab.get_received("/live") if event["name"] == "notifications_read"]
    assert [event["args"][0] for event in events] == [{"ids": [moved.id]}]
    answer = client_as(member).post("/notifications/read", json={},
                                    headers={"Accept": "application/json"})
    assert answer.get_json() == {"ok": True, "marked": 1, "unread": 0}


def test_mark_a_group_read_by_script_or_form(client_as, topic, member, other_member, sme):
    _replies(topic, other_member, sme)
    notify(member, NotificationKind.GENERAL, "Welcome.", "/", actor=None, community=None,
           subject=None)
    db.session.commit()
    group = centre_page(member, Filters(), page=1).groups.items[1]
    assert group.count == 2
    client = client_as(member)
    url = f"/notifications/groups/read?kind=reply&key={group.key}"
    html = client.get("/notifications/").get_data(as_text=True)
    assert url.replace("&", "&amp;") in html
    answer = client.post(url, json={}, headers={"Accept": "application/json"})
    assert answer.get_json() == {"ok": True, "marked": 2, "unread": 1}
    assert client.post("/notifications/groups/read?kind=nope&key=x").status_code == 422


def test_a_notice_its_reader_may_no_longer_see_leaves_the_list_and_the_count(
        topic, member, other_member, facilitator, staff, network, community):
    _replies(topic, other_member)
    forums.reply(member, topic, body="Thanks @ga.member")
    assert unread_count(other_member) == 1 and unread_count(member) == 1
    communities.withdraw_organization(staff, community, network.seas["GA"])
    assert unread_count(other_member) == 0
    assert _headlines(other_member) == []
    # A hidden reply: its author still sees the notice about it... everyone else doesn't.
    reply = db.session.scalars(select(forums.Post).where(
        forums.Post.author_id == other_member.id)).one()
    read_notice = db.session.scalars(select(Notification).where(
        Notification.user_id == member.id)).one()
    read_notice.read_at = read_notice.created_at  # read, so hiding doesn't withdraw it
    db.session.commit()
    hide_post(facilitator, reply, reason="Off topic.")
    assert _headlines(member) == []


def test_the_sql_form_and_still_visible_agree(topic, member, other_member, facilitator, staff,
                                              community, network):
    _replies(topic, other_member, facilitator)
    post_ids = list(db.session.scalars(select(forums.Post.id).order_by(forums.Post.id)))
    subjects = [Subject("forum_post", post_id) for post_id in post_ids]
    subjects += [Subject("forum_topic", topic.id), Subject("community", community.id),
                 Subject("live_session", 999), Subject("library_resource", 999),
                 Subject("blog_post", 999), Subject("blog_comment", 999),
                 Subject("interest", 999), Subject("action_item", 999),
                 Subject("something_new", 1)]
    people = [member, other_member, facilitator]
    for person in people:
        for subject in subjects:
            notify(person, NotificationKind.GENERAL, "About it.", "/", actor=None,
                   community=community, subject=subject, email=False)
        notify(person, NotificationKind.GENERAL, "About nothing.", "/", actor=None,
               community=None, subject=None, email=False)
    db.session.commit()
    hide_post(facilitator, db.session.get(forums.Post, post_ids[1]), reason="Off topic.")
    communities.withdraw_organization(staff, community, network.seas["GA"])
    for person in people:
        notices = list(db.session.scalars(select(Notification).where(
            Notification.user_id == person.id)))
        listed = set(db.session.scalars(select(Notification.id).where(
            Notification.user_id == person.id, visible_notices(person))))
        assert listed == {notice.id for notice in notices if still_visible(person, notice)}
        assert 2 <= len(listed) < len(notices)  # a mixed set: some of each


def test_the_header_count_asks_the_policy_only_about_unread_notices(
        client_as, queries, topic, member, other_member, monkeypatch):
    from workspace.notifications import service  # noqa: PLC0415

    asked: list[str] = []
    for subject_type, visible_ids in list(service._SUBJECT_TYPES.items()):
        def counting(person, subject_type=subject_type, visible_ids=visible_ids):
            asked.append(subject_type)
            return visible_ids(person)
        monkeypatch.setitem(service._SUBJECT_TYPES, subject_type, counting)
    reader = client_as(other_member)
    db.session.commit()
    with queries() as counted:
        assert reader.get("/accessibility").status_code == 200
    # Nothing unread: the person, then one look at their unread notices, nothing else.
    assert counted.count == 2 and asked == []
    forums.reply(member, topic, body="Thanks @ga.member")
    db.session.commit()
    assert unread_count(other_member) == 1
    asked.clear()
    page = reader.get("/accessibility").get_data(as_text=True)
    assert 'data-notification-count>1<' in page
    assert set(asked) == {"forum_post"}  # only the kind of subject the unread notice is about
