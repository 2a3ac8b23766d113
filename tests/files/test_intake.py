"""Uploads: good files of every accepted type are stored; hostile ones are refused, each with a
sentence the person can act on, and leave nothing behind."""

from __future__ import annotations

import hashlib
import io
import struct
import tracemalloc
import zipfile
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from werkzeug.datastructures import FileStorage

from workspace import create_app
from workspace.files.intake import (
    ACCEPTED_TYPES,
    Received,
    UploadRefused,
    UploadTooLarge,
    clean_filename,
    human_size,
    receive,
    receive_bytes,
    receive_upload,
)
from workspace.files.storage import LocalStorage, Storage, storage

MB = 1024 * 1024
LIMIT = 50 * MB

MINIMAL_PDF = (b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n"
               b"1 0 obj <</Type /Catalog /Pages 2 0 R>> endobj\n"
               b"2 0 obj <</Type /Pages /Kids [3 0 R] /Count 1>> endobj\n"
               b"3 0 obj <</Type /Page /Parent 2 0 R /MediaBox [0 0 612 792]>> endobj\n"
               b"trailer <</Root 1 0 R>>\n%%EOF\n")


def upload(store: Storage, data: bytes, name: str, **options: Any) -> Received:
    return receive(io.BytesIO(data), name, max_bytes=options.pop("max_bytes", LIMIT),
                   storage=store, **options)


def refusal(store: Storage, data: bytes, name: str, **options: Any) -> str:
    with pytest.raises(UploadRefused) as refused:
        upload(store, data, name, **options)
    assert leftovers(store) == [], "a refused upload must leave no temp file"
    return refused.value.message


def leftovers(store: Storage) -> list[Path]:
    return list(store.temp_dir().iterdir())


def image(format: str, size: tuple[int, int] = (8, 6)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 30, 60)).save(out, format)
    return out.getvalue()


def docx() -> bytes:
    import docx as python_docx  # noqa: PLC0415

    document = python_docx.Document()
    document.add_heading("Series summary", 1)
    document.add_paragraph("Participating states: Arizona, Georgia.")
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def office_zip(*parts: str, extra: dict[str, bytes] | None = None) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for part in parts:
            archive.writestr(part, '<?xml version="1.0" encoding="UTF-8"?><part/>')
        for part, data in (extra or {}).items():
            archive.writestr(part, data)
    return out.getvalue()


def opendocument(media_type: str) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("mimetype", media_type, compress_type=zipfile.ZIP_STORED)
        archive.writestr("content.xml", "<office:document-content/>",
                         compress_type=zipfile.ZIP_DEFLATED)
    return out.getvalue()


