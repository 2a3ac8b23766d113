"""Library speed: a 200 MB upload and download through the app, against a static-file floor.

Seeds a SQLite file with one community and one member, serves the app with gevent as `flask
serve` does (`workspace.serve`, uploads allowed up to 256 MB, files kept in a temp folder), signs
in through the real form, and then, as the library page's script does it:

- uploads a 200 MB MP4 as the raw body of POST /communities/<slug>/library/uploads, streamed
  from disk in 1 MB pieces (the bench never holds the file), then sends the form that makes the
  resource of it;
- downloads it from /library/<id>/download, read in 1 MB pieces and counted;
- downloads the same bytes as a static file, served by the same server's static route (the
  floor), read the same way.

The floor is Flask's own static route in the same process, so it shares everything but the
app's work: the server, its greenlets, the WSGI file wrapper, the loopback and this client.
The app may only serve from its static folder, so the file is put where that route finds it
for the run only: `static/bench-tmp` is made a symbolic link to this run's temp folder, and
removed afterwards whatever happens (it is in .gitignore; nothing is written into static/).
Each download is timed three times, app and floor in turn, and the best of each is kept: on a
small shared machine one run can land on a busy moment.

The server's memory: its resident size is read after a warm-up (a small upload, resource and
download, so first-use imports are in the baseline), its peak mark is reset there (writing 5 to
/proc/<pid>/clear_refs), and from then on it is sampled every 50 ms; the growth is the higher of
the sampled peak and the kernel's peak mark (VmHWM), less the baseline.

Then, in this process, the community library page's SQL statements are counted (the test
suite's technique: SQLAlchemy's before_cursor_execute) with 10 and with 200 resources of two
versions each; they must be the same. MB here is 2^20 bytes, as the app shows sizes.
127.0.0.1 only; every server it starts is stopped. The last line reads:

    library: upload_mb_s=N download_mb_s=N download_ratio=R peak_rss_growth_mb=N list_queries=N
"""

from __future__ import annotations

import http.client
import logging
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from html import unescape
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

MB = 1024 * 1024
FILE_MB = 200
UPLOAD_LIMIT = 256 * MB
PIECE = MB  # what the client sends and reads at a time
DOWNLOAD_RUNS = 3
SAMPLE_EVERY = 0.05
FEW, MANY = 10, 200  # resources on the library page whose SQL statements are counted
SLUG = "bench-library"
EMAIL = "member@bench.example.org"
PASSWORD = "bench-password-1"
USER_AGENT = "library-bench"  # the same on every request, so the session stays as it was made
SECRET_KEY = "bench-library"
FILENAME = "session-recording.mp4"
STATIC_LINK = ROOT / "static" / "bench-tmp"

# The goals.
DOWNLOAD_RATIO_GOAL = 0.5
RSS_GROWTH_GOAL_MB = 32


def log(message: str) -> None:
    print(message, flush=True)


# --- Data ------------------------------------------------------------------------------------

def make_recording(path: Path, size: int) -> None:
    """An MP4 as the intake sees one (an `ftyp` box first), then incompressible bytes: a 1 MB
    block of seeded noise repeated, which passes the content checks (no markup near the start,
    no ZIP directory near the end)."""
    block = random.Random(15).randbytes(MB)
    header = b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2"
    with open(path, "wb") as file:
        file.write(header)
        written = len(header)
        while written < size:
            piece = block[:size - written]
            file.write(piece)
            written += len(piece)


