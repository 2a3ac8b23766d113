"""Behind nginx (BEHIND_PROXY=1) the app believes the proxy's X-Forwarded-* headers: the client's
address (which rate limits count), https and the public host in external URLs. Without it, the
same headers, which anyone can send, change nothing."""

from __future__ import annotations

from typing import Any

from flask import Flask, request, url_for
from flask_limiter.util import get_remote_address

from tests.conftest import TEST_SETTINGS
from workspace import create_app
from workspace.config import read_environment

FORWARDED = {"X-Forwarded-For": "203.0.113.7", "X-Forwarded-Proto": "https",
             "X-Forwarded-Host": "cop.example.org"}


def _app(database_uri: str, **settings: Any) -> Flask:
    app = create_app({**TEST_SETTINGS, "SQLALCHEMY_DATABASE_URI": database_uri,
                      "SERVER_NAME": None, **settings})

    @app.get("/_seen")
    def seen() -> dict[str, str]:
        return {"address": request.remote_addr or "", "limit_key": get_remote_address(),
                "scheme": request.scheme, "health": url_for("ops.health", _external=True)}

    return app


def test_behind_the_proxy_the_client_address_https_and_public_host_are_used(database_uri):
    client = _app(database_uri, BEHIND_PROXY=True).test_client()
    seen = client.get("/_seen", headers=FORWARDED,
                      environ_base={"REMOTE_ADDR": "127.0.0.1"}).json
    assert seen == {"address": "203.0.113.7", "limit_key": "203.0.113.7", "scheme": "https",
                    "health": "https://cop.example.org/health"}


def test_behind_the_proxy_only_the_last_hop_is_believed(database_uri):
    # nginx appends the address it saw; what the client itself put first is not trusted.
    client = _app(database_uri, BEHIND_PROXY=True).test_client()
    seen = client.get("/_seen", headers={**FORWARDED, "X-Forwarded-For": "10.9.9.9, 203.0.113.7"},
                      environ_base={"REMOTE_ADDR": "127.0.0.1"}).json
    assert seen["address"] == "203.0.113.7"


def test_without_the_setting_forwarded_headers_change_nothing(database_uri):
    client = _app(database_uri).test_client()
    seen = client.get("/_seen", headers=FORWARDED, base_url="http://localhost",
                      environ_base={"REMOTE_ADDR": "127.0.0.1"}).json
    assert seen == {"address": "127.0.0.1", "limit_key": "127.0.0.1", "scheme": "http",
                    "health": "http://localhost/health"}


def test_the_setting_is_read_from_the_environment():
    assert read_environment({"BEHIND_PROXY": "1"})["BEHIND_PROXY"] is True
    assert "BEHIND_PROXY" not in read_environment({})
