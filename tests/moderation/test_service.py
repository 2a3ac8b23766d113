"""One flag queue and one log per community, for forum posts and any kind registered later."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tests import factories
from tests.forums.conftest import start_forum
from workspace import errors
from workspace.extensions import db
from workspace.forums import moderation as forum_moderation
from workspace.forums import service as forums
from workspace.forums.models import ModerationAction, Post
from workspace.moderation import service
from workspace.moderation.models import Flag, ModerationEvent
from workspace.moderation.registry import SubjectKind, SubjectState, kind_named, register_kind
from workspace.notifications.models import Notification


def opening_post(topic) -> Post:
    return db.session.scalars(select(Post).where(Post.topic_id == topic.id)
                              .order_by(Post.id)).first()


def events(community) -> list[ModerationEvent]:
    return list(db.session.scalars(select(ModerationEvent).where(
        ModerationEvent.community_id == community.id).order_by(ModerationEvent.id)))


def test_a_flagged_forum_post_is_named_by_its_community_kind_summary_and_link(
        topic, other_member, facilitator, community):
    post = opening_post(topic)
    flag = forum_moderation.flag_post(other_member, post, reason="Shares a phone number")
    assert (flag.community_id, flag.subject_kind, flag.subject_id) == (
        community.id, "forum_post", post.id)
    assert flag.summary == "Az Member's post in “How do you monitor CSI schools' progress?”"
    assert flag.excerpt == "We review leading indicators every quarter. You?"
    assert flag.link == f"/communities/{community.slug}/forums/posts/{post.id}"
    note = db.session.scalar(select(Notification).where(Notification.user_id == facilitator.id))
    assert note.message == ("Ga Member flagged a post in “How do you monitor CSI schools' "
                            "progress?”.")
    assert note.link.endswith(f"/communities/{community.slug}/moderation/flags")


def test_a_long_post_is_summed_up_in_a_short_excerpt(general, member, other_member):
    long = forums.start_topic(member, general, title="Long",
                              body="**Leading** indicators " + "and more words " * 60)
    flag = forum_moderation.flag_post(other_member, opening_post(long), reason="Too long")
    assert flag.excerpt.startswith("Leading indicators and more words")
    assert flag.excerpt.endswith("…") and len(flag.excerpt) <= 201


def test_each_community_has_its_own_queue_and_log(topic, other_member, facilitator, community,
                                                  network):
    other = factories.make_community(network, participants=["AZ", "GA"], slug="other-p2p")
    for person, role in ((facilitator, "facilitator"), (other_member, "member")):
        factories.add_to(other, person, role)
    author = factories.make_user(network.seas["AZ"], "az.author@example.org")
    factories.add_to(other, author, "member")
    elsewhere = forums.start_topic(author, start_forum(other)[0], title="Elsewhere", body="Hi")
    here = forum_moderation.flag_post(other_member, opening_post(topic), reason="Here")
    there = forum_moderation.flag_post(other_member, opening_post(elsewhere), reason="There")
    assert [row.flag.id for row in service.flag_queue(facilitator, community)] == [here.id]
    assert [row.flag.id for row in service.flag_queue(facilitator, other)] == [there.id]
    with pytest.raises(errors.NotFound):
        service.flag_in(facilitator, community, there.id)
    service.dismiss(facilitator, here)
    assert [e.action for e in service.moderation_log(facilitator, community, page=1).items] == [
        "flag_dismissed"]
    assert service.moderation_log(facilitator, other, page=1).items == []


def test_only_moderators_read_the_queue_and_the_log(topic, community, member, observer, outsider,
                                                    staff):
    for person in (member, observer):
        with pytest.raises(errors.Forbidden):
            service.flag_queue(person, community)
        with pytest.raises(errors.Forbidden):
            service.moderation_log(person, community, page=1)
    with pytest.raises(errors.NotFound):
        service.flag_queue(outsider, community)
    with pytest.raises(errors.NotFound):
        service.moderation_log(outsider, community, page=1)
    assert service.flag_queue(staff, community) == []


def test_dismissing_a_flag_logs_it_with_its_subject(topic, other_member, facilitator, member,
                                                    community):
    flag = forum_moderation.flag_post(other_member, opening_post(topic), reason="Off topic")
    with pytest.raises(errors.Forbidden):
        service.dismiss(member, flag)
    service.dismiss(facilitator, flag)
    assert not flag.is_open and flag.resolution == "No action needed"
    [event] = events(community)
    assert (event.action, event.action_label, event.subject_kind, event.subject_id) == (
        "flag_dismissed", "Dismissed a flag", "forum_post", flag.subject_id)
    assert (event.summary, event.link, event.detail) == (flag.summary, flag.link, "Off topic")
    with pytest.raises(errors.Conflict):
        service.dismiss(facilitator, flag)


def test_hiding_from_the_queue_hides_the_post_through_the_forum(topic, other_member, sme,
                                                                facilitator, community):
    post = opening_post(topic)
    first = forum_moderation.flag_post(other_member, post, reason="Names a student")
    second = forum_moderation.flag_post(sme, post, reason="Same")
    with pytest.raises(errors.Invalid):
        service.hide_flagged(facilitator, first, reason="  ")
    service.hide_flagged(facilitator, first, reason="It names a student")
    db.session.refresh(post)
    assert post.is_hidden and post.hidden_reason == "It names a student" and topic.is_hidden
    for flag in (first, second):
        db.session.refresh(flag)
        assert flag.resolution == "Post hidden" and not flag.is_open
    assert [(e.action, e.subject_kind, e.summary) for e in events(community)] == [
        ("post_hidden", "forum_post", first.summary)]
    with pytest.raises(errors.Conflict):
        service.hide_flagged(facilitator, first, reason="Again")


def test_the_queue_says_what_became_of_each_subject(topic, member, other_member, facilitator,
                                                    community):
    reply = forums.reply(member, topic, body="A reply to flag")
    flags = {name: forum_moderation.flag_post(other_member, post, reason=name)
             for name, post in (("shown", opening_post(topic)), ("hidden", reply))}
    reply.hidden_at = reply.created_at  # hidden some way that left the flag open
    db.session.commit()
    rows = {row.flag.reason: row for row in service.flag_queue(facilitator, community)}
    assert (rows["shown"].state, rows["shown"].may_hide) == (SubjectState.VISIBLE, True)
    assert (rows["hidden"].state, rows["hidden"].may_hide) == (SubjectState.HIDDEN, False)
    assert {row.label for row in rows.values()} == {"post"}
    forums.delete_post(member, reply)  # deleting resolves its flags
    db.session.refresh(flags["hidden"])
    assert flags["hidden"].resolution == "Deleted by its author"
    assert service.open_flag_count(community) == 1


def test_the_forums_actions_name_topics_posts_and_categories(topic, facilitator, categories,
                                                             community):
    forum_moderation.pin_topic(facilitator, topic, pinned=True)
    forum_moderation.hide_post(facilitator, opening_post(topic), reason="Off topic")
    forums.archive_category(facilitator, categories[3], archived=True)
    logged = [(e.action_label, e.subject_kind, e.summary, e.link) for e in events(community)]
    slug = community.slug
    assert logged == [
        ("Pinned a topic", "forum_topic", topic.title, f"/communities/{slug}/forums/topics/"
                                                       f"{topic.id}"),
        ("Hid a post", "forum_post", f"Az Member's post in “{topic.title}”",
         f"/communities/{slug}/forums/posts/{opening_post(topic).id}"),
        ("Archived a category", "forum_category", "Session follow-ups",
         f"/communities/{slug}/forums/categories/{categories[3].id}")]
    assert ModerationAction.PINNED == events(community)[0].action


def test_a_second_kind_of_content_shares_the_queue_and_the_log(notes, topic, member,
                                                               other_member, facilitator,
                                                               community):
    note = notes.add(community, member, "Call me at 555-0100")
    post_flag = forum_moderation.flag_post(other_member, opening_post(topic), reason="Post")
    note_flag = service.flag(other_member, notes.kind, note, reason="A phone number")
    assert (note_flag.subject_kind, note_flag.summary, note_flag.link) == (
        "test_note", "Az Member's note", f"/notes/{note.id}")
    assert "Ga Member flagged a note." in db.session.scalars(
        select(Notification.message).where(Notification.user_id == facilitator.id)).all()
    with pytest.raises(errors.Forbidden, match="other people's notes"):
        service.flag(member, notes.kind, note, reason="My own")
    with pytest.raises(errors.Conflict, match="already flagged this note"):
        service.flag(other_member, notes.kind, note, reason="Again")

    queue = service.flag_queue(facilitator, community)
    assert [(row.flag.id, row.label) for row in queue] == [(note_flag.id, "note"),
                                                          (post_flag.id, "post")]
    service.hide_flagged(facilitator, note_flag, reason="No phone numbers here")
    assert note.hidden and not note_flag.is_open and note_flag.resolution == "Note hidden"
    service.dismiss(facilitator, post_flag)
    log = service.moderation_log(facilitator, community, page=1).items
    assert [(e.action_label, e.subject_kind, e.summary) for e in log] == [
        ("Dismissed a flag", "forum_post", post_flag.summary),
        ("Hid a note", "test_note", "Az Member's note")]
    assert service.open_flag_count(community) == 0


def test_a_kind_nobody_registers_any_more_still_reads_in_the_queue(notes, member, other_member,
                                                                  facilitator, community):
    flag = service.flag(other_member, notes.kind, notes.add(community, member, "Hi"),
                        reason="Spam")
    service.log_action(facilitator, community, "note_pinned", subject=flag.subject)
    from workspace.moderation.registry import unregister_kind  # noqa: PLC0415

    unregister_kind("test_note")
    [row] = service.flag_queue(facilitator, community)
    assert (row.label, row.state, row.may_hide, row.flag.summary) == (
        "item", SubjectState.GONE, False, "Az Member's note")
    with pytest.raises(errors.Invalid):
        service.hide_flagged(facilitator, flag, reason="Spam")
    assert service.moderation_log(facilitator, community, page=1).items[0].action_label == (
        "Note pinned")


def test_a_kinds_name_is_registered_once(notes):
    assert kind_named("forum_post").label == "post"
    clash = SubjectKind(name="test_note", label="other", find=notes.find,
                        describe=notes.describe, may_flag=notes.may_flag,
                        hide=notes.hide, states=notes.states)
    with pytest.raises(ValueError):
        register_kind(clash)
    assert register_kind(notes.kind) is notes.kind


def test_flags_stay_in_their_table(topic, other_member):
    forum_moderation.flag_post(other_member, opening_post(topic), reason="Off topic")
    assert db.session.scalar(select(Flag.subject_kind)) == "forum_post"
