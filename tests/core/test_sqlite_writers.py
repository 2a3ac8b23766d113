"""SQLite, the embedded default, under eight concurrent writers for a minute (issue #18).

The real server (`python -m gevent.monkey --module workspace.serve`) runs on a SQLite file in
tmp_path; three writers post forum replies over HTTP, three send chat in one live room over
Socket.IO, two upload files to the community library, all at once for WRITERS_SECONDS (60 by
default; an environment variable may shorten it for a local run). Nothing may fail: no 500, no
refused chat send, no "database is locked" in the server's log, and the room's sequence numbers
unique, gapless and as many as the sends acknowledged.

The writers are asyncio tasks on one client thread: the server, one gevent process, is what is
under load, and its single writer lock is what they contend for.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import socketio
from sqlalchemy import func, select
from yarl import URL

from tests import factories
from tests.forums.conftest import categories, general, topic  # noqa: F401 - fixtures
from tests.realtime.test_two_workers import (
    CSRF,
    LIVE,
    NONCE,
    Worker,
    _found,
    run_in_own_loop,
    server_environment,
    serving,
)
from tests.resources.conftest import pdf_bytes
from workspace.database import utcnow
from workspace.extensions import db
from workspace.forums.models import Post
from workspace.resources.models import Resource
from workspace.sessions.models import ChatMessage

pytestmark = [
    pytest.mark.skipif(bool(os.environ.get("TEST_DATABASE_URL")),
                       reason="SQLite's single writer lock is what this test loads"),
    # Eight writers and a server for a minute: kept on one xdist worker, apart from the rest.
    pytest.mark.xdist_group("sqlite_writers"),
]

SECONDS = float(os.environ.get("WRITERS_SECONDS", "60"))
MAX_OPERATIONS = 100_000  # per writer: bounds each loop whatever the clock does
REQUEST_TIMEOUT = 30.0  # seconds: a lock waited for 15 s and then some, on a loaded machine


@pytest.fixture
def app_settings(app_settings: dict[str, Any], tmp_path: Path) -> dict[str, Any]:
    """A database file the server process opens too."""
    return {**app_settings,
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'workspace.sqlite3'}"}


@dataclass(frozen=True)
class World:
    session_id: int
    topic_id: int
    slug: str
    people: tuple[tuple[int, str], ...]  # (id, email): member, other member, facilitator


@pytest.fixture
def world(app, community, facilitator, member, other_member, topic) -> World:  # noqa: F811
    session = factories.make_session(community, facilitator, number=1,
                                     starts_at=utcnow() - timedelta(minutes=5), minutes=120)
    people = tuple((person.id, person.email) for person in (member, other_member, facilitator))
    return World(session.id, topic.id, community.slug, people)


@pytest.fixture
def server(app, world: World, tmp_path: Path) -> Iterator[Worker]:
    environment = server_environment(
        app, FILES_ROOT=str(tmp_path / "files"),
        # The load is what is measured, not the per-person limits.
        LIVE_EVENT_LIMIT="1000000 per second", UPLOAD_RATE_LIMIT="1000000 per hour")
    with serving("server", environment, tmp_path) as started:
        yield started


@dataclass
class Tally:
    """What one kind of writer did."""

    done: int = 0  # operations that succeeded end to end
    requests: int = 0  # HTTP requests or live events sent
    failures: list[str] = field(default_factory=list)


class Writer:
    """One writer: a signed-in person's own HTTP session (so cookies and CSRF are its own)."""

    def __init__(self, server: Worker, person: tuple[int, str]) -> None:
        self.server = server
        self.id, self.email = person
        self.http = aiohttp.ClientSession(
            cookie_jar=aiohttp.CookieJar(unsafe=True),
            timeout=aiohttp.ClientTimeout(total=REQUEST_TIMEOUT))
        self.socket: socketio.AsyncClient | None = None

    async def sign_in(self) -> None:
        async with self.http.get(self.server.url + "/sign-in") as page:
            token = _found(CSRF, await page.text())
        form = {"email": self.email, "password": factories.PASSWORD, "csrf_token": token}
        async with self.http.post(self.server.url + "/sign-in", data=form,
                                  allow_redirects=False) as answer:
            assert answer.status == 302, await answer.text()

    async def page(self, path: str, tally: Tally) -> str | None:
        tally.requests += 1
        async with self.http.get(self.server.url + path) as answer:
            text = await answer.text()
            if answer.status != 200:
                tally.failures.append(f"GET {path}: {answer.status} {text[:300]}")
                return None
            return text

    async def post(self, path: str, tally: Tally, expect: int, **options: Any) -> Any:
        tally.requests += 1
        async with self.http.post(self.server.url + path, allow_redirects=False,
                                  **options) as answer:
            text = await answer.text()
            if answer.status != expect:
                tally.failures.append(f"POST {path}: {answer.status} {text[:300]}")
                return None
            return text

    async def connect(self) -> None:
        cookies = self.http.cookie_jar.filter_cookies(URL(self.server.url))
        self.socket = socketio.AsyncClient(reconnection=False)
        await self.socket.connect(self.server.url, namespaces=[LIVE], transports=["websocket"],
                                  headers={"Cookie": "; ".join(f"{name}={morsel.value}"
                                                               for name, morsel in
                                                               cookies.items())},
                                  wait_timeout=REQUEST_TIMEOUT)

    async def close(self) -> None:
        if self.socket is not None and self.socket.connected:
            await self.socket.disconnect()
        await self.http.close()


