"""Shared notes: one Yjs document per session's room (and per breakout group) that several
people edit at once, merged by the CRDT rather than overwritten.

The browser keeps a Y.Doc (yjs) and the server one merged update per document (pycrdt, the same
format). They meet by the Yjs sync exchange: the client sends its state vector and gets what it
lacks plus the server's state vector (`sync`), then sends what the server lacks
(`apply_update`), which is merged, stored and relayed to the others in the room. Edits made
offline go the same way on reconnect, so nothing anyone typed is lost.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from pycrdt import Doc, Text, merge_updates
from sqlalchemy import ColumnElement, select
from sqlalchemy.exc import IntegrityError

from workspace import errors, policy, realtime
from workspace.auth.models import User
from workspace.database import utcnow
from workspace.extensions import db
from workspace.policy import sessions as session_policy
from workspace.sessions import breakouts, room
from workspace.sessions.models import BreakoutGroup, LiveSession, RoomState, SessionNote

NOTES_TEXT = "notes"  # the Y.Text's name in every notes document, browser and server alike
UPDATE_MAX = 1024 * 1024  # one update from a browser
DOCUMENT_MAX = 4 * 1024 * 1024  # the whole merged document

Result = TypeVar("Result")


def group_arg(data: Any) -> int | None:
    """The breakout group an event names, or None for the session's own notes."""
    value = data.get("group_id") if isinstance(data, dict) else None
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise errors.Invalid("'group_id' must be a breakout group's number, or left out.",
                             field="group_id")
    return value


def _audience(user: User, session: LiveSession, group_id: int | None) -> str:
    """The Socket.IO room that hears about this document, once the person may write in it:
    the whole room, or an open breakout group they are in (hosts: any open group)."""
    policy.require(user, session_policy.may_take_notes, session)
    if group_id is None:
        return room.room_name(session)
    return breakouts.group_to_join(user, session, group_id)


def _which(session: LiveSession, group_id: int | None) -> ColumnElement[bool]:
    group = (SessionNote.group_id.is_(None) if group_id is None
             else SessionNote.group_id == group_id)
    return (SessionNote.session_id == session.id) & group


def _decoded(read: Callable[[], Result], message: str, field: str) -> Result:
    """Run a pycrdt read of bytes a browser sent; what it can't decode is the sender's error."""
    try:
        return read()
    except Exception as exc:  # pycrdt raises ValueError for what it cannot decode
        raise errors.Invalid(message, field=field) from exc
    except BaseException as exc:
        # A panic inside Yrs surfaces as pyo3's PanicException, a BaseException; anything else
        # of that kind (exits, greenlet kills) must go on.
        if type(exc).__name__ != "PanicException":
            raise
        raise errors.Invalid(message, field=field) from exc


def _binary(value: Any, field: str, *, what: str) -> bytes:
    if not isinstance(value, bytes):
        raise errors.Invalid(f"Send {what} as binary data.", field=field)
    if len(value) > UPDATE_MAX:
        raise errors.Invalid(f"Send {what} in pieces under {UPDATE_MAX // (1024 * 1024)} MB.",
                             field=field)
    return value


def _document(note: SessionNote | None) -> Doc:
    doc: Doc[Text] = Doc()
    if note is not None and note.state:
        doc.apply_update(note.state)
    return doc


def _plain_text(doc: Doc) -> str:
    return str(doc.get(NOTES_TEXT, type=Text))


def sync(user: User, session: LiveSession, group_id: int | None,
         state_vector: Any) -> tuple[bytes, bytes]:
    """What the server has that the browser lacks (by the browser's state vector), and the
    server's own state vector, so the browser can send back what the server lacks."""
    _audience(user, session, group_id)
    if state_vector is None:
        state_vector = b""
    client_has = _binary(state_vector, "state_vector", what="the state vector")
    doc = _document(db.session.scalar(select(SessionNote).where(_which(session, group_id))))
    missing = _decoded(lambda: doc.get_update(client_has or None),
                       "That isn't a Yjs state vector.", "state_vector")
    return missing, doc.get_state()


def apply_update(user: User, session: LiveSession, group_id: int | None, update: Any, *,
                 skip_sid: str | None = None) -> None:
    """Merge a browser's Yjs update into the stored notes and pass it on to the others in the
    room (not back to `skip_sid`, the socket it came from). Merging is idempotent, so a retried
    update changes nothing."""
    audience = _audience(user, session, group_id)
    change = _binary(update, "update", what="the notes' changes")
    if not change:
        raise errors.Invalid("Send the notes' changes as a Yjs update.", field="update")
    note = _locked_note(session, group_id)
    doc = _document(note)
    unreadable = ("Those changes to the notes couldn't be read. Reload the room to get the "
                  "notes again.")
    _decoded(lambda: doc.apply_update(change), unreadable, "update")
    # The document's own encoding drops structs it cannot place yet (an update with a gap
    # before it); merging the raw updates in as well keeps them until the gap is filled.
    earlier = [note.state] if note.state else []
    state = _decoded(lambda: merge_updates(doc.get_update(), *earlier, change), unreadable,
                     "update")
    if len(state) > DOCUMENT_MAX:
        raise errors.Invalid("These notes have reached their size limit. Move some of them into "
                             "a forum post to make room.", field="update")
    note.state, note.text = state, _plain_text(doc)
    note.updated_at, note.updated_by_id = utcnow(), user.id
    realtime.publish("notes_updated", {"session_id": session.id, "group_id": group_id,
                                       "update": change}, to=audience, skip_sid=skip_sid)
    db.session.commit()


def _locked_note(session: LiveSession, group_id: int | None) -> SessionNote:
    """The document's row, made the first time anyone writes, held for this transaction (a row
    lock on PostgreSQL; SQLite's writers take the database lock first), so two merges never
    start from the same stored state and the later one never drops the earlier."""
    lookup = select(SessionNote).where(_which(session, group_id)).with_for_update()
    note = db.session.scalar(lookup.execution_options(populate_existing=True))
    if note is not None:
        return note
    try:
        with db.session.begin_nested():
            note = SessionNote(session_id=session.id, group_id=group_id, state=b"", text="",
                               updated_at=utcnow())
            db.session.add(note)
    except IntegrityError:  # someone else's first edit made it a moment ago
        note = db.session.scalars(lookup.execution_options(populate_existing=True)).one()
    return note


# --- The record ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class NotesRecord:
    group_name: str | None  # None: the whole room's notes
    text: str
    updated_at: datetime


def notes_record(session: LiveSession, now: datetime) -> list[NotesRecord]:
    """The notes' text for the session's record once the room has closed: the whole room's
    first, then each breakout group's in the order they met; empty documents left out."""
    if session.room_state(now) is not RoomState.ENDED:
        return []
    rows = db.session.execute(
        select(BreakoutGroup.name, SessionNote.text, SessionNote.updated_at)
        .outerjoin(BreakoutGroup, BreakoutGroup.id == SessionNote.group_id)
        .where(SessionNote.session_id == session.id)
        .order_by(SessionNote.group_id.is_not(None), BreakoutGroup.round,
                  BreakoutGroup.position))
    return [NotesRecord(name, text, updated_at) for name, text, updated_at in rows
            if text.strip()]
