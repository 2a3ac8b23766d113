"""Security baseline: headers, CSRF, cookies in production, safe redirects, quiet errors."""

from __future__ import annotations

import pytest

from workspace import create_app
from workspace.config import read_environment
from workspace.security import safe_next


def test_every_html_page_carries_the_security_headers(client):
    response = client.get("/sign-in")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "'unsafe-inline'" not in csp
    assert "object-src 'none'" in csp and "base-uri 'self'" in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"


def test_error_pages_carry_headers_and_leak_nothing(client):
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert "Content-Security-Policy" in response.headers
    assert b"Traceback" not in response.data


@pytest.fixture
def csrf_on(app_settings):
    app_settings["WTF_CSRF_ENABLED"] = True


def test_forms_without_a_csrf_token_are_refused_and_say_why(csrf_on, client, member):
    response = client.post("/sign-in", data={"email": member.email, "password": "x"})
    assert response.status_code == 400
    assert b"session may have expired" in response.data


def test_production_cookies_are_secure(monkeypatch):
    settings = read_environment({"WORKSPACE_ENV": "production", "SECRET_KEY": "k" * 40,
                                 "BASE_URL": "https://cop.example.org"})
    assert settings["SESSION_COOKIE_SECURE"] is True
    assert settings["REMEMBER_COOKIE_SECURE"] is True
    app = create_app({**settings, "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"


@pytest.mark.parametrize("target", [
    "https://evil.example/", "//evil.example/", "/\\evil.example", "\\\\evil.example",
    "javascript:alert(1)", "http:/evil.example", " //evil.example", "/\t/evil.example",
])
def test_next_never_leads_off_site(target):
    assert safe_next(target, "/") == "/"


def test_next_keeps_local_paths():
    assert safe_next("/communities/x?tab=2", "/") == "/communities/x?tab=2"
