"""Live room speed: N python-socketio clients in one room, one of them talking, against a floor.

Seeds a SQLite file with one community of 500 members and a live session per run, then for
N = 100 and 500 clients: serves the app with gevent (`workspace.serve`) as one worker, and as
two workers sharing rooms through a Redis of its own (clients split between them, the speaker
on the first); connects N asyncio python-socketio clients over WebSocket, each signed in as a
different member (a session cookie signed with the bench's key), and joins them to the room.
One member then sends 200 messages at 20 a second. Each client records when each message
arrives; latency is arrival minus the moment the speaker emitted it (one clock, one process).
Per run: p50/p99 latency over every delivery, messages lost (not arrived 10 s after the last
send), duplicates and out-of-order deliveries (by the room's sequence number), and the servers'
resident memory per client (RSS with the clients in, less RSS after one warm-up visit, over N).
The floor is bench/live_floor.py, a bare Flask-SocketIO broadcast server served the same way
and measured the same way. Everything listens on 127.0.0.1 and every server it starts is
stopped, whatever happens. The last line reads:

    live: clients=500 p50_ms=N p99_ms=N lost=0 duplicates=0 out_of_order=0 rss_kb_per_client=N workers=2 floor_p99_ms=N
"""  # noqa: E501 - the line above is quoted as it is printed

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from math import nan
from pathlib import Path
from typing import Any

import socketio

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

CLIENT_COUNTS = (100, 500)
MESSAGES = 200
PER_SECOND = 20
STRAGGLERS = 10.0  # seconds after the last send before a missing message counts as lost
CONNECTING_AT_ONCE = 25
# Every entry announces the whole list of people present to everyone in the room, so joining
# N people sends O(N^2) cards (about 2.5 GB at 500). All at once, that backlog outlasts the
# ping timeout and the servers drop most clients; so people join in waves, each wave let
# finish announcing (no room traffic for QUIET seconds) before the next. See the report.
QUIET = 0.3
LONGEST_SETTLE = 180.0
SECRET_KEY = "bench-live"
SLUG = "bench-live"
STATES = ("AZ", "GA", "MI", "OH", "WA")
LIVE = "/live"
BODY = ("Our district leads review **leading indicators** each quarter: attendance, interim "
        "results and whether the coaching happened. Message {n}.")


def log(message: str) -> None:
    print(message, flush=True)


# --- Data ------------------------------------------------------------------------------------

@dataclass
class Seeded:
    session_ids: list[int]
    cookies: list[str]  # one per member, as a Cookie header; the first one speaks


def seed(database_url: str, people: int, sessions: int) -> Seeded:
    """Schema by migration; members, and a session that began five minutes ago per run."""
    from flask_migrate import upgrade
    from werkzeug.security import generate_password_hash

    from workspace import create_app
    from workspace.auth.models import User
    from workspace.communities.models import (
        Community,
        CommunityKind,
        CommunityOrganization,
        CommunityRole,
        CommunityStatus,
        Membership,
        OrganizationRole,
    )
    from workspace.database import utcnow
    from workspace.extensions import db
    from workspace.organizations.models import Organization, OrganizationKind
    from workspace.sessions.models import LiveSession, new_uid

    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "SECRET_KEY": SECRET_KEY})
    with app.app_context():
        upgrade()
        community = Community(slug=SLUG, title="Bench live room", kind=CommunityKind.P2P,
                              status=CommunityStatus.IN_PROGRESS)
        agencies = [Organization(kind=OrganizationKind.SEA, name=f"{code} Department of Education",
                                 short_name=code, state_code=code, state_name=code)
                    for code in STATES]
        db.session.add_all([community, *agencies])
        db.session.flush()
        db.session.add_all([CommunityOrganization(community_id=community.id, organization=agency,
                                                  role=OrganizationRole.PARTICIPANT)
                            for agency in agencies])
        password_hash = generate_password_hash("bench-live-password")  # unused, but active
        members = [User(email=f"member{n}@bench.example.org", name=f"Member {n}",
                        handle=f"member{n}", organization=agencies[n % len(agencies)],
                        password_hash=password_hash, time_zone_confirmed_at=utcnow())
                   for n in range(people)]
        db.session.add_all(members)
        db.session.flush()
        db.session.add_all([Membership(community_id=community.id, user_id=person.id,
                                       role=CommunityRole.MEMBER) for person in members])
        now = utcnow()
        rooms = [LiveSession(community=community, author_id=members[0].id,
                             title=f"Bench run {n + 1}", number=n + 1,
                             starts_at=now - timedelta(minutes=5),
                             ends_at=now + timedelta(hours=3), time_zone="America/New_York",
                             call_url="", uid=new_uid(), agenda_html="", prework_html="")
                 for n in range(sessions)]
        db.session.add_all(rooms)
        db.session.commit()
        # The session cookie Flask-Login writes on signing in, signed with the servers' key.
        signer = app.session_interface.get_signing_serializer(app)  # type: ignore[attr-defined]
        cookie_name = app.config["SESSION_COOKIE_NAME"]
        cookies = [f"{cookie_name}={signer.dumps({'_user_id': p.get_id(), '_fresh': True})}"
                   for p in members]
        seeded = Seeded([room.id for room in rooms], cookies)
        db.session.remove()
        db.engine.dispose()
    return seeded


