"""Two real server processes (gevent, `python -m gevent.monkey --module workspace.serve`) on one
database, sharing rooms through Redis, with python-socketio clients connected to each.

The data is made here through the app factory and written to a database both processes open
(a SQLite file, or this test worker's PostgreSQL database when TEST_DATABASE_URL is set); the
Redis is this test worker's own (tests/realtime/conftest.py), since pub/sub channels are shared
by a whole Redis server whatever its database number. The processes are stopped however the
test ends.
"""

from __future__ import annotations

import asyncio
import os
import re
import signal
import socket
import subprocess
import threading
import time
import urllib.request
from collections.abc import Callable, Coroutine, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import socketio
from flask import current_app
from sqlalchemy import select
from yarl import URL

from tests import factories
from workspace.database import utcnow
from workspace.extensions import db
from workspace.forums.models import Post
from workspace.serve import command

ROOT = Path(__file__).resolve().parents[2]
LIVE = "/live"
SECRET_KEY = "two-workers"
WAIT = 10.0  # seconds for anything to arrive; on a quiet machine it takes milliseconds


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def app_settings(app_settings: dict[str, Any], tmp_path: Path) -> dict[str, Any]:
    """One database the test and both processes open: in-memory SQLite can't be shared."""
    if app_settings["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        database = tmp_path / "workspace.sqlite3"
        return {**app_settings, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{database}"}
    return app_settings


class Worker:
    def __init__(self, name: str, port: int, process: subprocess.Popen[bytes], log: Path) -> None:
        self.name, self.port, self.process, self.log = name, port, process, log
        self.url = f"http://127.0.0.1:{port}"

    def output(self) -> str:
        return self.log.read_text(errors="replace")[-3000:]


def _start(name: str, environment: dict[str, str], folder: Path) -> Worker:
    port = _free_port()
    log = folder / f"{name}.log"
    with log.open("wb") as output:
        # Its own process group, so stopping it takes anything it started with it.
        process = subprocess.Popen(command("127.0.0.1", port), cwd=ROOT, env=environment,
                                   stdout=output, stderr=subprocess.STDOUT,
                                   start_new_session=True)
    return Worker(name, port, process, log)


def _wait_until_serving(worker: Worker) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if worker.process.poll() is not None:
            pytest.fail(f"{worker.name} exited:\n{worker.output()}", pytrace=False)
        try:
            with urllib.request.urlopen(worker.url + "/sign-in", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.1)
    pytest.fail(f"{worker.name} did not start serving:\n{worker.output()}", pytrace=False)


def _stop(worker: Worker) -> None:
    if worker.process.poll() is None:
        os.killpg(worker.process.pid, signal.SIGTERM)
        try:
            worker.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(worker.process.pid, signal.SIGKILL)
            worker.process.wait(timeout=10)


@dataclass(frozen=True)
class Cast:
    """What the test made, as plain values: the processes read it from the database."""

    session_id: int
    topic_id: int
    slug: str
    arizona: tuple[int, str]  # id, email
    georgia: tuple[int, str]


@pytest.fixture
def cast(app, community, facilitator, member, other_member, topic) -> Cast:
    session = factories.make_session(community, facilitator, number=2,
                                     starts_at=utcnow() - timedelta(minutes=5), minutes=90)
    return Cast(session.id, topic.id, community.slug, (member.id, member.email),
                (other_member.id, other_member.email))


def server_environment(app: Any, **settings: str) -> dict[str, str]:
    """The environment of a server process on the test app's database: this process's, less
    the app's own settings (and Redis, unless given), plus these `settings`. The test's session
    is ended first, so it holds no lock the server could wait on."""
    db.session.commit()
    db.session.remove()
    environment = {key: value for key, value in os.environ.items()
                   if not key.startswith(("FLASK_", "WORKSPACE_", "SOCKETIO_", "REDIS_"))}
    environment.update(DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"], SECRET_KEY=SECRET_KEY,
                       PYTHONPATH=str(ROOT), PYTHONUNBUFFERED="1")
    environment.update(settings)
    return environment


@contextmanager
def serving(name: str, environment: dict[str, str], folder: Path) -> Iterator[Worker]:
    """One server process, serving, stopped afterwards whatever happens."""
    started = _start(name, environment, folder)
    try:
        _wait_until_serving(started)
        yield started
    finally:
        _stop(started)


@pytest.fixture
def workers(app, cast: Cast, redis_url: str, tmp_path: Path) -> Iterator[tuple[Worker, Worker]]:
    """Two server processes on the app's database and the test worker's Redis."""
    environment = server_environment(app, REDIS_URL=redis_url)
    started: list[Worker] = []
    try:
        for name in ("worker-1", "worker-2"):
            started.append(_start(name, environment, tmp_path))
        for worker in started:
            _wait_until_serving(worker)
        yield started[0], started[1]
    finally:
        for worker in started:
            _stop(worker)


# --- People in a browser's place ------------------------------------------------------------

CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
NONCE = re.compile(r'name="nonce"[^>]*value="([^"]+)"')


class Person:
    """One person: an HTTP session (their cookie) and a live connection to one worker."""

    def __init__(self, person: tuple[int, str],
                 cookie_jar: aiohttp.CookieJar | None = None) -> None:
        self.id, self.email = person
        if cookie_jar is None:  # an empty jar is falsy: test for None
            cookie_jar = aiohttp.CookieJar(unsafe=True)
        self.http = aiohttp.ClientSession(cookie_jar=cookie_jar)
        self.socket: socketio.AsyncClient | None = None
        self.events: list[tuple[str, Any]] = []

    async def sign_in(self, worker: Worker) -> None:
        async with self.http.get(worker.url + "/sign-in") as page:
            token = _found(CSRF, await page.text())
        form = {"email": self.email, "password": factories.PASSWORD, "csrf_token": token}
        async with self.http.post(worker.url + "/sign-in", data=form,
                                  allow_redirects=False) as answer:
            assert answer.status == 302, await answer.text()

    async def post_reply(self, topic_page: str, body: str) -> None:
        """Reply through the topic page's form, as a browser without script does."""
        async with self.http.get(topic_page) as page:
            html = await page.text()
            assert page.status == 200, html
        form = {"body": body, "csrf_token": _found(CSRF, html), "nonce": _found(NONCE, html)}
        async with self.http.post(topic_page + "/posts", data=form,
                                  allow_redirects=False) as answer:
            assert answer.status == 302, await answer.text()

    def cookie_header(self, worker: Worker) -> str:
        cookies = self.http.cookie_jar.filter_cookies(URL(worker.url))
        return "; ".join(f"{name}={morsel.value}" for name, morsel in cookies.items())

    async def connect(self, worker: Worker, transports: tuple[str, ...] = ("websocket",)) -> None:
        self.socket = socketio.AsyncClient(reconnection=False)

        async def heard(event: str, data: Any = None) -> None:
            self.events.append((event, data))

        self.socket.on("*", heard, namespace=LIVE)
        await self.socket.connect(worker.url, namespaces=[LIVE], transports=list(transports),
                                  headers={"Cookie": self.cookie_header(worker)},
                                  wait_timeout=WAIT)

    async def ask(self, event: str, **payload: Any) -> dict[str, Any]:
        assert self.socket is not None
        answer = await self.socket.call(event, payload, namespace=LIVE, timeout=WAIT)
        assert answer["ok"], answer
        return answer

    async def disconnect(self) -> None:
        if self.socket is not None and self.socket.connected:
            await self.socket.disconnect()

    def heard(self, name: str) -> list[Any]:
        return [data for event, data in self.events if event == name]

    def seqs(self) -> list[int]:
        return [message["seq"] for message in self.heard("message_added")]

    async def close(self) -> None:
        await self.disconnect()
        await self.http.close()


def _found(pattern: re.Pattern[str], html: str) -> str:
    match = pattern.search(html)
    assert match, f"{pattern.pattern} not in the page"
    return match.group(1)


def run_in_own_loop(scenario: Callable[[], Coroutine[Any, Any, None]]) -> None:
    """Run the scenario on a thread of its own: a browser test earlier on this pytest worker
    leaves Playwright's event loop running in the main thread, where asyncio.run refuses."""
    failures: list[BaseException] = []
    app = current_app._get_current_object()  # the scenario reads the database as the test does

    def run() -> None:
        try:
            with app.app_context():
                asyncio.run(scenario())
        except BaseException as exc:  # handed back to the test's thread
            failures.append(exc)

    thread = threading.Thread(target=run, name="two-workers-scenario")
    thread.start()
    thread.join()
    if failures:
        raise failures[0]


async def _until(check: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + WAIT
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"waited {WAIT:.0f} s for {what}")
        await asyncio.sleep(0.02)


# --- The test --------------------------------------------------------------------------------

def test_rooms_replay_and_forum_posts_cross_between_two_workers(cast: Cast, workers):
    session_id, topic_id, slug = cast.session_id, cast.topic_id, cast.slug
    one, two = workers

    async def scenario() -> None:
        arizona, georgia = Person(cast.arizona), Person(cast.georgia)
        try:
            await arizona.sign_in(one)
            await georgia.sign_in(two)
            await georgia.connect(two)
            await georgia.ask("join_room", session_id=session_id, last_seq=0)
            await arizona.connect(one)
            await arizona.ask("join_room", session_id=session_id, last_seq=0)
            # Arizona's entry, made on worker 1, reaches Georgia on worker 2 (and so proves
            # worker 2 is listening to Redis before any message is counted).
            await _until(lambda: any(event["person"]["id"] == arizona.id
                                     for event in georgia.heard("person_joined")),
                         "worker 1's arrival to reach worker 2")

            # Said through worker 1, heard on worker 2, in order.
            for n in range(3):
                await arizona.ask("send_message", session_id=session_id,
                                  body=f"Before the break, point {n + 1}.",
                                  client_id=f"arizona-before-{n}")
            await _until(lambda: len(georgia.seqs()) == 3, "three messages on worker 2")
            assert georgia.seqs() == [1, 2, 3]
            assert georgia.heard("message_added")[0]["author"]["id"] == arizona.id

            # Georgia drops off, misses two messages, comes back through worker 1.
            last_seen = georgia.seqs()[-1]
            await georgia.disconnect()
            for n in range(2):
                await arizona.ask("send_message", session_id=session_id,
                                  body=f"While Georgia was away, {n + 1}.",
                                  client_id=f"arizona-away-{n}")
            georgia.events.clear()
            await georgia.connect(one)
            back = await georgia.ask("join_room", session_id=session_id, last_seq=last_seen)
            missed = back["room"]["messages"]
            assert [m["seq"] for m in missed] == [4, 5]
            assert [m["client_id"] for m in missed] == ["arizona-away-0", "arizona-away-1"]
            assert back["room"]["more"] is False

            # And the room goes on for her on worker 1, nothing sent twice.
            await arizona.ask("send_message", session_id=session_id, body="Welcome back.",
                              client_id="arizona-after-0")
            await _until(lambda: georgia.seqs() == [6], "the next message on worker 1")

            # A reply posted through worker 2's HTTP reaches a reader on worker 1.
            await arizona.ask("watch_topic", topic_id=topic_id)
            await georgia.post_reply(f"{two.url}/communities/{slug}/forums/topics/{topic_id}",
                                     "Georgia does the same, monthly.")
            await _until(lambda: bool(arizona.heard("post_added")),
                         "worker 2's new post to reach a reader on worker 1")
            reply = db.session.scalars(select(Post).where(Post.topic_id == topic_id)
                                       .order_by(Post.id.desc())).first()
            assert reply is not None and reply.author_id == georgia.id
            assert arizona.heard("post_added") == [{"topic_id": topic_id, "post_id": reply.id}]
            assert georgia.seqs() == [6]  # nothing more, nothing twice
        finally:
            await arizona.close()
            await georgia.close()

    try:
        run_in_own_loop(scenario)
    except BaseException:
        for worker in workers:
            print(f"--- {worker.name} ---\n{worker.output()}")
        raise


def test_where_websockets_are_blocked_the_room_works_over_long_polling(cast: Cast, workers):
    """State networks often block WebSockets: HTTP long-polling carries the same room, across
    the same two workers (each client keeps to its own worker, as sticky sessions ensure)."""
    session_id = cast.session_id
    one, two = workers

    async def scenario() -> None:
        arizona, georgia = Person(cast.arizona), Person(cast.georgia)
        try:
            await arizona.sign_in(one)
            await georgia.sign_in(two)
            await georgia.connect(two, transports=("polling",))
            assert georgia.socket is not None and georgia.socket.transport() == "polling"
            await georgia.ask("join_room", session_id=session_id, last_seq=0)
            await arizona.connect(one, transports=("polling",))
            await arizona.ask("join_room", session_id=session_id, last_seq=0)
            await _until(lambda: any(event["person"]["id"] == arizona.id
                                     for event in georgia.heard("person_joined")),
                         "worker 1's arrival to reach worker 2 over polling")
            sent = await arizona.ask("send_message", session_id=session_id,
                                     body="Over plain HTTP", client_id="polling-0001")
            await _until(lambda: georgia.seqs() == [sent["message"]["seq"]],
                         "the message to reach the other worker's polling client")
        finally:
            await arizona.close()
            await georgia.close()

    run_in_own_loop(scenario)
