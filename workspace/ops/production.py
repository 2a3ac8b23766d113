"""`make serve`: production on one machine, in the foreground, for a demo or a small network.

nginx in front (deploy/nginx.conf, filled in here), several gunicorn processes of one gevent
worker each (deploy/gunicorn.conf.py) sharing rooms through Redis, the background-job worker
(`flask jobs work`), PostgreSQL. Ctrl+C (or SIGTERM) stops them all gracefully: the app processes
send their live clients elsewhere first. A real server runs the same parts under systemd
(deploy/systemd/).

    python -m workspace.ops.production --workers 2 --listen 127.0.0.1:8080
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Mapping, Sequence
from pathlib import Path

from workspace.config import instance_secret_key, normalize_database_url

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
INSTANCE = ROOT / "instance"
DEFAULT_DATABASE_URL = "postgresql://postgres@127.0.0.1:5432/workspace"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"
DEFAULT_BASE_URL = "https://localhost"
MIME_TYPES = "/etc/nginx/mime.types"
FORM_ALLOWANCE = 1024 * 1024  # the form fields around an uploaded file
STOP_GRACE = 15.0  # seconds: the app's own grace (10 s) and a little more
# nginx's internal location for stored files (deploy/nginx.conf); the app's ACCEL_REDIRECT_PREFIX.
ACCEL_REDIRECT_PREFIX = "/_stored-files"


class LaunchError(Exception):
    """Something the machine lacks; the message says what to do."""


def nginx_config(*, ports: Sequence[int], listen: str, runtime: Path, upload_max_bytes: int,
                 files_root: Path = INSTANCE / "files",
                 files_prefix: str = ACCEL_REDIRECT_PREFIX, root: Path = ROOT,
                 mime_types: str = MIME_TYPES) -> str:
    """deploy/nginx.conf filled in for app processes on 127.0.0.1 at these ports, with stored
    files sent from files_root when the app redirects to files_prefix."""
    servers = "\n".join(f"        server 127.0.0.1:{port} max_fails=1 fail_timeout=10s;"
                        for port in ports)
    values = {"@ROOT@": str(root), "@RUNTIME@": str(runtime), "@MIME_TYPES@": mime_types,
              "@LISTEN@": listen, "@SERVERS@": servers,
              "@CLIENT_MAX_BODY@": str(upload_max_bytes + FORM_ALLOWANCE),
              "@FILES@": str(Path(root, files_root)).rstrip("/"),
              "@FILES_PREFIX@": files_prefix.rstrip("/")}
    text = (DEPLOY / "nginx.conf").read_text()
    for name, value in values.items():
        text = text.replace(name, value)
    return text


def write_nginx_config(text: str, runtime: Path) -> Path:
    for folder in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (runtime / folder).mkdir(parents=True, exist_ok=True)
    path = runtime / "nginx.conf"
    path.write_text(text)
    return path


def nginx_command(config: Path, runtime: Path) -> list[str]:
    binary = shutil.which("nginx") or "/usr/sbin/nginx"
    directives = "daemon off;"
    if os.geteuid() == 0:
        # Started by root, nginx's workers would become nobody, who cannot read stored files
        # (mode 0600, the app's): they run as the app processes this launcher starts do.
        directives += " user root;"
    return [binary, "-p", str(runtime), "-c", str(config), "-g", directives]


def gunicorn_command(host: str, port: int) -> list[str]:
    return [sys.executable, "-m", "gunicorn", "-c", str(DEPLOY / "gunicorn.conf.py"),
            "--bind", f"{host}:{port}"]


def wait_until_serving(url: str, process: subprocess.Popen[bytes], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise LaunchError(f"{' '.join(process.args)} exited with {process.returncode}"  # type: ignore[arg-type]
                              " before serving (its messages are above).")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(0.2)
    raise LaunchError(f"nothing answered at {url} within {timeout:.0f} s.")


def stop(processes: Sequence[subprocess.Popen[bytes]]) -> None:
    """SIGTERM to each (graceful for gunicorn, the job worker and, as SIGQUIT, nginx), then
    SIGKILL to whatever is still running after STOP_GRACE seconds."""
    for process in processes:
        if process.poll() is None:
            is_nginx = Path(str(process.args[0])).name == "nginx"  # type: ignore[index]
            process.send_signal(signal.SIGQUIT if is_nginx else signal.SIGTERM)
    deadline = time.monotonic() + STOP_GRACE
    for process in processes:
        try:
            process.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def ensure_postgres_database(url: str) -> None:
    """Create the database DATABASE_URL names if the server has none of that name."""
    from sqlalchemy.engine import make_url  # noqa: PLC0415

    parsed = make_url(normalize_database_url(url))
    if not parsed.drivername.startswith("postgresql"):
        return
    import psycopg  # noqa: PLC0415

    admin = parsed.set(drivername="postgresql", database="postgres")
    try:
        with psycopg.connect(admin.render_as_string(hide_password=False), autocommit=True,
                             connect_timeout=5) as connection:
            found = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s",
                                       (parsed.database,)).fetchone()
            if not found:
                connection.execute(f'CREATE DATABASE "{parsed.database}"')
                print(f"Created the PostgreSQL database {parsed.database!r}.", flush=True)
    except psycopg.OperationalError as exc:
        raise LaunchError(f"PostgreSQL at {parsed.host}:{parsed.port or 5432} does not answer "
                          f"({exc}). Start it, or set DATABASE_URL.") from exc


def ensure_redis(url: str) -> None:
    import redis  # noqa: PLC0415

    try:
        redis.Redis.from_url(url, socket_connect_timeout=5).ping()
    except redis.RedisError as exc:
        raise LaunchError(f"Redis at {url} does not answer ({exc}). Start it (Debian's "
                          "redis-server package), or set REDIS_URL.") from exc


def environment(environ: Mapping[str, str]) -> dict[str, str]:
    """What every process gets: production, behind nginx, JSON logs, jobs in their own process."""
    settings = dict(environ)
    settings.setdefault("DATABASE_URL", DEFAULT_DATABASE_URL)
    settings.setdefault("REDIS_URL", DEFAULT_REDIS_URL)
    if not settings.get("SECRET_KEY"):
        settings["SECRET_KEY"] = instance_secret_key(str(INSTANCE))
    if not settings.get("BASE_URL"):
        print(f"BASE_URL is not set: emailed links will say {DEFAULT_BASE_URL}. Set it to the "
              "address people use.", flush=True)
        settings["BASE_URL"] = DEFAULT_BASE_URL
    settings.update(WORKSPACE_ENV="production", BEHIND_PROXY="1", JOBS_IN_PROCESS="0",
                    FLASK_APP="workspace", PYTHONUNBUFFERED="1")
    settings.setdefault("LOG_FORMAT", "json")
    # nginx sends stored files; set ACCEL_REDIRECT_PREFIX= (empty) to have the app send them.
    settings.setdefault("ACCEL_REDIRECT_PREFIX", ACCEL_REDIRECT_PREFIX)
    return settings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="make serve", description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=int(os.environ.get("WORKERS", 2)),
                        help="app processes (one gevent worker each)")
    parser.add_argument("--first-port", type=int, default=8001,
                        help="the app processes listen on 127.0.0.1 from this port up")
    parser.add_argument("--listen", default=os.environ.get("LISTEN", "127.0.0.1:8080"),
                        help="where nginx listens")
    options = parser.parse_args(argv)
    settings = environment(os.environ)
    try:
        ensure_postgres_database(settings["DATABASE_URL"])
        ensure_redis(settings["REDIS_URL"])
    except LaunchError as exc:
        print(exc, file=sys.stderr)
        return 1
    flask = [sys.executable, "-m", "flask"]
    if subprocess.run([*flask, "db", "upgrade"], cwd=ROOT, env=settings).returncode != 0:
        return 1  # the app said why (a start-up check, or the migration)

    runtime = INSTANCE / "nginx"
    ports = [options.first_port + n for n in range(options.workers)]
    upload_max = int(settings.get("UPLOAD_MAX_BYTES") or 50 * 1024 * 1024)
    files_root = Path(settings.get("FILES_ROOT") or INSTANCE / "files")
    config = write_nginx_config(nginx_config(
        ports=ports, listen=options.listen, runtime=runtime, upload_max_bytes=upload_max,
        files_root=files_root,
        files_prefix=settings["ACCEL_REDIRECT_PREFIX"] or ACCEL_REDIRECT_PREFIX), runtime)
    stopping: list[int] = []
    signal.signal(signal.SIGTERM, lambda signum, frame: stopping.append(signum))
    signal.signal(signal.SIGINT, lambda signum, frame: stopping.append(signum))
    processes: list[subprocess.Popen[bytes]] = []
    try:
        # Each in a session of its own: Ctrl+C reaches only this launcher, which stops them in
        # order and gracefully (gunicorn takes SIGINT as "stop at once").
        for port in ports:
            processes.append(subprocess.Popen(gunicorn_command("127.0.0.1", port), cwd=ROOT,
                                              env=settings, start_new_session=True))
        processes.append(subprocess.Popen([*flask, "jobs", "work"], cwd=ROOT, env=settings,
                                          start_new_session=True))
        for port, process in zip(ports, processes, strict=False):
            wait_until_serving(f"http://127.0.0.1:{port}/health/live", process)
        processes.append(subprocess.Popen(nginx_command(config, runtime), cwd=ROOT,
                                          env=settings, start_new_session=True))
        print(f"CoP Workspace on http://{options.listen}/ (nginx; {options.workers} app "
              f"processes on ports {ports[0]}-{ports[-1]}; Ctrl+C stops them all)", flush=True)
        while not stopping:
            ended = [process for process in processes if process.poll() is not None]
            if ended:
                print(f"{' '.join(map(str, ended[0].args))} exited with "  # type: ignore[arg-type]
                      f"{ended[0].returncode}; stopping the others.", file=sys.stderr, flush=True)
                return 1
            time.sleep(0.5)
        print("Stopping: live clients are sent elsewhere, requests in flight finish.", flush=True)
        return 0
    except LaunchError as exc:
        print(exc, file=sys.stderr)
        return 1
    finally:
        stop(processes)


if __name__ == "__main__":
    sys.exit(main())
