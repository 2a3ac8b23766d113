"""Both storages for the same contract: a local folder in tmp_path, and S3 on a real
S3-compatible server (moto's) on 127.0.0.1, started once per test process."""

from __future__ import annotations

import socket
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from flask import Flask
from moto.server import ThreadedMotoServer

from workspace import create_app
from workspace.files.serving import send_stored
from workspace.files.storage import LocalStorage, S3Storage, Storage

S3_REGION = "us-east-1"
S3_KEYS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


@pytest.fixture
def s3_bucket(s3_endpoint: str) -> str:
    """A new, empty bucket for this test."""
    name = f"files-{uuid.uuid4().hex[:16]}"
    client = boto3.client("s3", endpoint_url=s3_endpoint, region_name=S3_REGION, **S3_KEYS)
    client.create_bucket(Bucket=name)
    return name


@pytest.fixture
def s3_settings(s3_endpoint: str, s3_bucket: str, tmp_path: Path) -> dict[str, Any]:
    return {"FILE_STORAGE": "s3", "FILES_ROOT": str(tmp_path / "files"),
            "S3_BUCKET": s3_bucket, "S3_ENDPOINT_URL": s3_endpoint,
            "S3_REGION": S3_REGION, "S3_ACCESS_KEY_ID": S3_KEYS["aws_access_key_id"],
            "S3_SECRET_ACCESS_KEY": S3_KEYS["aws_secret_access_key"]}


@pytest.fixture(params=["local", "s3"])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def storage_settings(backend: str, tmp_path: Path,
                     request: pytest.FixtureRequest) -> dict[str, Any]:
    if backend == "s3":
        return dict(request.getfixturevalue("s3_settings"))
    return {"FILE_STORAGE": "local", "FILES_ROOT": str(tmp_path / "files")}


@pytest.fixture
def store(storage_settings: dict[str, Any], tmp_path: Path) -> Storage:
    """The storage under test, once per backend."""
    if storage_settings["FILE_STORAGE"] == "local":
        return LocalStorage(Path(storage_settings["FILES_ROOT"]))
    return s3_storage(storage_settings, tmp_path)


@pytest.fixture
def s3_store(s3_settings: dict[str, Any], tmp_path: Path) -> S3Storage:
    return s3_storage(s3_settings, tmp_path)


def s3_storage(settings: dict[str, Any], tmp_path: Path) -> S3Storage:
    return S3Storage(settings["S3_BUCKET"], endpoint_url=settings["S3_ENDPOINT_URL"],
                     region=S3_REGION, access_key_id=settings["S3_ACCESS_KEY_ID"],
                     secret_access_key=settings["S3_SECRET_ACCESS_KEY"],
                     incoming=tmp_path / "incoming")


@pytest.fixture
def local_store(tmp_path: Path) -> LocalStorage:
    return LocalStorage(tmp_path / "files")


@pytest.fixture
def files_app(app_settings: dict[str, Any], storage_settings: dict[str, Any],
              tmp_path: Path) -> Iterator[Flask]:
    """The app with one storage, and a download route that passes its query to send_stored
    (the real routes check permissions first; serving is what is tested here)."""
    app = create_app({**app_settings, **storage_settings, "SERVER_NAME": None})

    @app.route("/test-files/<digest>", methods=["GET", "HEAD"])
    def download(digest: str) -> Any:
        from flask import request  # noqa: PLC0415

        return send_stored(digest, media_type=request.args.get("type", "application/pdf"),
                           download_name=request.args.get("name", "report.pdf"),
                           inline=request.args.get("inline") == "1",
                           max_age=int(request.args.get("max_age", "0")))

    with app.app_context():
        yield app


@pytest.fixture
def put_bytes(tmp_path: Path) -> Callable[[Storage, bytes], str]:
    """Store bytes directly (not through intake) and return their digest."""
    import hashlib  # noqa: PLC0415

    def put(store: Storage, data: bytes) -> str:
        digest = hashlib.sha256(data).hexdigest()
        source = store.temp_dir() / f"test-{uuid.uuid4().hex}"
        source.write_bytes(data)
        store.put(digest, source)
        return digest

    return put
