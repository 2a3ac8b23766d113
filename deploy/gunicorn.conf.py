"""gunicorn settings for one CoP Workspace app process: `gunicorn -c deploy/gunicorn.conf.py`.

Worker class: gunicorn's plain `gevent` worker. Flask-SocketIO's deployment guide gives
`gunicorn -k gevent -w 1 module:app` for gevent; WebSockets then come from simple-websocket
(already a dependency), which engineio drives on the raw socket gunicorn hands over. The other
documented choice, geventwebsocket's GeventWebSocketWorker, needs gevent-websocket, which has not
been released since 2017; engineio only uses it when it is installed.

One worker per gunicorn process: a Socket.IO client must keep talking to the process that holds
its session, and gunicorn's load balancing between its own workers cannot promise that. To use
more cores, run several gunicorn processes on several ports (deploy/systemd/app@.service, one per
port) and let nginx's `ip_hash` keep each client on one of them; they share rooms through Redis.

Settings from the environment: BIND (default 127.0.0.1:8001). The app's own settings
(DATABASE_URL, REDIS_URL, SECRET_KEY, BASE_URL...) are read by the app, which refuses to start
without the ones production needs.
"""

from __future__ import annotations

import os
import signal
from typing import Any

wsgi_app = "workspace.wsgi:app"
bind = [os.environ.get("BIND", "127.0.0.1:8001")]
worker_class = "gevent"
workers = 1
worker_connections = 1000  # live connections one process holds (each an idle greenlet)
# A stopping worker first sends its live clients elsewhere (below), then gives requests in
# flight this long to finish.
graceful_timeout = 10
timeout = 30
keepalive = 5
accesslog = None  # the app logs each request, with its request id (LOG_FORMAT=json)
errorlog = "-"
loglevel = "info"
proc_name = "cop-workspace"
# gunicorn's control socket is one path per user: several instances on one machine would fight
# over it, and nothing here uses it.
control_socket_disable = True
preload_app = False  # the app is imported after gevent has patched the worker


def post_worker_init(worker: Any) -> None:
    """On SIGTERM, close this worker's live connections before gunicorn's graceful stop.

    gunicorn waits for open connections until graceful_timeout, and a WebSocket never ends on
    its own; closed first, its client reconnects through nginx to another process and replays
    what it missed.
    """
    import gevent  # noqa: PLC0415 - the worker is patched by now

    from workspace.serve import send_live_clients_elsewhere  # noqa: PLC0415

    stop = worker.handle_exit

    def on_term() -> None:
        send_live_clients_elsewhere(worker.wsgi)
        stop(signal.SIGTERM, None)

    signal.signal(signal.SIGTERM, lambda signum, frame: gevent.spawn(on_term))