def seed(database_url: str) -> None:
    """Schema by migration; a community, its state agency, and one member of it."""
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
    from workspace.forums.service import add_default_categories
    from workspace.organizations.models import Organization, OrganizationKind

    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "SECRET_KEY": SECRET_KEY})
    with app.app_context():
        logging.disable(logging.INFO)  # each migration's progress line
        try:
            upgrade()
        finally:
            logging.disable(logging.NOTSET)
        agency = Organization(kind=OrganizationKind.SEA, name="Georgia Department of Education",
                              short_name="GA", state_code="GA", state_name="Georgia")
        community = Community(slug=SLUG, title="Bench library", kind=CommunityKind.P2P,
                              status=CommunityStatus.IN_PROGRESS)
        db.session.add_all([agency, community])
        db.session.flush()
        db.session.add(CommunityOrganization(community_id=community.id, organization=agency,
                                             role=OrganizationRole.PARTICIPANT))
        member = User(email=EMAIL, name="Bench Member", handle="bench.member",
                      organization=agency, password_hash=generate_password_hash(PASSWORD),
                      time_zone_confirmed_at=utcnow())
        db.session.add(member)
        db.session.flush()
        db.session.add(Membership(community_id=community.id, user_id=member.id,
                                  role=CommunityRole.MEMBER))
        add_default_categories(community)
        db.session.commit()
        db.session.remove()
        db.engine.dispose()