# --- Servers ---------------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Server:
    process: subprocess.Popen[bytes]
    url: str

    def rss_kb(self) -> int:
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
        raise RuntimeError("no VmRSS for the server")


def start(command: list[str], port: int, env: dict[str, str], logfile: Path) -> Server:
    with open(logfile, "ab") as output:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=output,
                                   stderr=subprocess.STDOUT, start_new_session=True)
    server = Server(process, f"http://127.0.0.1:{port}")
    deadline = time.monotonic() + 60
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"a server exited early; see {logfile}")
        try:
            handshake = f"{server.url}/socket.io/?EIO=4&transport=polling"
            with urllib.request.urlopen(handshake, timeout=2) as response:
                if response.status == 200:
                    return server
        except OSError:
            pass
        if time.monotonic() > deadline:
            stop(process)
            raise RuntimeError(f"a server did not start; see {logfile}")
        time.sleep(0.2)


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=15)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        process.wait(timeout=5)


@contextmanager
def redis_server(folder: Path) -> Iterator[str]:
    """A Redis of this run's own: pub/sub channels are shared by a whole server, so another
    program's rooms on a shared Redis would be heard here (and ours there)."""
    binary = shutil.which("redis-server")
    if binary is None:
        raise RuntimeError("redis-server is missing (Debian's redis-server package)")
    port = free_port()
    process = subprocess.Popen([binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                                "--appendonly", "no", "--dir", str(folder)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               start_new_session=True)
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError("redis-server did not start") from None
                time.sleep(0.05)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        stop(process)


@contextmanager
def app_servers(workers: int, env: dict[str, str], redis_url: str,
                logfile: Path) -> Iterator[list[Server]]:
    from workspace.serve import command

    settings = {**env, "REDIS_URL": redis_url} if workers > 1 else env
    servers: list[Server] = []
    try:
        for _ in range(workers):
            port = free_port()
            servers.append(start(command("127.0.0.1", port), port, settings, logfile))
        yield servers
    finally:
        for server in servers:
            stop(server.process)


@contextmanager
def floor_server(env: dict[str, str], logfile: Path) -> Iterator[list[Server]]:
    port = free_port()
    server = start([sys.executable, "-m", "gevent.monkey", str(ROOT / "bench" / "live_floor.py"),
                    "--port", str(port)], port, env, logfile)
    try:
        yield [server]
    finally:
        stop(server.process)


# --- Clients ---------------------------------------------------------------------------------

@dataclass
class Listener:
    """One client's view of the room: when each message arrived, and anything amiss."""

    arrivals: dict[str, float] = field(default_factory=dict)  # client_id -> arrival time
    seen: set[int] = field(default_factory=set)
    highest: int = 0
    duplicates: int = 0
    out_of_order: int = 0

    def heard(self, message: dict[str, Any]) -> None:
        now = time.monotonic()
        seq = message["seq"]
        if seq in self.seen:
            self.duplicates += 1
            return
        if seq < self.highest:
            self.out_of_order += 1
        self.seen.add(seq)
        self.highest = max(self.highest, seq)
        self.arrivals[message["client_id"]] = now


@dataclass
class Room:
    clients: list[socketio.AsyncClient] = field(default_factory=list)
    listeners: list[Listener] = field(default_factory=list)
    last_traffic: float = 0.0


async def connect(room: Room, url: str, cookie: str | None, session_id: int,
                  gate: asyncio.Semaphore) -> None:
    client = socketio.AsyncClient(reconnection=False)
    listener = Listener()
    namespace = LIVE if cookie else "/"  # the floor has only the default namespace

    async def message_added(data: dict[str, Any]) -> None:
        listener.heard(data)

    async def anything(event: str, *_args: Any) -> None:
        room.last_traffic = time.monotonic()  # presence changes as the others join

    client.on("message_added", message_added, namespace=namespace)
    client.on("*", anything, namespace=namespace)
    async with gate:
        await client.connect(url, namespaces=[namespace], transports=["websocket"],
                             wait_timeout=30, headers={"Cookie": cookie} if cookie else {})
        answer = await client.call("join_room", {"session_id": session_id, "last_seq": 0},
                                   namespace=namespace, timeout=60)
    if not answer.get("ok"):
        raise RuntimeError(f"join_room refused: {answer}")
    room.clients.append(client)
    room.listeners.append(listener)
    room.last_traffic = time.monotonic()


async def settle(room: Room) -> None:
    """Wait until the joins' presence announcements have stopped arriving."""
    deadline = time.monotonic() + LONGEST_SETTLE
    await asyncio.sleep(QUIET)
    while time.monotonic() - room.last_traffic < QUIET:
        if time.monotonic() > deadline:
            raise RuntimeError("the room never went quiet after the joins")
        await asyncio.sleep(0.05)


async def talk(speaker: socketio.AsyncClient, namespace: str, session_id: int,
               sent: dict[str, float]) -> int:
    """200 messages at 20 a second, each emitted on schedule whatever the acks do; returns
    how many were refused."""
    loop = asyncio.get_running_loop()
    start_at = loop.time() + 0.1
    pending = []
    for n in range(MESSAGES):
        await asyncio.sleep(max(0.0, start_at + n / PER_SECOND - loop.time()))
        client_id = f"bench-{n:06d}"
        sent[client_id] = time.monotonic()
        pending.append(asyncio.ensure_future(speaker.call(
            "send_message", {"session_id": session_id, "client_id": client_id,
                             "body": BODY.format(n=n)}, namespace=namespace, timeout=60)))
    answers = await asyncio.gather(*pending, return_exceptions=True)
    return sum(1 for answer in answers if not isinstance(answer, dict) or not answer.get("ok"))


async def everyone_heard(room: Room, sent: dict[str, float]) -> None:
    deadline = time.monotonic() + STRAGGLERS
    while time.monotonic() < deadline:
        if all(len(listener.arrivals) >= len(sent) for listener in room.listeners):
            return
        await asyncio.sleep(0.05)


@dataclass
class Result:
    label: str
    clients: int
    workers: int
    p50_ms: float
    p99_ms: float
    max_ms: float
    lost: int
    duplicates: int
    out_of_order: int
    refused: int
    dropped: int
    rss_kb_per_client: float
    idle_rss_kb: int
    join_seconds: float


def percentile(ordered: list[float], share: float) -> float:
    # No deliveries at all reads "nan", not a latency of 0.
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))] if ordered else nan


