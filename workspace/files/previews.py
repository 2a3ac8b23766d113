"""Previews: a small picture of an uploaded image, or of a PDF's first page.

Made by well-kept libraries, without system packages: Pillow for images and pypdfium2 (the
bindings of PDFium, Chrome's PDF renderer, shipped in its wheel) for PDFs. Uploads are hostile
until proven otherwise, so each parser is told the one format it should find, an image's size
is checked before its pixels are decoded (a few bytes can claim a picture that fills the
memory), and whatever goes wrong gives no preview rather than an error: the file keeps its type
icon. Callers run this in a background job (workspace/jobs/), never in a request.
"""

from __future__ import annotations

import io
import logging
import threading
from typing import BinaryIO

import pypdfium2 as pdfium
from PIL import Image, ImageOps

log = logging.getLogger(__name__)

PREVIEW_MEDIA_TYPE = "image/webp"  # what render_preview returns: small, and every browser shows it
PREVIEW_QUALITY = 80
DEFAULT_WIDTH = 480
# A preview is at most twice as tall as it is wide (a long scroll is scaled down further), so
# one odd file can't stretch a grid of previews.
TALLEST = 2
# Decoded pixels allowed for one image: an 8000 × 5000 photo. Pillow's own guard
# (Image.MAX_IMAGE_PIXELS, about 89 million) is for every use of Pillow in the process; previews
# run beside the web server and stop well before it.
MAX_DECODED_PIXELS = 40_000_000

IMAGE_FORMATS = {"image/png": "PNG", "image/jpeg": "JPEG", "image/gif": "GIF",
                 "image/webp": "WEBP"}
PDF = "application/pdf"

# PDFium is not thread-safe; workers may run previews on several threads (or greenlets).
_pdfium_lock = threading.Lock()


def can_preview(media_type: str) -> bool:
    return _bare(media_type) in IMAGE_FORMATS or _bare(media_type) == PDF


def render_preview(source: BinaryIO, media_type: str, *,
                   width: int = DEFAULT_WIDTH) -> bytes | None:
    """A WebP (PREVIEW_MEDIA_TYPE) at most `width` px wide of an image or a PDF's first page;
    None for other types and for files that can't be rendered."""
    kind = _bare(media_type)
    try:
        if kind in IMAGE_FORMATS:
            picture = _open_image(source, IMAGE_FORMATS[kind], width)
        elif kind == PDF:
            picture = _render_first_page(source, width)
        else:
            return None
        if picture is None:
            return None
        return _encode(picture, width)
    # Parsers of untrusted files fail in many ways (OSError, ValueError, SyntaxError, struct
    # errors, PdfiumError, DecompressionBombError ...): any of them means "no preview".
    except Exception as exc:  # noqa: BLE001
        log.warning("no preview of a %s file: %s: %s", kind, type(exc).__name__, exc)
        return None


def _bare(media_type: str) -> str:
    return media_type.split(";", 1)[0].strip().lower()


def _open_image(source: BinaryIO, image_format: str, width: int) -> Image.Image | None:
    # Reads the header only. Past twice Pillow's limit it refuses; between once and twice it
    # merely warns, and the smaller limit below refuses.
    image = Image.open(source, formats=[image_format])
    # JPEG can decode at 1/2, 1/4 or 1/8 scale: a large photo never needs all its pixels.
    image.draft("RGB", (width * TALLEST, width * TALLEST))
    if image.width * image.height > MAX_DECODED_PIXELS:
        log.warning("no preview of a %s × %s image: more pixels than previews decode",
                    image.width, image.height)
        return None
    return ImageOps.exif_transpose(image)  # phones store photos sideways, with a note to turn


def _render_first_page(source: BinaryIO, width: int) -> Image.Image | None:
    with _pdfium_lock:
        document = pdfium.PdfDocument(source)
        try:
            if len(document) == 0:
                return None
            page = document[0]
            try:
                page_width, page_height = page.get_size()
                if page_width <= 0 or page_height <= 0:
                    return None
                # Scale to the preview's box, never past it: a page of absurd proportions
                # must not become an absurd bitmap.
                scale = min(width / page_width, width * TALLEST / page_height)
                bitmap = page.render(scale=scale)
                try:
                    return bitmap.to_pil().copy()  # its own pixels, freed from PDFium's
                finally:
                    bitmap.close()
            finally:
                page.close()
        finally:
            document.close()


def _encode(picture: Image.Image, width: int) -> bytes:
    picture.thumbnail((width, width * TALLEST), Image.Resampling.LANCZOS)
    if picture.mode not in ("RGB", "RGBA"):
        has_alpha = picture.mode in ("LA", "PA", "RGBa", "La") or (
            picture.mode == "P" and "transparency" in picture.info)
        picture = picture.convert("RGBA" if has_alpha else "RGB")
    output = io.BytesIO()
    picture.save(output, "WEBP", quality=PREVIEW_QUALITY, method=4)
    return output.getvalue()
