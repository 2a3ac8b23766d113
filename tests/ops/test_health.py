"""`/health` answers for the database and Redis; `/health/live` for the process alone."""

from __future__ import annotations

import socket
from typing import Any

from tests.conftest import TEST_SETTINGS
from workspace import create_app


def _unused_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]  # closed again: nothing listens there


def test_health_is_ok_when_the_database_answers_and_redis_is_not_configured(client):
    response = client.get("/health")
    assert response.status_code == 200
    assert response.json == {"status": "ok", "database": "ok", "redis": "not configured",
                             "version": response.json["version"]}
    assert response.json["version"]
    assert response.headers["Cache-Control"] == "no-store"


def test_health_sets_no_cookie_even_for_someone_signed_in(client_as, member):
    for path in ("/health", "/health/live"):
        response = client_as(member).get(path)
        assert response.status_code == 200
        assert "Set-Cookie" not in response.headers, path


def test_health_answers_503_naming_the_database_when_it_is_down(app_settings: dict[str, Any]):
    bad = f"postgresql+psycopg://postgres@127.0.0.1:{_unused_port()}/nothing"
    app = create_app({**app_settings, "SQLALCHEMY_DATABASE_URI": bad})
    response = app.test_client().get("/health")
    assert response.status_code == 503
    assert response.json["status"] == "failing"
    assert response.json["database"].startswith("failing")
    assert response.json["redis"] == "not configured"


def test_health_answers_503_naming_redis_when_it_is_down(app_settings: dict[str, Any]):
    app = create_app({**app_settings, "REDIS_URL": f"redis://127.0.0.1:{_unused_port()}/0"})
    response = app.test_client().get("/health")
    assert response.status_code == 503
    assert response.json["database"] == "ok"
    assert response.json["redis"].startswith("failing")


def test_health_is_ok_with_redis_answering(app_settings: dict[str, Any], redis_url: str):
    app = create_app({**app_settings, "REDIS_URL": redis_url})
    response = app.test_client().get("/health")
    assert response.status_code == 200, response.json
    assert response.json["redis"] == "ok"


def test_liveness_needs_no_database():
    bad = f"postgresql+psycopg://postgres@127.0.0.1:{_unused_port()}/nothing"
    app = create_app({**TEST_SETTINGS, "SQLALCHEMY_DATABASE_URI": bad})
    response = app.test_client().get("/health/live")
    assert response.status_code == 200
    assert response.json == {"status": "ok"}


def test_health_is_never_rate_limited(app_settings: dict[str, Any]):
    app = create_app({**app_settings, "RATELIMIT_ENABLED": True})
    client = app.test_client()
    assert all(client.get("/health/live").status_code == 200 for _ in range(50))
