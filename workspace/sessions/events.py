"""Live session pages and rooms over Socket.IO.

A reader follows a session's page (`watch_session`). In the room, a person joins with the last
message number they saw and gets the room as it stands plus exactly what they missed; every
other event names the session and is refused unless this socket joined that room. Handlers only
translate: the room service (room.py) checks the policy and publishes. Every event answers
{"ok": true, ...} or {"ok": false, "error": ...}. docs/live-protocol.md lists them all.
"""

from __future__ import annotations

import threading
from typing import Any

from flask import request
from flask_login import current_user
from flask_socketio import join_room, leave_room, rooms

from workspace import errors, realtime
from workspace.moderation import service as moderation
from workspace.sessions import breakouts, notes, room
from workspace.sessions.models import LiveSession
from workspace.sessions.moderation import CHAT


@realtime.on("watch_session")
def watch_session(data: dict[str, Any]) -> dict[str, Any]:
    session = room.session_for_room(current_user, realtime.int_arg(data, "session_id"))
    join_room(realtime.session_page_room(session.community_id, session.id))
    return {"ok": True}


# Each socket's visits to rooms, so a dropped connection ends them: {sid: {session_id: visit}}.
# A socket lives on one server process (sticky sessions), so this process's memory suffices.
_visits: dict[str, dict[int, int]] = {}
_visits_lock = threading.Lock()


def _sid() -> str:
    return request.sid  # type: ignore[attr-defined]  # set by Flask-SocketIO


def _me() -> Any:
    return current_user._get_current_object()


def _joined(data: Any) -> LiveSession:
    """The session this event is about, if this socket is in its room (and still may be)."""
    session = room.session_for_room(_me(), realtime.int_arg(data, "session_id"))
    if room.room_name(session) not in rooms():
        raise errors.Forbidden("Join the session's room first.")
    return session


@realtime.on("join_room")
def join(data: dict[str, Any]) -> dict[str, Any]:
    session = room.session_for_room(_me(), realtime.int_arg(data, "session_id"))
    after = data.get("last_seq", 0) if isinstance(data, dict) else 0
    if isinstance(after, bool) or not isinstance(after, int) or after < 0:
        raise errors.Invalid("'last_seq' must be a whole number, 0 or more.", field="last_seq")
    name = room.room_name(session)
    sid = _sid()
    with _visits_lock:
        earlier = _visits.get(sid, {}).pop(session.id, None)
    if earlier is not None:  # joining again on the same socket: one visit at a time
        room.leave(session.id, earlier)
    entry = room.enter(_me(), session, after_seq=after)
    join_room(name)
    if entry.snapshot["me"]["may_run"]:
        join_room(room.hosts_room(session))
    with _visits_lock:
        _visits.setdefault(sid, {})[session.id] = entry.attendance_id
    return {"ok": True, "room": entry.snapshot}


@realtime.on("leave_room")
def leave(data: dict[str, Any]) -> dict[str, Any]:
    session = _joined(data)
    leave_room(room.room_name(session))
    leave_room(room.hosts_room(session))
    with _visits_lock:
        visit = _visits.get(_sid(), {}).pop(session.id, None)
    if visit is not None:
        room.leave(session.id, visit)
    return {"ok": True}


@realtime.when_disconnected
def _ended(sid: str) -> None:
    with _visits_lock:
        visits = _visits.pop(sid, {})
    for session_id, visit in visits.items():
        room.leave(session_id, visit)


@realtime.on("replay")
def replay(data: dict[str, Any]) -> dict[str, Any]:
    session = _joined(data)
    after = data.get("after_seq")
    if isinstance(after, bool) or not isinstance(after, int) or after < 0:
        raise errors.Invalid("'after_seq' must be a whole number, 0 or more.",
                             field="after_seq")
    messages, more = room.messages_after(session, after, _me())
    return {"ok": True, "messages": messages, "more": more}


@realtime.on("send_message")
def send_message(data: dict[str, Any]) -> dict[str, Any]:
    session = _joined(data)
    message = room.send(_me(), session, body=data.get("body"), client_id=data.get("client_id"),
                        group_id=data.get("group_id"),
                        to_all_groups=data.get("to_all_groups") is True)
    return {"ok": True, "message": room.message_payload(message)}


@realtime.on("delete_message")
def delete_message(data: dict[str, Any]) -> dict[str, Any]:
    session = _joined(data)
    room.delete_message(_me(), session, room.message_in(session, data.get("message_id")))
    return {"ok": True}


