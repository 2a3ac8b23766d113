"""Library fixtures: files of each kind made in the test, and uploads as the page's script
sends them (one raw body per file) or as a form without script (multipart)."""

from __future__ import annotations

import io
from typing import Any

from fpdf import FPDF
from PIL import Image

from workspace.extensions import db
from workspace.jobs import queue
from workspace.resources.models import Resource


def pdf_bytes(text: str = "Progress monitoring rubric") -> bytes:
    document = FPDF()
    document.add_page()
    document.set_font("helvetica", size=14)
    document.cell(text=text)
    return bytes(document.output())


def png_bytes(color: str = "teal", size: tuple[int, int] = (64, 48)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, format="PNG")
    return out.getvalue()


def upload(client, slug: str, name: str, data: bytes) -> Any:
    """One file sent as the library page's script sends it."""
    return client.post(f"/communities/{slug}/library/uploads?name={name}", data=data,
                       content_type="application/octet-stream",
                       headers={"Accept": "application/json"})


def add_files(client, slug: str, files: list[tuple[str, bytes]], **fields: Any) -> Any:
    """Upload each file, then send the form with their tokens, as a browser with script does."""
    tokens = []
    for name, data in files:
        answer = upload(client, slug, name, data)
        assert answer.status_code == 201, answer.get_json()
        tokens.append(answer.get_json()["token"])
    form = {"source": "files", "type": "tool", "audience": "community", **fields,
            "upload": tokens}
    return client.post(f"/communities/{slug}/library/new", data=form)


def only_resource() -> Resource:
    resources = list(db.session.scalars(db.select(Resource)))
    assert len(resources) == 1, resources
    return resources[0]


def run_jobs() -> int:
    """What the background worker does, once the test's own reads are finished (in-memory
    SQLite shares one connection between the test and the worker's sessions)."""
    db.session.commit()
    return queue.run_pending()
