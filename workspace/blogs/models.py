"""What a community's blog stores: posts (drafted, scheduled, published, unpublished) with
their tags and edit history, comments one reply deep, reactions, subscriptions, the secret
addresses of members' feeds, images uploaded into posts, and the community's blog settings."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from workspace.database import created, enum_type, intpk
from workspace.extensions import Model
from workspace.reactions import ReactionColumns

if TYPE_CHECKING:
    from workspace.auth.models import User
    from workspace.communities.models import Community

TITLE_MAX = 200
SUMMARY_MAX = 500
ALT_MAX = 300
TAG_MAX = 40
TAGS_MAX = 8
COMMENT_MAX = 10_000


class PostState(enum.StrEnum):
    DRAFT = "draft"  # its author's (and autosaved); no one else sees it
    PUBLISHED = "published"  # out at publish_at: before then it is "scheduled", seen by no reader
    UNPUBLISHED = "unpublished"  # taken back: its author and the facilitators still see it


class BlogPost(Model):
    __tablename__ = "blog_posts"
    __table_args__ = (
        # The index and feeds: a community's posts that are out, newest first.
        Index("ix_blog_posts_community_state_publish_at", "community_id", "state", "publish_at"),
        UniqueConstraint("author_id", "client_nonce"),
    )

    id: Mapped[intpk]
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"))
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    title: Mapped[str] = mapped_column(String(TITLE_MAX))
    summary: Mapped[str] = mapped_column(String(SUMMARY_MAX), default="")
    body: Mapped[str] = mapped_column(Text, default="")
    body_html: Mapped[str] = mapped_column(Text, default="")
    cover_digest: Mapped[str | None] = mapped_column(ForeignKey("stored_files.digest"))
    cover_alt: Mapped[str] = mapped_column(String(ALT_MAX), default="")
    state: Mapped[PostState] = mapped_column(enum_type(PostState), default=PostState.DRAFT)
    # When it goes (or went) out; a time in the future is a schedule.
    publish_at: Mapped[datetime | None]
    # When subscribers were told (once, at publish_at, by a background job).
    announced_at: Mapped[datetime | None]
    # Changed after it went out: readers see "Updated ...".
    edited_at: Mapped[datetime | None]
    is_public: Mapped[bool] = mapped_column(default=False)  # on the public page and feed
    comment_count: Mapped[int] = mapped_column(default=0)
    client_nonce: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[created]

    community: Mapped[Community] = relationship()
    author: Mapped[User] = relationship()
    tags: Mapped[list[BlogTag]] = relationship(cascade="all, delete-orphan",
                                               order_by="BlogTag.tag")

    def is_out(self, now: datetime) -> bool:
        """Published and its time has come: readers see it."""
        return (self.state is PostState.PUBLISHED and self.publish_at is not None
                and self.publish_at <= now)

    def is_scheduled(self, now: datetime) -> bool:
        return (self.state is PostState.PUBLISHED and self.publish_at is not None
                and self.publish_at > now)

    @property
    def tag_names(self) -> list[str]:
        return [tag.tag for tag in self.tags]


class BlogTag(Model):
    __tablename__ = "blog_post_tags"

    post_id: Mapped[int] = mapped_column(ForeignKey("blog_posts.id"), primary_key=True)
    tag: Mapped[str] = mapped_column(String(TAG_MAX), primary_key=True, index=True)


class BlogRevision(Model):
    """What a published post said before an edit: the history facilitators can see."""

    __tablename__ = "blog_post_revisions"

    id: Mapped[intpk]
    post_id: Mapped[int] = mapped_column(ForeignKey("blog_posts.id"), index=True)
    editor_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    title: Mapped[str] = mapped_column(String(TITLE_MAX))
    summary: Mapped[str] = mapped_column(String(SUMMARY_MAX), default="")
    body: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[created]  # when it was replaced

    editor: Mapped[User] = relationship()


class BlogComment(Model):
    """A reader's comment on a post, or a reply to one (one level: replies take no replies)."""

    __tablename__ = "blog_comments"
    __table_args__ = (UniqueConstraint("author_id", "client_nonce"),)

    id: Mapped[intpk]
    post_id: Mapped[int] = mapped_column(ForeignKey("blog_posts.id"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("blog_comments.id"))
    body: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    client_nonce: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[created]
    edited_at: Mapped[datetime | None]
    hidden_at: Mapped[datetime | None]  # by a facilitator: its author and moderators see it
    hidden_reason: Mapped[str] = mapped_column(String(500), default="")
    deleted_at: Mapped[datetime | None]  # by its author

    post: Mapped[BlogPost] = relationship()
    author: Mapped[User] = relationship()


class BlogReaction(ReactionColumns, Model):
    __tablename__ = "blog_reactions"
    __table_args__ = (UniqueConstraint("post_id", "user_id", "kind"),)

    post_id: Mapped[int] = mapped_column(ForeignKey("blog_posts.id"), index=True)


class BlogSubscription(Model):
    """A person told of each new post in a community's blog."""

    __tablename__ = "blog_subscriptions"
    __table_args__ = (UniqueConstraint("user_id", "community_id"),)

    id: Mapped[intpk]
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), index=True)
    created_at: Mapped[created]


class BlogFeed(Model):
    """A member's secret feed address for one community's blog. Only a hash of its token is
    kept: the address is shown once; replacing or revoking it makes the old one answer 404."""

    __tablename__ = "blog_feeds"

    id: Mapped[intpk]
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[created]
    revoked_at: Mapped[datetime | None]
    last_fetched_at: Mapped[datetime | None]

    user: Mapped[User] = relationship()
    community: Mapped[Community] = relationship()


class BlogImage(Model):
    """An image uploaded into a post (or as its cover), served to whoever may read the post."""

    __tablename__ = "blog_images"

    id: Mapped[intpk]
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), index=True)
    digest: Mapped[str] = mapped_column(ForeignKey("stored_files.digest"))
    filename: Mapped[str] = mapped_column(String(200))
    uploader_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[created]


class BlogSettings(Model):
    """A community's choices about its blog, set by its facilitators."""

    __tablename__ = "blog_settings"

    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), primary_key=True)
    members_may_post: Mapped[bool] = mapped_column(default=False)
    updated_at: Mapped[datetime | None]
