"""The live connection every signed-in page opens: it carries the person's own notifications."""

from __future__ import annotations

from typing import Any

from flask import current_app
from flask_login import current_user
from flask_socketio import join_room

from workspace import errors, realtime
from workspace.extensions import socketio


@socketio.on("connect", namespace=realtime.NAMESPACE)
def connect(auth: dict[str, Any] | None = None) -> bool:
    if not current_user.is_authenticated:
        return False  # refuses the connection
    join_room(realtime.user_room(current_user.id))
    return True


@socketio.on_error(realtime.NAMESPACE)
def on_error(exc: Exception) -> dict[str, Any]:
    if isinstance(exc, errors.WorkspaceError):
        return {"ok": False, "error": exc.message}
    current_app.logger.exception("live event failed")
    return {"ok": False, "error": "Something went wrong. Please try again."}
