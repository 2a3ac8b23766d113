from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from workspace.database import created, enum_type, intpk
from workspace.extensions import Model


class NotificationKind(enum.StrEnum):
    """What a notification is about: per-kind email preferences and digests choose by it."""

    MENTION = "mention"  # someone mentioned the person in a post
    REPLY = "reply"  # a reply in a topic they watch
    TOPIC_STARTED = "topic_started"  # a new topic in a category they watch
    ANSWER_MARKED = "answer_marked"  # their reply was marked as the answer
    POST_HIDDEN = "post_hidden"  # a facilitator hid their post
    POST_RESTORED = "post_restored"  # ... or showed it again
    FLAG_RAISED = "flag_raised"  # to facilitators: a post was flagged
    ADDED_TO_COMMUNITY = "added_to_community"  # someone added them to a community
    INTEREST_RECEIVED = "interest_received"  # to facilitators: a state wants to take part
    INTEREST_DECIDED = "interest_decided"  # to a state's contact: accepted, waitlisted, declined
    SESSION_CHANGED = "session_changed"  # to people coming: a session moved
    SESSION_CANCELLED = "session_cancelled"  # ... or was cancelled
    RESOURCE_ADDED = "resource_added"  # to who may see it: a resource added or shared with them
    BLOG_POST = "blog_post"  # to a blog's subscribers: a new post is out
    BLOG_COMMENT = "blog_comment"  # to a post's author (or a comment's): a comment or reply
    GENERAL = "general"  # notices from before kinds were recorded, when none could be inferred


class Notification(Model):
    """Something a person should know about, shown in the app until they read it."""

    __tablename__ = "notifications"
    __table_args__ = (
        # withdraw() finds the notices about one post (or other subject) by these.
        Index("ix_notifications_subject", "subject_type", "subject_id"),
    )

    id: Mapped[intpk]
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    kind: Mapped[NotificationKind] = mapped_column(enum_type(NotificationKind),
                                                   default=NotificationKind.GENERAL,
                                                   server_default=NotificationKind.GENERAL.value)
    # Who did what the notice tells of; None when no one person did (or older notices).
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    community_id: Mapped[int | None] = mapped_column(ForeignKey("communities.id"), index=True)
    # What it is about, as a kind of content and its id, e.g. ("forum_post", 42).
    subject_type: Mapped[str | None] = mapped_column(String(40))
    subject_id: Mapped[int | None]
    message: Mapped[str] = mapped_column(String(500))
    link: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[created]
    read_at: Mapped[datetime | None]