# --- The server --------------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


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
def app_server(env: dict[str, str], logfile: Path) -> Iterator[tuple[int, int]]:
    """The app under gevent, as `flask serve` runs it; yields (port, pid)."""
    from workspace.serve import command

    port = free_port()
    with open(logfile, "ab") as output:
        process = subprocess.Popen(command("127.0.0.1", port), cwd=ROOT, env=env, stdout=output,
                                   stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                raise RuntimeError("the server exited early")
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError("the server did not start") from None
                time.sleep(0.2)
        yield port, process.pid
    finally:
        stop(process)


@contextmanager
def static_file_link(folder: Path) -> Iterator[str]:
    """The run's folder reachable through the static route, for the run only."""
    if STATIC_LINK.exists() or STATIC_LINK.is_symlink():
        if not STATIC_LINK.is_symlink():
            raise RuntimeError(f"{STATIC_LINK} exists and is not this bench's link")
        STATIC_LINK.unlink()  # left by a run that was killed
    STATIC_LINK.symlink_to(folder, target_is_directory=True)
    try:
        yield f"/static/{STATIC_LINK.name}"
    finally:
        STATIC_LINK.unlink(missing_ok=True)


# --- Memory ------------------------------------------------------------------------------------

def status_kb(pid: int, name: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{name}:"):
            return int(line.split()[1])
    raise RuntimeError(f"no {name} for process {pid}")


@dataclass
class MemoryWatch:
    """The server's resident memory from a baseline on: sampled, and the kernel's peak mark."""

    pid: int
    baseline_kb: int = 0
    peak_kb: int = 0
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def start(self) -> None:
        self.baseline_kb = status_kb(self.pid, "VmRSS")
        # Resets VmHWM to the current size (Linux 4.0+), so the mark read at the end is this
        # run's peak, not the start-up's.
        Path(f"/proc/{self.pid}/clear_refs").write_text("5")
        self.peak_kb = self.baseline_kb
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()

    def _sample(self) -> None:
        while not self._stop.wait(SAMPLE_EVERY):
            try:
                self.peak_kb = max(self.peak_kb, status_kb(self.pid, "VmRSS"))
            except (OSError, RuntimeError):
                return

    def finish(self) -> float:
        """Peak growth over the baseline, in MB."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        self.peak_kb = max(self.peak_kb, status_kb(self.pid, "VmHWM"),
                           status_kb(self.pid, "VmRSS"))
        return (self.peak_kb - self.baseline_kb) / 1024


# --- The client --------------------------------------------------------------------------------

@dataclass
class Browser:
    """One signed-in person's requests over http.client: a cookie jar of one site, no more."""

    port: int
    cookies: dict[str, str] = field(default_factory=dict)

    def connection(self) -> http.client.HTTPConnection:
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)

    def headers(self, **extra: str) -> dict[str, str]:
        cookie = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        return {"User-Agent": USER_AGENT, **({"Cookie": cookie} if cookie else {}), **extra}

    def keep_cookies(self, response: http.client.HTTPResponse) -> None:
        for header in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = header.partition("=")
            self.cookies[name.strip()] = rest.split(";", 1)[0]

    def request(self, method: str, path: str, form: dict[str, Any] | None = None,
                headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
        body = urllib.parse.urlencode(form, doseq=True).encode() if form is not None else None
        extra = {"Content-Type": "application/x-www-form-urlencoded"} if form is not None else {}
        connection = self.connection()
        try:
            connection.request(method, path, body=body,
                               headers=self.headers(**extra, **(headers or {})))
            response = connection.getresponse()
            data = response.read()
            self.keep_cookies(response)
            return response.status, dict(response.headers.items()), data
        finally:
            connection.close()

    def form_fields(self, path: str) -> dict[str, str]:
        """The hidden fields (CSRF token, one-time value) of the form on a page."""
        status, _, page = self.request("GET", path)
        if status != 200:
            raise RuntimeError(f"{path} answered {status}")
        fields = {}
        for tag in re.findall(rb'<input[^>]*type="hidden"[^>]*>', page):
            name = re.search(rb'name="([^"]+)"', tag)
            value = re.search(rb'value="([^"]*)"', tag)
            if name and value:
                fields[name.group(1).decode()] = unescape(value.group(1).decode())
        return fields

    def sign_in(self) -> None:
        token = self.form_fields("/sign-in")["csrf_token"]
        status, headers, _ = self.request("POST", "/sign-in", {
            "email": EMAIL, "password": PASSWORD, "csrf_token": token})
        if status != 302 or "/sign-in" in headers.get("Location", ""):
            raise RuntimeError("signing in failed")

    def upload(self, path: Path) -> tuple[str, float]:
        """The file as the raw body, as the page's script sends it; (token, seconds)."""
        csrf = self.form_fields(f"/communities/{SLUG}/library/new")["csrf_token"]
        size = path.stat().st_size
        target = (f"/communities/{SLUG}/library/uploads?"
                  + urllib.parse.urlencode({"name": path.name}))
        connection = self.connection()
        try:
            started = time.perf_counter()
            connection.putrequest("POST", target)
            for name, value in self.headers(**{
                    "Content-Type": "application/octet-stream", "Content-Length": str(size),
                    "Accept": "application/json", "X-CSRFToken": csrf}).items():
                connection.putheader(name, value)
            connection.endheaders()
            with open(path, "rb") as file:
                while piece := file.read(PIECE):
                    connection.send(piece)
            response = connection.getresponse()
            answer = response.read()
            seconds = time.perf_counter() - started
            self.keep_cookies(response)
        finally:
            connection.close()
        if response.status != 201:
            raise RuntimeError(f"the upload answered {response.status}: {answer[:300]!r}")
        token = re.search(rb'"token":\s*"([^"]+)"', answer)
        if token is None:
            raise RuntimeError(f"the upload answered no token: {answer[:300]!r}")
        return token.group(1).decode(), seconds

    def add_resource(self, token: str, title: str) -> int:
        """The form the page sends once its files are up; the new resource's id."""
        fields = self.form_fields(f"/communities/{SLUG}/library/new")
        status, headers, body = self.request("POST", f"/communities/{SLUG}/library/new", {
            **fields, "source": "files", "type": "recording", "audience": "community",
            "upload": token, "upload_title": title})
        made = re.search(r"/library/(\d+)$", headers.get("Location", ""))
        if status != 302 or made is None:
            raise RuntimeError(f"adding the resource answered {status}: {body[:300]!r}")
        return int(made.group(1))

    def download(self, path: str, expected: int) -> float:
        """GET the file, read in pieces and counted (never held); seconds from asking to the
        last byte."""
        buffer = memoryview(bytearray(PIECE))
        connection = self.connection()
        try:
            started = time.perf_counter()
            connection.request("GET", path, headers=self.headers())
            response = connection.getresponse()
            if response.status != 200:
                raise RuntimeError(f"{path} answered {response.status}: {response.read(300)!r}")
            received = 0
            while count := response.readinto(buffer):
                received += count
            seconds = time.perf_counter() - started
        finally:
            connection.close()
        if received != expected:
            raise RuntimeError(f"{path} sent {received} bytes, not {expected}")
        return seconds


# --- SQL statements of the library page ----------------------------------------------------

def list_queries(workdir: Path) -> tuple[int, int]:
    """Statements one signed-in view of the community's library page runs, with FEW and then
    MANY resources of two versions each (after a first visit, as the tests count)."""
    from sqlalchemy import event, select

    from workspace import create_app
    from workspace.auth.models import User
    from workspace.communities.models import Community
    from workspace.extensions import db
    from workspace.files.models import StoredFile
    from workspace.resources.models import (
        Resource,
        ResourceState,
        ResourceTag,
        ResourceType,
        ResourceVersion,
    )

    database_url = f"sqlite:///{workdir / 'queries.sqlite3'}"
    seed(database_url)
    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "SECRET_KEY": SECRET_KEY,
                      "FILES_ROOT": str(workdir / "queries-files"), "WTF_CSRF_ENABLED": False})
    types = list(ResourceType)

    def add_resources(start: int, stop: int) -> None:
        with app.app_context():
            member = db.session.scalars(select(User).where(User.email == EMAIL)).one()
            community = db.session.scalars(select(Community).where(Community.slug == SLUG)).one()
            for index in range(start, stop):
                resource = Resource(community=community, title=f"Coaching cycle tool {index}",
                                    type=types[index % len(types)], author=member,
                                    organization_id=member.organization_id,
                                    tags=[ResourceTag(tag="coaching"),
                                          ResourceTag(tag=f"cycle {index % 7}")],
                                    states=[ResourceState(state_code="GA")])
                db.session.add(resource)
                db.session.flush()
                for number in (1, 2):
                    digest = f"{index:032x}{number:032x}"
                    db.session.add(StoredFile(digest=digest, size=1000 * index + number,
                                              media_type="application/pdf", kind="pdf"))
                    version = ResourceVersion(resource=resource, number=number, digest=digest,
                                              filename=f"tool-{index}-v{number}.pdf",
                                              author=member)
                    db.session.add(version)
                    db.session.flush()
                    resource.current_version = version
            db.session.commit()
            db.session.remove()

    with app.app_context():
        member_id = db.session.scalars(select(User).where(User.email == EMAIL)).one().get_id()
        db.session.remove()
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = member_id
        session["_fresh"] = True
    page = f"/communities/{SLUG}/library"

    def count() -> int:
        statements: list[str] = []

        def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
            if not statement.lstrip().upper().startswith(("BEGIN", "SAVEPOINT", "RELEASE",
                                                          "PRAGMA", "COMMIT", "ROLLBACK")):
                statements.append(statement)

        client.get(page)
        with app.app_context():
            event.listen(db.engine, "before_cursor_execute", record)
            try:
                response = client.get(page)
            finally:
                event.remove(db.engine, "before_cursor_execute", record)
        if response.status_code != 200:
            raise RuntimeError(f"the library page answered {response.status_code}")
        return len(statements)

    add_resources(0, FEW)
    few = count()
    add_resources(FEW, MANY)
    many = count()
    with app.app_context():
        db.engine.dispose()
    return few, many


