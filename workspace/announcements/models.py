from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from workspace.database import created, intpk
from workspace.extensions import Model

if TYPE_CHECKING:
    from workspace.auth.models import User


class Announcement(Model):
    """Network news on the home page."""

    __tablename__ = "announcements"

    id: Mapped[intpk]
    title: Mapped[str] = mapped_column(String(200))
    byline: Mapped[str] = mapped_column(String(200), default="")
    body: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    published_at: Mapped[datetime | None] = mapped_column(index=True)
    created_at: Mapped[created]
    updated_at: Mapped[datetime | None]

    author: Mapped[User | None] = relationship()

    @property
    def is_published(self) -> bool:
        return self.published_at is not None
