"""Receiving a file: streamed to a temp file, hashed and counted as it arrives, then checked by its
content as well as its name before it is stored. Anything refused is deleted, and the person is
told why in a sentence they can act on.
"""

from __future__ import annotations

import codecs
import hashlib
import os
import re
import tempfile
import unicodedata
import warnings
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import IO, NoReturn

from flask import current_app
from PIL import Image
from werkzeug.datastructures import FileStorage

from workspace import errors
from workspace.files.storage import Storage, storage

CHUNK_SIZE = 64 * 1024
HEAD_SIZE = 1024  # where markup that could make a browser treat a file as a page is looked for
TAIL_SIZE = 64 * 1024  # a zip's end-of-central-directory record lies within its last 64 KiB
NAME_MAX = 120
IMAGE_MAX_PIXELS = 50_000_000  # below Pillow's own bomb limit, so we can name the size
ZIP_MAX_ENTRIES = 1000
ZIP_MAX_RATIO = 100
# Small parts of real documents (blank styles, repeated cells) can compress very well; only big
# parts can inflate into a bomb, and the total size cap bounds the rest.
ZIP_RATIO_MIN_SIZE = 1024 * 1024
DEFAULT_MAX_UNPACKED_BYTES = 100 * 1024 * 1024

# Directional formatting can make "evil‮fdp.exe" display as "evilexe.pdf".
BIDI_CONTROLS = frozenset("\u200e\u200f\u061c\u202a\u202b\u202c\u202d\u202e"
                          "\u2066\u2067\u2068\u2069")
MARKUP = re.compile(rb"<(?:!doctype|html|head|body|script|iframe|object|embed|svg|\?xml)\b",
                    re.IGNORECASE)
HTML_START = re.compile(rb"<(?:!doctype\s+html|html|head|body|script|iframe)\b", re.IGNORECASE)
ZIP_END_OF_DIRECTORY = b"PK\x05\x06"

ACCEPTED_TYPES = ("PDF; Word, Excel and PowerPoint (.docx, .xlsx, .pptx); OpenDocument (.odt, "
                  ".ods, .odp); PNG, JPEG, GIF and WebP images; CSV, text and Markdown; MP4, M4A "
                  "and MP3")


class UploadRefused(errors.Invalid):
    default_message = "That file can't be accepted."

    def __init__(self, message: str) -> None:
        super().__init__(message, field="file")


class UploadTooLarge(UploadRefused):
    status = 413


@dataclass(frozen=True)
class Received:
    digest: str
    size: int
    filename: str
    media_type: str
    kind: str  # a short word for the type's icon: pdf, image, document, spreadsheet...
    inline: bool  # safe to show in the browser; everything else downloads as an attachment


@dataclass(frozen=True)
class FileType:
    label: str  # completes "isn't ...": "a PDF", "a Word document"
    media_type: str
    kind: str
    family: str  # how the content is checked: pdf, image, office, opendocument, text, mp4, mp3
    inline: bool = False
    image_format: str | None = None  # Pillow's name for the format
    main_part: str | None = None  # the part a real Office file of this type always has


def _office(label: str, subtype: str, kind: str, main_part: str) -> FileType:
    return FileType(label, f"application/vnd.openxmlformats-officedocument.{subtype}", kind,
                    "office", main_part=main_part)


def _opendocument(label: str, subtype: str, kind: str) -> FileType:
    return FileType(label, f"application/vnd.oasis.opendocument.{subtype}", kind, "opendocument")


