"""Room names and the one way the server announces facts to browsers."""

from __future__ import annotations

from typing import Any

from workspace import errors
from workspace.extensions import socketio

NAMESPACE = "/live"


def user_room(user_id: int) -> str:
    return f"user:{user_id}"


def community_room(community_id: int) -> str:
    return f"community:{community_id}"


def forum_room(community_id: int) -> str:
    """People looking at a community's forum pages: told when a topic starts."""
    return f"forum:{community_id}"


def topic_room(topic_id: int) -> str:
    """People reading one topic: told when a post is added or changes."""
    return f"topic:{topic_id}"


def publish(event: str, payload: dict[str, Any], *, to: str) -> None:
    socketio.emit(event, payload, to=to, namespace=NAMESPACE)


def int_arg(data: Any, name: str) -> int:
    """An integer from an event payload, or a clear complaint."""
    value = data.get(name) if isinstance(data, dict) else None
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise errors.Invalid(f"'{name}' must be a whole number.", field=name)
    try:
        return int(value)
    except ValueError:
        raise errors.Invalid(f"'{name}' must be a whole number.", field=name) from None