async def measure(label: str, servers: list[Server], clients: int, session_id: int,
                  cookies: list[str] | None) -> Result:
    namespace = LIVE if cookies else "/"
    # A warm-up visit, so the baseline includes what any first visit loads.
    warm_up = Room()
    await connect(warm_up, servers[0].url, cookies[0] if cookies else None, session_id,
                  asyncio.Semaphore(1))
    await warm_up.clients[0].disconnect()
    await asyncio.sleep(0.5)
    idle_rss = sum(server.rss_kb() for server in servers)

    room = Room()
    gate = asyncio.Semaphore(CONNECTING_AT_ONCE)
    joining = time.monotonic()
    # The speaker first, on the first server; the others spread over the servers in turn.
    await connect(room, servers[0].url, cookies[0] if cookies else None, session_id, gate)
    for wave in range(1, clients, CONNECTING_AT_ONCE):
        people = range(wave, min(clients, wave + CONNECTING_AT_ONCE))
        await asyncio.gather(*(
            connect(room, servers[n % len(servers)].url, cookies[n] if cookies else None,
                    session_id, gate) for n in people))
        await settle(room)
    join_seconds = time.monotonic() - joining
    rss_in = sum(server.rss_kb() for server in servers)
    dropped = sum(1 for client in room.clients if not client.connected)

    sent: dict[str, float] = {}
    refused = await talk(room.clients[0], namespace, session_id, sent)
    await everyone_heard(room, sent)
    rss_after = sum(server.rss_kb() for server in servers)

    latencies: list[float] = []
    lost = 0
    for listener in room.listeners:
        for client_id, at in sent.items():
            arrived = listener.arrivals.get(client_id)
            if arrived is None:
                lost += 1
            else:
                latencies.append((arrived - at) * 1000)
    latencies.sort()
    for server in servers:  # stop serving first: clients leaving would each announce it
        stop(server.process)
    await asyncio.gather(*(asyncio.wait_for(client.disconnect(), 5) for client in room.clients),
                         return_exceptions=True)
    return Result(label=label, clients=clients, workers=len(servers),
                  p50_ms=percentile(latencies, 0.50), p99_ms=percentile(latencies, 0.99),
                  max_ms=latencies[-1] if latencies else nan, lost=lost,
                  duplicates=sum(listener.duplicates for listener in room.listeners),
                  out_of_order=sum(listener.out_of_order for listener in room.listeners),
                  refused=refused, dropped=dropped,
                  rss_kb_per_client=(max(rss_in, rss_after) - idle_rss) / clients,
                  idle_rss_kb=idle_rss, join_seconds=join_seconds)


