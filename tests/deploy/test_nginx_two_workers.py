"""Production as `make serve` runs it: nginx (deploy/nginx.conf) in front of two gunicorn
processes (deploy/gunicorn.conf.py, workspace.wsgi), sharing rooms through Redis, on the test's
database (PostgreSQL when TEST_DATABASE_URL is set), all on 127.0.0.1.

People sign in and post through nginx, as a browser does; their live connections go to one
worker each directly, so it is known which worker holds whom. When a worker stops (gracefully,
or killed), its client comes back through nginx, which sends it to the other worker, and replays
exactly what it missed. Stored files are sent by nginx once the app has said who may have them.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import signal
import socket
import subprocess
import urllib.request
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import aiohttp
import pytest

from tests.realtime.test_two_workers import (
    Cast,
    Person,
    _until,
    run_in_own_loop,
    server_environment,
)
from tests.resources.conftest import add_files, only_resource, pdf_bytes
from workspace.files.serving import FILE_CONTENT_SECURITY_POLICY
from workspace.ops.production import (
    ACCEL_REDIRECT_PREFIX,
    LaunchError,
    gunicorn_command,
    nginx_command,
    nginx_config,
    wait_until_serving,
    write_nginx_config,
)

ROOT = Path(__file__).resolve().parents[2]
SECRET_KEY = "deploy-test-" + "k" * 40  # production refuses short or known keys
WAIT = 10.0

pytestmark = pytest.mark.skipif(
    not (shutil.which("nginx") or os.access("/usr/sbin/nginx", os.X_OK)),
    reason="nginx is not installed: `make nginx` installs Debian's nginx-light (`make test` "
           "does it first).")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Process:
    name: str
    url: str
    process: subprocess.Popen[bytes]
    log: Path

    def output(self) -> str:
        return self.log.read_text(errors="replace")[-3000:]

    def signal(self, signum: int) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signum)

    def stop(self) -> None:
        self.signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.signal(signal.SIGKILL)
            self.process.wait(timeout=10)


def _start(name: str, url: str, command: list[str], environment: dict[str, str],
           folder: Path) -> Process:
    log = folder / f"{name}.log"
    with log.open("wb") as output:
        process = subprocess.Popen(command, cwd=ROOT, env=environment, stdout=output,
                                   stderr=subprocess.STDOUT, start_new_session=True)
    return Process(name, url, process, log)


@dataclass
class Stack:
    nginx: Process
    one: Process
    two: Process


@pytest.fixture
def stack(app, cast: Cast, redis_url: str, tmp_path: Path) -> Iterator[Stack]:
    environment = server_environment(
        app, SECRET_KEY=SECRET_KEY, REDIS_URL=redis_url, BASE_URL="https://cop.example.org",
        WORKSPACE_ENV="production",
        BEHIND_PROXY="1", JOBS_IN_PROCESS="0", LOG_FORMAT="json",
        FILES_ROOT=app.config["FILES_ROOT"], ACCEL_REDIRECT_PREFIX=ACCEL_REDIRECT_PREFIX)
    started: list[Process] = []
    try:
        ports = [_free_port(), _free_port()]
        for name, port in zip(("worker-1", "worker-2"), ports, strict=True):
            started.append(_start(name, f"http://127.0.0.1:{port}",
                                  gunicorn_command("127.0.0.1", port), environment, tmp_path))
        listen = f"127.0.0.1:{_free_port()}"
        runtime = tmp_path / "nginx"
        config = write_nginx_config(nginx_config(ports=ports, listen=listen, runtime=runtime,
                                                 upload_max_bytes=app.config["UPLOAD_MAX_BYTES"],
                                                 files_root=Path(app.config["FILES_ROOT"])),
                                    runtime)
        for worker in started:
            wait_until_serving(worker.url + "/health/live", worker.process)
        nginx = _start("nginx", f"http://{listen}", nginx_command(config, runtime), environment,
                       tmp_path)
        started.append(nginx)
        wait_until_serving(nginx.url + "/health", nginx.process, timeout=20)
        yield Stack(nginx, started[0], started[1])
    except LaunchError as exc:
        pytest.fail(f"{exc}\n" + "\n".join(f"--- {p.name} ---\n{p.output()}" for p in started),
                    pytrace=False)
    finally:
        for process in started:
            process.stop()


class Visitor(Person):
    """A person whose cookies are Secure, as production sets them: the test's plain-http
    origins are treated as secure, as browsers treat localhost."""

    def __init__(self, person: tuple[int, str], stack: Stack) -> None:
        origins = [process.url for process in (stack.nginx, stack.one, stack.two)]
        super().__init__(person, aiohttp.CookieJar(unsafe=True, treat_as_secure_origin=origins))


async def _in_the_room(arizona: Visitor, georgia: Visitor, stack: Stack,
                       session_id: int) -> None:
    """Both sign in through nginx; Georgia joins the room on worker 2, Arizona on worker 1."""
    await arizona.sign_in(stack.nginx)  # type: ignore[arg-type]
    await georgia.sign_in(stack.nginx)  # type: ignore[arg-type]
    await georgia.connect(stack.two)  # type: ignore[arg-type]
    await georgia.ask("join_room", session_id=session_id, last_seq=0)
    await arizona.connect(stack.one)  # type: ignore[arg-type]
    await arizona.ask("join_room", session_id=session_id, last_seq=0)


def _run(scenario: Callable[[], Awaitable[None]], stack: Stack) -> None:
    """Run the test's scenario; if it fails, show what the servers printed."""
    try:
        run_in_own_loop(scenario)
    except BaseException:
        for process in (stack.one, stack.two, stack.nginx):
            print(f"--- {process.name} ---\n{process.output()}")
        raise


