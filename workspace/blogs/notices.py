"""Which blog posts and comments a person's notices may still be about (the blog policy's SQL
form): an unpublished post, or a hidden or deleted comment, takes its notices out of the centre."""

from __future__ import annotations

from sqlalchemy import Select, or_, select

from workspace.auth.models import User
from workspace.blogs.comments import COMMENT
from workspace.blogs.models import BlogComment, BlogPost
from workspace.blogs.service import SUBJECT
from workspace.notifications.service import register_subject
from workspace.policy import Action, community_ids
from workspace.policy.blogs import readable_posts


def visible_post_ids(user: User) -> Select:
    return select(BlogPost.id).where(readable_posts(user))


def visible_comment_ids(user: User) -> Select:
    # may_see_comment, on posts the person may read.
    return (select(BlogComment.id).join(BlogPost, BlogPost.id == BlogComment.post_id)
            .where(readable_posts(user), BlogComment.deleted_at.is_(None),
                   or_(BlogComment.hidden_at.is_(None), BlogComment.author_id == user.id,
                       BlogPost.community_id.in_(community_ids(user, Action.MODERATE)))))


register_subject(SUBJECT, visible_post_ids)
register_subject(COMMENT, visible_comment_ids)
