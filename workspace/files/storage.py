"""Where uploaded files live: under their SHA-256 digest, stored once however often uploaded, in a
local folder (the default) or an S3-compatible object store (deployments on several machines).

Features never build paths or keys themselves: they hold a digest and ask `storage()`.
"""

from __future__ import annotations

import errno
import os
import re
import shutil
import tempfile
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any, BinaryIO, Protocol, cast

import boto3
from boto3.s3.transfer import TransferConfig
from botocore.config import Config as BotoConfig
from botocore.exceptions import ClientError
from flask import Flask, current_app

CHUNK_SIZE = 64 * 1024
# Stored files: the app's user writes, its group reads. Behind nginx (ACCEL_REDIRECT_PREFIX)
# nginx's own user joins that group to send them; nobody else reads them.
STORED_FILE_MODE = 0o640
EXTENSION_KEY = "workspace.files"
DIGEST = re.compile(r"[0-9a-f]{64}")
# An S3 file opened for reading stays in memory up to this size, then spills to a temp file.
SPOOL_IN_MEMORY = 8 * 1024 * 1024
MISSING_OBJECT_CODES = frozenset({"404", "NoSuchKey", "NotFound"})


class StorageNotConfigured(RuntimeError):
    """The settings name a storage the app cannot use; start-up stops with this message."""


class Storage(Protocol):
    def put(self, digest: str, path: Path) -> None:
        """Take the finished file at `path` (moved in, or removed if the digest is stored)."""

    def exists(self, digest: str) -> bool: ...

    def size(self, digest: str) -> int:
        """The stored file's size in bytes; FileNotFoundError when it isn't stored."""

    def open(self, digest: str) -> BinaryIO:
        """The stored file, readable and seekable from the start; FileNotFoundError if absent."""

    def read_range(self, digest: str, start: int, end_inclusive: int) -> Iterator[bytes]:
        """Bytes start..end_inclusive in chunks (fewer if the file ends first)."""

    def delete(self, digest: str) -> None:
        """Remove the file; removing one that isn't stored does nothing."""

    def local_path(self, digest: str) -> Path | None:
        """Where the file is on this machine's disk, for sendfile; None for remote stores."""

    def temp_dir(self) -> Path:
        """A folder for uploads in progress, from which `put` can move files cheaply."""


def check_digest(digest: str) -> str:
    """The digest, if it is 64 lowercase hex characters; nothing else ever becomes a path or key."""
    if not isinstance(digest, str) or not DIGEST.fullmatch(digest):
        raise ValueError(f"not a SHA-256 hex digest: {str(digest)[:80]!r}")
    return digest


def check_range(start: int, end_inclusive: int) -> None:
    if start < 0 or end_inclusive < start:
        raise ValueError(f"not a byte range: {start}-{end_inclusive}")


