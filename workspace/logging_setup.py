"""Logs: a request id on every line, one access line per request, JSON when LOG_FORMAT=json.

Every request gets an id, the caller's X-Request-ID when it looks like one (nginx or a load
balancer passes theirs on, so one id follows a request through every tier) or a new one; it is
sent back in X-Request-ID and carried by each log record the request makes. Job workers' records
carry the job's id and kind instead (`log_context`). Only the standard library is used: one
Formatter subclass is all JSON lines need.
"""

from __future__ import annotations

import contextvars
import json
import logging
import os
import re
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any, TextIO

from flask import Flask, Response, g, has_request_context, request
from flask.logging import default_handler

REQUEST_ID_HEADER = "X-Request-ID"
SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")
ACCESS_LOGGER = "workspace.access"
QUIET_PATHS = frozenset({"/health", "/health/live"})  # load balancers ask every few seconds
# Record attributes a JSON line carries when they are set, in this order.
CONTEXT_FIELDS = ("request_id", "method", "path", "status", "duration_ms", "user_id",
                  "job_id", "job_kind")

_job_context: contextvars.ContextVar[dict[str, Any] | None] = contextvars.ContextVar(
    "workspace_log_context", default=None)
access_log = logging.getLogger(ACCESS_LOGGER)


class StderrHandler(logging.StreamHandler):
    """Writes to whatever sys.stderr is now (test runners swap it), like logging's last resort."""

    def __init__(self) -> None:
        logging.Handler.__init__(self)

    @property
    def stream(self) -> TextIO:
        return sys.stderr


class ContextFilter(logging.Filter):
    """Adds the request's (or job's) details to each record passing through the handler."""

    def filter(self, record: logging.LogRecord) -> bool:
        if has_request_context():
            record.__dict__.setdefault("request_id", g.get("request_id"))
            record.__dict__.setdefault("method", request.method)
            record.__dict__.setdefault("path", request.path)
            # Only a user already loaded: logging must not query the database or the session.
            user = g.get("_login_user")
            if user is not None and getattr(user, "is_authenticated", False):
                record.__dict__.setdefault("user_id", user.id)
        for name, value in (_job_context.get() or {}).items():
            record.__dict__.setdefault(name, value)
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, the context, any exception."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for name in CONTEXT_FIELDS:
            value = record.__dict__.get(name)
            if value is not None:
                line[name] = value
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        elif record.exc_text:
            line["exception"] = record.exc_text
        if record.stack_info:
            line["stack"] = self.formatStack(record.stack_info)
        return json.dumps(line, default=str)


class TextFormatter(logging.Formatter):
    """Human-readable lines for development, with the request id when there is one."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s%(context)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        request_id = record.__dict__.get("request_id")
        job_id = record.__dict__.get("job_id")
        record.context = (f" [{request_id}]" if request_id
                          else f" [job {job_id} {record.__dict__.get('job_kind')}]" if job_id
                          else "")
        return super().format(record)


def configure(app: Flask) -> None:
    """Send every logger's records to stderr in the chosen format, and time each request."""
    handler = StderrHandler()
    handler.setFormatter(JsonFormatter() if app.config["LOG_FORMAT"] == "json"
                         else TextFormatter())
    handler.addFilter(ContextFilter())
    root = logging.getLogger()
    for previous in [h for h in root.handlers if isinstance(h, StderrHandler)]:
        root.removeHandler(previous)  # an earlier app in this process (tests) installed it
    root.addHandler(handler)
    # The app's own loggers ("workspace", "workspace.access", ...) at LOG_LEVEL; other
    # libraries' INFO chatter (fontTools subsetting the summary's fonts, an SMTP server's
    # connections) stays out unless it is a warning.
    level = logging.getLevelName(app.config["LOG_LEVEL"])
    level = level if isinstance(level, int) else logging.INFO
    root.setLevel(max(level, logging.WARNING))
    logging.getLogger("workspace").setLevel(level)
    # Flask's own handler would print the app's records a second time, unformatted.
    app.logger.removeHandler(default_handler)
    app.before_request(start_request)
    app.after_request(finish_request)


def start_request() -> None:
    g.request_started = time.perf_counter()
    incoming = request.headers.get(REQUEST_ID_HEADER, "")
    g.request_id = incoming if SANE_REQUEST_ID.fullmatch(incoming) else os.urandom(16).hex()


def finish_request(response: Response) -> Response:
    request_id = g.get("request_id")
    if request_id is None:  # a before_request hook failed before ours ran
        start_request()
        request_id = g.request_id
    response.headers[REQUEST_ID_HEADER] = request_id
    duration_ms = round((time.perf_counter() - g.request_started) * 1000, 1)
    level = logging.DEBUG if request.path in QUIET_PATHS else logging.INFO
    if access_log.isEnabledFor(level):
        access_log.log(
            level, "%s %s %s %.1f ms", request.method, request.path, response.status_code,
            duration_ms, extra={"status": response.status_code, "duration_ms": duration_ms})
    return response


@contextmanager
def log_context(**fields: Any) -> Iterator[None]:
    """Records logged inside carry these fields (a job's id and kind, in the worker)."""
    token = _job_context.set({**(_job_context.get() or {}), **fields})
    try:
        yield
    finally:
        _job_context.reset(token)
