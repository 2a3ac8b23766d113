"""The archive: one .tar.gz holding

    manifest.json          what is inside, with a size and sha256 for every other member
    manifest.json.sha256   the manifest's own sha256
    files/<digest>         every uploaded file the database knows of (its name is its sha256)
    database/<table>.jsonl every table's rows, one JSON array a line (see rows.py)

Why tar.gz rather than zip: it is written and read front to back in one pass (zip keeps its
directory at the end), so a backup streams files of any size without seeking, gzip shrinks the
JSON lines well, and `tar -tzvf` lists it anywhere. Files come before the tables so a restore
writes them first: a database restored without its files would point at nothing.
"""

from __future__ import annotations

import hashlib
import io
import json
import tarfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any, Protocol

FORMAT = "cop-workspace-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
MANIFEST_CHECKSUM = "manifest.json.sha256"
CHUNK_SIZE = 1024 * 1024


class ArchiveRefused(Exception):
    """The archive is damaged, incomplete or not one we can restore; nothing was written."""


def table_member(table_name: str) -> str:
    return f"database/{table_name}.jsonl"


def file_member(digest: str) -> str:
    return f"files/{digest}"


class Readable(Protocol):
    def read(self, size: int = -1, /) -> bytes: ...


class ArchiveWriter:
    """Members added one at a time; the caller has their size and sha256 in the manifest."""

    def __init__(self, path: Path) -> None:
        self.tar = tarfile.open(path, "w:gz", format=tarfile.PAX_FORMAT)

    def add_bytes(self, name: str, data: bytes) -> None:
        self.add_stream(name, io.BytesIO(data), len(data))

    def add_stream(self, name: str, stream: Readable, size: int) -> None:
        info = tarfile.TarInfo(name)
        info.size = size
        info.mode = 0o600
        self.tar.addfile(info, stream)

    def close(self) -> None:
        self.tar.close()


def manifest_bytes(manifest: dict[str, Any]) -> bytes:
    return json.dumps(manifest, indent=2, sort_keys=True).encode()


def expected_members(manifest: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Every member the manifest promises, by name: its size and sha256 (and rows, for tables)."""
    members: dict[str, dict[str, Any]] = {}
    for entry in manifest["files"]:
        members[entry["path"]] = entry
    for entry in manifest["tables"]:
        members[entry["path"]] = entry
    return members


DAMAGE = (tarfile.TarError, OSError, EOFError, zlib.error)


def _open(path: Path) -> tarfile.TarFile:
    if not path.is_file():
        raise ArchiveRefused(f"{path}: no such file.")
    try:
        return tarfile.open(path, "r:gz")
    except DAMAGE as exc:
        raise ArchiveRefused(f"{path} is not a readable .tar.gz archive ({exc}).") from None


@contextmanager
def _refusing_damage(path: Path) -> Iterator[None]:
    """A truncated or corrupt archive (gzip CRC, zlib, tar headers) becomes a clear refusal."""
    try:
        yield
    except DAMAGE as exc:
        raise ArchiveRefused(f"{path} is damaged or truncated ({exc or type(exc).__name__}). "
                             "Nothing was restored.") from None


def _members(tar: tarfile.TarFile, path: Path) -> Iterator[tuple[tarfile.TarInfo, IO[bytes]]]:
    """Each member with a stream of its content."""
    for info in tar:
        if not info.isfile():
            raise ArchiveRefused(f"{path}: unexpected member {info.name!r} (not a file).")
        stream = tar.extractfile(info)
        assert stream is not None  # a regular file always has content
        yield info, stream


def _read_manifest(path: Path,
                   members: Iterator[tuple[tarfile.TarInfo, IO[bytes]]]) -> dict[str, Any]:
    first = next(members, None)
    second = next(members, None)
    if first is None or first[0].name != MANIFEST:
        raise ArchiveRefused(f"{path} does not start with {MANIFEST}: not a CoP Workspace backup.")
    if second is None or second[0].name != MANIFEST_CHECKSUM:
        raise ArchiveRefused(f"{path}: {MANIFEST_CHECKSUM} is missing after the manifest.")
    raw = first[1].read()
    expected = second[1].read().decode("ascii", "replace").strip()
    if hashlib.sha256(raw).hexdigest() != expected:
        raise ArchiveRefused(f"{path}: {MANIFEST} does not match its checksum; the archive "
                             "is damaged.")
    try:
        manifest = json.loads(raw)
    except ValueError as exc:
        raise ArchiveRefused(f"{path}: {MANIFEST} is not JSON ({exc}).") from None
    if manifest.get("format") != FORMAT:
        raise ArchiveRefused(f"{path} is not a CoP Workspace backup.")
    if manifest.get("format_version") != FORMAT_VERSION:
        raise ArchiveRefused(f"{path} is in backup format {manifest.get('format_version')}; "
                             f"this version reads format {FORMAT_VERSION}.")
    return dict(manifest)


def verify(path: Path) -> dict[str, Any]:
    """The manifest, once every member has been read and found as it promises: the right
    size and sha256, the right number of rows, nothing missing and nothing extra."""
    with _open(path) as tar, _refusing_damage(path):
        members = _members(tar, path)
        manifest = _read_manifest(path, members)
        expected = expected_members(manifest)
        seen: set[str] = set()
        for info, stream in members:
            entry = expected.get(info.name)
            if entry is None:
                raise ArchiveRefused(f"{path}: {info.name!r} is in the archive but not in "
                                     "its manifest.")
            if info.name in seen:
                raise ArchiveRefused(f"{path}: {info.name!r} appears twice.")
            seen.add(info.name)
            digest, size, lines = _measure(stream)
            if size != entry["size"] or digest != entry["sha256"]:
                raise ArchiveRefused(
                    f"{path}: {info.name} does not match its checksum (manifest: "
                    f"{entry['size']} bytes, sha256 {entry['sha256'][:12]}...; archive: {size} "
                    f"bytes, sha256 {digest[:12]}...). The archive is damaged; nothing was "
                    "restored.")
            if "rows" in entry and lines != entry["rows"]:
                raise ArchiveRefused(f"{path}: {info.name} holds {lines} rows, its manifest "
                                     f"says {entry['rows']}.")
        missing = sorted(set(expected) - seen)
        if missing:
            raise ArchiveRefused(f"{path} is incomplete: {len(missing)} member(s) missing, "
                                 f"first {missing[0]}. Nothing was restored.")
    return manifest


def _measure(stream: IO[bytes]) -> tuple[str, int, int]:
    digest = hashlib.sha256()
    size = lines = 0
    while chunk := stream.read(CHUNK_SIZE):
        digest.update(chunk)
        size += len(chunk)
        lines += chunk.count(b"\n")
    return digest.hexdigest(), size, lines


def read_members(path: Path) -> Iterator[tuple[str, IO[bytes]]]:
    """The members after the manifest, in archive order (call `verify` first)."""
    with _open(path) as tar, _refusing_damage(path):
        members = _members(tar, path)
        next(members, None)
        next(members, None)
        for info, stream in members:
            yield info.name, stream