class LocalStorage:
    """Files at root/ab/cd/<digest>: the fan-out keeps any one folder small."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def path_for(self, digest: str) -> Path:
        return self.root / self.relative_path(digest)

    def relative_path(self, digest: str) -> str:
        """ab/cd/<digest>: where the file is inside the root, as a URL path too."""
        digest = check_digest(digest)
        return f"{digest[:2]}/{digest[2:4]}/{digest}"

    def temp_dir(self) -> Path:
        incoming = self.root / ".incoming"
        incoming.mkdir(parents=True, exist_ok=True)
        return incoming

    def put(self, digest: str, path: Path) -> None:
        target = self.path_for(digest)
        if target.is_file():
            Path(path).unlink(missing_ok=True)
            return
        target.parent.mkdir(parents=True, exist_ok=True)
        os.chmod(path, STORED_FILE_MODE)  # before it is in place (upload temp files are 0600)
        try:
            # Atomic: readers see the whole file or none, even with two uploads racing.
            os.replace(path, target)
        except OSError as exc:
            if exc.errno != errno.EXDEV:
                raise
            # From another filesystem: copy beside the target first, then replace atomically.
            fd, staged = tempfile.mkstemp(dir=self.temp_dir(), prefix="staged-")
            with os.fdopen(fd, "wb") as copy, open(path, "rb") as source:
                shutil.copyfileobj(source, copy, CHUNK_SIZE)
            os.chmod(staged, STORED_FILE_MODE)
            os.replace(staged, target)
            Path(path).unlink()

    def exists(self, digest: str) -> bool:
        return self.path_for(digest).is_file()

    def size(self, digest: str) -> int:
        return self.path_for(digest).stat().st_size

    def open(self, digest: str) -> BinaryIO:
        return open(self.path_for(digest), "rb")

    def read_range(self, digest: str, start: int, end_inclusive: int) -> Iterator[bytes]:
        path = self.path_for(digest)
        check_range(start, end_inclusive)
        return _file_chunks(path, start, end_inclusive - start + 1)

    def delete(self, digest: str) -> None:
        self.path_for(digest).unlink(missing_ok=True)

    def local_path(self, digest: str) -> Path | None:
        return self.path_for(digest)


def _file_chunks(path: Path, start: int, length: int) -> Iterator[bytes]:
    with open(path, "rb") as file:
        file.seek(start)
        while length > 0:
            chunk = file.read(min(CHUNK_SIZE, length))
            if not chunk:
                return
            length -= len(chunk)
            yield chunk


class S3Storage:
    """Objects at files/<digest> in one bucket of S3 or an S3-compatible store (MinIO, Ceph...)."""

    def __init__(self, bucket: str, *, endpoint_url: str | None = None,
                 region: str | None = None, access_key_id: str | None = None,
                 secret_access_key: str | None = None, incoming: Path | None = None) -> None:
        self.bucket = bucket
        self.incoming = incoming or Path(tempfile.gettempdir()) / "workspace-uploads"
        options: dict[str, Any] = {"signature_version": "s3v4"}
        if endpoint_url:
            # Other S3-compatible stores rarely resolve bucket.host names, and some reject the
            # checksums newer botocore adds to every request unless asked.
            options.update(s3={"addressing_style": "path"},
                           request_checksum_calculation="when_required",
                           response_checksum_validation="when_required")
        # Unset keys fall back to boto3's own chain (AWS_* variables, instance roles).
        self.client = boto3.session.Session().client(
            "s3", endpoint_url=endpoint_url or None, region_name=region or None,
            aws_access_key_id=access_key_id or None,
            aws_secret_access_key=secret_access_key or None, config=BotoConfig(**options))
        self.transfer = TransferConfig(multipart_threshold=8 * 1024 * 1024,
                                       multipart_chunksize=8 * 1024 * 1024)

    def key_for(self, digest: str) -> str:
        return f"files/{check_digest(digest)}"

    def temp_dir(self) -> Path:
        self.incoming.mkdir(parents=True, exist_ok=True)
        return self.incoming

    def put(self, digest: str, path: Path) -> None:
        key = self.key_for(digest)
        try:
            if not self.exists(digest):
                # upload_file switches to a multipart upload for big files.
                self.client.upload_file(str(path), self.bucket, key, Config=self.transfer)
        finally:
            Path(path).unlink(missing_ok=True)

    def exists(self, digest: str) -> bool:
        try:
            self._head(digest)
        except FileNotFoundError:
            return False
        return True

    def size(self, digest: str) -> int:
        return int(self._head(digest)["ContentLength"])

    def open(self, digest: str) -> BinaryIO:
        body = self._get(digest)["Body"]
        spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY, dir=str(self.temp_dir()))
        try:
            for chunk in body.iter_chunks(CHUNK_SIZE):
                spool.write(chunk)
        except BaseException:
            spool.close()
            raise
        finally:
            body.close()
        spool.seek(0)
        return cast(BinaryIO, spool)

    def read_range(self, digest: str, start: int, end_inclusive: int) -> Iterator[bytes]:
        key = self.key_for(digest)
        check_range(start, end_inclusive)
        return self._object_chunks(key, start, end_inclusive)

    def _object_chunks(self, key: str, start: int, end_inclusive: int) -> Iterator[bytes]:
        try:
            response = self.client.get_object(Bucket=self.bucket, Key=key,
                                              Range=f"bytes={start}-{end_inclusive}")
        except ClientError as exc:
            if _error_code(exc) == "InvalidRange":  # starts past the end: nothing to read
                return
            raise _missing_or(exc, key) from exc
        body = response["Body"]
        try:
            yield from body.iter_chunks(CHUNK_SIZE)
        finally:
            body.close()

    def delete(self, digest: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=self.key_for(digest))

    def local_path(self, digest: str) -> Path | None:
        check_digest(digest)
        return None

    def _head(self, digest: str) -> dict[str, Any]:
        key = self.key_for(digest)
        try:
            return cast(dict[str, Any], self.client.head_object(Bucket=self.bucket, Key=key))
        except ClientError as exc:
            raise _missing_or(exc, key) from exc

    def _get(self, digest: str) -> dict[str, Any]:
        key = self.key_for(digest)
        try:
            return cast(dict[str, Any], self.client.get_object(Bucket=self.bucket, Key=key))
        except ClientError as exc:
            raise _missing_or(exc, key) from exc


def _error_code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


def _missing_or(exc: ClientError, key: str) -> Exception:
    if _error_code(exc) in MISSING_OBJECT_CODES:
        return FileNotFoundError(errno.ENOENT, "not in the file store", key)
    return exc


def storage_from_config(config: Mapping[str, Any], instance_path: str) -> Storage:
    """The storage the settings ask for (FILE_STORAGE, FILES_ROOT, S3_*)."""
    kind = str(config.get("FILE_STORAGE") or "local").strip().lower()
    root = Path(config.get("FILES_ROOT") or Path(instance_path) / "files")
    if kind == "local":
        return LocalStorage(root)
    if kind == "s3":
        if not config.get("S3_BUCKET"):
            raise StorageNotConfigured(
                "FILE_STORAGE is s3 but S3_BUCKET is not set: name the bucket uploads go to "
                "(with S3_ENDPOINT_URL for a store other than AWS), or unset FILE_STORAGE to keep "
                "files in a local folder.")
        return S3Storage(config["S3_BUCKET"], endpoint_url=config.get("S3_ENDPOINT_URL"),
                         region=config.get("S3_REGION"),
                         access_key_id=config.get("S3_ACCESS_KEY_ID"),
                         secret_access_key=config.get("S3_SECRET_ACCESS_KEY"),
                         incoming=root / ".incoming")  # uploads in progress stay local
    raise StorageNotConfigured(f"FILE_STORAGE must be local or s3, not {kind!r}.")


def init_app(app: Flask) -> None:
    app.extensions[EXTENSION_KEY] = storage_from_config(app.config, app.instance_path)


def storage() -> Storage:
    """This app's file storage."""
    return cast(Storage, current_app.extensions[EXTENSION_KEY])
