"""publish(): what a unit of work tells browsers leaves when it commits, and never if it fails.

Like Zulip's send_event_on_commit: events wait on the database session (in `session.info`) and
go out from the session's after-commit hook, so a browser never hears about a post that a
rollback took back, and services need no list of notes kept by hand. A rolled-back savepoint
drops only what was published inside it.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session, SessionTransaction

from workspace.extensions import db, socketio
from workspace.realtime.rooms import NAMESPACE

PENDING = "workspace.realtime.pending"
SAVEPOINTS = "workspace.realtime.savepoints"

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Pending:
    action: Callable[[], None]
    # Evictions go out before events, so nothing the same unit of work publishes reaches
    # someone it has just taken out of a room.
    first: bool = False


def publish(event_name: str, payload: dict[str, Any], *, to: str,
            skip_sid: str | None = None) -> None:
    """Tell a room something once the current unit of work commits (at once if none is open);
    `skip_sid` leaves out the socket that caused it, when it already has what it says."""
    on_commit(partial(_emit, event_name, payload, to, skip_sid))


def on_commit(action: Callable[[], None], *, first: bool = False) -> None:
    """Run this live-delivery step after the commit of the current unit of work."""
    session = db.session()
    if not session.in_transaction():
        action()  # nothing could roll it back
        return
    session.info.setdefault(PENDING, []).append(Pending(action, first))


# One emit at a time per process. Through Redis an emit is a publish that waits for its reply,
# and concurrent ones go out on different pooled connections, so the message a commit made
# second could reach Redis (and every client) first: two workers put 50 of 20,000 room messages
# out of sequence order in bench/live.py. Held from the commit's hook to the publish's reply,
# the lock keeps this process's events in commit order (clients still order by seq).
_emitting = threading.Lock()


def _emit(event_name: str, payload: dict[str, Any], room: str, skip_sid: str | None) -> None:
    with _emitting:
        socketio.emit(event_name, payload, to=room, namespace=NAMESPACE, skip_sid=skip_sid)


def _deliver(session: Session) -> None:
    if session.in_nested_transaction():
        # A savepoint was released: what it published waits for the real commit.
        session.info.get(SAVEPOINTS, {}).pop(session.get_nested_transaction(), None)
        return
    pending: list[Pending] = session.info.pop(PENDING, [])
    session.info.pop(SAVEPOINTS, None)
    for step in sorted(pending, key=lambda step: not step.first):
        try:
            step.action()
        except Exception:
            # The data is committed; a broken socket must not turn that into an error page.
            log.exception("live delivery failed after commit")


def _remember_savepoint(session: Session, transaction: SessionTransaction) -> None:
    if transaction.nested:
        marks = session.info.setdefault(SAVEPOINTS, {})
        marks[transaction] = len(session.info.get(PENDING, []))


def _drop_all(session: Session) -> None:
    session.info.pop(PENDING, None)
    session.info.pop(SAVEPOINTS, None)


def _drop_rolled_back(session: Session) -> None:
    if not session.in_nested_transaction():
        _drop_all(session)  # the whole unit of work; a savepoint is handled below


def _drop_rolled_back_savepoint(session: Session,
                                previous_transaction: SessionTransaction) -> None:
    if not previous_transaction.nested:
        _drop_all(session)
        return
    mark = session.info.get(SAVEPOINTS, {}).pop(previous_transaction, None)
    if mark is not None:
        del session.info.get(PENDING, [])[mark:]


def _drop_unfinished(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None and session.info.get(PENDING):
        # Closed without a commit or a rollback (say, the request failed): nothing is sent.
        log.warning("live events dropped: their unit of work ended without a commit")
        _drop_all(session)


LISTENERS: list[tuple[str, Callable[..., None]]] = [
    ("after_commit", _deliver),
    ("after_transaction_create", _remember_savepoint),
    ("after_rollback", _drop_rolled_back),
    ("after_soft_rollback", _drop_rolled_back_savepoint),
    ("after_transaction_end", _drop_unfinished),
]


def listen_to_sessions() -> None:
    """Attach the hooks to the app's sessions (once per process; every app shares db.session)."""
    for name, listener in LISTENERS:
        if not event.contains(db.session, name, listener):
            event.listen(db.session, name, listener)
