"""Action items: the next steps a session's room writes down, kept in the session's record for
the states' plans."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from workspace.database import created, intpk
from workspace.extensions import Model

if TYPE_CHECKING:
    from workspace.auth.models import User
    from workspace.organizations.models import Organization
    from workspace.sessions.models import LiveSession

ACTION_TEXT_MAX = 500


class ActionItem(Model):
    """One action step: what, which state owns it, who does it, by when, and whether it is done."""

    __tablename__ = "session_action_items"

    id: Mapped[intpk]
    session_id: Mapped[int] = mapped_column(ForeignKey("live_sessions.id"), index=True)
    # Kept beside the session so the states' plans can gather a community's steps in one query.
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), index=True)
    text: Mapped[str] = mapped_column(String(ACTION_TEXT_MAX))
    # The participating state agency that owns the step (none: the community as a whole).
    organization_id: Mapped[int | None] = mapped_column(ForeignKey("organizations.id"))
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    due_on: Mapped[date | None]
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[created]
    updated_at: Mapped[datetime | None]
    done_at: Mapped[datetime | None]

    session: Mapped[LiveSession] = relationship()
    organization: Mapped[Organization | None] = relationship()
    owner: Mapped[User | None] = relationship(foreign_keys=[owner_id])
    created_by: Mapped[User] = relationship(foreign_keys=[created_by_id])
