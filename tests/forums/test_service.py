"""The forum's rules, through its services: who may write, what others see, what is counted."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from tests import factories
from tests.forums.conftest import start_forum
from workspace import errors, writing
from workspace.auth import service as accounts
from workspace.communities import service as communities
from workspace.communities.models import CommunityStatus
from workspace.extensions import db
from workspace.forums import moderation, pages, service
from workspace.forums.models import (
    ForumCategory,
    ModerationAction,
    Post,
    PostRevision,
    ReactionKind,
    Topic,
    WatchLevel,
)
from workspace.moderation import service as community_moderation
from workspace.moderation.models import Flag, ModerationEvent
from workspace.notifications.models import Notification
from workspace.policy import forums as forum_policy


def notes_for(user) -> list[str]:
    return list(db.session.scalars(select(Notification.message).where(
        Notification.user_id == user.id).order_by(Notification.id)))


def posts_of(topic) -> list[Post]:
    return list(db.session.scalars(select(Post).where(Post.topic_id == topic.id)
                                   .order_by(Post.id)))


# --- Categories ------------------------------------------------------------------------------

def test_a_forum_starts_with_four_categories_once(community):
    first = start_forum(community)
    again = start_forum(community)
    assert [c.name for c in first] == ["General", "Problems of practice", "Tools and resources",
                                       "Session follow-ups"]
    assert [c.id for c in again] == [c.id for c in first]
    assert db.session.scalar(select(func.count()).select_from(ForumCategory)) == 4


def test_facilitators_manage_categories(community, categories, facilitator):
    added = service.add_category(facilitator, community, name="State action plans",
                                 description="Share drafts of your action steps.")
    assert added.position == 4
    service.update_category(facilitator, added, name="Action plans", description="Drafts.")
    service.move_category(facilitator, added, offset=-1)
    names = [c.name for c in pages.categories_of(community)]
    assert names.index("Action plans") == 3
    service.archive_category(facilitator, added, archived=True)
    assert added.is_archived
    with pytest.raises(errors.Invalid) as raised:
        service.add_category(facilitator, community, name="general")
    assert raised.value.field == "name"
    actions = set(db.session.scalars(select(ModerationEvent.action)))
    assert {ModerationAction.CATEGORY_ADDED, ModerationAction.CATEGORY_CHANGED,
            ModerationAction.CATEGORY_ARCHIVED} <= actions


def test_members_cannot_manage_categories_and_outsiders_cannot_tell_they_exist(
        community, categories, member, outsider):
    with pytest.raises(errors.Forbidden):
        service.add_category(member, community, name="Mine")
    with pytest.raises(errors.NotFound):
        service.add_category(outsider, community, name="Mine")


def test_an_archived_category_takes_no_new_topics(community, general, facilitator, member):
    service.archive_category(facilitator, general, archived=True)
    with pytest.raises(errors.Forbidden):
        service.start_topic(member, general, title="Late", body="Anyone?")


# --- Starting topics and replying ------------------------------------------------------------

def test_a_member_starts_a_topic_and_watches_it(topic, member):
    first = posts_of(topic)[0]
    assert first.is_opening and first.body_html == (
        "<p>We review <strong>leading indicators</strong> every quarter. You?</p>")
    assert topic.reply_count == 0 and topic.last_poster_id == member.id
    assert topic.last_post_id == first.id
    rows = pages._topic_rows(member, [topic])
    assert rows[0].watch is WatchLevel.WATCHING and rows[0].unread == 0 and not rows[0].is_new


def test_an_outsider_cannot_start_a_topic_or_read_one(general, topic, outsider, community):
    with pytest.raises(errors.NotFound):
        service.start_topic(outsider, general, title="Hello", body="From Texas")
    with pytest.raises(errors.NotFound):
        pages.topic_in(outsider, community, topic.id)


def test_observers_read_but_do_not_post(general, topic, observer, community):
    assert pages.topic_in(observer, community, topic.id) == topic
    with pytest.raises(errors.Forbidden):
        service.start_topic(observer, general, title="Hello", body="Observing")
    with pytest.raises(errors.Forbidden):
        service.reply(observer, topic, body="Observing")


def test_a_withdrawn_states_people_lose_the_forum_at_once(community, topic, member, staff):
    communities.withdraw_organization(staff, community, member.organization)
    with pytest.raises(errors.NotFound):
        pages.topic_in(member, community, topic.id)
    with pytest.raises(errors.NotFound):
        service.reply(member, topic, body="Still here?")
    assert pages.activity(member, page=1).topics.rows == []


def test_an_archived_community_stays_readable_but_takes_no_posts(community, topic, member):
    community.status = CommunityStatus.ARCHIVED
    db.session.commit()
    assert pages.topic_in(member, community, topic.id) == topic
    with pytest.raises(errors.Forbidden):
        service.reply(member, topic, body="Too late")


def test_replies_keep_the_topic_counters(topic, other_member, facilitator):
    service.reply(other_member, topic, body="Georgia uses a 90-day cycle.")
    last = service.reply(facilitator, topic, body="Both approaches are in the toolkit.")
    db.session.refresh(topic)
    assert topic.reply_count == 2
    assert topic.last_poster_id == facilitator.id and topic.last_post_id == last.id


def test_history_brought_in_keeps_its_dates(general, member, other_member):
    opened = datetime(2019, 6, 4, 15, 40, tzinfo=UTC)
    answered = datetime(2019, 6, 5, 17, tzinfo=UTC)
    topic = service.start_topic(member, general, title="Monitoring TSI schools",
                                body="Anyone?", written_at=opened)
    answer = service.reply(other_member, topic, body="We sample notes.", written_at=answered)
    db.session.expire_all()
    assert (topic.created_at, posts_of(topic)[0].created_at) == (opened, opened)
    assert (answer.created_at, topic.last_posted_at) == (answered, answered)
    assert topic.last_poster_id == other_member.id and topic.reply_count == 1
    later = service.reply(member, topic, body="Thank you.")  # new writing is dated now
    assert later.created_at > answered


def test_a_locked_topic_takes_replies_only_from_facilitators(topic, facilitator, other_member):
    moderation.lock_topic(facilitator, topic, locked=True)
    with pytest.raises(errors.Forbidden) as raised:
        service.reply(other_member, topic, body="One more thing")
    assert "locked" in raised.value.message
    service.reply(facilitator, topic, body="Summary of the thread.")
    moderation.lock_topic(facilitator, topic, locked=False)
    service.reply(other_member, topic, body="One more thing")


def test_titles_and_bodies_are_required_and_bounded(general, member):
    with pytest.raises(errors.Invalid) as raised:
        service.start_topic(member, general, title="  ", body="Text")
    assert raised.value.field == "title"
    with pytest.raises(errors.Invalid) as raised:
        service.start_topic(member, general, title="Title", body="   ")
    assert raised.value.field == "body"
    with pytest.raises(errors.Invalid):
        service.start_topic(member, general, title="Title", body="x" * (service.BODY_MAX + 1))


def test_rich_text_is_rendered_once_and_sanitized(topic, other_member):
    post = service.reply(other_member, topic,
                         body="<script>alert(1)</script>[x](javascript:alert(1)) *ok*")
    assert "<script" not in post.body_html and "javascript:" not in post.body_html
    assert "<em>ok</em>" in post.body_html
    assert post.body.startswith("<script>")  # what they wrote is kept as written


# --- Sending twice ---------------------------------------------------------------------------

def test_the_same_topic_form_sent_twice_makes_one_topic(general, member):
    first = service.start_topic(member, general, title="Twice", body="Once", nonce="n" * 22)
    second = service.start_topic(member, general, title="Twice", body="Once", nonce="n" * 22)
    assert first.id == second.id
    assert db.session.scalar(select(func.count()).select_from(Topic)) == 1


def test_the_same_reply_form_sent_twice_makes_one_post(topic, other_member):
    first = service.reply(other_member, topic, body="Hello", nonce="reply-nonce-1")
    second = service.reply(other_member, topic, body="Hello", nonce="reply-nonce-1")
    assert first.id == second.id
    db.session.refresh(topic)
    assert topic.reply_count == 1 and len(posts_of(topic)) == 2


def test_a_nonce_is_per_person(topic, other_member, facilitator):
    mine = service.reply(other_member, topic, body="Hello", nonce="shared-nonce")
    theirs = service.reply(facilitator, topic, body="Hello", nonce="shared-nonce")
    assert mine.id != theirs.id


# --- Editing and deleting --------------------------------------------------------------------

def test_authors_edit_their_posts_and_facilitators_see_the_history(topic, member, facilitator,
                                                                   other_member):
    first = posts_of(topic)[0]
    service.edit_post(member, first, body="We review leading indicators monthly now.",
                      title="Monitoring CSI progress")
    assert first.edited_at is not None and topic.title == "Monitoring CSI progress"
    history = moderation.post_history(facilitator, first)
    assert [r.body for r in history] == ["We review **leading indicators** every quarter. You?"]
    assert history[0].title == "How do you monitor CSI schools' progress?"
    with pytest.raises(errors.Forbidden):
        moderation.post_history(member, first)
    with pytest.raises(errors.Forbidden):
        service.edit_post(other_member, first, body="Not mine")


def test_an_edit_that_changes_nothing_keeps_no_revision(topic, member):
    first = posts_of(topic)[0]
    service.edit_post(member, first, body=first.body)
    assert db.session.scalar(select(func.count()).select_from(PostRevision)) == 0
    assert first.edited_at is None


def test_deleting_a_reply_is_soft_and_recounts(topic, member, other_member):
    reply = service.reply(other_member, topic, body="Oops, wrong thread")
    service.delete_post(other_member, reply)
    db.session.refresh(topic)
    assert reply.deleted_at is not None and db.session.get(Post, reply.id) is not None
    assert topic.reply_count == 0 and topic.last_poster_id == member.id
    page = pages.topic_page(other_member, topic, page=1)
    assert [v.post.id for v in page.posts] == [posts_of(topic)[0].id]


def test_a_topic_with_replies_cannot_be_deleted_by_its_author(topic, member, other_member,
                                                              community):
    service.reply(other_member, topic, body="An answer")
    with pytest.raises(errors.Forbidden):
        service.delete_post(member, posts_of(topic)[0])


def test_deleting_a_topic_without_replies_removes_it_from_lists(topic, member, general,
                                                                community):
    service.delete_post(member, posts_of(topic)[0])
    assert pages.topics_page(member, general, page=1).rows == []
    with pytest.raises(errors.NotFound):
        pages.topic_in(member, community, topic.id)


def test_only_the_author_deletes(topic, other_member, facilitator):
    with pytest.raises(errors.Forbidden):
        service.delete_post(other_member, posts_of(topic)[0])
    with pytest.raises(errors.Forbidden):
        service.delete_post(facilitator, posts_of(topic)[0])


# --- Answers, quotes and reactions -----------------------------------------------------------

def test_the_topic_author_marks_the_answer(topic, member, other_member, facilitator):
    reply = service.reply(other_member, topic, body="Use the SIG rubric.")
    with pytest.raises(errors.Forbidden):
        service.mark_answer(other_member, reply)
    service.mark_answer(member, reply)
    assert topic.answer_post_id == reply.id
    assert any("as the answer" in note for note in notes_for(other_member))
    with pytest.raises(errors.Invalid):
        service.mark_answer(member, posts_of(topic)[0])
    service.unmark_answer(facilitator, topic)
    assert topic.answer_post_id is None
    service.mark_answer(facilitator, reply)
    assert topic.answer_post_id == reply.id


def test_hiding_the_answer_takes_the_mark_away(topic, member, other_member, facilitator):
    reply = service.reply(other_member, topic, body="Use the SIG rubric.")
    service.mark_answer(member, reply)
    moderation.hide_post(facilitator, reply, reason="Shares a student's name.")
    assert topic.answer_post_id is None


def test_a_reply_quotes_a_post_of_the_same_topic(topic, general, member, other_member):
    first = posts_of(topic)[0]
    reply = service.reply(other_member, topic, body="Monthly here.", quoted_post=first)
    view = pages.post_view(member, reply)
    assert view.quote.id == first.id
    elsewhere = service.start_topic(member, general, title="Other", body="Other topic")
    with pytest.raises(errors.Invalid):
        service.reply(other_member, elsewhere, body="Quote", quoted_post=first)


def test_a_quote_of_a_hidden_post_is_not_shown_to_others(topic, member, other_member,
                                                        facilitator, observer):
    spoken = service.reply(other_member, topic, body="Something regrettable")
    quoting = service.reply(member, topic, body="I disagree", quoted_post=spoken)
    moderation.hide_post(facilitator, spoken, reason="Off topic")
    seen = pages.post_view(observer, quoting)
    assert seen.quote is None and seen.quote_unavailable
    assert pages.post_view(facilitator, quoting).quote.id == spoken.id


def test_reactions_toggle_and_are_counted(topic, member, other_member, observer):
    first = posts_of(topic)[0]
    assert service.toggle_reaction(other_member, first, ReactionKind.THANKS) is True
    view = pages.post_view(other_member, first)
    thanks = next(r for r in view.reactions if r.kind is ReactionKind.THANKS)
    assert (thanks.count, thanks.mine) == (1, True)
    assert service.toggle_reaction(other_member, first, ReactionKind.THANKS) is False
    with pytest.raises(errors.Forbidden):
        service.toggle_reaction(member, first, ReactionKind.AGREE)  # their own post
    with pytest.raises(errors.Forbidden):
        service.toggle_reaction(observer, first, ReactionKind.AGREE)


# --- Mentions and watching -------------------------------------------------------------------

def test_mentioned_people_of_the_community_are_notified(topic, member, other_member, outsider,
                                                        facilitator):
    service.reply(member, topic, body="@ga.member what does Georgia do? cc @facilitator "
                                       "and @tx.member")
    assert notes_for(other_member) == [
        "Az Member mentioned you in “How do you monitor CSI schools' progress?”."]
    assert notes_for(outsider) == []  # Texas can't read the community: no notification


def test_mentions_of_the_communitys_people_stand_out_in_the_post(topic, member, other_member,
                                                                  outsider, facilitator):
    reply = service.reply(member, topic, body="@ga.member, and @tx.member who can't read this")
    assert '<span class="workspace-mention">@ga.member</span>' in reply.body_html
    assert "@tx.member" in reply.body_html and "mention\">@tx.member" not in reply.body_html
    edited = service.edit_post(member, reply, body="Now @facilitator")
    assert edited.body_html == '<p>Now <span class="workspace-mention">@facilitator</span></p>'
    assert writing.preview(member, topic.community, "@ga.member") == (
        '<p><span class="workspace-mention">@ga.member</span></p>')


def test_posts_written_before_handles_keep_their_html_and_their_mentions(topic, member,
                                                                        other_member):
    old = service.reply(member, topic, body="@ga.member what does Georgia do?")
    written = old.body_html
    accounts.update_profile(other_member, name="Jordan Ellis", title="", phone="",
                            time_zone="UTC", handle="jordan.ellis")
    db.session.expire_all()
    old = db.session.get_one(Post, old.id)
    assert old.body_html == written  # nothing is rewritten
    edited = service.edit_post(member, old, body="@ga.member what does Georgia do? Thanks!")
    assert '<span class="workspace-mention">@ga.member</span>' in edited.body_html
    assert len(notes_for(other_member)) == 1  # the same person: not told again
    service.reply(member, topic, body="And @jordan.ellis, one more thing")
    assert len(notes_for(other_member)) == 2


def test_an_edit_notifies_only_newly_mentioned_people(topic, member, other_member, sme):
    first = posts_of(topic)[0]
    service.edit_post(member, first, body="Asking @ga.member")
    service.edit_post(member, first, body="Asking @ga.member and @sme")
    assert len(notes_for(other_member)) == 1
    assert len(notes_for(sme)) == 1


def test_watchers_hear_about_replies_and_muted_people_do_not(topic, member, other_member, sme,
                                                            facilitator, general):
    service.watch_topic(sme, topic, WatchLevel.WATCHING)
    service.watch_category(facilitator, general, WatchLevel.WATCHING)
    service.watch_topic(facilitator, topic, WatchLevel.MUTED)
    service.reply(other_member, topic, body="Georgia's view")
    assert notes_for(member) == [
        "Ga Member replied to “How do you monitor CSI schools' progress?”."]
    assert len(notes_for(sme)) == 1
    assert notes_for(facilitator) == []
    assert notes_for(other_member) == []  # not about their own reply


def test_category_watchers_hear_about_new_topics(general, member, facilitator):
    service.watch_category(facilitator, general, WatchLevel.WATCHING)
    service.start_topic(member, general, title="Needs assessments", body="Who has a template?")
    assert notes_for(facilitator) == ["Az Member started “Needs assessments” in General."]


def test_a_withdrawn_watcher_is_not_told(topic, member, other_member, staff, community):
    service.reply(other_member, topic, body="Watching now")  # Georgia watches by replying
    communities.withdraw_organization(staff, community, other_member.organization)
    service.reply(member, topic, body="Anyone?")
    assert notes_for(other_member) == []


# --- Reading: unread and the first new post --------------------------------------------------

def test_unread_counts_and_the_first_unread_post(topic, member, other_member, general, community):
    viewer = other_member
    assert pages.topics_page(viewer, general, page=1).rows[0].is_new
    page = pages.topic_page(viewer, topic, page=1)
    service.mark_read(viewer, topic, through_post_id=page.newest_post_id)
    replies = [service.reply(member, topic, body=f"Update {n}") for n in range(3)]
    row = pages.topics_page(viewer, general, page=1).rows[0]
    assert (row.unread, row.is_new) == (3, False)
    address = pages.first_unread_address(viewer, topic)
    assert address.endswith(f"#post-{replies[0].id}")
    page = pages.topic_page(viewer, topic, page=1)
    assert page.first_new_post_id == replies[0].id
    service.mark_read(viewer, topic, through_post_id=page.newest_post_id)
    assert pages.topics_page(viewer, general, page=1).rows[0].unread == 0
    assert pages.first_unread_address(viewer, topic).endswith("#latest")


def test_the_first_unread_post_is_found_on_a_later_page(topic, member, other_member):
    service.mark_read(other_member, topic, through_post_id=posts_of(topic)[0].id)
    for n in range(30):
        service.reply(member, topic, body=f"Reply {n}")
    service.mark_read(other_member, topic, through_post_id=posts_of(topic)[27].id)
    assert "page=2" in pages.first_unread_address(other_member, topic)


def test_muted_topics_leave_unread_counts(topic, member, other_member, community):
    service.watch_topic(other_member, topic, WatchLevel.MUTED)
    service.reply(member, topic, body="More")
    overview = pages.forum_overview(other_member, community)
    assert overview.categories[0].unread_topics == 0
    service.watch_topic(other_member, topic, WatchLevel.NORMAL)
    overview = pages.forum_overview(other_member, community)
    assert overview.categories[0].unread_topics == 1


def test_my_activity_lists_watched_topics_across_communities(topic, member, network, general,
                                                             other_member):
    other = factories.make_community(network, participants=["AZ"], slug="data-cop")
    factories.add_to(other, member, "member")
    elsewhere = service.start_topic(member, start_forum(other)[0], title="Data pipeline",
                                    body="Ours is manual.")
    quiet = service.start_topic(other_member, general, title="Not watched", body="Hi")
    found = pages.activity(member, page=1)
    ids = [row.topic.id for row in found.topics.rows]
    assert set(ids) == {topic.id, elsewhere.id} and quiet.id not in ids



def test_my_activity_shows_moderators_what_the_category_lists_show(topic, member, other_member,
                                                                   facilitator, general,
                                                                   network, staff):
    hidden = service.start_topic(other_member, general, title="Names a student", body="…")
    moderation.hide_post(facilitator, posts_of(hidden)[0], reason="Names a student")
    elsewhere = factories.make_community(network, participants=["GA"], slug="elsewhere-p2p")
    factories.add_to(elsewhere, other_member, "member")
    factories.add_to(elsewhere, facilitator, "observer")
    hidden_elsewhere = service.start_topic(other_member, start_forum(elsewhere)[0],
                                           title="Hidden there", body="…")
    service.watch_topic(facilitator, hidden_elsewhere, WatchLevel.WATCHING)
    moderation.hide_post(staff, posts_of(hidden_elsewhere)[0], reason="Off topic")
    for person in (facilitator, member):
        service.watch_category(person, general, WatchLevel.WATCHING)

    def watched(person) -> set[int]:
        return {row.topic.id for row in pages.activity(person, page=1).topics.rows}

    listed = {row.topic.id for row in pages.topics_page(facilitator, general, page=1).rows}
    assert hidden.id in listed and hidden.id in watched(facilitator)
    # Hidden topics stay hidden where the person does not moderate, and from everyone else.
    assert hidden_elsewhere.id not in watched(facilitator)
    assert watched(member) == {topic.id}


# --- Drafts (the forum's kinds in the shared editor) -----------------------------------------

def test_a_reply_draft_comes_back_with_the_topic_and_goes_when_the_reply_is_posted(
        community, topic, other_member):
    writing.save_draft(other_member, community, kind=pages.REPLY_DRAFT, target_id=topic.id,
                       body="Half a thought")
    assert pages.topic_page(other_member, topic, page=1).draft.body == "Half a thought"
    service.reply(other_member, topic, body="A whole thought")
    assert writing.draft_for(other_member, pages.REPLY_DRAFT, topic.id) is None


def test_a_topic_draft_is_one_per_community_and_goes_when_the_topic_is_posted(
        community, general, member):
    writing.save_draft(member, community, kind=pages.TOPIC_DRAFT, target_id=community.id,
                       title="Half a title", body="Half a thought")
    service.start_topic(member, general, title="A title", body="A whole thought")
    assert writing.draft_for(member, pages.TOPIC_DRAFT, community.id) is None


def test_reply_drafts_only_where_one_may_reply(community, topic, observer, outsider, member,
                                               facilitator, recruiting_community):
    kind, target = pages.REPLY_DRAFT, topic.id
    with pytest.raises(errors.Forbidden):
        writing.save_draft(observer, community, kind=kind, target_id=target, body="x")
    with pytest.raises(errors.NotFound):
        writing.save_draft(outsider, community, kind=kind, target_id=target, body="x")
    with pytest.raises(errors.NotFound):  # a topic, but not of this community
        writing.save_draft(facilitator, recruiting_community, kind=kind, target_id=target,
                           body="x")
    with pytest.raises(errors.NotFound):  # a new topic's draft names its own community
        writing.save_draft(member, community, kind=pages.TOPIC_DRAFT,
                           target_id=recruiting_community.id, body="x")
    moderation.lock_topic(facilitator, topic, locked=True)
    with pytest.raises(errors.Forbidden, match="locked"):
        writing.save_draft(member, community, kind=kind, target_id=target, body="x")
    assert writing.save_draft(facilitator, community, kind=kind, target_id=target, body="x")


# --- Hidden posts and moderation -------------------------------------------------------------

def test_a_hidden_post_is_seen_only_by_its_author_and_the_moderators(
        topic, member, other_member, facilitator, observer, community, general):
    reply = service.reply(other_member, topic, body="Names a student: Jane Doe")
    moderation.hide_post(facilitator, reply, reason="It names a student.")
    db.session.refresh(topic)
    assert topic.reply_count == 0 and topic.last_poster_id == member.id
    for reader in (member, observer):
        page = pages.topic_page(reader, topic, page=1)
        assert reply.id not in [v.post.id for v in page.posts]
        with pytest.raises(errors.NotFound):
            pages.post_in(reader, community, reply.id)
        assert pages.search_topics(reader, community, "Jane", page=1).rows == []
        assert pages.topics_page(reader, general, page=1).rows[0].topic.reply_count == 0
    own = pages.topic_page(other_member, topic, page=1)
    hidden = [v for v in own.posts if v.post.id == reply.id]
    assert hidden and hidden[0].post.hidden_reason == "It names a student."
    assert reply.id in [v.post.id for v in pages.topic_page(facilitator, topic,
                                                              page=1).posts]
    assert any("hid your post" in note and "It names a student." in note
               for note in notes_for(other_member))


def test_hidden_posts_are_not_unread(topic, member, other_member, facilitator, general):
    service.mark_read(member, topic, through_post_id=pages.topic_page(
        member, topic, page=1).newest_post_id)
    reply = service.reply(other_member, topic, body="Something to hide")
    moderation.hide_post(facilitator, reply, reason="Off topic")
    assert pages.topics_page(member, general, page=1).rows[0].unread == 0
    assert pages.forum_overview(member, topic.community).categories[0].unread_topics == 0


def test_restoring_brings_the_post_and_counters_back(topic, other_member, facilitator, member):
    reply = service.reply(other_member, topic, body="Fine after all")
    moderation.hide_post(facilitator, reply, reason="Checking")
    moderation.restore_post(facilitator, reply)
    db.session.refresh(topic)
    assert topic.reply_count == 1 and topic.last_poster_id == other_member.id
    assert reply.id in [v.post.id for v in pages.topic_page(member, topic, page=1).posts]
    with pytest.raises(errors.Conflict):
        moderation.restore_post(facilitator, reply)


def test_hiding_a_topics_first_post_hides_the_topic(topic, member, other_member, facilitator,
                                                    general, community):
    moderation.hide_post(facilitator, posts_of(topic)[0], reason="Duplicate of another topic")
    assert pages.topics_page(other_member, general, page=1).rows == []
    with pytest.raises(errors.NotFound):
        pages.topic_in(other_member, community, topic.id)
    assert pages.topic_in(member, community, topic.id) == topic  # its author
    assert pages.topics_page(facilitator, general, page=1).rows[0].topic.is_hidden
    assert pages.forum_overview(other_member, community).categories[0].topic_count == 0


def test_moderation_needs_a_facilitator(topic, other_member, outsider, facilitator, categories):
    first = posts_of(topic)[0]
    for action in (lambda who: moderation.pin_topic(who, topic, pinned=True),
                   lambda who: moderation.lock_topic(who, topic, locked=True),
                   lambda who: moderation.move_topic(who, topic, categories[1]),
                   lambda who: moderation.hide_post(who, first, reason="x")):
        with pytest.raises(errors.Forbidden):
            action(other_member)
        with pytest.raises(errors.NotFound):
            action(outsider)


def test_pin_lock_move_and_the_log(topic, facilitator, categories, general, member, community):
    later = service.start_topic(member, general, title="Later topic", body="Newer")
    assert pages.topics_page(member, general, page=1).rows[0].topic.id == later.id
    moderation.pin_topic(facilitator, topic, pinned=True)
    assert pages.topics_page(member, general, page=1).rows[0].topic.id == topic.id
    moderation.lock_topic(facilitator, topic, locked=True)
    moderation.move_topic(facilitator, topic, categories[1])
    assert topic.category_id == categories[1].id
    with pytest.raises(errors.Invalid):
        moderation.move_topic(facilitator, topic, categories[1])
    log = community_moderation.moderation_log(facilitator, community, page=1).items
    assert [event.action for event in log] == [ModerationAction.MOVED, ModerationAction.LOCKED,
                                               ModerationAction.PINNED]
    assert log[0].detail == "General → Problems of practice"
    with pytest.raises(errors.Forbidden):
        community_moderation.moderation_log(member, community, page=1)


def test_a_topic_moves_only_within_its_community(topic, facilitator, network):
    other = factories.make_community(network, participants=["AZ"], slug="other-cop")
    factories.add_to(other, facilitator, "facilitator")
    with pytest.raises(errors.Invalid):
        moderation.move_topic(facilitator, topic, start_forum(other)[0])


def test_members_flag_posts_for_the_facilitators(topic, member, other_member, facilitator,
                                                 community, observer):
    first = posts_of(topic)[0]
    flag = moderation.flag_post(other_member, first, reason="Shares a phone number")
    assert notes_for(facilitator) == [
        "Ga Member flagged a post in “How do you monitor CSI schools' progress?”."]
    with pytest.raises(errors.Conflict):
        moderation.flag_post(other_member, first, reason="Again")
    with pytest.raises(errors.Forbidden):
        moderation.flag_post(observer, first, reason="Observers only read")
    with pytest.raises(errors.Forbidden):
        moderation.flag_post(member, first, reason="My own")
    assert [row.flag.id for row in community_moderation.flag_queue(facilitator, community)] == [
        flag.id]
    with pytest.raises(errors.Forbidden):
        community_moderation.flag_queue(member, community)
    community_moderation.dismiss(facilitator, flag)
    assert not flag.is_open and flag.resolution == "No action needed"


def test_hiding_a_flagged_post_resolves_its_flags(topic, other_member, facilitator):
    first = posts_of(topic)[0]
    flag = moderation.flag_post(other_member, first, reason="Off topic")
    moderation.hide_post(facilitator, first, reason="Off topic")
    db.session.refresh(flag)
    assert flag.resolution == "Post hidden" and not flag.is_open
    assert db.session.scalar(select(func.count()).select_from(Flag).where(
        Flag.resolved_at.is_(None))) == 0


def test_policy_object_rules(topic, member, other_member, facilitator, observer, outsider):
    first = posts_of(topic)[0]
    assert forum_policy.may_edit_post(member, first)
    assert not forum_policy.may_edit_post(other_member, first)
    assert not forum_policy.may_edit_post(outsider, first)
    assert forum_policy.may_mark_answer(member, topic)
    assert forum_policy.may_mark_answer(facilitator, topic)
    assert not forum_policy.may_mark_answer(observer, topic)
    assert forum_policy.may_see_post(observer, first)
    assert not forum_policy.may_see_post(outsider, first)
    assert forum_policy.may_reply(other_member, topic)
    assert not forum_policy.may_reply(observer, topic)