JPEG = FileType("a JPEG image", "image/jpeg", "image", "image", inline=True, image_format="JPEG")
TYPES: dict[str, FileType] = {
    "pdf": FileType("a PDF", "application/pdf", "pdf", "pdf"),
    "png": FileType("a PNG image", "image/png", "image", "image", inline=True, image_format="PNG"),
    "jpg": JPEG,
    "jpeg": JPEG,
    "gif": FileType("a GIF image", "image/gif", "image", "image", inline=True, image_format="GIF"),
    "webp": FileType("a WebP image", "image/webp", "image", "image", inline=True,
                     image_format="WEBP"),
    "docx": _office("a Word document", "wordprocessingml.document", "document",
                    "word/document.xml"),
    "xlsx": _office("an Excel workbook", "spreadsheetml.sheet", "spreadsheet",
                    "xl/workbook.xml"),
    "pptx": _office("a PowerPoint presentation", "presentationml.presentation", "slides",
                    "ppt/presentation.xml"),
    "odt": _opendocument("an OpenDocument text", "text", "document"),
    "ods": _opendocument("an OpenDocument spreadsheet", "spreadsheet", "spreadsheet"),
    "odp": _opendocument("an OpenDocument presentation", "presentation", "slides"),
    "csv": FileType("a CSV file", "text/csv", "data", "text"),
    "txt": FileType("a text file", "text/plain", "text", "text"),
    "md": FileType("a Markdown file", "text/markdown", "text", "text"),
    "mp4": FileType("an MP4 video", "video/mp4", "video", "mp4"),
    "m4a": FileType("an M4A audio file", "audio/mp4", "audio", "mp4"),
    "mp3": FileType("an MP3 audio file", "audio/mpeg", "audio", "mp3"),
}
OFFICE_MAIN_PARTS = {file_type.main_part: file_type for file_type in TYPES.values()
                     if file_type.main_part}
OPENDOCUMENT_TYPES = {file_type.media_type: file_type for file_type in TYPES.values()
                      if file_type.family == "opendocument"}

# What content looks like, for telling people what a misnamed file really is. These are checked
# before anything else; a Windows program's "MZ" only after text, since a CSV may start with it.
SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"%PDF-", "a PDF"),
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF87a", "a GIF image"),
    (b"GIF89a", "a GIF image"),
    (b"PK\x03\x04", "a ZIP archive"),
    (b"\x7fELF", "a Linux program"),
    (b"\xcf\xfa\xed\xfe", "a Mac program"),
    (b"\xca\xfe\xba\xbe", "a Mac or Java program"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an older Office file (.doc, .xls or .ppt)"),
    (b"Rar!", "a RAR archive"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"{\\rtf", "an RTF document"),
    (b"\xff\xfe", "text saved as UTF-16"),
    (b"\xfe\xff", "text saved as UTF-16"),
)
IMAGE_LABELS = {"PNG": "a PNG image", "JPEG": "a JPEG image", "GIF": "a GIF image",
                "WEBP": "a WebP image"}


def receive(stream: IO[bytes], filename: str, *, max_bytes: int, storage: Storage,
            max_unpacked_bytes: int = DEFAULT_MAX_UNPACKED_BYTES) -> Received:
    """Store an uploaded file once it is known to be what its name says; UploadRefused if not."""
    name = clean_filename(filename)
    file_type = _type_named(name)
    declared = _remaining_size(stream)
    if declared is not None and declared > max_bytes:
        raise UploadTooLarge(f"“{name}” is {human_size(declared)}; "
                             f"the limit is {human_size(max_bytes)}.")
    fd, temp_name = tempfile.mkstemp(dir=storage.temp_dir(), prefix="upload-", suffix=".part")
    temp_path = Path(temp_name)
    try:
        with os.fdopen(fd, "wb") as temp:
            digest, size = _copy_counting(stream, temp, name=name, max_bytes=max_bytes)
        if size == 0:
            raise UploadRefused(f"“{name}” is empty (0 bytes). Check that it was saved "
                                "properly, then choose it again.")
        _check_content(temp_path, name, file_type, max_unpacked_bytes=max_unpacked_bytes)
        storage.put(digest, temp_path)
    finally:
        temp_path.unlink(missing_ok=True)  # refused, failed, or already moved in by put
    return Received(digest=digest, size=size, filename=name, media_type=file_type.media_type,
                    kind=file_type.kind, inline=file_type.inline)


def receive_upload(upload: FileStorage) -> Received:
    """A file from a form, checked against this app's limits and kept in its storage."""
    config = current_app.config
    return receive(upload.stream, upload.filename or "", max_bytes=config["UPLOAD_MAX_BYTES"],
                   storage=storage(), max_unpacked_bytes=config["UPLOAD_MAX_UNPACKED_BYTES"])


