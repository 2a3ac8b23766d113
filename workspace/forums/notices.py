"""Which forum posts and topics a person's notices may still be about (the forum policy's SQL
form, across communities): the notification centre lists only those, mail asks again."""

from __future__ import annotations

from sqlalchemy import Select, or_, select

from workspace.auth.models import User
from workspace.forums.models import Post, Topic
from workspace.forums.subjects import POST, TOPIC
from workspace.notifications.service import register_subject
from workspace.policy import Action, community_ids
from workspace.policy.forums import visible_topics


def visible_topic_ids(user: User) -> Select:
    return select(Topic.id).where(visible_topics(user))


def visible_post_ids(user: User) -> Select:
    # may_see_post across communities: post_visibility() is for one community's standing.
    return (select(Post.id).join(Topic, Topic.id == Post.topic_id)
            .where(visible_topics(user), Post.deleted_at.is_(None),
                   or_(Post.hidden_at.is_(None), Post.author_id == user.id,
                       Topic.community_id.in_(community_ids(user, Action.MODERATE)))))


register_subject(POST, visible_post_ids)
register_subject(TOPIC, visible_topic_ids)
