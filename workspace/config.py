"""Configuration: safe defaults, then whatever the environment says."""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path
from typing import Any

from workspace.ops.startup import ConfigurationError


class DefaultConfig:
    SQLALCHEMY_DATABASE_URI: str | None = None  # filled in by database_uri() when unset
    SQLALCHEMY_ENGINE_OPTIONS: dict[str, Any] = {}
    REDIS_URL: str | None = None
    # "gevent" or "threading"; unset, gevent when the process was patched for it (`flask serve`,
    # workspace/serve.py), threading otherwise (commands, tests, gunicorn's gthread workers).
    SOCKETIO_ASYNC_MODE: str | None = None
    SECRET_KEY: str | None = None
    # "production" turns on secure cookies and the start-up checks (workspace/ops/startup.py).
    WORKSPACE_ENV = "development"
    LOG_FORMAT = "text"  # or "json": one object per line, for a log collector
    LOG_LEVEL = "INFO"

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_SECURE = False
    PERMANENT_SESSION_LIFETIME = timedelta(hours=12)
    MAX_CONTENT_LENGTH = 16 * 1024 * 1024

    WTF_CSRF_TIME_LIMIT = None  # tied to the session instead, so a long draft does not expire

    RATELIMIT_ENABLED = True
    RATELIMIT_STORAGE_URI = "memory://"
    RATELIMIT_HEADERS_ENABLED = False
    LOGIN_LIMIT_PER_ACCOUNT = "5 per 15 minutes"
    LOGIN_LIMIT_PER_ADDRESS = "20 per 15 minutes"
    LIVE_EVENT_LIMIT = "30 per 10 seconds"  # each person's live events, all kinds together

    MAIL_SERVER: str | None = None  # without it, mail stays in the in-app outbox
    MAIL_PORT = 25
    MAIL_USE_TLS = False
    MAIL_USERNAME: str | None = None
    MAIL_PASSWORD: str | None = None
    MAIL_SENDER = "CoP Workspace <no-reply@cop-workspace.example.org>"
    # Where people reach the workspace: links in email that jobs and the digest command write
    # (outside any request). Production sets it to the public https address.
    BASE_URL = "http://127.0.0.1:5000"

    # Background jobs (workspace/jobs/): whether the serving process runs a worker of its own.
    # Unset, `flask serve` does (development needs no second command) and nothing else does;
    # production sets it off and runs `flask jobs work` as a process of its own.
    JOBS_IN_PROCESS: bool | None = None
    # Behind one reverse proxy (deploy/nginx.conf): trust its X-Forwarded-For, -Proto and -Host,
    # so rate limits see the client's address and external URLs say https. Off, they are ignored
    # (anyone could send them).
    BEHIND_PROXY = False

    INVITATION_MAX_AGE = timedelta(days=14)
    PASSWORD_RESET_MAX_AGE = timedelta(hours=2)
    DEMO_PASSWORD = "workspace-demo"
    SITE_NAME = "CoP Workspace"
    # Who runs this workspace, shown in every page's footer (the USWDS identifier).
    NETWORK_NAME = "State Support Network"
    NETWORK_PARENT = "U.S. Department of Education, Office of State Support"
    CONTACT_EMAIL = "help@cop-workspace.example.org"
    PREFERRED_URL_SCHEME = "http"

    # Uploaded files (workspace/files): a local folder, by default instance/files, or S3
    # (FILES_ROOT then only holds uploads in progress).
    FILE_STORAGE = "local"  # or "s3"
    FILES_ROOT: str | None = None
    S3_BUCKET: str | None = None
    S3_ENDPOINT_URL: str | None = None  # for S3-compatible stores other than AWS
    S3_REGION: str | None = None
    S3_ACCESS_KEY_ID: str | None = None  # unset: boto3's own chain (AWS_*, instance roles)
    S3_SECRET_ACCESS_KEY: str | None = None
    # Behind nginx (deploy/nginx.conf): a local file is answered with an empty body and
    # X-Accel-Redirect: <prefix>/ab/cd/<digest>, and nginx sends it from an internal location
    # aliasing FILES_ROOT, so no app worker is held for the download. Unset: the app sends it.
    ACCEL_REDIRECT_PREFIX: str | None = None
    UPLOAD_MAX_BYTES = 50 * 1024 * 1024
    UPLOAD_RATE_LIMIT = "300 per hour"  # each person's uploads (files and forms with files)
    # What a zip-based document (.docx, .xlsx...) may unpack to, read from its directory.
    UPLOAD_MAX_UNPACKED_BYTES = 100 * 1024 * 1024
    # Rendered posts each process keeps (workspace/fragments.py), a few KB each; 0: none.
    FRAGMENT_CACHE_SIZE = 5000


