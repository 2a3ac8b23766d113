"""Domain errors carry a message for people; one handler turns them into pages or JSON."""

from __future__ import annotations

from typing import Any

from flask import Flask, Response, jsonify, render_template, request
from werkzeug.exceptions import HTTPException


class WorkspaceError(Exception):
    status = 400
    default_message = "That request could not be completed."

    def __init__(self, message: str | None = None, *, field: str | None = None) -> None:
        self.message = message or self.default_message
        self.field = field
        super().__init__(self.message)


class NotFound(WorkspaceError):
    status = 404
    default_message = "We couldn't find that page. It may have moved, or you may need to sign in."


class Forbidden(WorkspaceError):
    status = 403
    default_message = "You don't have permission to do that."


class Invalid(WorkspaceError):
    status = 422
    default_message = "Please check what you entered."


class Conflict(WorkspaceError):
    status = 409
    default_message = "That has already been done."


class TooOften(WorkspaceError):
    status = 429
    default_message = "You're doing that too often. Wait a moment and try again."


TITLES = {
    400: "Bad request",
    403: "Not allowed",
    404: "Page not found",
    405: "Not allowed",
    409: "Already done",
    413: "File too large",
    422: "Please check what you entered",
    429: "Too many attempts",
    500: "Something went wrong",
}

MESSAGES = {
    400: "The request could not be understood. If you were submitting a form, your session may "
    "have expired: go back, reload the page and try again. What you typed is still in the form.",
    405: "That action isn't available here.",
    413: "That upload is larger than the workspace accepts.",
    429: "Too many attempts in a short time. Please wait a few minutes and try again.",
    500: "The workspace hit an unexpected problem. It has been logged; please try again.",
}


def wants_json() -> bool:
    return request.path.startswith("/api/") or (
        request.accept_mimetypes.best == "application/json")


def error_response(status: int, message: str, field: str | None = None) -> tuple[Any, int]:
    if wants_json():
        body: dict[str, Any] = {"error": message}
        if field:
            body["field"] = field
        return jsonify(body), status
    return render_template("errors/error.html", status=status,
                           title=TITLES.get(status, "Error"), message=message), status


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(WorkspaceError)
    def workspace_error(exc: WorkspaceError) -> tuple[Any, int]:
        return error_response(exc.status, exc.message, exc.field)

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException) -> tuple[Any, int] | Response:
        status = exc.code or 500
        if status == 404:
            return error_response(404, NotFound.default_message)
        if status == 403:
            return error_response(403, Forbidden.default_message)
        # A rate limit may carry its own message (e.g. which sign-in allowance ran out).
        limit_message = getattr(getattr(exc, "limit", None), "error_message", None)
        message = limit_message or MESSAGES.get(status) or exc.description or "Error"
        return error_response(status, message)

    @app.errorhandler(Exception)
    def unexpected_error(exc: Exception) -> tuple[Any, int]:
        app.logger.exception("unhandled error on %s %s", request.method, request.path)
        from workspace.extensions import db  # noqa: PLC0415 - avoid an import cycle

        db.session.rollback()
        return error_response(500, MESSAGES[500])
