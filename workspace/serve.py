"""Serving the app with gevent: one process holds hundreds of live (Socket.IO) connections.

Threading mode gives each connection a thread and saturated at 500 clients in one room (p99
about 8.6 s in issue #14's measurements); gevent held. gevent needs the standard library patched
before anything else is imported (sockets, threads, `select`, so that Redis, psycopg and
SQLAlchemy's pool wait cooperatively), which a module inside this package cannot do for itself:
importing `workspace.serve` imports `workspace` first. So the server is started as

    python -m gevent.monkey --module workspace.serve --host 127.0.0.1 --port 5000

(gevent's own launcher: it patches, then runs this module), which is what `flask serve` and
`make run` do. WebSockets come from simple-websocket, which engineio drives with gevent's
primitives; clients that cannot open one fall back to long-polling.

Unless JOBS_IN_PROCESS is off, the server also runs a background-job worker (workspace/jobs/) on
a greenlet, so development needs no second command; production runs `flask jobs work` instead.

Several processes share rooms through Redis (REDIS_URL), each on its own port, with sticky
sessions in front: a Socket.IO client must keep talking to the process that holds its socket.

SIGTERM (or Ctrl+C) stops it gracefully: live clients are told `server_shutting_down` and
disconnected, so they reconnect (to another process, behind a balancer) and replay what they
missed; the server stops accepting, gives requests in flight SHUTDOWN_GRACE seconds, lets the
in-process job worker finish its job, and exits 0. A second signal exits at once.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from flask import Flask

    from workspace.jobs.worker import Worker

SHUTDOWN_GRACE = 10.0  # seconds for requests (and a job) in flight to finish
LIVE_NAMESPACE = "/live"


def command(host: str, port: int) -> list[str]:
    """The command line that serves the app with gevent (for `flask serve` and the tests)."""
    return [sys.executable, "-m", "gevent.monkey", "--module", "workspace.serve",
            "--host", host, "--port", str(port)]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="workspace.serve",
                                     description="Serve CoP Workspace with gevent.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=5000)
    options = parser.parse_args(argv)

    from workspace.realtime import GEVENT, is_patched_for_gevent  # noqa: PLC0415 - patched first
    if not is_patched_for_gevent():
        parser.error("start it through gevent's launcher, which patches the standard library "
                     "first: " + " ".join(command(options.host, options.port)[1:]))

    from workspace import create_app  # noqa: PLC0415
    from workspace.extensions import socketio  # noqa: PLC0415
    from workspace.ops.startup import ConfigurationError  # noqa: PLC0415

    try:
        app = create_app()
    except ConfigurationError as exc:
        parser.exit(1, exc.format_message() + "\n")
    mode = socketio.server.eio.async_mode
    if mode != GEVENT:
        parser.error(f"SOCKETIO_ASYNC_MODE is {mode!r}; this server needs 'gevent'.")
    worker = None
    if app.config.get("JOBS_IN_PROCESS") is not False:
        from workspace.jobs.queue import start_recurring  # noqa: PLC0415
        from workspace.jobs.worker import start_in_process  # noqa: PLC0415

        with app.app_context():
            start_recurring()  # reminders and the like, which need a worker to keep going
        worker = start_in_process(app)
        print("Background jobs run in this process (JOBS_IN_PROCESS=0 leaves them to "
              "`flask jobs work`).", flush=True)
    print(f"CoP Workspace on http://{options.host}:{options.port}/  (gevent; Ctrl+C stops it)",
          flush=True)
    from gevent.pool import Pool  # type: ignore[import-untyped]  # noqa: PLC0415

    stop_on_signals(app, worker)
    # A pool (unbounded) lets stopping wait for the requests in it; bare greenlets can't be.
    socketio.run(app, host=options.host, port=options.port, use_reloader=False,
                 log_output=False, spawn=Pool())  # returns once stop_gracefully stopped it
    if worker is not None:
        worker.join(SHUTDOWN_GRACE)  # the job it was running, if any
    print("Stopped.", flush=True)


def stop_on_signals(app: Flask, worker: Worker | None) -> None:
    import gevent  # noqa: PLC0415 - only this process, patched for it, imports gevent

    stopping: list[bool] = []

    def on_signal() -> None:
        if stopping:  # asked twice: don't wait any longer
            os._exit(1)
        stopping.append(True)
        stop_gracefully(app, worker)

    for signum in (signal.SIGTERM, signal.SIGINT):
        gevent.signal_handler(signum, on_signal)  # runs on a greenlet of its own


def stop_gracefully(app: Flask, worker: Worker | None) -> None:
    """Send live clients elsewhere, let requests and a running job finish, stop serving."""
    from workspace.extensions import socketio  # noqa: PLC0415

    print(f"Stopping: live clients are sent elsewhere, requests in flight have "
          f"{SHUTDOWN_GRACE:.0f} s.", flush=True)
    if worker is not None:
        worker.stop()  # after the job it is running, if any
    send_live_clients_elsewhere(app)
    server = socketio.wsgi_server
    if server is not None:
        server.stop_timeout = SHUTDOWN_GRACE  # serve_forever's own stop waits as long
        server.stop(timeout=SHUTDOWN_GRACE)  # stops accepting, waits for requests in flight


def send_live_clients_elsewhere(app: Flask) -> None:
    """Tell this process's live clients it is stopping and close their connections, so they
    reconnect (to another process, behind a balancer) and replay what they missed. Also used by
    gunicorn's workers (deploy/gunicorn.conf.py)."""
    from workspace.extensions import socketio  # noqa: PLC0415

    try:
        # This process's clients only (not through Redis): the other processes stay up.
        socketio.server.emit("server_shutting_down", {}, namespace=LIVE_NAMESPACE,
                             ignore_queue=True)
        # Closed at the transport, so clients reconnect on their own and replay what they missed.
        socketio.server.eio.disconnect()
    except Exception:  # noqa: BLE001 - stopping must go on whatever a client's state
        app.logger.exception("could not close every live connection before stopping")


if __name__ == "__main__":
    main()
