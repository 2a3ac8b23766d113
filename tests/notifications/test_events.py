"""Live notifications: only signed-in people connect, and each hears only their own."""

from __future__ import annotations

from workspace.extensions import db, socketio
from workspace.notifications.service import announce, notify, unread_count


def test_visitors_cannot_open_the_live_connection(app):
    visitor = socketio.test_client(app, namespace="/live", flask_test_client=app.test_client())
    assert not visitor.is_connected("/live")


def test_a_notification_reaches_its_person_live_and_no_one_else(connect_as, member, outsider):
    mine, theirs = connect_as(member), connect_as(outsider)
    assert mine.is_connected("/live") and theirs.is_connected("/live")
    note = notify(member, "Your state's interest was accepted.", "/communities/x")
    db.session.commit()
    announce([note])
    received = [event for event in mine.get_received("/live") if event["name"] ==
                "notification_added"]
    assert received and received[0]["args"][0]["message"] == "Your state's interest was accepted."
    assert [e for e in theirs.get_received("/live") if e["name"] == "notification_added"] == []
    assert unread_count(member) == 1


def test_the_notifications_page_lists_and_marks_read(client_as, member):
    notify(member, "Welcome to the exchange.", "/")
    db.session.commit()
    client = client_as(member)
    page = client.get("/notifications/")
    assert page.status_code == 200 and b"Welcome to the exchange." in page.data
    assert client.post("/notifications/read").status_code == 302
    assert unread_count(member) == 0