# --- The run -----------------------------------------------------------------------------------

def mb_s(size: int, seconds: float) -> float:
    return size / MB / seconds


def transfer(workdir: Path, logfile: Path) -> dict[str, float]:
    database_url = f"sqlite:///{workdir / 'library.sqlite3'}"
    seed(database_url)
    served = workdir / "served"
    served.mkdir()
    recording = served / FILENAME
    make_recording(recording, FILE_MB * MB)
    warm_up = served / "warm-up.mp4"
    make_recording(warm_up, MB)
    size = recording.stat().st_size
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("FLASK_", "WORKSPACE_", "SOCKETIO_", "REDIS_", "DATABASE_",
                                  "FILE", "S3_", "UPLOAD_"))}
    env.update(DATABASE_URL=database_url, SECRET_KEY=SECRET_KEY, PYTHONPATH=str(ROOT),
               FILES_ROOT=str(workdir / "files"), UPLOAD_MAX_BYTES=str(UPLOAD_LIMIT))
    with static_file_link(served) as static_path, app_server(env, logfile) as (port, pid):
        browser = Browser(port)
        browser.sign_in()
        # Warm-up: whatever a first upload, resource and download load is in the baseline.
        token, _ = browser.upload(warm_up)
        first = browser.add_resource(token, "Warm-up clip")
        browser.download(f"/library/{first}/download", warm_up.stat().st_size)
        browser.download(f"{static_path}/{warm_up.name}", warm_up.stat().st_size)
        time.sleep(0.5)
        memory = MemoryWatch(pid)
        memory.start()
        token, upload_seconds = browser.upload(recording)
        resource_id = browser.add_resource(token, "Session recording")
        log(f"  upload: {FILE_MB} MB in {upload_seconds:.2f}s "
            f"({mb_s(size, upload_seconds):.0f} MB/s, to the stored file's token)")
        app_runs, floor_runs = [], []
        for _ in range(DOWNLOAD_RUNS):
            app_runs.append(browser.download(f"/library/{resource_id}/download", size))
            floor_runs.append(browser.download(f"{static_path}/{FILENAME}", size))
        growth = memory.finish()
        log("  download through the app: " + ", ".join(
            f"{mb_s(size, seconds):.0f}" for seconds in app_runs) + " MB/s")
        log("  the same file from the static route (floor): " + ", ".join(
            f"{mb_s(size, seconds):.0f}" for seconds in floor_runs) + " MB/s")
        log(f"  server memory: {memory.baseline_kb / 1024:.0f} MB after the warm-up, "
            f"peak {memory.peak_kb / 1024:.0f} MB")
    return {"upload": mb_s(size, upload_seconds), "download": mb_s(size, min(app_runs)),
            "floor": mb_s(size, min(floor_runs)), "growth": growth}


