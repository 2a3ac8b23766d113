"""The floor for bench/live.py: a bare Flask-SocketIO broadcast server (no app, no database).

Served the way the app is (gevent's launcher, simple-websocket), with the same shape of events:
clients join one room; a "say" is numbered and broadcast to the room with a payload the size of
the app's message_added, and acknowledged. Run as

    python -m gevent.monkey bench/live_floor.py --port 5100
"""

from __future__ import annotations

import argparse
import itertools
from datetime import UTC, datetime
from typing import Any

from flask import Flask
from flask_socketio import SocketIO, emit, join_room

app = Flask(__name__)
socketio = SocketIO(app, async_mode="gevent")
ROOM = "room"
numbers = itertools.count(1)
AUTHOR = {"id": 1, "name": "Alex Morales", "state": "AZ", "role": "Member"}


@socketio.on("join_room")
def join(_data: Any = None) -> dict[str, Any]:
    join_room(ROOM)
    return {"ok": True}


@socketio.on("send_message")
def say(data: dict[str, Any]) -> dict[str, Any]:
    seq = next(numbers)
    message = {"session_id": 1, "seq": seq, "id": seq, "client_id": data["client_id"],
               "author": AUTHOR, "html": f"<p>{data['body']}</p>",
               "sent_at": datetime.now(UTC).isoformat()}
    emit("message_added", message, to=ROOM)
    return {"ok": True, "message": message}


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--port", type=int, default=5100)
    options = parser.parse_args()
    print(f"floor on http://127.0.0.1:{options.port}/", flush=True)
    socketio.run(app, host="127.0.0.1", port=options.port, log_output=False)
