"""What a community's forum stores: categories, topics, posts and each reader's traces."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from workspace.database import created, enum_type, intpk, utcnow
from workspace.extensions import Model
from workspace.moderation.registry import register_actions
from workspace.reactions import ReactionColumns
from workspace.reactions import ReactionKind as ReactionKind  # the shared kinds, also from here

if TYPE_CHECKING:
    from workspace.auth.models import User
    from workspace.communities.models import Community

# What every community's forum starts with, in order: (name, description).
DEFAULT_CATEGORIES: tuple[tuple[str, str], ...] = (
    ("General", "Introductions, questions and news for the whole community."),
    ("Problems of practice", "Bring the concrete challenge your state team is working on and ask "
                             "peers how they approached it."),
    ("Tools and resources", "Share templates, rubrics, guidance and research that helped your "
                            "agency."),
    ("Session follow-ups", "Keep the conversation from each live session going: questions, notes "
                           "and action steps."),
)


class ForumCategory(Model):
    __tablename__ = "forum_categories"
    __table_args__ = (UniqueConstraint("community_id", "name"),)

    id: Mapped[intpk]
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    description: Mapped[str] = mapped_column(Text, default="")
    position: Mapped[int] = mapped_column(default=0)
    # Archived categories keep their topics readable but take no new topics.
    is_archived: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[created]

    community: Mapped[Community] = relationship()


class Topic(Model):
    __tablename__ = "forum_topics"
    # A category's topic list (pinned first, then latest activity): walked in order and stopped
    # after a page, instead of joining and sorting every topic in the category.
    __table_args__ = (Index("ix_forum_topics_category_listing", "category_id", "is_pinned",
                            "last_posted_at", "id"),)

    id: Mapped[intpk]
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), index=True)
    category_id: Mapped[int] = mapped_column(ForeignKey("forum_categories.id"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    title: Mapped[str] = mapped_column(String(200))
    is_pinned: Mapped[bool] = mapped_column(default=False)
    is_locked: Mapped[bool] = mapped_column(default=False)
    # Set while the first post is hidden by a moderator: the whole topic is hidden with it.
    is_hidden: Mapped[bool] = mapped_column(default=False)
    deleted_at: Mapped[datetime | None]
    # The reply marked as the answer. No foreign key: posts point at topics, so one back would
    # make a cycle that SQLite can't migrate; posts are never deleted for real, only marked.
    answer_post_id: Mapped[int | None]
    # Kept by the service over visible posts only (never hidden or deleted ones).
    reply_count: Mapped[int] = mapped_column(default=0)
    last_posted_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    last_post_id: Mapped[int | None]  # no foreign key, for the same reason as answer_post_id
    last_poster_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[created]

    community: Mapped[Community] = relationship()
    category: Mapped[ForumCategory] = relationship()
    author: Mapped[User] = relationship(foreign_keys=[author_id])
    last_poster: Mapped[User | None] = relationship(foreign_keys=[last_poster_id])

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None


class Post(Model):
    __tablename__ = "forum_posts"
    # A form's one-time value: the same person sending it twice gets the first post back.
    __table_args__ = (UniqueConstraint("author_id", "client_nonce"),)

    id: Mapped[intpk]
    topic_id: Mapped[int] = mapped_column(ForeignKey("forum_topics.id"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    is_opening: Mapped[bool] = mapped_column(default=False)  # the topic's first post
    body: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    quoted_post_id: Mapped[int | None] = mapped_column(ForeignKey("forum_posts.id"))
    client_nonce: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[created]
    edited_at: Mapped[datetime | None]
    hidden_at: Mapped[datetime | None]
    hidden_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    hidden_reason: Mapped[str] = mapped_column(String(500), default="")
    deleted_at: Mapped[datetime | None]

    topic: Mapped[Topic] = relationship()
    author: Mapped[User] = relationship(foreign_keys=[author_id])
    hidden_by: Mapped[User | None] = relationship(foreign_keys=[hidden_by_id])
    quoted_post: Mapped[Post | None] = relationship(remote_side="Post.id")

    @property
    def is_hidden(self) -> bool:
        return self.hidden_at is not None

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None

    @property
    def is_visible(self) -> bool:
        """Visible to everyone who may read the topic (not hidden, not deleted)."""
        return self.hidden_at is None and self.deleted_at is None


class PostRevision(Model):
    """A post's text as it was before one edit: the history facilitators may read."""

    __tablename__ = "forum_post_revisions"

    id: Mapped[intpk]
    post_id: Mapped[int] = mapped_column(ForeignKey("forum_posts.id"), index=True)
    editor_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    title: Mapped[str | None] = mapped_column(String(200))  # an opening post's topic title
    body: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    written_at: Mapped[datetime]  # when this text was first posted or last edited
    replaced_at: Mapped[created]

    editor: Mapped[User] = relationship()


