"""A resource's discussion: a forum topic in its community's "Tools and resources" category,
started by the first person who wants to talk about it, linked both ways. The forum's own
building blocks (replies, mentions, watching, moderation) then do the rest."""

from __future__ import annotations

from typing import Any, cast

from flask import url_for
from sqlalchemy import CursorResult, select, update

from workspace import policy
from workspace.auth.models import User
from workspace.extensions import db
from workspace.forums import service as forum_service
from workspace.forums.models import ForumCategory, Topic
from workspace.policy import forums as forum_policy
from workspace.policy import resources as resource_policy
from workspace.resources.models import Resource

CATEGORY = "Tools and resources"


def topic_of(user: policy.Person, resource: Resource) -> Topic | None:
    """The resource's topic, if there is one this person may see."""
    if resource.topic_id is None:
        return None
    topic = db.session.get(Topic, resource.topic_id)
    if topic is None or not forum_policy.may_see_topic(user, topic):
        return None
    return topic


def _category(resource: Resource) -> ForumCategory:
    categories = forum_service.add_default_categories(resource.community)  # those it has
    open_ones = [category for category in categories if not category.is_archived]
    return next((category for category in open_ones if category.name == CATEGORY),
                open_ones[0] if open_ones else categories[0])


def start(user: User, resource: Resource) -> Topic:
    """The resource's topic, started now if it has none (two people at once get one topic)."""
    policy.require(user, resource_policy.may_discuss, resource)
    if resource.topic_id is not None:
        existing = db.session.get(Topic, resource.topic_id)
        if existing is not None and existing.deleted_at is None:
            return existing
    link = url_for("resources.show", resource_id=resource.id)
    topic = forum_service.start_topic(
        user, _category(resource), title=f"Discussing: {resource.title}"[:200],
        body=f"A discussion of [{resource.title}]({link}) from the library.")
    # Whoever committed first wins; a second topic started at the same moment stays as a topic.
    claimed = cast(CursorResult[Any], db.session.execute(
        update(Resource).where(Resource.id == resource.id, Resource.topic_id.is_(None))
        .values(topic_id=topic.id))).rowcount
    db.session.commit()
    if not claimed:
        db.session.refresh(resource)
        winner = db.session.scalar(select(Topic).where(Topic.id == resource.topic_id))
        if winner is not None:
            return winner
    return topic
