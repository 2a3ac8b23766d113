"""Taking people out of live rooms the moment they lose access, on every server process.

With several worker processes (a Redis message queue), a person's sockets may be held by any of
them, and each process knows only its own. python-socketio's pub/sub manager carries emits,
disconnects by socket id, room entries and exits by socket id, and whole-room closes between the
processes, but no process can name another's socket ids. So the client manager here also carries
one message of its own on the same channel, "evict these people (from this community)": every
process looks up the people's sockets among its own (their `user:<id>` room) and makes them leave
each room named inside the community (rooms.community_scoped), or closes them.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import socketio

from workspace.realtime.rooms import NAMESPACE, is_in_community, is_within, user_room

EVICT = "workspace.evict"

log = logging.getLogger(__name__)


class Evicting:
    """What both client managers add: evict(), done here and by every other process."""

    def evict(self, user_ids: list[int], community_id: int | None,
              room: str | None = None) -> None:
        """These people's sockets leave the community's rooms (or one room and the rooms
        inside it); with neither, they close."""
        message = {"method": EVICT, "user_ids": list(user_ids), "community_id": community_id,
                   "room": room}
        self._evict_here(message)
        self._tell_other_processes(message)

    def _tell_other_processes(self, message: dict[str, Any]) -> None:
        pass  # one process: nobody else holds sockets

    def _evict_here(self, message: dict[str, Any]) -> None:
        manager: Any = self
        community_id = message.get("community_id")
        within = message.get("room")
        for user_id in message.get("user_ids") or []:
            sockets = [sid for sid, _ in manager.get_participants(NAMESPACE, user_room(user_id))]
            for sid in sockets:
                if community_id is None and within is None:
                    manager.server.disconnect(sid, namespace=NAMESPACE, ignore_queue=True)
                    continue
                for room in list(manager.get_rooms(sid, NAMESPACE)):
                    if not isinstance(room, str):
                        continue
                    if (is_within(room, within) if within is not None
                            else community_id is not None
                            and is_in_community(room, community_id)):
                        manager.basic_leave_room(sid, NAMESPACE, room)


class LocalManager(Evicting, socketio.Manager):
    """One server process (no REDIS_URL): every socket is here."""


class RedisManager(Evicting, socketio.RedisManager):
    """Several processes joined by Redis: evictions travel on the Socket.IO channel."""

    def _tell_other_processes(self, message: dict[str, Any]) -> None:
        self._publish({**message, "host_id": self.host_id})

    def _listen(self) -> Iterator[Any]:
        # The pub/sub thread reads messages through _listen() and ignores methods it does not
        # know; evictions are taken out here, before it, and carried out.
        for message in super()._listen():
            data = message
            if not isinstance(data, dict):
                try:
                    data = self.json.loads(message)
                except ValueError:
                    data = None
            if isinstance(data, dict) and data.get("method") == EVICT:
                if data.get("host_id") != self.host_id:
                    try:
                        self._evict_here(data)
                    except Exception:
                        log.exception("eviction from another process failed")
                continue
            yield message


def client_manager(redis_url: str | None) -> socketio.Manager:
    """The Socket.IO client manager for this app: one process, or several through Redis."""
    if not redis_url:
        return LocalManager()
    # The channel Flask-SocketIO uses by default, so its write-only emitters still reach us.
    return RedisManager(redis_url, channel="flask-socketio")
