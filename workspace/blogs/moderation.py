"""Blog comments as moderation names them: members flag someone else's comment, and the
facilitators hide it, from the community's queue or on the post (its author is told why and
still sees it), or show it again."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from sqlalchemy import select

from workspace import errors, policy
from workspace.auth.models import User
from workspace.blogs import comments
from workspace.blogs.comments import COMMENT, comment_link
from workspace.blogs.models import BlogComment
from workspace.communities.models import Community
from workspace.database import utcnow
from workspace.extensions import db
from workspace.moderation import service as moderation
from workspace.moderation.models import Flag
from workspace.moderation.registry import (
    Subject,
    SubjectKind,
    SubjectState,
    register_actions,
    register_kind,
)
from workspace.notifications.models import NotificationKind
from workspace.notifications.service import Subject as NoticeSubject
from workspace.notifications.service import notify, withdraw
from workspace.policy import Action
from workspace.policy import blogs as blog_policy
from workspace.text import excerpt

COMMENT_HIDDEN = "blog_comment_hidden"
COMMENT_RESTORED = "blog_comment_restored"
register_actions({COMMENT_HIDDEN: "Hid a blog comment",
                  COMMENT_RESTORED: "Restored a blog comment"})


def describe(comment: BlogComment) -> Subject:
    post = comment.post
    return Subject(kind=COMMENT, id=comment.id, community=post.community,
                   summary=f"{comment.author.name}'s comment on “{post.title}”",
                   link=comment_link(post, comment), excerpt=excerpt(comment.body_html, 200),
                   notice=f"a comment on “{post.title}”")


def flag_comment(reporter: User, comment: BlogComment, *, reason: str) -> Flag:
    """Ask the community's facilitators to look at a comment."""
    return moderation.flag(reporter, BLOG_COMMENTS, comment, reason=reason)


def hide_comment(moderator: User, comment: BlogComment, *, reason: str) -> None:
    """Hide a comment from everyone but its author (who is told why) and the moderators; its
    flags are closed and the notices sending people to it withdrawn."""
    post = comment.post
    community = post.community
    policy.authorize(moderator, Action.MODERATE, community)
    if comment.deleted_at is not None:
        raise errors.Invalid("That comment was deleted by its author.")
    if comment.hidden_at is not None:
        raise errors.Conflict("That comment is already hidden.")
    reason = moderation.clean_reason(reason, what="hiding this comment")
    comment.hidden_at, comment.hidden_reason = utcnow(), reason
    comments.recount(post)
    moderation.resolve_flags(moderator, COMMENT, comment.id, "Comment hidden")
    moderation.log_action(moderator, community, COMMENT_HIDDEN, subject=describe(comment),
                          detail=reason)
    withdraw(NoticeSubject(COMMENT, comment.id), kinds=comments.INVITATIONS_TO_READ)
    if comment.author_id != moderator.id:
        notify(comment.author, NotificationKind.POST_HIDDEN,
               f"A facilitator hid your comment on “{post.title}”. Their reason: “{reason}”.",
               comment_link(post, comment), actor=moderator, community=community,
               subject=NoticeSubject(COMMENT, comment.id))
    comments.publish_comment_changed(post, comment)
    db.session.commit()


def restore_comment(moderator: User, comment: BlogComment) -> None:
    """Show a hidden comment to everyone again."""
    post = comment.post
    community = post.community
    policy.authorize(moderator, Action.MODERATE, community)
    if comment.hidden_at is None:
        raise errors.Conflict("That comment isn't hidden.")
    comment.hidden_at, comment.hidden_reason = None, ""
    comments.recount(post)
    moderation.log_action(moderator, community, COMMENT_RESTORED, subject=describe(comment))
    if comment.author_id != moderator.id:
        notify(comment.author, NotificationKind.POST_RESTORED,
               f"A facilitator restored your comment on “{post.title}”.",
               comment_link(post, comment), actor=moderator, community=community,
               subject=NoticeSubject(COMMENT, comment.id))
    comments.publish_comment_changed(post, comment)
    db.session.commit()


def _hide(moderator: User, comment: BlogComment, reason: str) -> None:
    hide_comment(moderator, comment, reason=reason)


def _find(person: policy.Person, community: Community, comment_id: int) -> BlogComment:
    return comments.comment_in(person, community, comment_id)


def states(comment_ids: Sequence[int]) -> Mapping[int, SubjectState]:
    found = {}
    for comment_id, hidden_at, deleted_at in db.session.execute(
            select(BlogComment.id, BlogComment.hidden_at, BlogComment.deleted_at)
            .where(BlogComment.id.in_(comment_ids))):
        found[comment_id] = (SubjectState.GONE if deleted_at is not None else
                             SubjectState.HIDDEN if hidden_at is not None else
                             SubjectState.VISIBLE)
    return found


BLOG_COMMENTS: SubjectKind[BlogComment] = register_kind(SubjectKind(
    name=COMMENT, label="comment", find=_find, describe=describe,
    may_flag=blog_policy.may_flag_comment, hide=_hide, states=states))