def receive_bytes(data: bytes, filename: str, *, storage: Storage) -> Received:
    """Store a file the app made itself (a summary PDF, a thumbnail): named, hashed, deduped.

    Its content is trusted, so it isn't sniffed; its name must still be of an accepted type.
    """
    name = clean_filename(filename)
    file_type = TYPES.get(_extension(name))
    if file_type is None:
        raise ValueError(f"{name!r} is not of a type the file layer knows")
    if not data:
        raise ValueError(f"{name!r} is empty")
    digest = hashlib.sha256(data).hexdigest()
    fd, temp_name = tempfile.mkstemp(dir=storage.temp_dir(), prefix="made-", suffix=".part")
    temp_path = Path(temp_name)
    try:
        with os.fdopen(fd, "wb") as temp:
            temp.write(data)
        storage.put(digest, temp_path)
    finally:
        temp_path.unlink(missing_ok=True)
    return Received(digest=digest, size=len(data), filename=name,
                    media_type=file_type.media_type, kind=file_type.kind,
                    inline=file_type.inline)


def is_inline(media_type: str) -> bool:
    """Whether files of this type are safe to show in the browser (images); others download."""
    return any(each.inline for each in TYPES.values() if each.media_type == media_type)


def clean_filename(name: str) -> str:
    """The name without folders, control or direction characters, in at most 120 characters."""
    name = unicodedata.normalize("NFC", name or "")
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    kept = []
    for char in name:
        if char.isspace():
            kept.append(" ")
        elif char not in BIDI_CONTROLS and unicodedata.category(char) != "Cc":
            kept.append(char)  # NUL and other control characters are dropped
    name = " ".join("".join(kept).split())
    # No hidden files; Windows drops trailing dots and spaces, so a name can't rely on them.
    name = name.lstrip(". ").rstrip(". ")
    if len(name) > NAME_MAX:
        stem, dot, extension = name.rpartition(".")
        if dot and 0 < len(extension) <= 16:
            name = stem[:NAME_MAX - len(extension) - 1].rstrip(". ") + "." + extension
        else:
            name = name[:NAME_MAX].rstrip(". ")
    if not name:
        raise UploadRefused("That file has no usable name. Rename it on your computer and "
                            "upload it again.")
    return name


def human_size(size: int) -> str:
    """61.2 MB, 50 MB, 812 bytes: sizes as people read them."""
    if size < 1024:
        return "1 byte" if size == 1 else f"{size} bytes"
    value = float(size)
    for unit in ("KB", "MB", "GB", "TB"):
        value /= 1024
        if round(value, 1) < 1024 or unit == "TB":
            break
    return f"{value:.1f}".removesuffix(".0") + f" {unit}"


def _extension(name: str) -> str:
    stem, dot, extension = name.rpartition(".")
    return extension.lower() if dot and stem else ""


def _type_named(name: str) -> FileType:
    extension = _extension(name)
    if extension in {"svg", "svgz"}:
        raise UploadRefused(f"“{name}” is an SVG image, which can carry scripts that run in the "
                            "browser. Export it as PNG or PDF and upload that instead.")
    file_type = TYPES.get(extension)
    if file_type is not None:
        return file_type
    if not extension:
        raise UploadRefused(f"“{name}” has no extension such as .pdf or .docx, so the "
                            f"workspace can't tell what it is. Accepted types: {ACCEPTED_TYPES}.")
    raise UploadRefused(f"“{name}” is a type the workspace doesn't accept (.{extension}). "
                        f"Accepted types: {ACCEPTED_TYPES}.")


def _remaining_size(stream: IO[bytes]) -> int | None:
    """How much a seekable stream holds (a form upload is already spooled): known before reading,
    so an oversized file is refused with its real size without reading any of it."""
    try:
        if not stream.seekable():
            return None
        position = stream.tell()
        end = stream.seek(0, os.SEEK_END)
        stream.seek(position)
    except (AttributeError, OSError, ValueError):
        return None
    return end - position


def _copy_counting(stream: IO[bytes], temp: IO[bytes], *, name: str,
                   max_bytes: int) -> tuple[str, int]:
    sha256 = hashlib.sha256()
    size = 0
    while chunk := stream.read(CHUNK_SIZE):
        size += len(chunk)
        if size > max_bytes:
            raise UploadTooLarge(f"“{name}” is larger than the {human_size(max_bytes)} limit.")
        sha256.update(chunk)
        temp.write(chunk)
    return sha256.hexdigest(), size


# --- Checking content ---------------------------------------------------------------------------