async def reply_to_topic(writer: Writer, world: World, tally: Tally, n: int) -> None:
    topic_page = f"/communities/{world.slug}/forums/topics/{world.topic_id}"
    html = await writer.page(topic_page, tally)
    if html is None:
        return
    form = {"body": f"Writer {writer.id}, reply {n}: we check **attendance** monthly.",
            "csrf_token": _found(CSRF, html), "nonce": _found(NONCE, html)}
    if await writer.post(topic_page + "/posts", tally, 302, data=form) is not None:
        tally.done += 1


async def say_in_room(writer: Writer, world: World, tally: Tally, n: int) -> None:
    assert writer.socket is not None
    tally.requests += 1
    answer = await writer.socket.call("send_message", {
        "session_id": world.session_id, "client_id": f"writer-{writer.id}-{n}",
        "body": f"Point {n} from writer {writer.id}."}, namespace=LIVE, timeout=REQUEST_TIMEOUT)
    if answer.get("ok"):
        tally.done += 1
    else:
        tally.failures.append(f"send_message {n}: {answer}")


async def add_to_library(writer: Writer, world: World, tally: Tally, n: int) -> None:
    library = f"/communities/{world.slug}/library"
    html = await writer.page(library + "/new", tally)
    if html is None:
        return
    csrf = _found(CSRF, html)
    sent = await writer.post(f"{library}/uploads?name=brief-{writer.id}-{n}.pdf", tally, 201,
                             data=pdf_bytes(f"Brief {n} from writer {writer.id}"),
                             headers={"Content-Type": "application/octet-stream",
                                      "Accept": "application/json", "X-CSRFToken": csrf})
    if sent is None:
        return
    form = {"source": "files", "type": "tool", "audience": "community", "csrf_token": csrf,
            "nonce": _found(NONCE, html), "upload": json.loads(sent)["token"]}
    if await writer.post(library + "/new", tally, 302, data=form) is not None:
        tally.done += 1


Operation = Callable[[Writer, World, Tally, int], Awaitable[None]]


async def keep_writing(operation: Operation, writer: Writer, world: World, tally: Tally,
                       until: float) -> None:
    for n in range(MAX_OPERATIONS):
        if time.monotonic() >= until:
            return
        try:
            await operation(writer, world, tally, n)
        except Exception as exc:  # noqa: BLE001 - a timeout or a dropped connection is a failure
            tally.failures.append(f"{operation.__name__} {n}: {exc!r}")


