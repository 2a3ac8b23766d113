"""Keeping a forum civil: hiding and restoring posts, pinning, locking, moving, post history.

Flags and the log are the community's (workspace.moderation); the forum registers its posts
there as a kind of content members may flag.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from workspace import errors, policy
from workspace.auth.models import User
from workspace.database import utcnow
from workspace.extensions import db
from workspace.forums import subjects
from workspace.forums.models import ForumCategory, ModerationAction, Post, PostRevision, Topic
from workspace.forums.pages import NO_LAZY_SQL, post_in
from workspace.forums.service import (
    publish_post_changed,
    recount_topic,
    subject_of,
    withdraw_invitations_to_read,
)
from workspace.forums.subjects import link_to_post, post_subject, topic_subject
from workspace.moderation import service as moderation
from workspace.moderation.models import Flag
from workspace.moderation.registry import SubjectKind, register_kind
from workspace.notifications.models import NotificationKind
from workspace.notifications.service import notify
from workspace.policy import Action
from workspace.policy import forums as forum_policy


def flag_post(user: User, post: Post, *, reason: str) -> Flag:
    """Ask the facilitators to look at a post."""
    return moderation.flag(user, FORUM_POST, post, reason=reason)


def hide_post(moderator: User, post: Post, *, reason: str) -> None:
    """Hide a post from everyone but its author (who sees why) and the moderators."""
    topic = post.topic
    community = topic.community
    policy.authorize(moderator, Action.MODERATE, community)
    if post.is_deleted:
        raise errors.Invalid("That post was deleted by its author.")
    if post.is_hidden:
        raise errors.Conflict("That post is already hidden.")
    reason = moderation.clean_reason(reason, what="hiding this post")
    post.hidden_at, post.hidden_by_id, post.hidden_reason = utcnow(), moderator.id, reason
    if post.is_opening:
        topic.is_hidden = True
    recount_topic(topic)
    moderation.resolve_flags(moderator, subjects.POST, post.id, "Post hidden")
    moderation.log_action(moderator, community, ModerationAction.POST_HIDDEN,
                          subject=post_subject(post), detail=reason)
    withdraw_invitations_to_read(post)
    if post.author_id != moderator.id:
        notify(post.author, NotificationKind.POST_HIDDEN,
               f"A facilitator hid your post in “{topic.title}”. Their reason: “{reason}”.",
               link_to_post(post),
               actor=moderator, community=community, subject=subject_of(post))
    publish_post_changed(post)
    db.session.commit()


def restore_post(moderator: User, post: Post) -> None:
    """Show a hidden post to everyone again."""
    topic = post.topic
    community = topic.community
    policy.authorize(moderator, Action.MODERATE, community)
    if not post.is_hidden:
        raise errors.Conflict("That post isn't hidden.")
    post.hidden_at, post.hidden_by_id, post.hidden_reason = None, None, ""
    if post.is_opening:
        topic.is_hidden = False
    recount_topic(topic)
    moderation.log_action(moderator, community, ModerationAction.POST_RESTORED,
                          subject=post_subject(post))
    if post.author_id != moderator.id:
        notify(post.author, NotificationKind.POST_RESTORED,
               f"A facilitator restored your post in “{topic.title}”.", link_to_post(post),
               actor=moderator, community=community, subject=subject_of(post))
    publish_post_changed(post)
    db.session.commit()


def pin_topic(moderator: User, topic: Topic, *, pinned: bool) -> None:
    """Keep a topic at the top of its category, or let it move with the others again."""
    community = topic.community
    policy.authorize(moderator, Action.MODERATE, community)
    if topic.is_pinned == pinned:
        return
    topic.is_pinned = pinned
    action = ModerationAction.PINNED if pinned else ModerationAction.UNPINNED
    moderation.log_action(moderator, community, action, subject=topic_subject(topic))
    db.session.commit()


def lock_topic(moderator: User, topic: Topic, *, locked: bool) -> None:
    """Close a topic to new replies (it stays readable), or open it again."""
    community = topic.community
    policy.authorize(moderator, Action.MODERATE, community)
    if topic.is_locked == locked:
        return
    topic.is_locked = locked
    action = ModerationAction.LOCKED if locked else ModerationAction.UNLOCKED
    moderation.log_action(moderator, community, action, subject=topic_subject(topic))
    db.session.commit()


def move_topic(moderator: User, topic: Topic, category: ForumCategory) -> None:
    """Move a topic to another category of the same community."""
    community = topic.community
    policy.authorize(moderator, Action.MODERATE, community)
    if category.community_id != community.id:
        raise errors.Invalid("Move the topic to a category of this community.",
                             field="category_id")
    if category.is_archived:
        raise errors.Invalid("That category is archived.", field="category_id")
    if category.id == topic.category_id:
        raise errors.Invalid("The topic is already in that category.", field="category_id")
    detail = f"{topic.category.name} → {category.name}"
    topic.category = category
    moderation.log_action(moderator, community, ModerationAction.MOVED,
                          subject=topic_subject(topic), detail=detail)
    db.session.commit()


def post_history(moderator: User, post: Post) -> list[PostRevision]:
    """Earlier versions of a post, newest first, for the facilitators."""
    policy.authorize(moderator, Action.MODERATE, post.topic.community)
    return list(db.session.scalars(
        select(PostRevision).where(PostRevision.post_id == post.id)
        .options(joinedload(PostRevision.editor), NO_LAZY_SQL)
        .order_by(PostRevision.id.desc())))


def _hide(moderator: User, post: Post, reason: str) -> None:
    hide_post(moderator, post, reason=reason)


# Members flag each other's posts; facilitators hide them from the community's queue.
FORUM_POST: SubjectKind[Post] = SubjectKind(
    name=subjects.POST, label="post", find=post_in, describe=post_subject,
    may_flag=forum_policy.may_flag,
    hide=_hide, states=subjects.post_states)
register_kind(FORUM_POST)
