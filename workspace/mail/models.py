from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from workspace.database import created, enum_type, intpk
from workspace.extensions import Model

KEY_MAX = 200
ERROR_MAX = 500


class MailState(enum.StrEnum):
    QUEUED = "queued"  # waiting for the mail job (again, after a failed attempt)
    SENT = "sent"  # the SMTP server took it: never sent again
    KEPT = "kept"  # no SMTP server is configured: it stays here for staff to read
    FAILED = "failed"  # the server kept refusing it; staff may try again

    @property
    def label(self) -> str:
        return {"queued": "Waiting to send", "sent": "Sent", "kept": "Kept (no mail server)",
                "failed": "Failed"}[self.value]


class OutboxMessage(Model):
    """Every email the workspace sends, kept so staff can read it (and the demo works offline).

    The row is the outbox a worker drains (job "mail.send"): written in the unit of work that
    asked for the email, sent after the commit, marked sent so it is never sent twice.
    """

    __tablename__ = "outbox_messages"

    id: Mapped[intpk]
    recipient: Mapped[str] = mapped_column(String(254), index=True)
    # The person it is for, when it is for one (unsubscribe links, their settings).
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)  # the plain-text part
    html_body: Mapped[str] = mapped_column(Text, default="", server_default="")
    # Extra headers (List-Unsubscribe ...) and attachments ({filename, media_type, content}).
    headers: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    attachments: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    # Asking twice with one key ("notification:42", "digest:daily:2026-11-29:7") queues once.
    key: Mapped[str | None] = mapped_column(String(KEY_MAX), unique=True)
    state: Mapped[MailState] = mapped_column(enum_type(MailState), default=MailState.QUEUED,
                                             server_default=MailState.QUEUED.value)
    attempts: Mapped[int] = mapped_column(default=0, server_default="0")
    created_at: Mapped[created]
    sent_at: Mapped[datetime | None]
    error: Mapped[str] = mapped_column(String(ERROR_MAX), default="")  # the last one
