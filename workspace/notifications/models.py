from __future__ import annotations

import enum
from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from workspace.database import created, enum_type, intpk
from workspace.extensions import Model

if TYPE_CHECKING:
    from workspace.auth.models import User
    from workspace.communities.models import Community


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
    SESSION_SCHEDULED = "session_scheduled"  # to the community's readers: a new session
    SESSION_CHANGED = "session_changed"  # to people coming: a session moved
    SESSION_CANCELLED = "session_cancelled"  # ... or was cancelled
    SESSION_STARTING = "session_starting"  # a reminder, the person's chosen time before
    ACTION_ITEM = "action_item"  # an action item given to them or to their state
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
    # What the centre groups by ("3 new replies in ..."): the thread the subject belongs to,
    # e.g. "forum_topic:7", and its title. None: the notice stands alone.
    thread_key: Mapped[str | None] = mapped_column(String(60))
    thread_title: Mapped[str] = mapped_column(String(200), default="", server_default="")
    message: Mapped[str] = mapped_column(String(500))
    link: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[created]
    read_at: Mapped[datetime | None]

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    community: Mapped[Community | None] = relationship()


class Category(enum.StrEnum):
    """What a person chooses email for: each kind of notice belongs to one (notifications.kinds)."""

    MENTIONS = "mentions"
    DISCUSSIONS = "discussions"
    BLOGS = "blogs"
    RESOURCES = "resources"
    SESSIONS = "sessions"
    REMINDERS = "reminders"
    ACTION_ITEMS = "action_items"
    MEMBERSHIP = "membership"
    MODERATION = "moderation"


class Cadence(enum.StrEnum):
    """How often a person hears by email about one category of notices."""

    IMMEDIATELY = "immediately"
    DAILY = "daily"  # in the daily digest
    WEEKLY = "weekly"  # in the weekly digest
    OFF = "off"

    @property
    def label(self) -> str:
        return {"immediately": "Right away", "daily": "Daily digest",
                "weekly": "Weekly digest", "off": "Off"}[self.value]


class EmailPreference(Model):
    """A person's own choice for one category of email; it wins over the community's default."""

    __tablename__ = "email_preferences"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    category: Mapped[Category] = mapped_column(enum_type(Category), primary_key=True)
    cadence: Mapped[Cadence] = mapped_column(enum_type(Cadence))
    updated_at: Mapped[created]


class CommunityEmailDefault(Model):
    """A community's default for one category, set by its facilitators, for those who chose none."""

    __tablename__ = "community_email_defaults"

    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), primary_key=True)
    category: Mapped[Category] = mapped_column(enum_type(Category), primary_key=True)
    cadence: Mapped[Cadence] = mapped_column(enum_type(Cadence))
    set_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[created]


class EmailSettings(Model):
    """A person's email settings beyond categories; no row means the defaults."""

    __tablename__ = "email_settings"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    # "Pause all email": nothing is sent (digests included) until the end date, or until they
    # turn it off when there is none. Notices still wait in the app.
    paused: Mapped[bool] = mapped_column(default=False)
    paused_until: Mapped[date | None]
    # Session reminders, this many minutes before a session they are coming to; 0: none.
    reminder_minutes: Mapped[int] = mapped_column(default=60)
    updated_at: Mapped[created]
