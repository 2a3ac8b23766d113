"""Notifications record what they are about, go to many people in one step, and can be withdrawn."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from workspace.auth import service as accounts
from workspace.auth.models import User
from workspace.communities import service as communities
from workspace.communities.models import InterestStatus
from workspace.extensions import db
from workspace.forums import moderation
from workspace.forums import service as forums
from workspace.forums.models import Post, WatchLevel
from workspace.notifications.models import Notification, NotificationKind
from workspace.notifications.service import Subject, notify, notify_many, withdraw

LIVE = "/live"


def notices(user: User | None = None) -> list[Notification]:
    stmt = select(Notification).order_by(Notification.id)
    if user is not None:
        stmt = stmt.where(Notification.user_id == user.id)
    return list(db.session.scalars(stmt))


def about(note: Notification) -> tuple:
    return (note.kind, note.actor_id, note.community_id, note.subject_type, note.subject_id)


def live(client, name: str) -> list[dict]:
    return [event["args"][0] for event in client.get_received(LIVE) if event["name"] == name]


def test_a_notification_records_its_kind_actor_community_and_subject(member, other_member,
                                                                     community):
    note = notify(member, NotificationKind.MENTION, "Ga Member mentioned you.", "/x",
                  actor=other_member, community=community, subject=Subject("forum_post", 42))
    db.session.commit()
    assert about(db.session.get(Notification, note.id)) == (
        NotificationKind.MENTION, other_member.id, community.id, "forum_post", 42)


def test_notify_many_tells_a_selection_in_one_statement_and_skips_closed_accounts(
        member, other_member, observer, sme, staff, community, connect_as, queries):
    accounts.set_deactivated(staff, sme, True)
    pages = {person.id: connect_as(person) for person in (member, other_member, observer)}
    recipients = select(User.id).where(User.id.in_([member.id, other_member.id, sme.id]))
    db.session.refresh(observer), db.session.refresh(community)
    with queries() as counted:
        told = notify_many(recipients, NotificationKind.REPLY, "Someone replied.", "/y",
                           actor=observer, community=community,
                           subject=Subject("forum_post", 7))
    assert counted.count == 2  # INSERT ... SELECT ... RETURNING, and the email job for them all
    assert told == sorted([member.id, other_member.id])  # the deactivated SME is left out
    assert live(pages[member.id], "notification_added") == []  # not before the commit
    db.session.commit()
    for person in (member, other_member):
        [note] = notices(person)
        assert about(note) == (NotificationKind.REPLY, observer.id, community.id, "forum_post", 7)
        assert live(pages[person.id], "notification_added") == [
            {"id": note.id, "message": "Someone replied.", "link": "/y"}]
    assert live(pages[observer.id], "notification_added") == []


def test_withdraw_takes_back_only_unread_notices_about_the_subject(member, other_member,
                                                                  community, connect_as):
    def note(kind: NotificationKind, post_id: int) -> Notification:
        return notify(member, kind, f"About {post_id}", actor=other_member, community=community,
                      subject=Subject("forum_post", post_id))

    already_read = note(NotificationKind.MENTION, 1)
    already_read.read_at = already_read.created_at
    mention, hidden = note(NotificationKind.MENTION, 1), note(NotificationKind.POST_HIDDEN, 1)
    other_post = note(NotificationKind.MENTION, 2)
    db.session.commit()
    kept, gone = [already_read.id, hidden.id, other_post.id], mention.id
    page = connect_as(member)
    assert withdraw(Subject("forum_post", 1),
                    kinds=frozenset({NotificationKind.MENTION, NotificationKind.REPLY})) == 1
    db.session.commit()
    assert [n.id for n in notices(member)] == kept
    assert live(page, "notifications_withdrawn") == [{"ids": [gone]}]


# --- Every kind of notice the app sends, as it is sent -----------------------------------------

def test_forum_notices_say_who_did_what_where_and_about_which_post(
        topic, general, member, other_member, facilitator, sme, community):
    forums.watch_category(facilitator, general, WatchLevel.WATCHING)
    started = forums.start_topic(member, general, title="Budgets", body="Ideas?")
    opening = db.session.scalar(select(Post).where(Post.topic_id == started.id))
    reply = forums.reply(other_member, topic, body="Ask @sme about it.")
    post = ("forum_post", reply.id)
    assert [about(n) for n in notices(member)] == [  # watching the topic they started
        (NotificationKind.REPLY, other_member.id, community.id, *post)]
    assert [about(n) for n in notices(sme)] == [
        (NotificationKind.MENTION, other_member.id, community.id, *post)]
    forums.mark_answer(member, reply)
    moderation.flag_post(sme, reply, reason="Names a student")
    moderation.hide_post(facilitator, reply, reason="Names a student")
    moderation.restore_post(facilitator, reply)
    assert [about(n) for n in notices(facilitator)] == [
        (NotificationKind.TOPIC_STARTED, member.id, community.id, "forum_post", opening.id),
        (NotificationKind.FLAG_RAISED, sme.id, community.id, *post)]
    assert [about(n) for n in notices(other_member)] == [
        (NotificationKind.ANSWER_MARKED, member.id, community.id, *post),
        (NotificationKind.POST_HIDDEN, facilitator.id, community.id, *post),
        (NotificationKind.POST_RESTORED, facilitator.id, community.id, *post)]
    # Hiding the reply took back the notices that sent people to read it.
    assert notices(sme) == [] and notices(member) == []


def test_community_notices_say_who_did_what_where(network, recruiting_community, facilitator,
                                                  staff, outsider):
    communities.add_member(facilitator, recruiting_community, staff,
                           role=communities.CommunityRole.OBSERVER)
    interest = communities.express_interest(outsider, recruiting_community,
                                            problem_of_practice="Our data dashboards lag.")
    communities.decide_interest(facilitator, interest, InterestStatus.WAITLISTED)
    where = recruiting_community.id
    assert [about(n) for n in notices(staff)] == [
        (NotificationKind.ADDED_TO_COMMUNITY, facilitator.id, where, "community", where)]
    assert [about(n) for n in notices(facilitator)] == [
        (NotificationKind.INTEREST_RECEIVED, outsider.id, where, "interest", interest.id)]
    assert [about(n) for n in notices(outsider)] == [
        (NotificationKind.INTEREST_DECIDED, facilitator.id, where, "interest", interest.id)]


# --- Withdrawing when a post goes ----------------------------------------------------------------

@pytest.fixture
def told_about_a_reply(topic, member, other_member, sme):
    """A reply that mentions the SME, in a topic its author (member) watches."""
    reply = forums.reply(other_member, topic, body="Thanks, @sme, for the template.")
    assert {n.kind for n in notices(member)} == {NotificationKind.REPLY}
    assert {n.kind for n in notices(sme)} == {NotificationKind.MENTION}
    return reply


def test_hiding_a_post_withdraws_the_notices_sending_people_to_it(
        told_about_a_reply, member, other_member, sme, facilitator, connect_as):
    page = connect_as(sme)
    moderation.hide_post(facilitator, told_about_a_reply, reason="Names a student")
    assert notices(member) == [] and notices(sme) == []
    assert [n.kind for n in notices(other_member)] == [NotificationKind.POST_HIDDEN]
    assert len(live(page, "notifications_withdrawn")) == 1


def test_deleting_a_post_withdraws_them_too(told_about_a_reply, member, other_member, sme):
    forums.delete_post(other_member, told_about_a_reply)
    assert notices(member) == [] and notices(sme) == []


def test_a_notice_already_read_stays_in_the_list(told_about_a_reply, member, facilitator):
    for note in notices(member):
        note.read_at = note.created_at
    db.session.commit()
    moderation.hide_post(facilitator, told_about_a_reply, reason="Off topic")
    assert [n.kind for n in notices(member)] == [NotificationKind.REPLY]


def test_hiding_a_topics_opening_post_withdraws_the_notices_about_its_replies(
        told_about_a_reply, topic, member, sme, facilitator):
    opening = db.session.scalar(select(Post).where(Post.topic_id == topic.id,
                                                   Post.is_opening.is_(True)))
    moderation.hide_post(facilitator, opening, reason="Duplicate topic")
    assert notices(sme) == []
