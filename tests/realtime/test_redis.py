"""With several server processes on Redis, eviction reaches the process holding the sockets.

The app here publishes through Redis as one worker process does; "the other process" is a second
Socket.IO server with its own client manager, which shares nothing with the app but the Redis
channel, and holds the sockets (registered straight into its manager, as its connect would).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import socketio
from socketio import packet

from workspace import realtime
from workspace.auth import service as accounts
from workspace.communities import service as communities
from workspace.extensions import socketio as flask_socketio
from workspace.forums import service as forums
from workspace.realtime.eviction import RedisManager

LIVE = "/live"


@pytest.fixture
def app_settings(app_settings: dict[str, Any], redis_url: str) -> dict[str, Any]:
    return {**app_settings, "REDIS_URL": redis_url}


class StoppableManager(RedisManager):
    """The app's manager, with a way for the test to stop its listening thread afterwards."""

    stopped = False

    def _redis_listen_with_retries(self) -> Iterator[Any]:
        self._redis_connect()
        self.pubsub.subscribe(self.channel)
        for message in self.pubsub.listen():
            if self.stopped:
                return
            yield message

    def stop(self) -> None:
        self.stopped = True
        self.redis.publish(self.channel, "{}")  # wakes the thread up to see it


class OtherProcess:
    """A second server on the same Redis channel, and what it sent to its sockets."""

    def __init__(self, redis_url: str) -> None:
        quiet = logging.getLogger("tests.realtime.other_process")
        quiet.addHandler(logging.NullHandler())
        quiet.propagate = False  # it says "listen() exited" when the test stops it
        self.manager = StoppableManager(redis_url, channel="flask-socketio")
        self.server = socketio.Server(client_manager=self.manager, async_mode="threading",
                                      logger=quiet)
        self.sent: list[tuple[str, Any]] = []
        self.server._send_packet = lambda eio_sid, pkt: self.sent.append((eio_sid, pkt))
        self.server._send_eio_packet = lambda eio_sid, eio_pkt: self.sent.append(
            (eio_sid, packet.Packet(encoded_packet=eio_pkt.data)))
        self.manager.initialize()  # starts listening to Redis

    def open_page(self, user_id: int, *rooms: str) -> tuple[str, str]:
        eio_sid = f"eio-{user_id}-{len(self.sent)}-{time.monotonic_ns()}"
        sid = self.manager.connect(eio_sid, LIVE)
        for room in (realtime.user_room(user_id), *rooms):
            self.manager.enter_room(sid, LIVE, room)
        return sid, eio_sid

    def rooms(self, sid: str) -> set[str]:
        return set(self.manager.get_rooms(sid, LIVE)) - {sid}

    def events_to(self, eio_sid: str, name: str) -> list[Any]:
        return [pkt.data[1] for to, pkt in self.sent
                if to == eio_sid and pkt.packet_type == packet.EVENT and pkt.data[0] == name]

    def disconnected(self, eio_sid: str) -> bool:
        return any(to == eio_sid and pkt.packet_type == packet.DISCONNECT
                   for to, pkt in self.sent)


@pytest.fixture
def other_process(app, redis_url: str) -> Iterator[OtherProcess]:
    other = OtherProcess(redis_url)
    time.sleep(0.2)  # let it subscribe before anything is published
    yield other
    other.manager.stop()
    other.manager.thread.join(timeout=5)
    assert not other.manager.thread.is_alive()
    other.manager.pubsub.close()


def within(seconds: float, check: Callable[[], bool]) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.01)
    return check()


def test_the_app_uses_the_evicting_redis_manager(app):
    assert isinstance(flask_socketio.server.manager, RedisManager)


def test_a_withdrawn_agency_leaves_the_rooms_held_by_another_process(
        other_process, staff, community, topic, member, other_member, general):
    topic_room = realtime.topic_room(community.id, topic.id)
    elsewhere = realtime.forum_room(community.id + 1000)
    georgia, georgia_eio = other_process.open_page(
        other_member.id, topic_room, realtime.forum_room(community.id), elsewhere)
    arizona, arizona_eio = other_process.open_page(member.id, topic_room)

    communities.withdraw_organization(staff, community, other_member.organization)

    kept = {realtime.user_room(other_member.id), elsewhere}
    assert within(1, lambda: other_process.rooms(georgia) == kept)
    assert topic_room in other_process.rooms(arizona)
    post = forums.reply(member, topic, body="For members only.")
    assert within(1, lambda: other_process.events_to(arizona_eio, "post_added"))
    assert other_process.events_to(arizona_eio, "post_added") == [
        {"topic_id": topic.id, "post_id": post.id}]
    assert other_process.events_to(georgia_eio, "post_added") == []


def test_a_deactivated_account_is_disconnected_by_another_process(other_process, staff,
                                                                   community, topic,
                                                                   other_member, member):
    topic_room = realtime.topic_room(community.id, topic.id)
    _, georgia_eio = other_process.open_page(other_member.id, topic_room)
    arizona, arizona_eio = other_process.open_page(member.id, topic_room)

    accounts.set_deactivated(staff, other_member, True)

    assert within(1, lambda: other_process.disconnected(georgia_eio))
    assert not other_process.disconnected(arizona_eio)
    assert other_process.manager.is_connected(arizona, LIVE)