def main() -> int:
    workdir = Path(tempfile.mkdtemp(prefix="library-bench-"))
    logfile = workdir / "server.log"
    try:
        started = time.monotonic()
        log(f"{FILE_MB} MB through the app under gevent on 127.0.0.1 ({workdir}):")
        figures = transfer(workdir, logfile)
        few, many = list_queries(workdir)
        log(f"  library page: {few} SQL statements with {FEW} resources, {many} with {MANY} "
            "(two versions each)")
        log(f"took {time.monotonic() - started:.0f}s")
    except Exception as exc:  # noqa: BLE001 - report and fail; the server is already stopped
        log(f"library benchmark failed: {exc}")
        if logfile.exists():
            log(logfile.read_text()[-3000:])
        return 1
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    ratio = figures["download"] / figures["floor"]
    missed = [goal for goal, met in (
        (f"download_ratio >= {DOWNLOAD_RATIO_GOAL}", ratio >= DOWNLOAD_RATIO_GOAL),
        (f"peak_rss_growth_mb < {RSS_GROWTH_GOAL_MB}", figures["growth"] < RSS_GROWTH_GOAL_MB),
        ("list_queries fixed", few == many)) if not met]
    log("goals: " + ("all met" if not missed else "missed " + ", ".join(missed)))
    if few != many:
        log(f"list_queries varies: {few} with {FEW} resources, {many} with {MANY}")
    log(f"library: upload_mb_s={figures['upload']:.0f} download_mb_s={figures['download']:.0f} "
        f"download_ratio={ratio:.2f} peak_rss_growth_mb={figures['growth']:.1f} "
        f"list_queries={many}")
    return 0 if few == many else 1


if __name__ == "__main__":
    sys.exit(main())