@realtime.on("flag_message")
def flag_message(data: dict[str, Any]) -> dict[str, Any]:
    session = _joined(data)
    message = room.message_in(session, data.get("message_id"))
    reason = data.get("reason")
    if not isinstance(reason, str):
        raise errors.Invalid("Say why you are flagging this message.", field="reason")
    moderation.flag(_me(), CHAT, message, reason=reason)
    return {"ok": True}


@realtime.on("raise_hand")
def raise_hand(data: dict[str, Any]) -> dict[str, Any]:
    room.raise_hand(_me(), _joined(data))
    return {"ok": True}


@realtime.on("lower_hand")
def lower_hand(data: dict[str, Any]) -> dict[str, Any]:
    room.lower_hand(_me(), _joined(data))
    return {"ok": True}


@realtime.on("call_next")
def call_next(data: dict[str, Any]) -> dict[str, Any]:
    called = room.call_next(_me(), _joined(data))
    return {"ok": True, "called": room.person_card(called) if called else None}


@realtime.on("lower_all_hands")
def lower_all_hands(data: dict[str, Any]) -> dict[str, Any]:
    room.lower_all_hands(_me(), _joined(data))
    return {"ok": True}


@realtime.on("open_for_hosts")
def open_for_hosts(data: dict[str, Any]) -> dict[str, Any]:
    # Hosts open the room before they can be in it: no joined room needed, the rule decides.
    session = room.session_for_room(_me(), realtime.int_arg(data, "session_id"))
    room.open_for_hosts(_me(), session)
    return {"ok": True}


@realtime.on("start_session")
def start_session(data: dict[str, Any]) -> dict[str, Any]:
    room.start(_me(), _joined(data))
    return {"ok": True}


@realtime.on("end_session")
def end_session(data: dict[str, Any]) -> dict[str, Any]:
    room.end(_me(), _joined(data))
    return {"ok": True}


@realtime.on("pin_notice")
def pin_notice(data: dict[str, Any]) -> dict[str, Any]:
    room.pin_notice(_me(), _joined(data), data.get("text"))
    return {"ok": True}


@realtime.on("set_timer")
def set_timer(data: dict[str, Any]) -> dict[str, Any]:
    room.set_timer(_me(), _joined(data), minutes=data.get("minutes"),
                   label=data.get("label", ""))
    return {"ok": True}


@realtime.on("mute_participant")
def mute_participant(data: dict[str, Any]) -> dict[str, Any]:
    room.mute(_me(), _joined(data), data.get("user_id"), muted=data.get("muted") is not False)
    return {"ok": True}


@realtime.on("remove_participant")
def remove_participant(data: dict[str, Any]) -> dict[str, Any]:
    room.remove(_me(), _joined(data), data.get("user_id"))
    return {"ok": True}


@realtime.on("start_breakouts")
def start_breakouts(data: dict[str, Any]) -> dict[str, Any]:
    session = _joined(data)
    groups = breakouts.start_breakouts(_me(), session, method=data.get("method"),
                                       count=data.get("count"),
                                       assignments=data.get("assignments"))
    return {"ok": True, "groups": [group.id for group in groups]}


@realtime.on("move_to_group")
def move_to_group(data: dict[str, Any]) -> dict[str, Any]:
    breakouts.move_person(_me(), _joined(data), user_id=data.get("user_id"),
                          group_id=data.get("group_id"))
    return {"ok": True}


@realtime.on("end_breakouts")
def end_breakouts(data: dict[str, Any]) -> dict[str, Any]:
    breakouts.end_breakouts(_me(), _joined(data))
    return {"ok": True}


@realtime.on("join_group")
def join_group(data: dict[str, Any]) -> dict[str, Any]:
    """Hear a breakout group (its members; hosts may listen to every group)."""
    session = _joined(data)
    join_room(breakouts.group_to_join(_me(), session, data.get("group_id")))
    return {"ok": True}


# --- Shared notes (notes.py): the Yjs sync exchange, then updates as people type --------------

@realtime.on("notes_sync")
def notes_sync(data: dict[str, Any]) -> dict[str, Any]:
    session = _joined(data)
    update, state_vector = notes.sync(_me(), session, notes.group_arg(data),
                                      data.get("state_vector"))
    return {"ok": True, "update": update, "state_vector": state_vector}


@realtime.on("notes_update")
def notes_update(data: dict[str, Any]) -> dict[str, Any]:
    session = _joined(data)
    notes.apply_update(_me(), session, notes.group_arg(data), data.get("update"),
                       skip_sid=_sid())
    return {"ok": True}
