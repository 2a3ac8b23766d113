from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from flask_login import UserMixin
from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from workspace.database import created, intpk
from workspace.extensions import Model

if TYPE_CHECKING:
    from workspace.communities.models import Community, CommunityRole
    from workspace.organizations.models import Organization


class User(UserMixin, Model):
    __tablename__ = "users"

    id: Mapped[intpk]
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    # What colleagues type after "@" to mention the person: chosen by them, kept in lower case
    # so that uniqueness ignores case (see workspace.auth.handles).
    handle: Mapped[str] = mapped_column(String(30), unique=True, index=True)
    title: Mapped[str] = mapped_column(String(120), default="")
    phone: Mapped[str] = mapped_column(String(40), default="")
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    time_zone: Mapped[str] = mapped_column(String(64), default="America/New_York")
    # When the person chose or confirmed their zone; until then every page asks them once.
    time_zone_confirmed_at: Mapped[datetime | None]
    password_hash: Mapped[str | None] = mapped_column(String(255))
    is_network_staff: Mapped[bool] = mapped_column(default=False)
    is_deactivated: Mapped[bool] = mapped_column(default=False)
    # Bumped by sign-out, password change and deactivation: every older session cookie dies.
    session_version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[created]
    last_signed_in_at: Mapped[datetime | None]

    organization: Mapped[Organization] = relationship(back_populates="people")

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        return not self.is_deactivated and self.password_hash is not None

    def get_id(self) -> str:
        return f"{self.id}:{self.session_version}"

    @property
    def first_name(self) -> str:
        return self.name.split(" ")[0] if self.name else self.email


class Invitation(Model):
    """An email address asked to join, with the organization (and community) it joins."""

    __tablename__ = "invitations"

    id: Mapped[intpk]
    email: Mapped[str] = mapped_column(String(254), index=True)
    name: Mapped[str] = mapped_column(String(120), default="")
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"))
    community_id: Mapped[int | None] = mapped_column(ForeignKey("communities.id"))
    community_role: Mapped[str | None] = mapped_column(String(20))
    invited_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    message: Mapped[str] = mapped_column(String(2000), default="")
    created_at: Mapped[created]
    accepted_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]

    organization: Mapped[Organization] = relationship()
    community: Mapped[Community | None] = relationship()
    invited_by: Mapped[User] = relationship()

    @property
    def role(self) -> CommunityRole | None:
        from workspace.communities.models import CommunityRole

        return CommunityRole(self.community_role) if self.community_role else None