class Reaction(ReactionColumns, Model):
    __tablename__ = "forum_reactions"
    __table_args__ = (UniqueConstraint("post_id", "user_id", "kind"),)

    post_id: Mapped[int] = mapped_column(ForeignKey("forum_posts.id"), index=True)


class WatchLevel(enum.StrEnum):
    WATCHING = "watching"  # told about every new post
    NORMAL = "normal"  # told only when mentioned
    MUTED = "muted"  # never told, and left out of unread counts

    @property
    def label(self) -> str:
        return {"watching": "Watching", "normal": "Not watching", "muted": "Muted"}[self.value]


class TopicSubscription(Model):
    __tablename__ = "forum_topic_subscriptions"
    __table_args__ = (UniqueConstraint("user_id", "topic_id"),)

    id: Mapped[intpk]
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    topic_id: Mapped[int] = mapped_column(ForeignKey("forum_topics.id"), index=True)
    level: Mapped[WatchLevel] = mapped_column(enum_type(WatchLevel))
    updated_at: Mapped[created]


class CategorySubscription(Model):
    __tablename__ = "forum_category_subscriptions"
    __table_args__ = (UniqueConstraint("user_id", "category_id"),)

    id: Mapped[intpk]
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    category_id: Mapped[int] = mapped_column(ForeignKey("forum_categories.id"), index=True)
    level: Mapped[WatchLevel] = mapped_column(enum_type(WatchLevel))
    updated_at: Mapped[created]


class ReadMark(Model):
    """How far one person has read one topic: posts after this id are new to them."""

    __tablename__ = "forum_read_marks"
    __table_args__ = (UniqueConstraint("user_id", "topic_id"),)

    id: Mapped[intpk]
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    topic_id: Mapped[int] = mapped_column(ForeignKey("forum_topics.id"), index=True)
    last_read_post_id: Mapped[int] = mapped_column(default=0)
    visited_at: Mapped[created]




class ModerationAction(enum.StrEnum):
    """What the forum's moderators do, as the community's moderation log names it."""

    PINNED = "pinned"
    UNPINNED = "unpinned"
    LOCKED = "locked"
    UNLOCKED = "unlocked"
    MOVED = "moved"
    POST_HIDDEN = "post_hidden"
    POST_RESTORED = "post_restored"
    CATEGORY_ADDED = "category_added"
    CATEGORY_CHANGED = "category_changed"
    CATEGORY_ARCHIVED = "category_archived"
    CATEGORY_RESTORED = "category_restored"

    @property
    def label(self) -> str:
        return {"pinned": "Pinned a topic", "unpinned": "Unpinned a topic",
                "locked": "Locked a topic", "unlocked": "Unlocked a topic",
                "moved": "Moved a topic", "post_hidden": "Hid a post",
                "post_restored": "Restored a post",
                "category_added": "Added a category", "category_changed": "Changed a category",
                "category_archived": "Archived a category",
                "category_restored": "Restored a category"}[self.value]


register_actions((action.value, action.label) for action in ModerationAction)
