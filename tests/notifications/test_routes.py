"""Reading notifications: following one marks it read; only one's own."""

from __future__ import annotations

from workspace.extensions import db
from workspace.notifications.models import Notification, NotificationKind
from workspace.notifications.service import notify, unread_count


def _notice(person, link: str = "/communities/") -> Notification:
    notification = notify(person, NotificationKind.GENERAL, "Welcome to the network.", link,
                          actor=None, community=None, subject=None)
    db.session.commit()
    return notification


def test_an_unread_notification_links_to_its_page_and_is_marked_read_on_the_way(client_as,
                                                                                  member):
    notification = _notice(member)
    client = client_as(member)
    html = client.get("/notifications/").get_data(as_text=True)
    read_url = f"/notifications/{notification.id}/read"
    assert f'href="/communities/" data-read-url="{read_url}"' in html
    assert "Mark as read<span" in html
    answer = client.post(read_url, headers={"Accept": "application/json"}, json={})
    assert answer.get_json() == {"ok": True, "unread": 0}
    assert unread_count(member) == 0
    html = client.get("/notifications/").get_data(as_text=True)
    assert "data-read-url" not in html and "Mark as read<span" not in html


def test_mark_as_read_works_without_javascript(client_as, member):
    notification = _notice(member)
    response = client_as(member).post(f"/notifications/{notification.id}/read")
    assert response.status_code == 302 and unread_count(member) == 0


def test_someone_elses_notification_is_not_there(client_as, member, other_member):
    notification = _notice(member)
    assert client_as(other_member).post(f"/notifications/{notification.id}/read").status_code == 404
    assert unread_count(member) == 1


def test_only_paths_of_the_app_are_links(client_as, member):
    _notice(member, link="javascript:alert(1)")
    _notice(member, link="//evil.example/")
    html = client_as(member).get("/notifications/").get_data(as_text=True)
    assert 'href="javascript:' not in html and 'href="//evil' not in html