def describe(head: bytes) -> str | None:
    """What the first bytes of a file say it is, in words ("HTML", "a Windows program")."""
    for signature, description in SIGNATURES:
        if head.startswith(signature):
            return description
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "a WebP image"
    if head[4:8] == b"ftyp":
        return "an MP4 video or audio file"
    if head[:3] == b"ID3" and head[3:4] in {b"\x02", b"\x03", b"\x04"}:
        return "an MP3 audio file"
    markup = _markup_document(head)
    if markup:
        return markup
    if b"\x00" not in head and _is_utf8_prefix(head):
        return "plain text"
    if head.startswith(b"MZ"):
        return "a Windows program"
    if _is_mp3_frame(head):
        return "an MP3 audio file"
    return None


def _markup_document(head: bytes) -> str | None:
    """HTML, SVG or XML when the file starts as a markup document does."""
    start = head.removeprefix(codecs.BOM_UTF8).lstrip()
    if not start.startswith(b"<"):
        return None
    if b"<svg" in head.lower():
        return "an SVG image"
    if HTML_START.search(head):
        return "HTML"
    if start.startswith(b"<?xml"):
        return "XML"
    return None


def _is_mp3_frame(head: bytes) -> bool:
    # An MPEG audio frame header: 11 set bits, a layer that isn't 00, a bitrate that isn't 1111
    # and a sample rate that isn't 11.
    return (len(head) >= 3 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0
            and head[1] & 0x06 != 0 and head[2] >> 4 != 0xF and (head[2] >> 2) & 0x03 != 0x03)


def _is_utf8_prefix(data: bytes) -> bool:
    try:
        # Not final: the first KiB may end inside a character.
        codecs.getincrementaldecoder("utf-8")().decode(data, final=False)
    except UnicodeDecodeError:
        return False
    return True


def _has_signature(file_type: FileType, head: bytes) -> bool:
    match file_type.family:
        case "pdf":
            return head.startswith(b"%PDF-")
        case "image":
            return describe(head) == IMAGE_LABELS.get(file_type.image_format or "")
        case "office" | "opendocument":
            return head.startswith(b"PK\x03\x04")
        case "mp4":
            return head[4:8] == b"ftyp"
        case "mp3":
            return head.startswith(b"ID3") or _is_mp3_frame(head)
    return False


def _check_content(path: Path, name: str, file_type: FileType, *,
                   max_unpacked_bytes: int) -> None:
    with open(path, "rb") as file:
        head = file.read(HEAD_SIZE)
        file.seek(max(0, path.stat().st_size - TAIL_SIZE))
        tail = file.read()
    if file_type.family == "text":
        _check_text(path, name, file_type)
        return
    if not _has_signature(file_type, head):
        _refuse_as_misnamed(name, file_type, describe(head))
    zipped = file_type.family in {"office", "opendocument"}
    for markup in MARKUP.finditer(head):
        # Office parts are XML themselves and may be stored uncompressed at the start.
        if zipped and markup.group().lower() == b"<?xml":
            continue
        raise UploadRefused(f"“{name}” has web page code ({markup.group().decode('latin-1')}…) "
                            "hidden near its start, which a browser could run. Save it again "
                            "from the program that made it and upload the new copy.")
    if not zipped and ZIP_END_OF_DIRECTORY in tail:
        raise UploadRefused(f"“{name}” is {file_type.label} that is also a ZIP archive, a trick "
                            "used to smuggle files past checks. Save it again from the program "
                            "that made it and upload the new copy.")
    CONTENT_CHECKS.get(file_type.family, _no_further_check)(
        path, name, file_type, max_unpacked_bytes)


def _refuse_as_misnamed(name: str, file_type: FileType, found: str | None) -> NoReturn:
    if found is None:
        raise UploadRefused(f"“{name}” isn't {file_type.label}: the workspace doesn't recognize "
                            "its content. Files must be what their name says.")
    raise UploadRefused(f"“{name}” isn't {file_type.label}: its content is {found}. "
                        "Files must be what their name says.")


def _no_further_check(path: Path, name: str, file_type: FileType, max_unpacked: int) -> None:
    return None


def _check_text(path: Path, name: str, file_type: FileType) -> None:
    not_utf8 = UploadRefused(f"“{name}” isn't saved as UTF-8 text. Save it again as UTF-8 (in "
                             "Excel, choose “CSV UTF-8”) and upload the new copy.")
    with open(path, "rb") as file:
        found = describe(file.read(HEAD_SIZE))
        if found == "text saved as UTF-16":
            raise not_utf8
        if found is not None and found != "plain text":
            _refuse_as_misnamed(name, file_type, found)
        file.seek(0)
        decoder = codecs.getincrementaldecoder("utf-8")()
        try:
            while chunk := file.read(CHUNK_SIZE):
                if b"\x00" in chunk:
                    raise UploadRefused(f"“{name}” has binary data in it, so it isn't "
                                        f"{file_type.label}. Files must be what their name says.")
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            raise not_utf8 from None


