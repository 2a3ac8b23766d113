"""`/health` (the database and Redis answer) and `/health/live` (the process answers).

Load balancers and monitors call these every few seconds without signing in: they are not rate
limited, touch no session (so set no cookie) and answer JSON that is never cached. A failing
check answers 503 naming it, so nginx or an orchestrator stops sending people to this process.
"""

from __future__ import annotations

import importlib.metadata
from functools import cache

import redis
from flask import Blueprint, Response, current_app, jsonify
from sqlalchemy import text

from workspace.extensions import db, limiter

CHECK_TIMEOUT = 2.0  # seconds; a health check that hangs is worse than one that fails
OK = "ok"
NOT_CONFIGURED = "not configured"

bp = Blueprint("ops", __name__)


@bp.route("/health")
@limiter.exempt
def health() -> Response:
    checks = {"database": database_status(), "redis": redis_status()}
    healthy = all(status in (OK, NOT_CONFIGURED) for status in checks.values())
    body = {"status": OK if healthy else "failing", **checks, "version": version()}
    return _uncached(jsonify(body), 200 if healthy else 503)


@bp.route("/health/live")
@limiter.exempt
def live() -> Response:
    return _uncached(jsonify({"status": OK}), 200)


def database_status() -> str:
    try:
        # The request's own session, as a page would use: the same pool, the same settings.
        if db.session.get_bind().dialect.name == "postgresql":
            timeout_ms = int(CHECK_TIMEOUT * 1000)
            db.session.execute(text(f"SET LOCAL statement_timeout = {timeout_ms}"))
        db.session.execute(text("SELECT 1"))
    except Exception as exc:  # noqa: BLE001 - any failure is the answer, reported not raised
        current_app.logger.warning("health check: the database did not answer: %s", exc)
        return f"failing: {type(exc).__name__}"
    finally:
        db.session.rollback()
    return OK


def redis_status() -> str:
    url = current_app.config.get("REDIS_URL")
    if not url:
        return NOT_CONFIGURED
    client = redis.Redis.from_url(url, socket_connect_timeout=CHECK_TIMEOUT,
                                  socket_timeout=CHECK_TIMEOUT)
    try:
        client.ping()
    except Exception as exc:  # noqa: BLE001 - as above
        current_app.logger.warning("health check: Redis did not answer: %s", exc)
        return f"failing: {type(exc).__name__}"
    finally:
        client.close()
    return OK


@cache
def version() -> str:
    try:
        return importlib.metadata.version("cop-workspace")
    except importlib.metadata.PackageNotFoundError:  # run from a checkout, not installed
        return "unknown"


def _uncached(response: Response, status: int) -> Response:
    response.status_code = status
    response.headers["Cache-Control"] = "no-store"
    return response
