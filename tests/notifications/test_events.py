"""Live notifications: each person hears only their own, once the unit of work commits."""

from __future__ import annotations

from workspace.extensions import db
from workspace.notifications.models import NotificationKind
from workspace.notifications.service import notify, unread_count


def added(client) -> list[dict]:
    return [event["args"][0] for event in client.get_received("/live")
            if event["name"] == "notification_added"]


def test_a_notification_reaches_its_person_live_and_no_one_else(connect_as, member, outsider):
    mine, theirs = connect_as(member), connect_as(outsider)
    assert mine.is_connected("/live") and theirs.is_connected("/live")
    note = notify(member, NotificationKind.GENERAL, "Your state's interest was accepted.",
                  "/communities/x", actor=None, community=None, subject=None)
    assert added(mine) == []  # not before the commit
    db.session.commit()
    assert added(mine) == [{"id": note.id, "message": "Your state's interest was accepted.",
                            "link": "/communities/x"}]
    assert added(theirs) == []
    assert unread_count(member) == 1


def test_the_notifications_page_lists_and_marks_read(client_as, member):
    notify(member, NotificationKind.GENERAL, "Welcome to the exchange.", "/", actor=None,
           community=None, subject=None)
    db.session.commit()
    client = client_as(member)
    page = client.get("/notifications/")
    assert page.status_code == 200 and b"Welcome to the exchange." in page.data
    assert client.post("/notifications/read").status_code == 302
    assert unread_count(member) == 0
