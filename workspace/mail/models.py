from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from workspace.database import created, intpk
from workspace.extensions import Model


class OutboxMessage(Model):
    """Every email the workspace sends, kept so staff can read it (and the demo works offline)."""

    __tablename__ = "outbox_messages"

    id: Mapped[intpk]
    recipient: Mapped[str] = mapped_column(String(254), index=True)
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[created]
    sent_at: Mapped[datetime | None]
    error: Mapped[str] = mapped_column(String(500), default="")