def test_through_nginx_a_reply_and_a_chat_message_reach_readers_on_both_workers(
        cast: Cast, stack: Stack):
    session_id, topic_id, slug = cast.session_id, cast.topic_id, cast.slug

    async def scenario() -> None:
        arizona, georgia = Visitor(cast.arizona, stack), Visitor(cast.georgia, stack)
        try:
            await _in_the_room(arizona, georgia, stack, session_id)
            await _until(lambda: any(event["person"]["id"] == arizona.id
                                     for event in georgia.heard("person_joined")),
                         "worker 1's arrival to reach worker 2")

            # Chat said on worker 1 is heard on worker 2.
            await arizona.ask("send_message", session_id=session_id, body="Hello from one.",
                              client_id="arizona-0001")
            await _until(lambda: georgia.seqs() == [1], "the chat message on worker 2")

            # A reply posted through nginx (to whichever worker it chose) reaches readers on
            # both workers: one of them heard it through Redis.
            await arizona.ask("watch_topic", topic_id=topic_id)
            await georgia.ask("watch_topic", topic_id=topic_id)
            await georgia.post_reply(
                f"{stack.nginx.url}/communities/{slug}/forums/topics/{topic_id}",
                "Posted through nginx.")
            await _until(lambda: bool(arizona.heard("post_added"))
                         and bool(georgia.heard("post_added")),
                         "the new post to reach readers on both workers")
            assert arizona.heard("post_added") == georgia.heard("post_added")
            assert len(arizona.heard("post_added")) == 1
        finally:
            await arizona.close()
            await georgia.close()

    _run(scenario, stack)


def test_nginx_serves_static_files_itself_and_passes_health_and_request_ids(stack: Stack):
    with urllib.request.urlopen(stack.nginx.url + "/static/css/workspace.css", timeout=WAIT) as css:
        assert css.headers["Server"] == "nginx"  # not the app: it would say gunicorn
        assert "max-age=3600" in css.headers["Cache-Control"]
    asked = urllib.request.Request(stack.nginx.url + "/health",
                                   headers={"X-Request-ID": "deploy-test-1"})
    with urllib.request.urlopen(asked, timeout=WAIT) as health:
        assert json.load(health) | {"version": ""} == {"status": "ok", "database": "ok",
                                                      "redis": "ok", "version": ""}
        # nginx gives the app an id of its own ($request_id), which the app keeps and returns.
        assert len(health.headers["X-Request-ID"]) == 32


@dataclass
class LibraryFile:
    resource_id: int
    digest: str
    data: bytes


@pytest.fixture
def library_file(app, client_as, member, cast: Cast) -> LibraryFile:
    """A PDF Arizona added to the community's library (before the servers start)."""
    data = pdf_bytes("Sent by nginx") * 20  # some kilobytes, so a range is a real slice
    answer = add_files(client_as(member), cast.slug, [("Plan für 2026.pdf", data)])
    assert answer.status_code == 302
    resource = only_resource()
    return LibraryFile(resource.id, resource.current_version.file.digest, data)


