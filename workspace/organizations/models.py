from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, WriteOnlyMapped, mapped_column, relationship

from workspace.database import created, enum_type, intpk
from workspace.extensions import Model

if TYPE_CHECKING:
    from workspace.auth.models import User


class OrganizationKind(enum.StrEnum):
    SEA = "sea"
    LEA = "lea"
    PARTNER = "partner"

    @property
    def label(self) -> str:
        return {"sea": "State education agency", "lea": "Local education agency",
                "partner": "Partner organization"}[self.value]


class Organization(Model):
    __tablename__ = "organizations"

    id: Mapped[intpk]
    kind: Mapped[OrganizationKind] = mapped_column(enum_type(OrganizationKind), index=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    short_name: Mapped[str] = mapped_column(String(80), unique=True)
    # For SEAs and LEAs, the USPS code of the state or territory; None for national partners.
    state_code: Mapped[str | None] = mapped_column(String(2), index=True)
    state_name: Mapped[str | None] = mapped_column(String(80))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("organizations.id"))
    partner_type: Mapped[str | None] = mapped_column(String(40))
    website: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[created]
    archived_at: Mapped[datetime | None]

    parent: Mapped[Organization | None] = relationship(remote_side="Organization.id")
    people: WriteOnlyMapped[User] = relationship(back_populates="organization")

    @property
    def is_sea(self) -> bool:
        return self.kind is OrganizationKind.SEA

    @property
    def display_name(self) -> str:
        return self.name
