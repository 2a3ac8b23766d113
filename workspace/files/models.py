"""What the database knows of each stored file: one row per content hash, however many
resources, versions or posts use it, with the preview made for it in the background."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from workspace.database import created, enum_type
from workspace.extensions import Model

DIGEST_LENGTH = 64  # sha256, hex


class PreviewState(enum.StrEnum):
    PENDING = "pending"  # queued: the page shows the type icon until it is ready
    READY = "ready"
    NONE = "none"  # a type without previews, or a file that could not be rendered


class StoredFile(Model):
    """A file's content, stored once under its sha256 in the configured storage."""

    __tablename__ = "stored_files"

    digest: Mapped[str] = mapped_column(String(DIGEST_LENGTH), primary_key=True)
    size: Mapped[int]
    media_type: Mapped[str] = mapped_column(String(120))
    kind: Mapped[str] = mapped_column(String(20))  # the type icon's word: pdf, image, slides ...
    preview_state: Mapped[PreviewState] = mapped_column(enum_type(PreviewState),
                                                        default=PreviewState.NONE)
    preview_digest: Mapped[str | None] = mapped_column(String(DIGEST_LENGTH))
    created_at: Mapped[created]
    # Last asked for by an upload: files nobody's resource uses are swept after a while.
    last_uploaded_at: Mapped[datetime | None]