def test_eight_writers_for_a_minute_lock_nothing_and_number_every_message_once(
        world: World, server: Worker, request: pytest.FixtureRequest):
    member, other_member, facilitator = world.people
    tallies = {"forum replies": Tally(), "chat messages": Tally(), "library uploads": Tally()}
    kinds: list[tuple[str, Operation, tuple[int, str]]] = [
        ("forum replies", reply_to_topic, member),
        ("forum replies", reply_to_topic, other_member),
        ("forum replies", reply_to_topic, facilitator),
        ("chat messages", say_in_room, member),
        ("chat messages", say_in_room, other_member),
        ("chat messages", say_in_room, facilitator),
        ("library uploads", add_to_library, member),
        ("library uploads", add_to_library, other_member),
    ]
    elapsed: list[float] = []

    async def scenario() -> None:
        writers = [Writer(server, person) for _, _, person in kinds]
        try:
            for writer, (_, operation, _) in zip(writers, kinds, strict=True):
                await writer.sign_in()
                if operation is say_in_room:
                    await writer.connect()
                    assert writer.socket is not None
                    joined = await writer.socket.call(
                        "join_room", {"session_id": world.session_id, "last_seq": 0},
                        namespace=LIVE, timeout=REQUEST_TIMEOUT)
                    assert joined["ok"], joined
            started = time.monotonic()
            await asyncio.gather(*(keep_writing(operation, writer, world, tallies[kind],
                                                started + SECONDS)
                                   for writer, (kind, operation, _) in zip(writers, kinds,
                                                                           strict=True)))
            elapsed.append(time.monotonic() - started)
        finally:
            for writer in writers:
                await writer.close()

    run_in_own_loop(scenario)
    log = server.log.read_text(errors="replace")
    seconds = elapsed[0]
    figures = "\n".join(
        f"{kind}: {tally.done} done, {tally.requests} requests/events in {seconds:.1f} s = "
        f"{tally.requests / seconds:.1f} requests/s, {tally.done / seconds:.1f} done/s"
        for kind, tally in tallies.items())
    request.node.add_report_section("call", "throughput", figures)
    print(figures)

    for kind, tally in tallies.items():
        assert not tally.failures, f"{kind}: {len(tally.failures)} failed, first: " \
                                   f"{tally.failures[:3]}\n{server.output()}"
        assert tally.done > 0, kind
    assert "database is locked" not in log, server.output()
    assert "Traceback" not in log, server.output()
    assert not re.search(r"^\S+ \S+ (ERROR|CRITICAL) ", log, re.MULTILINE), server.output()

    db.session.remove()  # read what the server committed
    seqs = list(db.session.scalars(select(ChatMessage.seq)
                                   .where(ChatMessage.session_id == world.session_id)
                                   .order_by(ChatMessage.seq)))
    acked = tallies["chat messages"].done
    assert seqs == list(range(1, acked + 1))  # unique, without gaps, one per acknowledged send
    replies = db.session.scalar(select(func.count()).select_from(Post)
                                .where(Post.topic_id == world.topic_id, ~Post.is_opening))
    assert replies == tallies["forum replies"].done
    assert db.session.scalar(select(func.count()).select_from(Resource)) \
        == tallies["library uploads"].done


TRICKLE_SECONDS = 18.0  # longer than the server waits for SQLite's write lock (15 s)


def _multipart(fields: dict[str, str], filename: str, data: bytes) -> tuple[bytes, str]:
    """A form without script, as a browser sends it (built by hand, to be sent slowly)."""
    boundary = "writers-boundary-7d3f"
    parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'
             f"{value}\r\n".encode() for name, value in fields.items()]
    parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="files"; '
                 f'filename="{filename}"\r\nContent-Type: application/pdf\r\n\r\n'.encode()
                 + data + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


@pytest.mark.parametrize("way", ["script", "form"])
def test_a_slow_upload_holds_no_lock_while_its_body_arrives(
        world: World, server: Worker, way: str):
    """A file from a slow network takes its time; other writers must not wait for it (they
    would wait for SQLite's one write lock, and fail after 15 s). The library's script sends
    the file as a request's body; without script, the form posts it (multipart)."""
    member, other_member, _ = world.people
    took: list[float] = []

    async def scenario() -> None:
        uploader, replier = Writer(server, member), Writer(server, other_member)
        tally = Tally()
        try:
            await uploader.sign_in()
            await replier.sign_in()
            library = f"/communities/{world.slug}/library"
            html = await uploader.page(library + "/new", tally) or ""
            csrf = _found(CSRF, html)
            data = pdf_bytes(f"Sent over a slow network ({way})")
            if way == "script":
                path, expect = f"{library}/uploads?name=slow.pdf", 201
                content_type = "application/octet-stream"
            else:
                path, expect = library + "/new", 302
                data, content_type = _multipart(
                    {"csrf_token": csrf, "nonce": _found(NONCE, html), "source": "files",
                     "type": "tool", "audience": "community"}, "slow.pdf", data)
            chunks = [data[i:i + 64] for i in range(0, len(data), 64)]

            async def body() -> Any:
                for chunk in chunks:
                    yield chunk
                    await asyncio.sleep(TRICKLE_SECONDS / len(chunks))

            slow = asyncio.create_task(uploader.post(
                path, tally, expect, data=body(),
                headers={"Content-Type": content_type, "Content-Length": str(len(data)),
                         "Accept": "application/json", "X-CSRFToken": csrf}))
            await asyncio.sleep(2)  # the upload is under way
            started = time.monotonic()
            await reply_to_topic(replier, world, tally, 0)
            took.append(time.monotonic() - started)
            await slow
        finally:
            await uploader.close()
            await replier.close()
        assert not tally.failures, tally.failures

    run_in_own_loop(scenario)
    assert took[0] < 5.0, f"a reply waited {took[0]:.1f} s for a slow upload\n{server.output()}"
    assert "database is locked" not in server.log.read_text(errors="replace")
    db.session.remove()
    assert db.session.scalar(select(func.count()).select_from(Resource)) \
        == (1 if way == "form" else 0)
