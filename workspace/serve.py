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
"""

from __future__ import annotations

import argparse
import sys


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

    app = create_app()
    mode = socketio.server.eio.async_mode
    if mode != GEVENT:
        parser.error(f"SOCKETIO_ASYNC_MODE is {mode!r}; this server needs 'gevent'.")
    if app.config.get("JOBS_IN_PROCESS") is not False:
        from workspace.jobs.queue import start_recurring  # noqa: PLC0415
        from workspace.jobs.worker import start_in_process  # noqa: PLC0415

        with app.app_context():
            start_recurring()  # reminders and the like, which need a worker to keep going
        start_in_process(app)
        print("Background jobs run in this process (JOBS_IN_PROCESS=0 leaves them to "
              "`flask jobs work`).", flush=True)
    print(f"CoP Workspace on http://{options.host}:{options.port}/  (gevent; Ctrl+C stops it)",
          flush=True)
    try:
        socketio.run(app, host=options.host, port=options.port, use_reloader=False,
                     log_output=False)
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