def report(result: Result) -> None:
    log(f"  {result.label:<6} workers={result.workers} clients={result.clients:<4} "
        f"p50_ms={result.p50_ms:.0f} p99_ms={result.p99_ms:.0f} max_ms={result.max_ms:.0f} "
        f"lost={result.lost} duplicates={result.duplicates} "
        f"out_of_order={result.out_of_order} refused_sends={result.refused} "
        f"dropped_before_talking={result.dropped} "
        f"rss_kb_per_client={result.rss_kb_per_client:.0f} "
        f"(idle {result.idle_rss_kb // 1024} MiB) joined_in={result.join_seconds:.1f}s")


# --- The run -------------------------------------------------------------------------------

def main(argv: list[str]) -> int:
    counts = tuple(int(n) for n in argv) or CLIENT_COUNTS  # e.g. `bench/live.py 20 50`, to try
    workdir = Path(tempfile.mkdtemp(prefix="live-bench-"))
    database_url = f"sqlite:///{workdir / 'live.sqlite3'}"
    logfile = workdir / "servers.log"
    runs = [(clients, workers) for clients in counts for workers in (1, 2)]
    try:
        started = time.monotonic()
        seeded = seed(database_url, max(counts), len(runs))
        log(f"seeded {max(counts)} members and {len(runs)} live sessions in "
            f"{time.monotonic() - started:.1f}s ({workdir})")
        env = {key: value for key, value in os.environ.items()
               if not key.startswith(("FLASK_", "WORKSPACE_", "SOCKETIO_", "REDIS_"))}
        env.update(DATABASE_URL=database_url, SECRET_KEY=SECRET_KEY, PYTHONPATH=str(ROOT),
                   # One person speaks at 20 a second here; people are held to 30 in 10 s.
                   LIVE_EVENT_LIMIT=f"{MESSAGES * 10} per 10 seconds")
        results: dict[tuple[str, int, int], Result] = {}
        log(f"{MESSAGES} messages at {PER_SECOND}/s to every client in one room "
            "(latency: emitted by the speaker to arrived at each client):")
        for clients in counts:
            with floor_server(env, logfile) as servers:
                result = asyncio.run(measure("floor", servers, clients, 1, None))
            results["floor", clients, 1] = result
            report(result)
        with redis_server(workdir) as redis_url:
            for (clients, workers), session_id in zip(runs, seeded.session_ids, strict=True):
                with app_servers(workers, env, redis_url, logfile) as servers:
                    result = asyncio.run(measure("app", servers, clients, session_id,
                                                 seeded.cookies))
                results["app", clients, workers] = result
                report(result)
        log(f"took {time.monotonic() - started:.0f}s")
        final = results["app", max(counts), 2]
        floor = results["floor", max(counts), 1]
        log(f"live: clients={final.clients} p50_ms={final.p50_ms:.0f} "
            f"p99_ms={final.p99_ms:.0f} lost={final.lost} duplicates={final.duplicates} "
            f"out_of_order={final.out_of_order} "
            f"rss_kb_per_client={final.rss_kb_per_client:.0f} workers={final.workers} "
            f"floor_p99_ms={floor.p99_ms:.0f}")
    except BaseException:
        log(f"failed; the servers' output is in {logfile}")
        raise
    shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
