"""Live session pages: a reader follows a session's page and hears when it changes."""

from __future__ import annotations

from typing import Any

from flask_login import current_user
from flask_socketio import join_room

from workspace import realtime
from workspace.sessions import pages


@realtime.on("watch_session")
def watch_session(data: dict[str, Any]) -> dict[str, Any]:
    session = pages.session_for_live(current_user, realtime.int_arg(data, "session_id"))
    join_room(realtime.session_page_room(session.community_id, session.id))
    return {"ok": True}
