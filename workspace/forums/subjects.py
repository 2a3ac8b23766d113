"""Forum posts, topics and categories as moderation names them in flags and the log."""

from __future__ import annotations

from collections.abc import Sequence

from flask import url_for
from sqlalchemy import select

from workspace.extensions import db
from workspace.forums.models import ForumCategory, Post, Topic
from workspace.moderation.registry import Subject, SubjectState
from workspace.notifications.service import Thread
from workspace.text import excerpt

POST = "forum_post"
TOPIC = "forum_topic"
CATEGORY = "forum_category"

EXCERPT_LENGTH = 200


def link_to_post(post: Post) -> str:
    # A path, never a full address: it is stored, and shown on whichever host serves the app.
    return url_for("forums.post_link", slug=post.topic.community.slug, post_id=post.id,
                   _external=False)


def topic_thread(topic: Topic) -> Thread:
    """What the notification centre groups a topic's notices under."""
    return Thread(f"{TOPIC}:{topic.id}", topic.title)


def post_subject(post: Post) -> Subject:
    topic = post.topic
    return Subject(kind=POST, id=post.id, community=topic.community,
                   summary=f"{post.author.name}'s post in “{topic.title}”",
                   link=link_to_post(post), excerpt=excerpt(post.body_html, EXCERPT_LENGTH),
                   notice=f"a post in “{topic.title}”")


def topic_subject(topic: Topic) -> Subject:
    return Subject(kind=TOPIC, id=topic.id, community=topic.community, summary=topic.title,
                   link=url_for("forums.topic", slug=topic.community.slug, topic_id=topic.id,
                                _external=False))


def category_subject(category: ForumCategory) -> Subject:
    return Subject(kind=CATEGORY, id=category.id, community=category.community,
                   summary=category.name,
                   link=url_for("forums.category", slug=category.community.slug,
                                category_id=category.id, _external=False))


def post_states(post_ids: Sequence[int]) -> dict[int, SubjectState]:
    """Whether each post is still shown, hidden by a moderator, or deleted (with its topic)."""
    states = {}
    for post_id, hidden_at, deleted_at, topic_deleted_at in db.session.execute(
            select(Post.id, Post.hidden_at, Post.deleted_at, Topic.deleted_at)
            .join(Post.topic).where(Post.id.in_(post_ids))):
        if deleted_at is not None or topic_deleted_at is not None:
            states[post_id] = SubjectState.GONE
        elif hidden_at is not None:
            states[post_id] = SubjectState.HIDDEN
        else:
            states[post_id] = SubjectState.VISIBLE
    return states
