"""Keeping a forum civil: flags, hiding and restoring, pinning, locking, moving, the log."""

from __future__ import annotations

from flask import url_for
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from workspace import errors, policy
from workspace.auth.models import User
from workspace.communities.models import Community, CommunityRole, Membership
from workspace.database import utcnow
from workspace.extensions import db
from workspace.forums.models import (
    Flag,
    ForumCategory,
    ModerationAction,
    ModerationEvent,
    Post,
    PostRevision,
    Topic,
)
from workspace.forums.pages import (
    NO_LAZY_SQL,
)
from workspace.forums.service import (
    link_to_post,
    log_moderation,
    publish_post_changed,
    recount_topic,
    resolve_open_flags,
)
from workspace.notifications.service import announce, notify
from workspace.policy import Action
from workspace.policy import forums as forum_policy

REASON_MAX = 500



def _clean_reason(reason: str | None, *, what: str) -> str:
    reason = " ".join((reason or "").split())
    if not reason:
        raise errors.Invalid(f"Say why you are {what}.", field="reason")
    if len(reason) > REASON_MAX:
        raise errors.Invalid(f"Keep the reason under {REASON_MAX} characters.", field="reason")
    return reason


def _facilitators(community: Community) -> list[User]:
    return list(db.session.scalars(
        select(User).join(Membership, Membership.user_id == User.id)
        .where(Membership.community_id == community.id,
               Membership.role == CommunityRole.FACILITATOR).order_by(User.id)))


def flag_post(user: User, post: Post, *, reason: str) -> Flag:
    """Ask the facilitators to look at a post."""
    policy.require(user, forum_policy.may_flag, post)
    reason = _clean_reason(reason, what="flagging this post")
    if db.session.scalar(select(Flag.id).where(Flag.post_id == post.id,
                                               Flag.reporter_id == user.id,
                                               Flag.resolved_at.is_(None))) is not None:
        raise errors.Conflict("You have already flagged this post; a facilitator will look at it.")
    flag = Flag(post_id=post.id, reporter_id=user.id, reason=reason)
    db.session.add(flag)
    community = post.topic.community
    link = url_for("forums.flags", slug=community.slug)
    notes = [notify(facilitator, f"{user.name} flagged a post in “{post.topic.title}”.", link)
             for facilitator in _facilitators(community) if facilitator.id != user.id]
    db.session.commit()
    announce(notes)
    return flag




def flag_in(viewer: User, community: Community, flag_id: int) -> Flag:
    policy.authorize(viewer, Action.MODERATE, community)
    flag = db.session.scalar(select(Flag).join(Flag.post).join(Post.topic).where(
        Flag.id == flag_id, Topic.community_id == community.id))
    if flag is None:
        raise errors.NotFound()
    return flag


def dismiss_flag(moderator: User, flag: Flag) -> None:
    """Close a flag without changing the post."""
    community = flag.post.topic.community
    policy.authorize(moderator, Action.MODERATE, community)
    if not flag.is_open:
        raise errors.Conflict("That flag was already dealt with.")
    flag.resolved_at, flag.resolved_by_id = utcnow(), moderator.id
    flag.resolution = "No action needed"
    log_moderation(moderator, community, ModerationAction.FLAG_DISMISSED, topic=flag.post.topic,
                   post=flag.post, detail=flag.reason)
    db.session.commit()


def flag_queue(moderator: User, community: Community) -> list[Flag]:
    """The community's flags, open ones first, for the facilitators."""
    policy.authorize(moderator, Action.MODERATE, community)
    flags = db.session.scalars(
        select(Flag).join(Flag.post).join(Post.topic).where(Topic.community_id == community.id)
        .options(joinedload(Flag.post).joinedload(Post.author),
                 joinedload(Flag.post).joinedload(Post.topic),
                 joinedload(Flag.reporter), joinedload(Flag.resolved_by), NO_LAZY_SQL)
        .order_by(Flag.resolved_at.is_(None).desc(), Flag.id.desc()).limit(200))
    return list(flags)


def hide_post(moderator: User, post: Post, *, reason: str) -> None:
    """Hide a post from everyone but its author (who sees why) and the moderators."""
    topic = post.topic
    community = topic.community
    policy.authorize(moderator, Action.MODERATE, community)
    if post.is_deleted:
        raise errors.Invalid("That post was deleted by its author.")
    if post.is_hidden:
        raise errors.Conflict("That post is already hidden.")
    reason = _clean_reason(reason, what="hiding this post")
    post.hidden_at, post.hidden_by_id, post.hidden_reason = utcnow(), moderator.id, reason
    if post.is_opening:
        topic.is_hidden = True
    recount_topic(topic)
    resolve_open_flags(moderator, post, "Post hidden")
    log_moderation(moderator, community, ModerationAction.POST_HIDDEN, topic=topic, post=post,
                   detail=reason)
    notes = []
    if post.author_id != moderator.id:
        notes.append(notify(post.author, f"A facilitator hid your post in “{topic.title}”: "
                                         f"{reason}", link_to_post(post)))
    db.session.commit()
    announce(notes)
    publish_post_changed(post)


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
    log_moderation(moderator, community, ModerationAction.POST_RESTORED, topic=topic, post=post)
    notes = []
    if post.author_id != moderator.id:
        notes.append(notify(post.author, f"A facilitator restored your post in “{topic.title}”.",
                            link_to_post(post)))
    db.session.commit()
    announce(notes)
    publish_post_changed(post)


def pin_topic(moderator: User, topic: Topic, *, pinned: bool) -> None:
    """Keep a topic at the top of its category, or let it move with the others again."""
    community = topic.community
    policy.authorize(moderator, Action.MODERATE, community)
    if topic.is_pinned == pinned:
        return
    topic.is_pinned = pinned
    action = ModerationAction.PINNED if pinned else ModerationAction.UNPINNED
    log_moderation(moderator, community, action, topic=topic)
    db.session.commit()


def lock_topic(moderator: User, topic: Topic, *, locked: bool) -> None:
    """Close a topic to new replies (it stays readable), or open it again."""
    community = topic.community
    policy.authorize(moderator, Action.MODERATE, community)
    if topic.is_locked == locked:
        return
    topic.is_locked = locked
    action = ModerationAction.LOCKED if locked else ModerationAction.UNLOCKED
    log_moderation(moderator, community, action, topic=topic)
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
    log_moderation(moderator, community, ModerationAction.MOVED, topic=topic, detail=detail)
    db.session.commit()


def moderation_log(moderator: User, community: Community, *, page: int) -> Pagination:
    """What the moderators did in this forum, newest first."""
    policy.authorize(moderator, Action.MODERATE, community)
    stmt = (select(ModerationEvent).where(ModerationEvent.community_id == community.id)
            .options(joinedload(ModerationEvent.actor), joinedload(ModerationEvent.topic),
                     NO_LAZY_SQL)
            .order_by(ModerationEvent.id.desc()))
    return db.paginate(stmt, page=page, per_page=50, error_out=False)


def post_history(moderator: User, post: Post) -> list[PostRevision]:
    """Earlier versions of a post, newest first, for the facilitators."""
    policy.authorize(moderator, Action.MODERATE, post.topic.community)
    return list(db.session.scalars(
        select(PostRevision).where(PostRevision.post_id == post.id)
        .options(joinedload(PostRevision.editor), NO_LAZY_SQL)
        .order_by(PostRevision.id.desc())))