def test_through_nginx_a_member_downloads_a_library_file_nginx_sends(
        cast: Cast, library_file: LibraryFile, stack: Stack):
    download = f"/library/{library_file.resource_id}/download"
    data, digest = library_file.data, library_file.digest

    async def scenario() -> None:
        georgia = Visitor(cast.georgia, stack)
        try:
            await georgia.sign_in(stack.nginx)  # type: ignore[arg-type]
            async with georgia.http.get(stack.nginx.url + download) as whole:
                assert whole.status == 200, await whole.text()
                assert await whole.read() == data
                headers = whole.headers
                assert headers["Content-Type"] == "application/pdf"
                assert headers["Content-Disposition"] == (
                    "attachment; filename=\"Plan fur 2026.pdf\"; "
                    "filename*=UTF-8''Plan%20f%C3%BCr%202026.pdf")
                assert headers.getall("Content-Security-Policy") == [
                    FILE_CONTENT_SECURITY_POLICY]
                assert headers.getall("X-Content-Type-Options") == ["nosniff"]
                assert headers["Cross-Origin-Resource-Policy"] == "same-origin"
                assert headers["X-Frame-Options"] == "DENY"
                assert headers["Cache-Control"] == "private, no-cache"
                assert headers["ETag"] == f'"{digest}"'
                assert len(headers["X-Request-ID"]) == 32
                assert "X-Accel-Redirect" not in headers

            # The app's own answer was headers and a redirect to nginx's internal location.
            async with georgia.http.get(stack.one.url + download) as app_answer:
                assert app_answer.status == 200
                assert await app_answer.read() == b""
                assert app_answer.headers["X-Accel-Redirect"] == (
                    f"{ACCEL_REDIRECT_PREFIX}/{digest[:2]}/{digest[2:4]}/{digest}")

            async with georgia.http.get(stack.nginx.url + download,
                                        headers={"Range": "bytes=100-1099"}) as part:
                assert part.status == 206
                assert await part.read() == data[100:1100]
                assert part.headers["Content-Range"] == f"bytes 100-1099/{len(data)}"
                assert part.headers["Content-Security-Policy"] == FILE_CONTENT_SECURITY_POLICY
            async with georgia.http.get(stack.nginx.url + download,
                                        headers={"Range": "bytes=0-9",
                                                 "If-Range": '"' + "0" * 64 + '"'}) as stale:
                assert stale.status == 200 and await stale.read() == data
            async with georgia.http.get(stack.nginx.url + download,
                                        headers={"If-None-Match": f'"{digest}"'}) as again:
                assert again.status == 304 and await again.read() == b""
                assert again.headers["ETag"] == f'"{digest}"'

            # The internal location is not there for anyone asking from outside.
            async with georgia.http.get(
                    f"{stack.nginx.url}{ACCEL_REDIRECT_PREFIX}/{digest[:2]}/{digest[2:4]}/"
                    f"{digest}") as direct:
                assert direct.status == 404
                assert await direct.read() != data
        finally:
            await georgia.close()

    _run(scenario, stack)


@pytest.mark.parametrize("how", ["stopped", "killed"])
def test_when_a_worker_goes_its_client_comes_back_through_nginx_and_replays(
        cast: Cast, stack: Stack, how: str):
    session_id = cast.session_id

    async def scenario() -> None:
        arizona, georgia = Visitor(cast.arizona, stack), Visitor(cast.georgia, stack)
        try:
            await _in_the_room(arizona, georgia, stack, session_id)
            await arizona.ask("send_message", session_id=session_id, body="Before.",
                              client_id="arizona-before")
            await _until(lambda: georgia.seqs() == [1], "the first message on worker 2")

            # Worker 2 goes: SIGTERM (systemd's stop, a deploy) or SIGKILL (a crash).
            stack.two.signal(signal.SIGTERM if how == "stopped" else signal.SIGKILL)
            assert georgia.socket is not None
            await _until(lambda: not georgia.socket.connected, "worker 2's client to be cut off")
            if how == "stopped":
                assert georgia.heard("server_shutting_down"), "told before being cut off"
            stack.two.process.wait(timeout=WAIT)

            for n in range(2):
                await arizona.ask("send_message", session_id=session_id, body=f"Missed {n}.",
                                  client_id=f"arizona-missed-{n}")
            georgia.events.clear()
            await georgia.connect(stack.nginx)  # type: ignore[arg-type]
            back = await georgia.ask("join_room", session_id=session_id, last_seq=1)
            assert [m["seq"] for m in back["room"]["messages"]] == [2, 3]
            assert [m["client_id"] for m in back["room"]["messages"]] == [
                "arizona-missed-0", "arizona-missed-1"]

            await arizona.ask("send_message", session_id=session_id, body="After.",
                              client_id="arizona-after")
            await _until(lambda: georgia.seqs() == [4], "the next message, live")
            await asyncio.sleep(0.3)  # anything sent twice would have arrived by now
            assert georgia.seqs() == [4]
        finally:
            await arizona.close()
            await georgia.close()

    _run(scenario, stack)
