"""What moderation stores: flags on any kind of content, and the log of what moderators did."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from workspace.database import created, intpk
from workspace.extensions import Model
from workspace.moderation.registry import Subject, action_label

if TYPE_CHECKING:
    from workspace.auth.models import User
    from workspace.communities.models import Community

SUMMARY_MAX = 300
EXCERPT_MAX = 300
LINK_MAX = 500
REASON_MAX = 500


class Flag(Model):
    """A member asking the community's facilitators to look at a piece of content.

    The subject is named, not referenced: its kind, its id, and a summary and link taken when
    it was flagged, so one queue holds posts, messages and comments alike.
    """

    __tablename__ = "flags"
    __table_args__ = (Index("ix_flags_subject", "subject_kind", "subject_id"),)

    id: Mapped[intpk]
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), index=True)
    subject_kind: Mapped[str] = mapped_column(String(40))
    subject_id: Mapped[int]
    summary: Mapped[str] = mapped_column(String(SUMMARY_MAX))
    excerpt: Mapped[str] = mapped_column(String(EXCERPT_MAX), default="")
    link: Mapped[str] = mapped_column(String(LINK_MAX), default="")
    reporter_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    reason: Mapped[str] = mapped_column(String(REASON_MAX))
    created_at: Mapped[created]
    resolved_at: Mapped[datetime | None]
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    resolution: Mapped[str] = mapped_column(String(200), default="")

    community: Mapped[Community] = relationship()
    reporter: Mapped[User] = relationship(foreign_keys=[reporter_id])
    resolved_by: Mapped[User | None] = relationship(foreign_keys=[resolved_by_id])

    @property
    def is_open(self) -> bool:
        return self.resolved_at is None

    @property
    def subject(self) -> Subject:
        return Subject(kind=self.subject_kind, id=self.subject_id, community=self.community,
                       summary=self.summary, link=self.link, excerpt=self.excerpt)


class ModerationEvent(Model):
    """One thing a facilitator or network staff did to keep a community in order."""

    __tablename__ = "moderation_events"

    id: Mapped[intpk]
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), index=True)
    actor_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    # A name registered by the feature that logs it (registry.register_actions).
    action: Mapped[str] = mapped_column(String(40))
    # What it was done to, if anything: named as flags name their subject.
    subject_kind: Mapped[str | None] = mapped_column(String(40))
    subject_id: Mapped[int | None]
    summary: Mapped[str] = mapped_column(String(SUMMARY_MAX), default="")
    link: Mapped[str] = mapped_column(String(LINK_MAX), default="")
    detail: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[created]

    actor: Mapped[User] = relationship()

    @property
    def action_label(self) -> str:
        return action_label(self.action)
