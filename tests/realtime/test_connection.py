"""The /live connection: signed-in people only, every handler checked, errors as acks."""

from __future__ import annotations

import inspect

from workspace import realtime
from workspace.extensions import db, socketio
from workspace.realtime.connection import SESSION_ENDED

LIVE = "/live"


def test_visitors_cannot_open_the_live_connection(app):
    visitor = socketio.test_client(app, namespace=LIVE, flask_test_client=app.test_client())
    assert not visitor.is_connected(LIVE)


def test_a_signed_in_person_connects_into_their_own_room(connect_as, member):
    page = connect_as(member)
    assert page.is_connected(LIVE)
    sid = socketio.server.manager.sid_from_eio_sid(page.eio_sid, LIVE)
    assert realtime.user_room(member.id) in socketio.server.manager.get_rooms(sid, LIVE)


def test_every_live_event_handler_is_registered_through_realtime_on(app):
    """So none escapes the session check and the rate limit."""
    events = {name: handler for name, handler in socketio.server.handlers[LIVE].items()
              if name not in ("connect", "disconnect")}
    assert {"watch_topic", "watch_forum"} <= set(events)
    for name, wrapper in events.items():
        handler = inspect.getclosurevars(wrapper).nonlocals["handler"]
        assert getattr(handler, "is_live_event", False), name


def test_an_event_after_the_session_ended_elsewhere_is_refused(connect_as, member, topic):
    page = connect_as(member)
    member.session_version += 1  # as signing out elsewhere does, before the socket is closed
    db.session.commit()
    answer = page.emit("watch_topic", {"topic_id": topic.id}, namespace=LIVE, callback=True)
    assert answer == {"ok": False, "error": SESSION_ENDED}


def test_an_unexpected_error_is_answered_plainly(connect_as, member, monkeypatch):
    from workspace.forums import pages

    def broken(*args):
        raise RuntimeError("database on fire")

    monkeypatch.setattr(pages, "forum_for_live", broken)
    answer = connect_as(member).emit("watch_forum", {"community_id": 1}, namespace=LIVE,
                                     callback=True)
    assert answer == {"ok": False, "error": "Something went wrong. Please try again."}
