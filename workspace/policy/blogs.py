"""Who may read, write, comment on and moderate a community's blog.

Observers read; members comment and react; SMEs and facilitators publish (members too where the
facilitators turn that on); outsiders, visitors and people of a withdrawn state see only the
posts a facilitator made public. A post is out only once its time has come: until then only its
author and the facilitators see it, and nothing lists, counts, feeds or announces it.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, and_, false, or_

from workspace import errors
from workspace.blogs.models import BlogComment, BlogPost, BlogSettings, PostState
from workspace.communities.models import Community, CommunityStatus
from workspace.database import utcnow
from workspace.extensions import db
from workspace.policy import (
    Action,
    Person,
    Standing,
    community_ids,
    is_active_account,
    is_staff,
    readable_community_ids,
    rule,
    standing_for,
)


def members_may_post(community: Community) -> bool:
    settings = db.session.get(BlogSettings, community.id)
    return bool(settings and settings.members_may_post)


@rule(error=errors.NotFound)
def may_read_post(user: Person, post: BlogPost, standing: Standing | None = None) -> bool:
    """Readers of the community see posts that are out; everyone sees public ones; the author
    and the facilitators also see it before and after (drafts are the author's alone).

    SQL form: readable_posts().
    """
    now = utcnow()
    in_community = standing_for(user, post.community, standing)
    if post.state is PostState.DRAFT:
        return is_active_account(user) and user.id == post.author_id and in_community.views
    if post.is_out(now) and (post.is_public and in_community.views or in_community.reads):
        return True
    return in_community.reads and (in_community.moderates or user.id == post.author_id)


def readable_posts(user: Person, now: datetime | None = None) -> ColumnElement[bool]:
    """may_read_post for readers' lists, feeds, counts and notices: only what is out, in every
    community (a WHERE clause on posts). Authors' and facilitators' own views add their
    scheduled and unpublished posts separately."""
    now = now or utcnow()
    out = and_(BlogPost.state == PostState.PUBLISHED, BlogPost.publish_at <= now)
    if is_staff(user):
        return out
    readable = BlogPost.community_id.in_(readable_community_ids(user))
    viewable = BlogPost.community_id.in_(community_ids(user, Action.VIEW))
    return and_(out, or_(readable, and_(BlogPost.is_public.is_(True), viewable)))


def _why_no_writing(community: Community) -> str:
    if community.status is CommunityStatus.ARCHIVED:
        return "This community is archived: its blog is kept as it was."
    return "Facilitators and subject matter experts write this community's blog."


@rule(_why_no_writing)
def may_write_posts(user: Person, community: Community,
                    standing: Standing | None = None) -> bool:
    in_community = standing_for(user, community, standing)
    if in_community.publishes:
        return True
    return in_community.contributes and members_may_post(community)


@rule("Only its author and the community's facilitators change this post.")
def may_change_post(user: Person, post: BlogPost, standing: Standing | None = None) -> bool:
    """Edit, schedule, publish and unpublish."""
    in_community = standing_for(user, post.community, standing)
    if in_community.moderates:
        return True
    return (is_active_account(user) and user.id == post.author_id
            and may_write_posts(user, post.community, in_community))


@rule("Only the community's facilitators and network staff see a post's history.")
def may_see_history(user: Person, post: BlogPost, standing: Standing | None = None) -> bool:
    return standing_for(user, post.community, standing).moderates


@rule("Only the community's facilitators make posts public.")
def may_make_public(user: Person, post: BlogPost, standing: Standing | None = None) -> bool:
    return standing_for(user, post.community, standing).moderates


@rule("Only the community's facilitators choose who writes its blog.")
def may_manage_blog(user: Person, community: Community,
                    standing: Standing | None = None) -> bool:
    return standing_for(user, community, standing).moderates


def _why_no_comment(post: BlogPost) -> str:
    if not post.is_out(utcnow()):
        return "Comments open once the post is published."
    return "Observers read the blog; members of the community comment."


@rule(_why_no_comment)
def may_comment(user: Person, post: BlogPost, standing: Standing | None = None) -> bool:
    """Comment, reply and react on a post that is out."""
    return post.is_out(utcnow()) and standing_for(user, post.community, standing).contributes


@rule("Only its author changes a comment; facilitators hide it instead.")
def may_change_comment(user: Person, comment: BlogComment,
                       standing: Standing | None = None) -> bool:
    return (comment.deleted_at is None and comment.hidden_at is None
            and is_active_account(user) and user.id == comment.author_id
            and standing_for(user, comment.post.community, standing).contributes)


def may_see_comment(user: Person, comment: BlogComment,
                    standing: Standing | None = None) -> bool:
    """Hidden comments stay with their author and the facilitators; deleted ones with no one."""
    if comment.deleted_at is not None:
        return False
    if comment.hidden_at is None:
        return True
    in_community = standing_for(user, comment.post.community, standing)
    return in_community.moderates or (is_active_account(user) and user.id == comment.author_id)


@rule("Members flag someone else's comment for a facilitator.")
def may_flag_comment(user: Person, comment: BlogComment,
                     standing: Standing | None = None) -> bool:
    # Contributing first: a visitor (who has no id) never contributes.
    return (comment.deleted_at is None and comment.hidden_at is None
            and standing_for(user, comment.post.community, standing).contributes
            and user.id != comment.author_id)


@rule("Only members of the community subscribe to its blog.")
def may_subscribe(user: Person, community: Community, standing: Standing | None = None) -> bool:
    return standing_for(user, community, standing).reads


def waiting_posts(user: Person, community: Community) -> ColumnElement[bool]:
    """Posts of the community not out (scheduled, or taken back) that this person sees beside
    the others in its index: all of them for its facilitators, their own for authors."""
    in_community = standing_for(user, community, None)
    if not in_community.reads:
        return false()
    not_out = and_(BlogPost.community_id == community.id, BlogPost.state != PostState.DRAFT,
                   or_(BlogPost.state == PostState.UNPUBLISHED, BlogPost.publish_at > utcnow()))
    if in_community.moderates:
        return not_out
    return and_(not_out, BlogPost.author_id == user.id)
