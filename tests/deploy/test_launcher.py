"""`make serve`'s parts that need no servers: the nginx config it writes, the settings every
process gets, and clear refusals when PostgreSQL or Redis does not answer."""

from __future__ import annotations

import re
import socket
import subprocess
from pathlib import Path

import pytest

from workspace.files.serving import FILE_CONTENT_SECURITY_POLICY
from workspace.ops import production
from workspace.ops.production import (
    LaunchError,
    ensure_postgres_database,
    ensure_redis,
    nginx_command,
    nginx_config,
    write_nginx_config,
)


def _unused_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]  # closed again: nothing listens there


def test_the_nginx_config_names_every_app_port_sticky_and_the_upload_limit(tmp_path: Path):
    text = nginx_config(ports=[8001, 8002, 8003], listen="127.0.0.1:8080", runtime=tmp_path,
                        upload_max_bytes=50 * 1024 * 1024)
    assert not re.search(r"@[A-Z_]+@", text), "a placeholder left unfilled"
    upstream = text[text.index("upstream workspace"):]
    assert "ip_hash;" in upstream
    assert [int(port) for port in re.findall(r"server 127\.0\.0\.1:(\d+)", upstream)] == [
        8001, 8002, 8003]
    assert f"client_max_body_size {51 * 1024 * 1024};" in text
    assert f"alias {production.ROOT}/static/;" in text


def test_stored_files_are_sent_by_nginx_from_an_internal_location_with_the_file_policy(
        tmp_path: Path):
    text = nginx_config(ports=[8001], listen="127.0.0.1:8080", runtime=tmp_path,
                        upload_max_bytes=1024, files_root=tmp_path / "files",
                        files_prefix="/_stored-files/")
    location = text[text.index("location /_stored-files/ {"):]
    location = location[:location.index("\n        }\n")]
    assert "internal;" in location
    assert f"alias {tmp_path}/files/;" in location
    assert "etag off;" in location and "default_type application/octet-stream;" in location
    # The same policy the app puts on files, word for word.
    assert (f'add_header Content-Security-Policy "{FILE_CONTENT_SECURITY_POLICY}" always;'
            in location)
    assert "add_header X-Content-Type-Options nosniff always;" in location
    assert "add_header ETag $upstream_http_etag always;" in location
    assert "proxy_max_temp_file_size 0;" in text


def test_a_relative_files_root_is_the_checkouts(tmp_path: Path):
    text = nginx_config(ports=[8001], listen="127.0.0.1:8080", runtime=tmp_path,
                        upload_max_bytes=1024, files_root=Path("data/files"))
    assert f"alias {production.ROOT}/data/files/;" in text
    assert f"location {production.ACCEL_REDIRECT_PREFIX}/ {{" in text


def test_nginx_accepts_the_config(tmp_path: Path):
    command = nginx_command(Path("/dev/null"), tmp_path)
    if not Path(command[0]).exists():
        pytest.skip("nginx is not installed (`make nginx`)")
    config = write_nginx_config(nginx_config(ports=[8001, 8002], listen="127.0.0.1:8080",
                                             runtime=tmp_path, upload_max_bytes=1024),
                                tmp_path)
    checked = subprocess.run([*nginx_command(config, tmp_path)[:-2], "-t"],
                             capture_output=True, text=True, timeout=30)
    assert checked.returncode == 0, checked.stderr


def test_every_process_runs_as_production_behind_the_proxy(tmp_path: Path, monkeypatch):
    monkeypatch.setattr(production, "INSTANCE", tmp_path)
    settings = production.environment({"BASE_URL": "https://cop.example.org"})
    assert settings["WORKSPACE_ENV"] == "production" and settings["BEHIND_PROXY"] == "1"
    assert settings["JOBS_IN_PROCESS"] == "0" and settings["LOG_FORMAT"] == "json"
    assert settings["ACCEL_REDIRECT_PREFIX"] == production.ACCEL_REDIRECT_PREFIX
    assert production.environment({"ACCEL_REDIRECT_PREFIX": ""})["ACCEL_REDIRECT_PREFIX"] == ""
    assert settings["DATABASE_URL"] == production.DEFAULT_DATABASE_URL
    assert settings["REDIS_URL"] == production.DEFAULT_REDIS_URL
    # A key made once and kept, so a restart keeps everyone signed in.
    assert len(settings["SECRET_KEY"]) >= 32
    assert production.environment({})["SECRET_KEY"] == settings["SECRET_KEY"]


def test_a_database_server_that_does_not_answer_is_named():
    with pytest.raises(LaunchError, match=r"PostgreSQL at 127\.0\.0\.1:\d+ does not answer"):
        ensure_postgres_database(f"postgresql://postgres@127.0.0.1:{_unused_port()}/workspace")


def test_a_redis_that_does_not_answer_is_named():
    with pytest.raises(LaunchError, match="Redis at .* does not answer"):
        ensure_redis(f"redis://127.0.0.1:{_unused_port()}/0")
