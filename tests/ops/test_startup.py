"""Production refuses to start with a missing or unsafe setting, naming every one at once."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import TEST_SETTINGS
from workspace import create_app
from workspace.config import read_environment
from workspace.ops.startup import ConfigurationError

ROOT = Path(__file__).resolve().parents[2]
STRONG_KEY = "k3y-" + "x" * 40
GOOD = {"WORKSPACE_ENV": "production", "SECRET_KEY": STRONG_KEY,
        "BASE_URL": "https://cop.example.org", "DATABASE_URL": "sqlite:////tmp/cop.sqlite3"}


def _start(environment: dict[str, str]) -> Any:
    settings = read_environment(environment)
    settings.setdefault("SQLALCHEMY_DATABASE_URI", None)  # what an unset DATABASE_URL leaves
    base = {key: value for key, value in TEST_SETTINGS.items()
            if key not in ("SECRET_KEY", "BASE_URL")}
    return create_app({**base, "SECRET_KEY": None, **settings})


def _problems(environment: dict[str, str]) -> list[str]:
    with pytest.raises(ConfigurationError) as raised:
        _start(environment)
    return raised.value.problems


def test_good_production_settings_start():
    app = _start(GOOD)
    assert app.config["SESSION_COOKIE_SECURE"] and app.config["REMEMBER_COOKIE_SECURE"]
    response = app.test_client().get("/health/live")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")


@pytest.mark.parametrize("secret", [None, "test", "short-but-not-known", "change-me"])
def test_a_missing_or_weak_secret_key_stops_production(secret: str | None):
    environment = {key: value for key, value in GOOD.items() if key != "SECRET_KEY"}
    if secret is not None:
        environment["SECRET_KEY"] = secret
    [problem] = _problems(environment)
    assert problem.startswith("SECRET_KEY is ")
    assert "secrets.token_urlsafe" in problem


@pytest.mark.parametrize("base_url", ["http://cop.example.org", "cop.example.org", "https://"])
def test_a_base_url_that_is_not_https_stops_production(base_url: str):
    [problem] = _problems({**GOOD, "BASE_URL": base_url})
    assert problem.startswith(f"BASE_URL is {base_url!r}")


@pytest.mark.parametrize("prefix", ["_stored-files", "/stored files", "/../files", "/a/./b",
                                    "//files", "/files?x=1", "http://nginx/files"])
def test_a_malformed_accel_redirect_prefix_stops_production(prefix: str):
    [problem] = _problems({**GOOD, "ACCEL_REDIRECT_PREFIX": prefix})
    assert problem.startswith(f"ACCEL_REDIRECT_PREFIX is {prefix!r}")
    assert "internal location" in problem


@pytest.mark.parametrize("prefix", ["/_stored-files", "/internal/files/", "/x"])
def test_a_well_formed_accel_redirect_prefix_starts(prefix: str):
    assert _start({**GOOD, "ACCEL_REDIRECT_PREFIX": prefix}).config[
        "ACCEL_REDIRECT_PREFIX"] == prefix


def test_an_unset_database_url_stops_production_but_a_chosen_sqlite_file_does_not():
    environment = {key: value for key, value in GOOD.items() if key != "DATABASE_URL"}
    [problem] = _problems(environment)
    assert problem.startswith("DATABASE_URL is not set")
    assert _start({**GOOD, "DATABASE_URL": "postgresql://u@db/cop"}).config[
        "SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u@db/cop"


def test_every_problem_is_named_in_one_message():
    with pytest.raises(ConfigurationError) as raised:
        _start({"WORKSPACE_ENV": "production", "LOG_FORMAT": "xml"})
    message = raised.value.format_message()
    assert message.startswith("CoP Workspace cannot start until these settings are fixed:")
    for setting in ("LOG_FORMAT", "SECRET_KEY", "BASE_URL", "DATABASE_URL"):
        assert f"  - {setting} is" in message


def test_an_unknown_environment_is_refused_rather_than_taken_for_development():
    [problem] = _problems({"WORKSPACE_ENV": "prod"})
    assert problem.startswith("WORKSPACE_ENV is 'prod'")


def test_development_needs_none_of_it():
    assert _start({}).config["WORKSPACE_ENV"] == "development"


def test_flask_commands_print_the_problems_without_a_traceback(tmp_path: Path):
    environment = {key: value for key, value in os.environ.items()
                   if not key.startswith(("FLASK_", "WORKSPACE_", "DATABASE_", "SECRET_"))}
    environment.update(WORKSPACE_ENV="production", FLASK_APP="workspace",
                       PYTHONPATH=str(ROOT), BASE_URL="http://cop.example.org")
    result = subprocess.run([sys.executable, "-m", "flask", "jobs", "list"], cwd=tmp_path,
                            env=environment, capture_output=True, text=True, timeout=120)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "cannot start until these settings are fixed" in result.stderr
    assert "SECRET_KEY is not set" in result.stderr
    assert "BASE_URL is 'http://cop.example.org'" in result.stderr


def test_a_number_setting_that_is_not_a_number_is_named_not_a_traceback():
    problems = _problems({"UPLOAD_MAX_BYTES": "50MB", "FRAGMENT_CACHE_SIZE": "lots",
                          "MAIL_PORT": "587"})
    assert problems == [
        "UPLOAD_MAX_BYTES is '50MB': set it to a whole number (bytes for sizes, no units), or "
        "leave it unset.",
        "FRAGMENT_CACHE_SIZE is 'lots': set it to a whole number (bytes for sizes, no units), "
        "or leave it unset."]
    assert _start({"FRAGMENT_CACHE_SIZE": "0"}).extensions["fragments"].size == 0
