"""The library with its files in an S3-compatible store (moto's server on 127.0.0.1): the same
pages, downloads, ranges and previews as with the local folder."""

from __future__ import annotations

from typing import Any

import boto3
import pytest
from sqlalchemy import select

from tests.files.conftest import S3_KEYS, S3_REGION, s3_bucket, s3_endpoint, s3_settings
from tests.resources.conftest import add_files, pdf_bytes, png_bytes, run_jobs
from workspace.extensions import db
from workspace.files.models import PreviewState
from workspace.files.storage import S3Storage, storage
from workspace.resources.models import Resource

__all__ = ["s3_bucket", "s3_endpoint", "s3_settings"]  # fixtures shared with tests/files

SLUG = "school-improvement-p2p"


@pytest.fixture
def app_settings(app_settings: dict[str, Any], s3_settings: dict[str, Any]) -> dict[str, Any]:
    return {**app_settings, **s3_settings}


def test_files_go_to_the_bucket_and_come_back_through_the_library(
        client_as, member, other_member, s3_settings):
    assert isinstance(storage(), S3Storage)
    data = pdf_bytes("in the bucket")
    add_files(client_as(member), SLUG, [("plan.pdf", data), ("chart.png", png_bytes())])
    plan = only_resource_titled("plan")
    bucket = boto3.client("s3", endpoint_url=s3_settings["S3_ENDPOINT_URL"],
                          region_name=S3_REGION, **S3_KEYS)
    keys = {item["Key"] for item in bucket.list_objects_v2(
        Bucket=s3_settings["S3_BUCKET"])["Contents"]}
    assert f"files/{plan.current_version.digest}" in keys

    reader = client_as(other_member)
    whole = reader.get(f"/library/{plan.id}/download")
    assert whole.status_code == 200 and whole.data == data
    part = reader.get(f"/library/{plan.id}/download", headers={"Range": "bytes=5-14"})
    assert part.status_code == 206 and part.data == data[5:15]

    run_jobs()
    chart = only_resource_titled("chart")
    assert chart.current_version.file.preview_state is PreviewState.READY
    assert reader.get(f"/library/{chart.id}/preview").status_code == 200


def only_resource_titled(title: str) -> Resource:
    db.session.expire_all()
    return db.session.scalar(select(Resource).where(Resource.title == title))


