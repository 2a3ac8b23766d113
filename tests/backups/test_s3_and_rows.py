"""Backups read and write files through the Storage, so S3 files come back as local ones do;
and every column type keeps its value exactly through an archive's JSON lines."""

from __future__ import annotations

import enum
import hashlib
import uuid
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import boto3
from flask import Flask
from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    Float,
    Integer,
    Interval,
    LargeBinary,
    MetaData,
    Numeric,
    String,
    Table,
    Time,
)

from tests.backups.test_backup_restore import dump_everything
from tests.conftest import TEST_SETTINGS
from tests.files.conftest import S3_KEYS, S3_REGION
from workspace import create_app
from workspace.backups.rows import RowCodec
from workspace.database import UTCDateTime, enum_type
from workspace.extensions import db
from workspace.files.intake import receive_bytes
from workspace.files.models import StoredFile
from workspace.files.storage import storage


def s3_app(endpoint: str, tmp: Path, name: str) -> tuple[Flask, str]:
    bucket = f"backup-{uuid.uuid4().hex[:12]}"
    boto3.client("s3", endpoint_url=endpoint, region_name=S3_REGION,
                 **S3_KEYS).create_bucket(Bucket=bucket)
    app = create_app({**TEST_SETTINGS, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp / name}.db",
                      "FILE_STORAGE": "s3", "FILES_ROOT": str(tmp / name), "S3_BUCKET": bucket,
                      "S3_ENDPOINT_URL": endpoint, "S3_REGION": S3_REGION,
                      "S3_ACCESS_KEY_ID": S3_KEYS["aws_access_key_id"],
                      "S3_SECRET_ACCESS_KEY": S3_KEYS["aws_secret_access_key"]})
    return app, bucket


def bucket_files(endpoint: str, bucket: str) -> dict[str, str]:
    client = boto3.client("s3", endpoint_url=endpoint, region_name=S3_REGION, **S3_KEYS)
    found = {}
    for item in client.list_objects_v2(Bucket=bucket).get("Contents", []):
        body = client.get_object(Bucket=bucket, Key=item["Key"])["Body"].read()
        found[item["Key"]] = hashlib.sha256(body).hexdigest()
    return found


def test_files_in_s3_are_backed_up_and_restored_through_the_storage(s3_endpoint, tmp_path):
    source, source_bucket = s3_app(s3_endpoint, tmp_path, "source")
    archive = tmp_path / "s3.tar.gz"
    with source.app_context():
        db.create_all()
        for number in range(3):
            made = receive_bytes(f"state,score\nAZ,{number}\n".encode(), f"scores-{number}.csv",
                                 storage=storage())
            db.session.add(StoredFile(digest=made.digest, size=made.size,
                                      media_type=made.media_type, kind=made.kind))
        db.session.commit()
        rows = dump_everything()
        result = source.test_cli_runner().invoke(args=["backup", "-o", str(archive)])
        assert result.exit_code == 0, result.output
        assert "3 files" in result.output
        db.session.remove()
        db.engine.dispose()

    target, target_bucket = s3_app(s3_endpoint, tmp_path, "target")
    with target.app_context():
        client = boto3.client("s3", endpoint_url=s3_endpoint, region_name=S3_REGION, **S3_KEYS)
        client.put_object(Bucket=target_bucket, Key=f"files/{'0' * 64}", Body=b"stray")
        refused = target.test_cli_runner().invoke(args=["restore", str(archive)])
        assert refused.exit_code != 0 and "files in the file store" in refused.output

        result = target.test_cli_runner().invoke(args=["restore", str(archive), "--force"])
        assert result.exit_code == 0, result.output
        assert dump_everything() == rows
        db.session.remove()
        db.engine.dispose()
    assert bucket_files(s3_endpoint, target_bucket) == bucket_files(s3_endpoint, source_bucket)
    assert len(bucket_files(s3_endpoint, target_bucket)) == 3


class Mood(enum.StrEnum):
    CALM = "calm"
    BUSY = "busy"


def test_every_column_type_comes_back_exactly():
    table = Table(
        "samples", MetaData(), Column("id", Integer, primary_key=True),
        Column("at", UTCDateTime()), Column("on", Date), Column("when", Time),
        Column("lasting", Interval), Column("price", Numeric(10, 4)), Column("ratio", Float),
        Column("raw", LargeBinary), Column("mood", enum_type(Mood)), Column("data", JSON),
        Column("flag", Boolean), Column("name", String(20)))
    codec = RowCodec(table)
    row: tuple[Any, ...] = (
        7, datetime(2026, 3, 8, 9, 59, 59, 123456, tzinfo=UTC), date(2024, 2, 29),
        time(23, 5, 1, 17), timedelta(days=2, seconds=3, microseconds=4), Decimal("12.3400"),
        0.1 + 0.2, bytes(range(256)), Mood.BUSY, {"ids": [1, 2], "nested": {"ok": True}},
        False, "“quoted” ünïcode\n")
    line = codec.encode(row)
    assert "\n" not in line
    back = codec.decode(line, codec.names)
    assert tuple(back.values()) == row
    assert back["mood"] is Mood.BUSY and back["at"].tzinfo is not None
    empty = (8,) + (None,) * 11
    assert tuple(codec.decode(codec.encode(empty), codec.names).values()) == empty