class ProductionConfig:
    # Stated here too, so production never depends on the defaults above staying as they are.
    SESSION_COOKIE_SECURE = True
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_SECURE = True
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    PREFERRED_URL_SCHEME = "https"


def read_environment(environ: Mapping[str, str]) -> dict[str, Any]:
    """Settings named in the environment, converted to what Flask expects."""
    settings: dict[str, Any] = {}
    if environ.get("DATABASE_URL"):
        settings["SQLALCHEMY_DATABASE_URI"] = normalize_database_url(environ["DATABASE_URL"])
    if environ.get("REDIS_URL"):
        settings["REDIS_URL"] = environ["REDIS_URL"]
        settings["RATELIMIT_STORAGE_URI"] = environ["REDIS_URL"]
    for name in ("SECRET_KEY", "BASE_URL", "SOCKETIO_ASYNC_MODE", "LIVE_EVENT_LIMIT",
                 "LOG_FORMAT", "LOG_LEVEL",
                 "UPLOAD_RATE_LIMIT",
                 "MAIL_SERVER",
                 "MAIL_USERNAME", "MAIL_PASSWORD", "MAIL_SENDER", "DEMO_PASSWORD",
                 "FILE_STORAGE", "FILES_ROOT", "S3_BUCKET", "S3_ENDPOINT_URL", "S3_REGION",
                 "S3_ACCESS_KEY_ID", "S3_SECRET_ACCESS_KEY", "ACCEL_REDIRECT_PREFIX"):
        if environ.get(name):
            settings[name] = environ[name]
    not_numbers = []
    for name in ("MAIL_PORT", "UPLOAD_MAX_BYTES", "UPLOAD_MAX_UNPACKED_BYTES",
                 "FRAGMENT_CACHE_SIZE"):
        if environ.get(name):
            try:
                settings[name] = int(environ[name])
            except ValueError:
                not_numbers.append(f"{name} is {environ[name]!r}: set it to a whole number "
                                   "(bytes for sizes, no units), or leave it unset.")
    if not_numbers:
        raise ConfigurationError(not_numbers)
    for name in ("MAIL_USE_TLS", "JOBS_IN_PROCESS", "BEHIND_PROXY"):
        if environ.get(name):
            settings[name] = environ[name].lower() in {"1", "true", "yes"}
    if environ.get("WORKSPACE_ENV"):
        settings["WORKSPACE_ENV"] = environ["WORKSPACE_ENV"].strip().lower()
    if settings.get("WORKSPACE_ENV") == "production":
        settings.update(settings_of(ProductionConfig))
    return settings


def settings_of(config_class: type) -> dict[str, Any]:
    return {name: getattr(config_class, name) for name in dir(config_class) if name.isupper()}


def normalize_database_url(url: str) -> str:
    # Hosting platforms hand out postgres:// URLs; SQLAlchemy wants the driver named.
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def default_database_uri(instance_path: str) -> str:
    return "sqlite:///" + str(Path(instance_path) / "workspace.sqlite3")


def instance_secret_key(instance_path: str) -> str:
    """A key generated once and kept in instance/, so sessions survive a restart."""
    path = Path(instance_path) / "secret_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(48))
        os.chmod(path, 0o600)
    return path.read_text().strip()
