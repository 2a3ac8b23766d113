"""The S3-compatible server of the file tests (moto's, on 127.0.0.1), for backups of S3 files."""

from tests.files.conftest import s3_endpoint  # noqa: F401 - a fixture, shared
