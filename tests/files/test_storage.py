"""One contract, two storages: every test here runs against the local folder and against S3."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from workspace import create_app
from workspace.config import read_environment
from workspace.files.storage import (
    LocalStorage,
    S3Storage,
    Storage,
    StorageNotConfigured,
    storage,
    storage_from_config,
)

PutBytes = Callable[[Storage, bytes], str]
DATA = bytes(range(256)) * 1000  # 256,000 bytes, every byte value, so offsets are checkable


def test_a_stored_file_reads_back_whole_and_in_ranges(store: Storage, put_bytes: PutBytes):
    digest = put_bytes(store, DATA)

    assert store.exists(digest)
    assert store.size(digest) == len(DATA)
    with store.open(digest) as file:
        assert file.read() == DATA
    assert b"".join(store.read_range(digest, 0, len(DATA) - 1)) == DATA
    assert b"".join(store.read_range(digest, 1000, 1009)) == DATA[1000:1010]
    assert b"".join(store.read_range(digest, 70_000, 200_000)) == DATA[70_000:200_001]


def test_ranges_past_the_end_give_what_there_is(store: Storage, put_bytes: PutBytes):
    digest = put_bytes(store, DATA)

    assert b"".join(store.read_range(digest, len(DATA) - 5, len(DATA) + 100)) == DATA[-5:]
    assert b"".join(store.read_range(digest, len(DATA) + 10, len(DATA) + 20)) == b""


@pytest.mark.parametrize(("start", "end"), [(-1, 5), (10, 9)])
def test_a_backwards_or_negative_range_is_a_programming_error(store: Storage,
                                                              put_bytes: PutBytes, start, end):
    digest = put_bytes(store, DATA)
    with pytest.raises(ValueError):
        store.read_range(digest, start, end)


def test_range_chunks_are_bounded_so_large_files_stream(store: Storage, put_bytes: PutBytes):
    digest = put_bytes(store, DATA)
    assert max(len(chunk) for chunk in store.read_range(digest, 0, len(DATA) - 1)) <= 64 * 1024


def test_open_is_seekable_from_the_start(store: Storage, put_bytes: PutBytes):
    digest = put_bytes(store, DATA)
    with store.open(digest) as file:
        assert file.read(4) == DATA[:4]
        file.seek(300)
        assert file.read(2) == DATA[300:302]
        file.seek(0)
        assert file.read(1) == DATA[:1]


def test_put_takes_the_temp_file(store: Storage):
    source = store.temp_dir() / "finished-upload"
    source.write_bytes(b"hello")
    digest = hashlib.sha256(b"hello").hexdigest()

    store.put(digest, source)

    assert not source.exists()
    assert store.exists(digest)


def test_the_same_digest_is_stored_once(store: Storage, put_bytes: PutBytes):
    first = put_bytes(store, b"the same bytes")
    again = store.temp_dir() / "second-upload"
    again.write_bytes(b"the same bytes")

    store.put(first, again)

    assert not again.exists()
    assert store.size(first) == len(b"the same bytes")
    assert stored_digests(store) == [first]


def test_a_missing_file(store: Storage):
    digest = hashlib.sha256(b"never stored").hexdigest()

    assert not store.exists(digest)
    with pytest.raises(FileNotFoundError):
        store.size(digest)
    with pytest.raises(FileNotFoundError):
        store.open(digest)
    with pytest.raises(FileNotFoundError):
        b"".join(store.read_range(digest, 0, 10))
    store.delete(digest)  # nothing to do, no error


def test_delete_removes_the_file(store: Storage, put_bytes: PutBytes):
    digest = put_bytes(store, b"short-lived")
    store.delete(digest)
    assert not store.exists(digest)
    assert stored_digests(store) == []


BAD_DIGESTS = ["../../etc/passwd", "A" * 64, "a" * 63, "a" * 65, "g" * 64, "",
               "a" * 62 + "/.", "a" * 64 + "\n", "..%2f" + "a" * 59]


@pytest.mark.parametrize("digest", BAD_DIGESTS)
def test_only_a_sha256_hex_digest_reaches_a_path_or_key(store: Storage, digest: str):
    for use in (store.exists, store.size, store.open, store.delete, store.local_path):
        with pytest.raises(ValueError):
            use(digest)
    with pytest.raises(ValueError):
        store.read_range(digest, 0, 1)
    with pytest.raises(ValueError):
        store.put(digest, store.temp_dir() / "anything")


def stored_digests(store: Storage) -> list[str]:
    if isinstance(store, LocalStorage):
        return sorted(path.name for path in store.root.glob("??/??/*"))
    assert isinstance(store, S3Storage)
    listed = store.client.list_objects_v2(Bucket=store.bucket).get("Contents", [])
    return sorted(item["Key"].removeprefix("files/") for item in listed)


# --- The local folder --------------------------------------------------------------------------

def test_local_files_fan_out_by_digest_outside_the_temp_folder(local_store: LocalStorage,
                                                                put_bytes: PutBytes):
    digest = put_bytes(local_store, b"fan out")

    expected = local_store.root / digest[:2] / digest[2:4] / digest
    assert local_store.local_path(digest) == expected
    assert expected.read_bytes() == b"fan out"
    assert local_store.temp_dir() == local_store.root / ".incoming"
    assert list(local_store.temp_dir().iterdir()) == []
    # The app's group reads it (nginx joins that group to send it), nobody else.
    assert expected.stat().st_mode & 0o777 == 0o640


def test_local_put_copies_from_another_filesystem(local_store: LocalStorage, tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch):
    source = tmp_path / "elsewhere"
    source.write_bytes(b"across devices")
    digest = hashlib.sha256(b"across devices").hexdigest()
    real_replace = os.replace

    def cross_device_once(src: Any, dst: Any) -> None:
        if Path(src) == source:
            raise OSError(18, "Invalid cross-device link")
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", cross_device_once)
    local_store.put(digest, source)

    assert not source.exists()
    assert local_store.local_path(digest).read_bytes() == b"across devices"  # type: ignore[union-attr]
    assert local_store.local_path(digest).stat().st_mode & 0o777 == 0o640  # type: ignore[union-attr]


# --- S3 ----------------------------------------------------------------------------------------

def test_s3_keys_and_no_local_path(s3_store: S3Storage, put_bytes: PutBytes):
    digest = put_bytes(s3_store, b"in the bucket")
    assert s3_store.local_path(digest) is None
    head = s3_store.client.head_object(Bucket=s3_store.bucket, Key=f"files/{digest}")
    assert head["ContentLength"] == len(b"in the bucket")


def test_s3_does_not_upload_what_it_has(s3_store: S3Storage, put_bytes: PutBytes,
                                        monkeypatch: pytest.MonkeyPatch):
    digest = put_bytes(s3_store, b"uploaded once")
    uploads: list[str] = []
    monkeypatch.setattr(s3_store.client, "upload_file", lambda *args, **kw: uploads.append(args))
    again = s3_store.temp_dir() / "again"
    again.write_bytes(b"uploaded once")

    s3_store.put(digest, again)

    assert uploads == []
    assert not again.exists()


def test_s3_uploads_big_files_in_parts(s3_store: S3Storage, put_bytes: PutBytes):
    data = os.urandom(9 * 1024 * 1024)  # over the 8 MiB multipart threshold
    digest = put_bytes(s3_store, data)

    assert s3_store.size(digest) == len(data)
    assert b"".join(s3_store.read_range(digest, 8 * 1024 * 1024 - 3, 8 * 1024 * 1024 + 2)) == (
        data[8 * 1024 * 1024 - 3:8 * 1024 * 1024 + 3])
    with s3_store.open(digest) as file:
        assert hashlib.sha256(file.read()).hexdigest() == digest


# --- Settings ----------------------------------------------------------------------------------

def test_the_default_is_a_local_folder_in_the_instance_path(tmp_path: Path):
    chosen = storage_from_config({}, str(tmp_path))
    assert isinstance(chosen, LocalStorage)
    assert chosen.root == tmp_path / "files"
    assert not chosen.root.exists()  # folders appear with the first upload


def test_files_root_moves_the_folder(tmp_path: Path):
    chosen = storage_from_config({"FILES_ROOT": str(tmp_path / "elsewhere")}, "/instance")
    assert isinstance(chosen, LocalStorage)
    assert chosen.root == tmp_path / "elsewhere"


def test_s3_without_a_bucket_stops_start_up(app_settings: dict[str, Any]):
    with pytest.raises(StorageNotConfigured, match="FILE_STORAGE is s3 but S3_BUCKET is not set"):
        create_app({**app_settings, "FILE_STORAGE": "s3"})


def test_an_unknown_storage_stops_start_up():
    with pytest.raises(StorageNotConfigured, match="FILE_STORAGE must be local or s3"):
        storage_from_config({"FILE_STORAGE": "ftp"}, "/instance")


def test_the_app_keeps_one_storage(app_settings: dict[str, Any], s3_settings: dict[str, Any]):
    app = create_app({**app_settings, **s3_settings})
    with app.app_context():
        assert storage() is storage()
        assert isinstance(storage(), S3Storage)
        assert storage().bucket == s3_settings["S3_BUCKET"]  # type: ignore[attr-defined]
        assert storage().temp_dir() == Path(s3_settings["FILES_ROOT"]) / ".incoming"


def test_storage_settings_come_from_the_environment():
    settings = read_environment({
        "FILE_STORAGE": "s3", "FILES_ROOT": "/srv/files", "S3_BUCKET": "workspace-files",
        "S3_ENDPOINT_URL": "https://minio.example.org", "S3_REGION": "us-east-2",
        "S3_ACCESS_KEY_ID": "key", "S3_SECRET_ACCESS_KEY": "secret",
        "UPLOAD_MAX_BYTES": "1048576", "UPLOAD_MAX_UNPACKED_BYTES": "2097152"})
    assert settings["FILE_STORAGE"] == "s3"
    assert settings["FILES_ROOT"] == "/srv/files"
    assert settings["S3_BUCKET"] == "workspace-files"
    assert settings["S3_ENDPOINT_URL"] == "https://minio.example.org"
    assert settings["S3_REGION"] == "us-east-2"
    assert (settings["S3_ACCESS_KEY_ID"], settings["S3_SECRET_ACCESS_KEY"]) == ("key", "secret")
    assert settings["UPLOAD_MAX_BYTES"] == 1048576
    assert settings["UPLOAD_MAX_UNPACKED_BYTES"] == 2097152


def test_upload_limit_defaults_to_50_mb(app_settings: dict[str, Any], tmp_path: Path):
    app = create_app({**app_settings, "FILES_ROOT": str(tmp_path)})
    assert app.config["UPLOAD_MAX_BYTES"] == 50 * 1024 * 1024
    assert app.config["FILE_STORAGE"] == "local"