def png_header(width: int, height: int) -> bytes:
    """A PNG whose header claims these dimensions, without the pixels."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(b"\x00" * 16)) + chunk(b"IEND", b""))


# --- Good files --------------------------------------------------------------------------------

GOOD_FILES = {
    "report.pdf": (lambda: MINIMAL_PDF, "application/pdf", "pdf", False),
    "photo.png": (lambda: image("PNG"), "image/png", "image", True),
    "photo.jpg": (lambda: image("JPEG"), "image/jpeg", "image", True),
    "photo.jpeg": (lambda: image("JPEG"), "image/jpeg", "image", True),
    "anim.gif": (lambda: image("GIF"), "image/gif", "image", True),
    "photo.webp": (lambda: image("WEBP"), "image/webp", "image", True),
    "summary.docx": (docx, "application/vnd.openxmlformats-officedocument."
                     "wordprocessingml.document", "document", False),
    "budget.xlsx": (lambda: office_zip("[Content_Types].xml", "xl/workbook.xml"),
                    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    "spreadsheet", False),
    "deck.pptx": (lambda: office_zip("[Content_Types].xml", "ppt/presentation.xml"),
                  "application/vnd.openxmlformats-officedocument.presentationml.presentation",
                  "slides", False),
    "notes.odt": (lambda: opendocument("application/vnd.oasis.opendocument.text"),
                  "application/vnd.oasis.opendocument.text", "document", False),
    "sheet.ods": (lambda: opendocument("application/vnd.oasis.opendocument.spreadsheet"),
                  "application/vnd.oasis.opendocument.spreadsheet", "spreadsheet", False),
    "talk.odp": (lambda: opendocument("application/vnd.oasis.opendocument.presentation"),
                 "application/vnd.oasis.opendocument.presentation", "slides", False),
    "states.csv": (lambda: "state,lead\nAZ,José Núñez\nGA,“Kim”\n".encode(), "text/csv",
                   "data", False),
    "notes.txt": (lambda: "Action items ✓\n".encode(), "text/plain", "text", False),
    "README.md": (lambda: b'<p align="center"><img src="logo.png"></p>\n\n# Toolkit\n',
                  "text/markdown", "text", False),
    "session.mp4": (lambda: b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + bytes(64),
                    "video/mp4", "video", False),
    "session.m4a": (lambda: b"\x00\x00\x00\x1cftypM4A \x00\x00\x00\x00M4A mp42isom" + bytes(64),
                    "audio/mp4", "audio", False),
    "tagged.mp3": (lambda: b"ID3\x04\x00\x00\x00\x00\x00\x00" + b"\xff\xfb\x90\x64" + bytes(400),
                   "audio/mpeg", "audio", False),
    "bare.mp3": (lambda: b"\xff\xfb\x90\x64" + bytes(400), "audio/mpeg", "audio", False),
}


@pytest.mark.parametrize("name", sorted(GOOD_FILES))
def test_good_files_of_each_type_are_stored(store: Storage, name: str):
    make, media_type, kind, inline = GOOD_FILES[name]
    data = make()

    received = upload(store, data, name)

    assert received == Received(digest=hashlib.sha256(data).hexdigest(), size=len(data),
                                filename=name, media_type=media_type, kind=kind, inline=inline)
    with store.open(received.digest) as stored:
        assert stored.read() == data
    assert leftovers(store) == []


def test_a_pdf_made_by_a_real_library_is_accepted(local_store: LocalStorage):
    fpdf = pytest.importorskip("fpdf")
    pdf = fpdf.FPDF()
    pdf.add_page()
    pdf.set_font("helvetica", size=12)
    pdf.cell(text="P2P Exchange Series Summary")
    assert upload(local_store, bytes(pdf.output()), "summary.pdf").kind == "pdf"


def test_the_same_bytes_twice_are_stored_once(store: Storage):
    first = upload(store, MINIMAL_PDF, "report.pdf")
    second = upload(store, MINIMAL_PDF, "copy of report.pdf")

    assert first.digest == second.digest
    assert (first.filename, second.filename) == ("report.pdf", "copy of report.pdf")
    assert stored_count(store) == 1


def stored_count(store: Storage) -> int:
    if isinstance(store, LocalStorage):
        return len(list(store.root.glob("??/??/*")))
    return len(store.client.list_objects_v2(Bucket=store.bucket).get("Contents", []))  # type: ignore[attr-defined]


def test_files_the_app_makes_share_the_store(store: Storage):
    made = receive_bytes(MINIMAL_PDF, "Series summary.pdf", storage=store)
    uploaded = upload(store, MINIMAL_PDF, "report.pdf")

    assert made.digest == uploaded.digest == hashlib.sha256(MINIMAL_PDF).hexdigest()
    assert (made.media_type, made.kind, made.inline) == ("application/pdf", "pdf", False)
    assert stored_count(store) == 1
    assert leftovers(store) == []


def test_files_the_app_makes_must_have_a_known_type(local_store: LocalStorage):
    with pytest.raises(ValueError):
        receive_bytes(b"MZ", "tool.exe", storage=local_store)
    with pytest.raises(ValueError):
        receive_bytes(b"", "empty.pdf", storage=local_store)


def test_a_form_upload_uses_the_apps_limit_and_storage(app_settings: dict[str, Any],
                                                       tmp_path: Path):
    app = create_app({**app_settings, "FILES_ROOT": str(tmp_path), "UPLOAD_MAX_BYTES": 100})
    with app.app_context():
        received = receive_upload(FileStorage(io.BytesIO(MINIMAL_PDF[:90]), filename="a.pdf"))
        assert storage().exists(received.digest)
        assert storage().local_path(received.digest).parent.parent.parent == tmp_path  # type: ignore[union-attr]
        with pytest.raises(UploadTooLarge) as refused:
            receive_upload(FileStorage(io.BytesIO(MINIMAL_PDF), filename="big.pdf"))
    assert refused.value.message == (
        f"“big.pdf” is {len(MINIMAL_PDF)} bytes; the limit is 100 bytes.")


# --- Size ----------------------------------------------------------------------------------------

class Zeros(io.RawIOBase):
    """A stream of `length` bytes of `fill` that holds none of them in memory."""

    def __init__(self, length: int, *, fill: bytes = b"\x00", seekable: bool = True,
                 prefix: bytes = b"") -> None:
        self.length, self.fill, self._seekable, self.prefix = length, fill, seekable, prefix
        self.position = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return self._seekable

    def tell(self) -> int:
        return self.position

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        if not self._seekable:
            raise io.UnsupportedOperation("seek")
        self.position = {io.SEEK_SET: offset, io.SEEK_CUR: self.position + offset,
                         io.SEEK_END: self.length + offset}[whence]
        return self.position

    def readinto(self, buffer: Any) -> int:
        count = max(0, min(len(buffer), self.length - self.position))
        head = self.prefix[self.position:self.position + count]
        buffer[:count] = head + self.fill[:1] * (count - len(head))
        self.position += count
        return count


def test_an_oversized_file_is_refused_with_its_size(local_store: LocalStorage):
    stream = Zeros(int(61.2 * MB), prefix=b"%PDF-1.7\n")
    with pytest.raises(UploadTooLarge) as refused:
        receive(stream, "report.pdf", max_bytes=LIMIT, storage=local_store)
    assert refused.value.message == "“report.pdf” is 61.2 MB; the limit is 50 MB."
    assert refused.value.status == 413
    assert stream.position == 0  # refused before reading any of it
    assert leftovers(local_store) == []


def test_an_oversized_stream_of_unknown_length_stops_at_the_limit(local_store: LocalStorage):
    stream = Zeros(2 * MB, prefix=b"%PDF-1.7\n", seekable=False)
    with pytest.raises(UploadTooLarge) as refused:
        receive(stream, "report.pdf", max_bytes=MB, storage=local_store)
    assert refused.value.message == "“report.pdf” is larger than the 1 MB limit."
    assert stream.position <= MB + 64 * 1024  # stopped as soon as it passed
    assert leftovers(local_store) == []


def test_a_file_at_the_limit_is_accepted(local_store: LocalStorage):
    data = MINIMAL_PDF + b" " * (1000 - len(MINIMAL_PDF))
    assert upload(local_store, data, "exact.pdf", max_bytes=1000).size == 1000


def test_an_empty_file_is_refused(store: Storage):
    assert refusal(store, b"", "minutes.pdf") == (
        "“minutes.pdf” is empty (0 bytes). Check that it was saved properly, then choose it "
        "again.")


def test_uploads_stream_through_a_small_buffer(local_store: LocalStorage):
    stream = Zeros(24 * MB, fill=b"a", seekable=False)
    tracemalloc.start()
    try:
        received = receive(stream, "long.txt", max_bytes=LIMIT, storage=local_store)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert received.size == 24 * MB
    assert peak < 2 * MB, f"peak {peak} bytes: the upload was held in memory"


@pytest.mark.parametrize(("size", "text"), [
    (0, "0 bytes"), (1, "1 byte"), (812, "812 bytes"), (1024, "1 KB"), (1536, "1.5 KB"),
    (50 * MB, "50 MB"), (int(61.2 * MB), "61.2 MB"), (1024 * MB - 1, "1 GB"),
    (3 * 1024 * MB, "3 GB"),
])
def test_human_size(size: int, text: str):
    assert human_size(size) == text


# --- Names ---------------------------------------------------------------------------------------

@pytest.mark.parametrize(("given", "cleaned"), [
    ("../../etc/passwd.pdf", "passwd.pdf"),
    ("..\\..\\Windows\\system.ini.pdf", "system.ini.pdf"),
    ("C:\\Users\\kim\\Desktop\\Plan.docx", "Plan.docx"),
    ("a\x00.pdf", "a.pdf"),
    ("invoice\u202efdp.exe", "invoicefdp.exe"),
    ("report\u2066\u200f.pdf", "report.pdf"),
    ("  Action\titems \n  final .pdf ", "Action items final .pdf"),
    (".htaccess.txt", "htaccess.txt"),
    ("Informe de progreso — Región 5 (año 2).pdf", "Informe de progreso — Región 5 (año 2).pdf"),
    ("報告書.docx", "報告書.docx"),
    ("trailing dots.pdf..", "trailing dots.pdf"),
])
def test_names_are_cleaned(given: str, cleaned: str):
    assert clean_filename(given) == cleaned


def test_long_names_keep_their_extension():
    cleaned = clean_filename("x" * 300 + ".docx")
    assert len(cleaned) == 120
    assert cleaned.endswith("x.docx")


@pytest.mark.parametrize("name", ["", "   ", "...", "../", "\x00\u202e", "dir/"])
def test_a_name_with_nothing_left_is_refused(name: str):
    with pytest.raises(UploadRefused) as refused:
        clean_filename(name)
    assert refused.value.message == ("That file has no usable name. Rename it on your computer "
                                     "and upload it again.")


def test_hostile_names_are_cleaned_not_refused(store: Storage):
    assert upload(store, MINIMAL_PDF, "../../etc/passwd.pdf").filename == "passwd.pdf"
    assert upload(store, MINIMAL_PDF, "a\x00.pdf").filename == "a.pdf"
    assert stored_count(store) == 1


def test_a_bidi_override_cannot_disguise_a_program(local_store: LocalStorage):
    # Displayed as "invoiceexe.pdf"; really a .exe.
    message = refusal(local_store, b"MZ\x90\x00", "invoice\u202efdp.exe")
    assert message.startswith("“invoicefdp.exe” is a type the workspace doesn't accept (.exe).")


# --- Types and content ---------------------------------------------------------------------------

def test_unknown_types_are_refused_naming_those_accepted(local_store: LocalStorage):
    assert refusal(local_store, b"MZ\x90\x00", "setup.exe") == (
        "“setup.exe” is a type the workspace doesn't accept (.exe). Accepted types: "
        f"{ACCEPTED_TYPES}.")
    assert refusal(local_store, MINIMAL_PDF, "README").startswith(
        "“README” has no extension such as .pdf or .docx, so the workspace can't tell what "
        "it is.")


def test_svg_is_refused_because_it_can_carry_scripts(store: Storage):
    svg = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(document.cookie)</script></svg>'
    assert refusal(store, svg, "logo.svg") == (
        "“logo.svg” is an SVG image, which can carry scripts that run in the browser. Export it "
        "as PNG or PDF and upload that instead.")
    assert refusal(store, svg, "logo.png") == (
        "“logo.png” isn't a PNG image: its content is an SVG image. Files must be what their "
        "name says.")


def test_html_behind_a_pdf_name_is_refused(store: Storage):
    page = b"<!DOCTYPE html><html><body><script>fetch('/api')</script></body></html>"
    assert refusal(store, page, "notes.pdf") == (
        "“notes.pdf” isn't a PDF: its content is HTML. Files must be what their name says.")


def test_a_script_behind_a_png_name_is_refused(store: Storage):
    assert refusal(store, b"<script>alert(1)</script>", "chart.png") == (
        "“chart.png” isn't a PNG image: its content is HTML. Files must be what their name "
        "says.")


def test_a_program_renamed_pdf_is_refused(store: Storage):
    program = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + bytes(200)
    assert refusal(store, program, "agenda.pdf") == (
        "“agenda.pdf” isn't a PDF: its content is a Windows program. Files must be what their "
        "name says.")


def test_content_of_another_accepted_type_is_refused(local_store: LocalStorage):
    assert refusal(local_store, image("JPEG"), "photo.png") == (
        "“photo.png” isn't a PNG image: its content is a JPEG image. Files must be what their "
        "name says.")
    assert refusal(local_store, os_random(300), "scan.pdf") == (
        "“scan.pdf” isn't a PDF: the workspace doesn't recognize its content. Files must be "
        "what their name says.")


def os_random(size: int) -> bytes:
    # Deterministic bytes that match no signature and aren't text.
    return bytes([0x80, 0x00]) + bytes((index * 7 + 3) % 256 for index in range(size))


def test_a_pdf_with_html_near_its_start_is_refused(store: Storage):
    polyglot = b"%PDF-1.4\n<html><body onload=alert(1)>\n" + MINIMAL_PDF[9:]
    assert refusal(store, polyglot, "brief.pdf") == (
        "“brief.pdf” has web page code (<html…) hidden near its start, which a browser could "
        "run. Save it again from the program that made it and upload the new copy.")


def test_a_png_with_a_script_in_a_text_chunk_is_refused(local_store: LocalStorage):
    out = io.BytesIO()
    from PIL import PngImagePlugin  # noqa: PLC0415

    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", "<script>alert(1)</script>")
    Image.new("RGB", (4, 4)).save(out, "PNG", pnginfo=info)
    assert "has web page code (<script…)" in refusal(local_store, out.getvalue(), "chart.png")


def test_a_png_that_is_also_a_zip_is_refused(store: Storage):
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as hidden:
        hidden.writestr("payload.js", "fetch('/api/me')", compress_type=zipfile.ZIP_DEFLATED)
    assert refusal(store, image("PNG") + archive.getvalue(), "chart.png") == (
        "“chart.png” is a PNG image that is also a ZIP archive, a trick used to smuggle files "
        "past checks. Save it again from the program that made it and upload the new copy.")


def test_a_pdf_that_is_also_a_zip_is_refused(local_store: LocalStorage):
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as hidden:
        hidden.writestr("word/document.xml", "<w:document/>")
    assert "is a PDF that is also a ZIP archive" in refusal(
        local_store, MINIMAL_PDF + archive.getvalue(), "report.pdf")


def test_a_damaged_image_is_refused(local_store: LocalStorage):
    broken = bytearray(image("PNG"))
    broken[30] ^= 0xFF  # inside IHDR: its checksum no longer matches
    assert refusal(local_store, bytes(broken), "photo.png") == (
        "“photo.png” couldn't be read as a PNG image; it may be damaged. Save it again and "
        "upload the new copy.")


def test_images_with_too_many_pixels_are_refused_without_decoding(local_store: LocalStorage):
    assert refusal(local_store, png_header(8000, 8000), "poster.png") == (
        "“poster.png” is 8,000 × 8,000 pixels; the most the workspace accepts is 50 megapixels.")
    assert refusal(local_store, png_header(100_000, 100_000), "bomb.png") == (
        "“bomb.png” has too many pixels; the most the workspace accepts is 50 megapixels.")


# --- Text ----------------------------------------------------------------------------------------

def test_html_documents_are_refused_as_text(store: Storage):
    assert refusal(store, b"\n  <html><script>alert(1)</script></html>", "notes.md") == (
        "“notes.md” isn't a Markdown file: its content is HTML. Files must be what their name "
        "says.")


def test_text_must_be_utf8_without_nul(local_store: LocalStorage):
    assert refusal(local_store, "state,lead\nAZ,José\n".encode("latin-1"), "states.csv") == (
        "“states.csv” isn't saved as UTF-8 text. Save it again as UTF-8 (in Excel, choose "
        "“CSV UTF-8”) and upload the new copy.")
    assert refusal(local_store, "notes".encode("utf-16"), "notes.txt").startswith(
        "“notes.txt” isn't saved as UTF-8 text.")
    late_nul = b"plain words\n" * 200 + b"\x00binary"
    assert refusal(local_store, late_nul, "log.txt") == (
        "“log.txt” has binary data in it, so it isn't a text file. Files must be what their "
        "name says.")
    assert refusal(local_store, MINIMAL_PDF, "notes.txt") == (
        "“notes.txt” isn't a text file: its content is a PDF. Files must be what their name "
        "says.")


def test_a_csv_may_start_with_letters_that_look_like_a_signature(local_store: LocalStorage):
    assert upload(local_store, b"MZ,ID3\n1,2\n", "codes.csv").kind == "data"


# --- Zip-based documents -------------------------------------------------------------------------

def zip_bomb(entries: int, size: int) -> bytes:
    """A .docx-shaped archive whose entries inflate to `size` bytes of zeros each, written in
    chunks so the test never holds them."""
    out = io.BytesIO()
    zeros = bytes(MB)
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
        for index in range(entries):
            with archive.open(f"word/media/padding{index}.bin", "w", force_zip64=True) as entry:
                for _ in range(size // MB):
                    entry.write(zeros)
    return out.getvalue()


def test_a_zip_bomb_named_docx_is_refused_without_being_inflated(local_store: LocalStorage,
                                                                 monkeypatch):
    bomb = zip_bomb(3, 200 * MB)
    assert len(bomb) < 2 * MB

    def no_inflating(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("the check must not read any entry")

    monkeypatch.setattr(zipfile.ZipFile, "open", no_inflating)
    assert refusal(local_store, bomb, "Toolkit.docx") == (
        "“Toolkit.docx” would unpack to 600 MB, more than the 100 MB limit, so it can't be "
        "opened safely. Save it again from the program that made it.")


def test_one_hugely_compressed_part_is_refused(local_store: LocalStorage):
    assert refusal(local_store, zip_bomb(1, 20 * MB), "Toolkit.docx") == (
        "“Toolkit.docx” is compressed far more than a real document can be (a “zip bomb”), so "
        "it can't be opened safely. Save it again from the program that made it.")


def test_the_unpacked_limit_is_configurable(local_store: LocalStorage):
    data = docx()
    message = refusal(local_store, data, "small.docx", max_unpacked_bytes=1024)
    assert "more than the 1 KB limit" in message


def test_too_many_parts_are_refused(local_store: LocalStorage):
    parts = {f"word/part{index}.xml": b"" for index in range(1001)}
    assert refusal(local_store, office_zip("[Content_Types].xml", "word/document.xml",
                                           extra=parts), "many.docx") == (
        "“many.docx” holds 1,003 files inside, more than the 1,000 a document may hold, so it "
        "can't be opened safely. Save it again from the program that made it.")


@pytest.mark.parametrize("part", ["../../evil.sh", "/etc/cron.d/evil", "C:/evil.bat",
                                  "word\\..\\..\\evil"])
def test_parts_with_unsafe_names_are_refused(local_store: LocalStorage, part: str):
    data = office_zip("[Content_Types].xml", "word/document.xml", extra={part: b"x"})
    assert refusal(local_store, data, "plan.docx") == (
        "“plan.docx” holds files with unsafe names (such as “../”), so it can't be opened "
        "safely. Save it again from the program that made it.")


def test_office_parts_stored_uncompressed_may_start_with_xml(local_store: LocalStorage):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        archive.writestr("word/document.xml", '<?xml version="1.0"?><w:document/>')
    assert upload(local_store, out.getvalue(), "stored.docx").kind == "document"


def test_a_docx_without_its_document_is_refused(store: Storage):
    assert refusal(store, office_zip("[Content_Types].xml", "word/styles.xml"), "plan.docx") == (
        "“plan.docx” isn't a Word document: its content is a ZIP archive. Files must be what "
        "their name says.")


def test_a_workbook_named_docx_is_refused(local_store: LocalStorage):
    workbook = office_zip("[Content_Types].xml", "xl/workbook.xml")
    assert refusal(local_store, workbook, "plan.docx") == (
        "“plan.docx” isn't a Word document: its content is an Excel workbook. Files must be "
        "what their name says.")


def test_an_opendocument_must_declare_its_own_type(local_store: LocalStorage):
    spreadsheet = opendocument("application/vnd.oasis.opendocument.spreadsheet")
    assert refusal(local_store, spreadsheet, "notes.odt") == (
        "“notes.odt” isn't an OpenDocument text: its content is an OpenDocument spreadsheet. "
        "Files must be what their name says.")


def test_a_damaged_zip_is_refused(local_store: LocalStorage):
    assert refusal(local_store, b"PK\x03\x04" + bytes(100), "deck.pptx") == (
        "“deck.pptx” couldn't be read as a PowerPoint presentation; it may be damaged. Save it "
        "again and upload the new copy.")


@pytest.fixture
def never_stores(local_store: LocalStorage) -> Iterator[LocalStorage]:
    yield local_store
    assert list(local_store.root.glob("??/??/*")) == []


def test_nothing_refused_is_stored(never_stores: LocalStorage):
    for data, name in [(b"<html>", "a.pdf"), (b"", "b.pdf"), (zip_bomb(1, 20 * MB), "c.docx")]:
        with pytest.raises(UploadRefused):
            upload(never_stores, data, name)