def _check_image(path: Path, name: str, file_type: FileType, max_unpacked: int) -> None:
    damaged = UploadRefused(f"“{name}” couldn't be read as {file_type.label}; it may be damaged. "
                            "Save it again and upload the new copy.")
    too_big = f"the most the workspace accepts is {IMAGE_MAX_PIXELS // 1_000_000} megapixels"
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(path) as image:
                if image.format != file_type.image_format:
                    raise damaged
                width, height = image.size
                if width * height > IMAGE_MAX_PIXELS:
                    raise UploadRefused(f"“{name}” is {width:,} × {height:,} pixels; {too_big}.")
                image.verify()
    except UploadRefused:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise UploadRefused(f"“{name}” has too many pixels; {too_big}.") from None
    except Exception:  # Pillow raises many kinds of error for a damaged file
        raise damaged from None


def _open_zip(path: Path, name: str, file_type: FileType,
              max_unpacked: int) -> zipfile.ZipFile:
    """The archive, once its directory shows nothing that could harm whoever unpacks it.

    Only the central directory is read: sizes come from it, nothing is inflated.
    """
    try:
        archive = zipfile.ZipFile(path)
        entries = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError):
        raise UploadRefused(f"“{name}” couldn't be read as {file_type.label}; it may be "
                            "damaged. Save it again and upload the new copy.") from None
    unsafe = "so it can't be opened safely. Save it again from the program that made it."
    try:
        if len(entries) > ZIP_MAX_ENTRIES:
            raise UploadRefused(f"“{name}” holds {len(entries):,} files inside, more than the "
                                f"{ZIP_MAX_ENTRIES:,} a document may hold, {unsafe}")
        if any(not _is_safe_member(entry.filename) for entry in entries):
            raise UploadRefused(f"“{name}” holds files with unsafe names (such as “../”), "
                                f"{unsafe}")
        unpacked = sum(entry.file_size for entry in entries)
        if unpacked > max_unpacked:
            raise UploadRefused(f"“{name}” would unpack to {human_size(unpacked)}, more than the "
                                f"{human_size(max_unpacked)} limit, {unsafe}")
        if any(entry.file_size > ZIP_RATIO_MIN_SIZE
               and entry.file_size > ZIP_MAX_RATIO * max(entry.compress_size, 1)
               for entry in entries):
            raise UploadRefused(f"“{name}” is compressed far more than a real document can be "
                                f"(a “zip bomb”), {unsafe}")
    except BaseException:
        archive.close()
        raise
    return archive


def _is_safe_member(member: str) -> bool:
    normalized = member.replace("\\", "/")
    return not (normalized.startswith("/") or "\x00" in normalized
                or re.match(r"[A-Za-z]:", normalized)
                or ".." in PurePosixPath(normalized).parts)


def _check_office(path: Path, name: str, file_type: FileType, max_unpacked: int) -> None:
    with _open_zip(path, name, file_type, max_unpacked) as archive:
        parts = set(archive.namelist())
    if "[Content_Types].xml" in parts and file_type.main_part in parts:
        return
    found = next((other.label for part, other in OFFICE_MAIN_PARTS.items()
                  if part in parts and "[Content_Types].xml" in parts), "a ZIP archive")
    _refuse_as_misnamed(name, file_type, found)


def _check_opendocument(path: Path, name: str, file_type: FileType, max_unpacked: int) -> None:
    with _open_zip(path, name, file_type, max_unpacked) as archive:
        parts = set(archive.namelist())
        declared = b""
        if "mimetype" in parts:
            with archive.open("mimetype") as mimetype:
                declared = mimetype.read(100)  # never more, whatever the directory claims
    other = OPENDOCUMENT_TYPES.get(declared.decode("ascii", "replace").strip())
    if other is file_type and "content.xml" in parts:
        return
    _refuse_as_misnamed(name, file_type, other.label if other is not None else "a ZIP archive")


CONTENT_CHECKS: dict[str, Callable[[Path, str, FileType, int], None]] = {
    "image": _check_image,
    "office": _check_office,
    "opendocument": _check_opendocument,
}
