"""The /live connection every signed-in page opens, and the one way live event handlers are made.

Connecting needs a signed-in person and puts the socket in their own room. Every event handler
is registered through `on()`, which checks, before each event, that the person's session still
stands and that they are within the rate limit; the handler itself then asks the policy, so an
event about a community someone has just lost is refused. Errors become `{"ok": False, ...}`.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import current_app, request
from flask_login import current_user
from flask_socketio import join_room

from workspace import errors
from workspace.extensions import socketio
from workspace.realtime import throttle
from workspace.realtime.rooms import NAMESPACE, user_room

Handler = Callable[..., dict[str, Any]]

SESSION_ENDED = "Your session has ended. Reload the page to sign in again."


@socketio.on("connect", namespace=NAMESPACE)
def connect(auth: dict[str, Any] | None = None) -> bool:
    if not current_user.is_authenticated:
        return False  # refuses the connection
    join_room(user_room(current_user.id))
    return True


# What features do when a socket goes (a closed tab, a dropped network): e.g. end a visit to a
# live room. Each gets the socket's id; they run in the order registered.
_on_disconnect: list[Callable[[str], None]] = []


def when_disconnected(callback: Callable[[str], None]) -> Callable[[str], None]:
    if callback not in _on_disconnect:
        _on_disconnect.append(callback)
    return callback


@socketio.on("disconnect", namespace=NAMESPACE)
def disconnect(*_reason: Any) -> None:
    sid = request.sid  # type: ignore[attr-defined]  # Flask-SocketIO adds it to the request
    for callback in _on_disconnect:
        try:
            callback(sid)
        except Exception:
            current_app.logger.exception("cleaning up after a disconnect failed")


@socketio.on_error(NAMESPACE)
def on_error(exc: Exception) -> dict[str, Any]:
    if isinstance(exc, errors.WorkspaceError):
        return {"ok": False, "error": exc.message}
    current_app.logger.exception("live event failed")
    return {"ok": False, "error": "Something went wrong. Please try again."}


def on(event_name: str) -> Callable[[Handler], Handler]:
    """Register a /live event handler: signed-in people only, within the rate limit."""

    def register(handler: Handler) -> Handler:
        @wraps(handler)
        def checked(*args: Any) -> dict[str, Any]:
            # The user is loaded from the session cookie again for every event, so a session
            # ended elsewhere (signed out, deactivated) shows here as an anonymous person.
            if not current_user.is_authenticated:
                raise errors.Forbidden(SESSION_ENDED)
            throttle.count_event(current_user.id)
            return handler(*args)

        # A mark on the function for the tests; mypy allows no new attributes on a function.
        checked.is_live_event = True  # type: ignore[attr-defined]
        socketio.on(event_name, namespace=NAMESPACE)(checked)
        return checked

    return register
