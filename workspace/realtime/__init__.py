"""Live delivery: room names, publish() after commit, the /live connection, eviction, limits.

A feature with live parts names its rooms with `community_scoped(...)`, registers its event
handlers with `@realtime.on("...")` (which checks the session and the rate limit; the handler asks
the policy), and publishes facts with `realtime.publish(...)` inside its unit of work. Services
that take access away call `evict(...)` or `disconnect(...)`; both wait for the commit too.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable
from functools import partial
from typing import Any

from flask import Flask

from workspace import errors
from workspace.extensions import socketio
from workspace.realtime import throttle
from workspace.realtime.connection import on, when_disconnected
from workspace.realtime.delivery import listen_to_sessions, on_commit, publish
from workspace.realtime.eviction import Evicting, client_manager
from workspace.realtime.rooms import (
    NAMESPACE,
    community_room,
    community_scoped,
    forum_room,
    is_in_community,
    session_page_room,
    topic_room,
    user_room,
)

__all__ = [
    "GEVENT",
    "NAMESPACE",
    "THREADING",
    "async_mode",
    "client_manager",
    "community_room",
    "community_scoped",
    "disconnect",
    "evict",
    "evict_from",
    "forum_room",
    "init_app",
    "int_arg",
    "is_in_community",
    "is_patched_for_gevent",
    "on",
    "publish",
    "session_page_room",
    "topic_room",
    "user_room",
    "when_disconnected",
]


GEVENT = "gevent"
THREADING = "threading"


def is_patched_for_gevent() -> bool:
    # gevent.monkey is in sys.modules only if something imported it; a process that never used
    # gevent is not patched, and importing it here just to ask would be waste.
    monkey = sys.modules.get("gevent.monkey")
    return bool(monkey is not None and monkey.is_module_patched("socket"))


def async_mode() -> str:
    """The Socket.IO async mode this process can run: gevent where it was patched for it
    (workspace/serve.py), threading everywhere else (commands, tests, gthread workers)."""
    return GEVENT if is_patched_for_gevent() else THREADING


def init_app(app: Flask) -> None:
    listen_to_sessions()
    throttle.init_app(app)


def evict(user_ids: Iterable[int], community_id: int) -> None:
    """After the commit, these people's open pages leave every live room of the community."""
    ids = sorted(set(user_ids))
    if ids:
        on_commit(partial(_evict, ids, community_id), first=True)


def evict_from(user_ids: Iterable[int], room: str) -> None:
    """After the commit, these people's open pages leave one room (and the rooms inside it)."""
    ids = sorted(set(user_ids))
    if ids:
        on_commit(partial(_evict, ids, None, room), first=True)


def disconnect(user_ids: Iterable[int]) -> None:
    """After the commit, close these people's live connections (their sessions have ended)."""
    ids = sorted(set(user_ids))
    if ids:
        on_commit(partial(_evict, ids, None), first=True)


def _evict(user_ids: list[int], community_id: int | None, room: str | None = None) -> None:
    manager = socketio.server.manager if socketio.server is not None else None
    if isinstance(manager, Evicting):
        manager.evict(user_ids, community_id, room)


def int_arg(data: Any, name: str) -> int:
    """An integer from an event payload, or a clear complaint."""
    value = data.get(name) if isinstance(data, dict) else None
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise errors.Invalid(f"'{name}' must be a whole number.", field=name)
    try:
        return int(value)
    except ValueError:
        raise errors.Invalid(f"'{name}' must be a whole number.", field=name) from None
