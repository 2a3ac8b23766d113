from __future__ import annotations

import enum
from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from workspace.database import created, enum_type, intpk
from workspace.extensions import Model

if TYPE_CHECKING:
    from workspace.auth.models import User
    from workspace.organizations.models import Organization


class CommunityKind(enum.StrEnum):
    COP = "cop"
    P2P = "p2p"

    @property
    def label(self) -> str:
        return {"cop": "Community of Practice", "p2p": "Peer-to-Peer Exchange"}[self.value]

    @property
    def short_label(self) -> str:
        return {"cop": "CoP", "p2p": "P2P"}[self.value]


class CommunityStatus(enum.StrEnum):
    IN_DEVELOPMENT = "in_development"
    RECRUITING = "recruiting"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    ARCHIVED = "archived"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()


# The lifecycle staff move a community through; archiving is possible from any state.
STATUS_TRANSITIONS: dict[CommunityStatus, frozenset[CommunityStatus]] = {
    CommunityStatus.IN_DEVELOPMENT: frozenset({CommunityStatus.RECRUITING,
                                               CommunityStatus.IN_PROGRESS}),
    CommunityStatus.RECRUITING: frozenset({CommunityStatus.IN_DEVELOPMENT,
                                           CommunityStatus.IN_PROGRESS}),
    CommunityStatus.IN_PROGRESS: frozenset({CommunityStatus.RECRUITING,
                                            CommunityStatus.COMPLETED}),
    CommunityStatus.COMPLETED: frozenset({CommunityStatus.IN_PROGRESS}),
    CommunityStatus.ARCHIVED: frozenset({CommunityStatus.COMPLETED}),
}
for _status in CommunityStatus:
    if _status is not CommunityStatus.ARCHIVED:
        STATUS_TRANSITIONS[_status] |= {CommunityStatus.ARCHIVED}


class CommunityRole(enum.StrEnum):
    FACILITATOR = "facilitator"
    SME = "sme"
    MEMBER = "member"
    OBSERVER = "observer"

    @property
    def label(self) -> str:
        return {"facilitator": "Facilitator", "sme": "Subject matter expert",
                "member": "Member", "observer": "Observer"}[self.value]

    @property
    def as_phrase(self) -> str:
        """The role as a sentence says it: "as a member", "as an observer"."""
        label = self.label.lower()
        return f"as {'an' if label[0] in 'aeiou' else 'a'} {label}"

    @property
    def needs_participating_organization(self) -> bool:
        # State team members belong through their agency; others are invited individually.
        return self is CommunityRole.MEMBER


class OrganizationRole(enum.StrEnum):
    PARTICIPANT = "participant"
    PARTNER = "partner"


class Community(Model):
    __tablename__ = "communities"

    id: Mapped[intpk]
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    kind: Mapped[CommunityKind] = mapped_column(enum_type(CommunityKind), index=True)
    status: Mapped[CommunityStatus] = mapped_column(enum_type(CommunityStatus), index=True)
    timeframe: Mapped[str] = mapped_column(String(120), default="")
    starts_on: Mapped[date | None]
    ends_on: Mapped[date | None]
    summary: Mapped[str] = mapped_column(Text, default="")
    description: Mapped[str] = mapped_column(Text, default="")
    description_html: Mapped[str] = mapped_column(Text, default="")
    objectives: Mapped[list[str]] = mapped_column(default=list)
    intended_outcomes: Mapped[list[str]] = mapped_column(default=list)
    session_topics: Mapped[list[str]] = mapped_column(default=list)
    topics: Mapped[list[str]] = mapped_column(default=list)
    subject_matter_experts: Mapped[list[str]] = mapped_column(default=list)
    recruiting_note: Mapped[str] = mapped_column(Text, default="")
    # How many state agencies the facilitators can take; None means no set limit.
    capacity: Mapped[int | None]
    is_public: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[created]
    updated_at: Mapped[datetime | None]

    organization_links: Mapped[list[CommunityOrganization]] = relationship(
        back_populates="community", cascade="all, delete-orphan",
        order_by="CommunityOrganization.id")
    memberships: Mapped[list[Membership]] = relationship(
        back_populates="community", cascade="all, delete-orphan")

    @property
    def is_recruiting(self) -> bool:
        return self.status is CommunityStatus.RECRUITING


class CommunityOrganization(Model):
    """An organization taking part in a community, as a participant or a partner."""

    __tablename__ = "community_organizations"
    __table_args__ = (UniqueConstraint("community_id", "organization_id"),)

    id: Mapped[intpk]
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), index=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    role: Mapped[OrganizationRole] = mapped_column(enum_type(OrganizationRole))
    # The state's contact person: may add colleagues from the same agency.
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    joined_at: Mapped[created]
    withdrawn_at: Mapped[datetime | None]

    community: Mapped[Community] = relationship(back_populates="organization_links")
    organization: Mapped[Organization] = relationship()
    contact: Mapped[User | None] = relationship()

    @property
    def is_active(self) -> bool:
        return self.withdrawn_at is None


class Membership(Model):
    __tablename__ = "memberships"
    __table_args__ = (UniqueConstraint("community_id", "user_id"),)

    id: Mapped[intpk]
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    role: Mapped[CommunityRole] = mapped_column(enum_type(CommunityRole))
    added_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[created]

    community: Mapped[Community] = relationship(back_populates="memberships")
    user: Mapped[User] = relationship(foreign_keys=[user_id])


class InterestStatus(enum.StrEnum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    WAITLISTED = "waitlisted"
    DECLINED = "declined"
    WITHDRAWN = "withdrawn"

    @property
    def label(self) -> str:
        return self.value.capitalize()


class Interest(Model):
    """A state's expression of interest in a recruiting community."""

    __tablename__ = "interests"

    id: Mapped[intpk]
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), index=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    problem_of_practice: Mapped[str] = mapped_column(Text)
    status: Mapped[InterestStatus] = mapped_column(enum_type(InterestStatus),
                                                   default=InterestStatus.PENDING)
    decision_message: Mapped[str] = mapped_column(Text, default="")
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None]
    created_at: Mapped[created]

    community: Mapped[Community] = relationship()
    organization: Mapped[Organization] = relationship()
    contact: Mapped[User] = relationship(foreign_keys=[contact_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])

    @property
    def is_open(self) -> bool:
        return self.status in (InterestStatus.PENDING, InterestStatus.WAITLISTED)
