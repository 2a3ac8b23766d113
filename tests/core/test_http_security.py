"""HTTP-level security, route by route: CSRF, safe GETs, headers, cookies, redirects, errors.

Routes are discovered from the URL map and their addresses filled like the authorization matrix
fills them, so a new route is covered the day it is added.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

import pytest
from flask import Flask
from werkzeug.routing import Rule

from tests import factories
from tests.core.test_authorization_matrix import (
    EXPECTATIONS,
    ROLES,
    WRITING_GETS,
    Request,
    World,
    build_request,
    build_world,
    database_state,
    restore,
    rules_by_endpoint,
    snapshot,
)
from workspace.config import read_environment
from workspace.errors import MESSAGES, TITLES
from workspace.mail.routes import HTML_PART_POLICY
from workspace.security import CONTENT_SECURITY_POLICY

# HTML that is not a page of the app, shown under a stricter policy of its own: an email's HTML
# part in the outbox (sandboxed, no script, its inline styles allowed).
OWN_POLICIES = {HTML_PART_POLICY}

STATE_CHANGING = {"POST", "PUT", "PATCH", "DELETE"}
CSRF_MESSAGE = b"session may have expired"


def _cases(endpoint: str, method: str) -> list[str]:
    """The cases the matrix asks this endpoint with (just the default one if it isn't listed)."""
    keys = [key for key in EXPECTATIONS.get(endpoint, {}) if key.split()[0] == method]
    return sorted({key.partition(" ")[2] for key in keys}) or [""]


def _endpoints(app: Flask, methods: set[str]) -> list[str]:
    return sorted(endpoint for endpoint, rule in rules_by_endpoint(app).items()
                  if rule.methods & methods)


@pytest.fixture
def world(request: pytest.FixtureRequest) -> World:
    """The people and objects the authorization matrix asks about."""
    return build_world(request)


# Each test below walks every route in one go, on one set of fixtures (put back as it was after
# anything that changed it): one database per route would make the PostgreSQL run crawl.

# --- CSRF -------------------------------------------------------------------------------------

# POST routes that take no CSRF token, and why: their credential is in the address.
CSRF_EXEMPT = {
    # A mail client's RFC 8058 one-click request has no form and no session.
    "email_settings.unsubscribe": "the signed unsubscribe token is the credential",
}


@pytest.fixture
def csrf_on(app_settings: dict[str, Any]) -> None:
    app_settings["WTF_CSRF_ENABLED"] = True


def _staff_post(app: Flask, world: World, rule: Rule) -> Request:
    """Staff's POST of the matrix's first case, built anew for each sending: a file in its data
    is read, and closed, by the request that sends it."""
    return build_request(app, world, rule, "POST", _cases(rule.endpoint, "POST")[0], "staff")


def _csrf_token(client: Any) -> str:
    page = client.get("/account")
    found = re.search(rb'name="csrf_token"[^>]*value="([^"]+)"', page.data)
    assert found, "no CSRF token on /account"
    return found.group(1).decode()


def test_every_state_changing_route_refuses_a_missing_or_wrong_csrf_token(
        csrf_on, app, world, client_as):
    rules = rules_by_endpoint(app)
    base, fingerprint = snapshot(), database_state()
    someone_elses = _csrf_token(client_as(world.people["member"]))
    problems = []
    checked = 0
    for endpoint in _endpoints(app, STATE_CHANGING):
        if endpoint in CSRF_EXEMPT:
            continue
        rule = rules[endpoint]
        for method in sorted(rule.methods & STATE_CHANGING):
            staff = client_as(world.people["staff"])
            own_token = _csrf_token(staff)  # gives this session its CSRF secret
            url = _staff_post(app, world, rule).url
            for label, token in (("no token", None), ("a made-up token", "not-a-real-token"),
                                 ("another session's token", someone_elses)):
                data = _staff_post(app, world, rule).data | (
                    {"csrf_token": token} if token else {})
                response = staff.open(url, method=method, data=data)
                if not (response.status_code == 400 and CSRF_MESSAGE in response.data):
                    problems.append(f"{method} {url} with {label} answered "
                                    f"{response.status_code}")
                if database_state() != fingerprint:
                    problems.append(f"{method} {url} with {label} changed data")
                    restore(base)
            # The same request with the right token gets past the check: the refusals were
            # CSRF's doing.
            response = staff.open(url, method=method, data=_staff_post(app, world, rule).data
                                  | {"csrf_token": own_token})
            if response.status_code == 400 and CSRF_MESSAGE in response.data:
                problems.append(f"{method} {url} refuses even a valid CSRF token")
            if database_state() != fingerprint:
                restore(base)
            checked += 1
    assert checked >= 10, f"only {checked} state-changing routes found"
    assert not problems, "\n".join(problems)


# --- GETs change nothing ------------------------------------------------------------------------

def test_no_get_changes_anything(app, world: World, client_as):
    """Except those whose work is to write (WRITING_GETS: a download counts itself)."""
    rules = rules_by_endpoint(app)
    base, fingerprint = snapshot(), database_state()
    changed = []
    for endpoint in _endpoints(app, {"GET"}):
        for case in _cases(endpoint, "GET"):
            for role in ROLES:
                request = build_request(app, world, rules[endpoint], "GET", case, role)
                client_as(world.people[role]).get(request.url).close()
                if database_state() != fingerprint:
                    if endpoint not in WRITING_GETS:
                        changed.append(f"GET {request.url} as {role} ({endpoint})")
                    restore(base)
    assert not changed, "GET requests must not change anything, but these did:\n" + "\n".join(
        changed)


# --- Headers ------------------------------------------------------------------------------------

def _check_headers(response: Any, label: str) -> list[str]:
    if response.mimetype != "text/html":
        return []
    headers = response.headers
    problems = []
    csp = headers.get("Content-Security-Policy", "")
    if csp != CONTENT_SECURITY_POLICY and csp not in OWN_POLICIES:
        problems.append(f"{label}: Content-Security-Policy is {csp!r}")
    expected = {"X-Content-Type-Options": "nosniff",
                "Referrer-Policy": "strict-origin-when-cross-origin",
                "X-Frame-Options": "DENY", "Cache-Control": "no-store"}
    for name, value in expected.items():
        if headers.get(name) != value:
            problems.append(f"{label}: {name} is {headers.get(name)!r}, not {value!r}")
    return problems


def test_the_policy_itself_forbids_inline_script_and_framing():
    directives = dict(part.strip().split(" ", 1) for part in CONTENT_SECURITY_POLICY.split(";"))
    assert directives["script-src"] == "'self'" and directives["default-src"] == "'self'"
    assert "unsafe" not in CONTENT_SECURITY_POLICY
    assert directives["object-src"] == "'none'" and directives["frame-ancestors"] == "'none'"
    assert directives["base-uri"] == "'self'" and directives["form-action"] == "'self'"


def test_every_html_page_carries_the_security_headers(app, world, client_as):
    rules = rules_by_endpoint(app)
    problems = []
    pages = 0
    for endpoint in _endpoints(app, {"GET"}):
        for role in ("anonymous", "outsider", "staff"):
            request = build_request(app, world, rules[endpoint], "GET", "", role)
            response = client_as(world.people[role]).get(request.url)
            pages += response.mimetype == "text/html"
            problems += _check_headers(response, f"GET {request.url} as {role} "
                                                 f"({response.status_code})")
    assert pages >= 30, f"only {pages} HTML responses: is the route walk working?"
    assert not problems, "\n".join(problems)


# --- Cookies ------------------------------------------------------------------------------------

@pytest.fixture
def production(app_settings: dict[str, Any]) -> None:
    # What production's start-up checks ask for (workspace/ops/startup.py), the database aside.
    app_settings.update(read_environment({"WORKSPACE_ENV": "production",
                                          "SECRET_KEY": "a-production-key-" + "x" * 32,
                                          "BASE_URL": "https://localhost"}))


def test_the_session_cookie_set_by_signing_in_is_secure_in_production(production, app, member):
    response = app.test_client().post("/sign-in", data={
        "email": member.email, "password": factories.PASSWORD})
    assert response.status_code == 302
    name = app.config["SESSION_COOKIE_NAME"]
    cookies = [value for value in response.headers.getlist("Set-Cookie")
               if value.startswith(f"{name}=")]
    assert len(cookies) == 1, response.headers.getlist("Set-Cookie")
    attributes = {part.strip().split("=")[0].lower(): part.strip()
                  for part in cookies[0].split(";")[1:]}
    assert "secure" in attributes and "httponly" in attributes, cookies[0]
    assert attributes.get("samesite") == "SameSite=Lax", cookies[0]
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")


def test_outside_production_the_session_cookie_is_still_httponly_and_lax(app, member):
    response = app.test_client().post("/sign-in", data={
        "email": member.email, "password": factories.PASSWORD})
    cookie = next(value for value in response.headers.getlist("Set-Cookie")
                  if value.startswith(f"{app.config['SESSION_COOKIE_NAME']}="))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


# --- Redirects after sign-in ------------------------------------------------------------------

OFF_SITE = ["https://evil.example/", "//evil.example/", "/\\evil.example", "\\\\evil.example",
            "javascript:alert(1)", "http:/evil.example", " //evil.example", "/\t/evil.example",
            "https:evil.example", "//evil.example/%2e%2e", "/%09/evil.example",
            "data:text/html,<script>alert(1)</script>", "https://localhost@evil.example/"]


def _stays_on_site(location: str) -> bool:
    parts = urlsplit(location)
    return (parts.scheme in ("", "http", "https") and parts.netloc in ("", "localhost")
            and parts.path.startswith("/") and not parts.path.startswith("//")
            and "\\" not in location)


@pytest.mark.parametrize("target", OFF_SITE)
def test_signing_in_never_sends_anyone_off_site(target, app, member, client_as):
    response = app.test_client().post("/sign-in", query_string={"next": target}, data={
        "email": member.email, "password": factories.PASSWORD})
    assert response.status_code == 302
    assert _stays_on_site(response.headers["Location"]), response.headers["Location"]
    # Someone already signed in who follows such a link is redirected at once: same rule.
    again = client_as(member).get("/sign-in", query_string={"next": target})
    assert again.status_code == 302 and _stays_on_site(again.headers["Location"])


def test_signing_in_keeps_a_local_next(app, member):
    response = app.test_client().post("/sign-in", query_string={
        "next": "/communities/school-improvement-p2p?tab=2"}, data={
        "email": member.email, "password": factories.PASSWORD})
    assert urlsplit(response.headers["Location"]).path == "/communities/school-improvement-p2p"


# --- Errors -------------------------------------------------------------------------------------

SECRET = "database password is hunter2"


@pytest.fixture
def untrusting(app_settings: dict[str, Any]) -> None:
    """As in production: errors are handled by the app, not raised into the test."""
    app_settings.update({"TESTING": False, "PROPAGATE_EXCEPTIONS": False, "DEBUG": False})


@pytest.fixture
def failing(untrusting: None, app: Flask) -> Flask:
    def explode() -> str:
        raise RuntimeError(SECRET)

    app.add_url_rule("/test-only/explode", "test_only_explode", explode)
    return app


@pytest.mark.parametrize("accept", ["text/html", "application/json"])
def test_an_unexpected_error_shows_a_friendly_page_and_leaks_nothing(failing, accept):
    response = failing.test_client().get("/test-only/explode", headers={"Accept": accept})
    assert response.status_code == 500
    body = response.get_data(as_text=True)
    for leak in ("Traceback", SECRET, "RuntimeError", 'File "', ".py", "werkzeug"):
        assert leak not in body, f"the error page shows {leak!r}"
    assert MESSAGES[500] in body
    if accept == "text/html":
        assert TITLES[500] in body and response.headers["Content-Security-Policy"]
    else:
        assert response.is_json and response.json == {"error": MESSAGES[500]}
