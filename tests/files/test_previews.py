"""Previews of uploads: images (turned upright) and PDFs' first pages become small WebP
pictures; everything else, and anything broken or oversized, gives None and no error."""

from __future__ import annotations

import io
import logging
import struct
import zipfile
import zlib

import pytest
from fpdf import FPDF
from PIL import Image

from workspace.files.previews import PREVIEW_MEDIA_TYPE, can_preview, render_preview

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
RED, BLUE = (220, 20, 20), (20, 20, 220)


def image_bytes(image: Image.Image, image_format: str, **options) -> io.BytesIO:
    data = io.BytesIO()
    image.save(data, image_format, **options)
    data.seek(0)
    return data


def preview_of(data: bytes | io.BytesIO, media_type: str, **options) -> Image.Image:
    source = data if isinstance(data, io.BytesIO) else io.BytesIO(data)
    rendered = render_preview(source, media_type, **options)
    assert rendered is not None
    picture = Image.open(io.BytesIO(rendered))
    assert picture.format == "WEBP" and PREVIEW_MEDIA_TYPE == "image/webp"
    return picture


def close_to(pixel: tuple[int, ...], color: tuple[int, int, int]) -> bool:
    return all(abs(a - b) < 40 for a, b in zip(pixel[:3], color, strict=True))


def halves(width: int, height: int) -> Image.Image:
    """Red on the left, blue on the right."""
    image = Image.new("RGB", (width, height), BLUE)
    image.paste(RED, (0, 0, width // 2, height))
    return image


def test_a_png_becomes_a_preview_480_pixels_wide_keeping_its_transparency():
    image = Image.new("RGBA", (1000, 500), (0, 0, 0, 0))
    image.paste((0, 128, 0, 255), (0, 0, 500, 500))
    picture = preview_of(image_bytes(image, "PNG"), "image/png")
    assert picture.size == (480, 240)
    assert picture.mode == "RGBA"
    assert picture.getpixel((400, 120))[3] == 0


def test_a_small_image_is_not_blown_up_and_width_is_the_callers_choice():
    assert preview_of(image_bytes(halves(100, 50), "PNG"), "image/png").size == (100, 50)
    assert preview_of(image_bytes(halves(1000, 500), "PNG"), "image/png; charset=binary",
                      width=200).size == (200, 100)


def test_a_jpeg_taken_sideways_is_turned_upright_by_its_exif_orientation():
    exif = Image.Exif()
    exif[0x0112] = 6  # Orientation: turn 90° clockwise to view
    data = image_bytes(halves(200, 100), "JPEG", exif=exif.tobytes(), quality=95)

    picture = preview_of(data, "image/jpeg").convert("RGB")
    assert picture.size == (100, 200)
    assert close_to(picture.getpixel((50, 30)), RED)  # the left side is now on top
    assert close_to(picture.getpixel((50, 170)), BLUE)


def test_a_large_photo_is_scaled_down():
    picture = preview_of(image_bytes(halves(4000, 3000), "JPEG"), "image/jpeg")
    assert picture.size == (480, 360)


def test_a_very_tall_image_is_kept_within_twice_its_width():
    assert preview_of(image_bytes(halves(100, 2000), "PNG"), "image/png").size == (48, 960)


def test_a_transparent_gif_keeps_its_transparency():
    image = Image.new("P", (64, 64), 0)
    image.putpalette([255, 255, 255, 200, 0, 0] + [0] * 762)
    image.paste(1, (0, 0, 32, 64))
    picture = preview_of(image_bytes(image, "GIF", transparency=0), "image/gif")
    assert picture.mode == "RGBA"
    assert picture.getpixel((48, 32))[3] == 0 and picture.getpixel((16, 32))[3] == 255


def two_page_pdf() -> bytes:
    pdf = FPDF(format="letter", unit="pt")
    pdf.add_page()
    pdf.set_fill_color(0, 0, 0)
    pdf.rect(0, 0, 612, 396, style="F")  # the top half of page one is black
    pdf.add_page()
    pdf.set_font("helvetica", size=24)
    pdf.cell(text="Page two is white")
    return bytes(pdf.output())


def test_a_pdf_previews_its_first_page():
    picture = preview_of(two_page_pdf(), "application/pdf").convert("RGB")
    assert picture.width == 480
    assert picture.height == pytest.approx(480 * 11 / 8.5, abs=2)
    assert close_to(picture.getpixel((240, 100)), (0, 0, 0))
    assert close_to(picture.getpixel((240, 550)), (255, 255, 255))


@pytest.mark.parametrize("data", [
    b"%PDF-1.7\n1 0 obj << /Type /Catalog >> garbage",
    two_page_pdf()[:400],  # cut off mid-file
    b"",
], ids=["garbage", "truncated", "empty"])
def test_a_broken_pdf_has_no_preview(data, caplog):
    with caplog.at_level(logging.WARNING):
        assert render_preview(io.BytesIO(data), "application/pdf") is None
    assert "no preview of a application/pdf file" in caplog.text


def png_header(width: int, height: int) -> bytes:
    """A PNG that claims these dimensions, with a few bytes of (useless) pixel data."""
    def chunk(kind: bytes, body: bytes) -> bytes:
        return (struct.pack(">I", len(body)) + kind + body
                + struct.pack(">I", zlib.crc32(kind + body)))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(b"\x00" * 64)) + chunk(b"IEND", b""))


def test_an_image_claiming_enormous_dimensions_is_refused_before_decoding(caplog):
    with caplog.at_level(logging.WARNING):
        # Past Pillow's own limit: it refuses to open it at all.
        assert render_preview(io.BytesIO(png_header(100_000, 100_000)), "image/png") is None
        assert "DecompressionBombError" in caplog.text
        # Under Pillow's limit, over what previews decode: refused before any pixel.
        assert render_preview(io.BytesIO(png_header(9_000, 6_000)), "image/png") is None
        assert "more pixels than previews decode" in caplog.text


def docx() -> bytes:
    data = io.BytesIO()
    with zipfile.ZipFile(data, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<document/>")
    return data.getvalue()


@pytest.mark.parametrize(("data", "media_type"), [
    (docx(), DOCX),
    (b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>",
     "image/svg+xml"),
    (b"plain words", "text/plain"),
], ids=["docx", "svg", "text"])
def test_other_types_have_no_preview(data, media_type):
    assert not can_preview(media_type)
    assert render_preview(io.BytesIO(data), media_type) is None


@pytest.mark.parametrize(("data", "media_type"), [
    (image_bytes(halves(40, 20), "PNG").getvalue(), "image/jpeg"),  # a PNG said to be a JPEG
    (b"<html><script>alert(1)</script></html>", "image/png"),
    (image_bytes(halves(40, 20), "PNG").getvalue()[:60], "image/png"),  # cut off
], ids=["wrong-format", "html", "truncated"])
def test_a_file_that_is_not_what_it_says_has_no_preview(data, media_type):
    assert can_preview(media_type)
    assert render_preview(io.BytesIO(data), media_type) is None
