"""The stored-files table kept beside the storage: each received file is remembered once by its
hash, and images and PDFs get a preview made by a background job."""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import select

from workspace.database import utcnow
from workspace.extensions import db
from workspace.files.intake import Received, receive_bytes
from workspace.files.models import PreviewState, StoredFile
from workspace.files.previews import can_preview, render_preview
from workspace.files.storage import storage
from workspace.jobs import queue as jobs

log = logging.getLogger(__name__)

PREVIEW_JOB = "files.preview"


def remember(received: Received) -> StoredFile:
    """The row for a file just received, made on first sight, in the caller's unit of work;
    a preview is queued for a type that has one (and runs after the caller commits)."""
    stored = db.session.get(StoredFile, received.digest)
    if stored is None:
        previewable = can_preview(received.media_type)
        stored = StoredFile(digest=received.digest, size=received.size,
                            media_type=received.media_type, kind=received.kind,
                            preview_state=PreviewState.PENDING if previewable
                            else PreviewState.NONE)
        db.session.add(stored)
        if previewable:
            jobs.enqueue(PREVIEW_JOB, {"digest": received.digest},
                         key=f"preview:{received.digest}")
    stored.last_uploaded_at = utcnow()
    return stored


def stored_files(digests: list[str]) -> dict[str, StoredFile]:
    if not digests:
        return {}
    return {row.digest: row for row in db.session.scalars(
        select(StoredFile).where(StoredFile.digest.in_(digests)))}


@jobs.register(PREVIEW_JOB, max_attempts=3)
def make_preview(payload: dict[str, Any]) -> None:
    """Draw the thumbnail for one stored file; a file that can't be drawn keeps its icon.
    (What it writes commits with the job's own "done", so a rerun finds it made.)"""
    stored = db.session.get(StoredFile, str(payload["digest"]))
    if stored is None or stored.preview_state is not PreviewState.PENDING:
        return
    with storage().open(stored.digest) as source:
        image = render_preview(source, stored.media_type)
    if image is None:
        stored.preview_state = PreviewState.NONE
    else:
        preview = receive_bytes(image, "preview.webp", storage=storage())
        stored.preview_digest = preview.digest
        stored.preview_state = PreviewState.READY
