"""Start-up checks: a production instance with a missing or unsafe setting refuses to start.

Each problem is collected, so one run names everything to fix. Outside production only the
settings that would be wrong anywhere (an unknown WORKSPACE_ENV or LOG_FORMAT, a malformed
ACCEL_REDIRECT_PREFIX) are checked.

SQLite is a deliberate choice in production (the embedded default copes with a small network
on one machine), so it needs DATABASE_URL set to a sqlite:/// file; what is refused is the
database an unset DATABASE_URL would silently pick (a file in the instance folder).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

import click

ENVIRONMENTS = ("development", "production")
LOG_FORMATS = ("text", "json")
MINIMUM_SECRET_LENGTH = 32
# Keys that appear in this project's tests, benchmarks and examples: known to anyone.
KNOWN_SECRETS = frozenset({"test", "dev", "development", "secret", "change-me", "changeme",
                           "bench", "bench-live", "bench-library", "two-workers"})
# An nginx location path: slash-separated names, no dots (so no "..") and nothing to escape.
ACCEL_REDIRECT_PREFIX_FORMAT = re.compile(r"(/[A-Za-z0-9_-]+)+/?")
NEW_SECRET = "python -c 'import secrets; print(secrets.token_urlsafe(48))'"


class ConfigurationError(click.ClickException):
    """Settings the app cannot start with; `flask` commands print it without a traceback."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("CoP Workspace cannot start until these settings are fixed:\n"
                         + "\n".join(f"  - {problem}" for problem in problems))


def check_settings(config: Mapping[str, Any]) -> None:
    """Raise ConfigurationError naming every problem with the settings, and how to fix it."""
    problems = general_problems(config)
    if config.get("WORKSPACE_ENV") == "production":
        problems += production_problems(config)
    if problems:
        raise ConfigurationError(problems)


def general_problems(config: Mapping[str, Any]) -> list[str]:
    problems = []
    if config.get("WORKSPACE_ENV") not in ENVIRONMENTS:
        problems.append(f"WORKSPACE_ENV is {config.get('WORKSPACE_ENV')!r}: set it to "
                        "'production' on a public server, or leave it unset for development.")
    if config.get("LOG_FORMAT") not in LOG_FORMATS:
        problems.append(f"LOG_FORMAT is {config.get('LOG_FORMAT')!r}: set it to 'json' (one "
                        "object per line, for a log collector) or 'text', or leave it unset.")
    prefix = config.get("ACCEL_REDIRECT_PREFIX")
    if prefix and not ACCEL_REDIRECT_PREFIX_FORMAT.fullmatch(str(prefix)):
        problems.append(f"ACCEL_REDIRECT_PREFIX is {prefix!r}: set it to the path of nginx's "
                        "internal location for stored files, such as /_stored-files (letters, "
                        "digits, - and _ between slashes), or leave it unset to send files from "
                        "the app.")
    return problems


def production_problems(config: Mapping[str, Any]) -> list[str]:
    problems = []
    secret = config.get("SECRET_KEY") or ""
    if not secret:
        problems.append("SECRET_KEY is not set. Every process must sign sessions with the same "
                        f"key: generate one with {NEW_SECRET} and keep it out of the repository.")
    elif secret in KNOWN_SECRETS or len(secret) < MINIMUM_SECRET_LENGTH:
        problems.append(f"SECRET_KEY is too weak (at least {MINIMUM_SECRET_LENGTH} characters, "
                        f"not a known example): generate one with {NEW_SECRET}.")
    base_url = urlsplit(config.get("BASE_URL") or "")
    if base_url.scheme != "https" or not base_url.netloc:
        problems.append(f"BASE_URL is {config.get('BASE_URL')!r}: set it to the public https "
                        "address people use (https://cop.example.org); emailed links use it.")
    database = config.get("SQLALCHEMY_DATABASE_URI")
    if not database:
        problems.append("DATABASE_URL is not set. Set it to PostgreSQL "
                        "(postgresql://user:password@host/name), or to a sqlite:////absolute/"
                        "path.sqlite3 to choose SQLite on one machine deliberately.")
    return problems

