"""In-app notifications: stored for the bell, pushed live to the person's open pages."""

from __future__ import annotations

from sqlalchemy import func, select, update

from workspace import realtime
from workspace.auth.models import User
from workspace.database import utcnow
from workspace.extensions import db
from workspace.notifications.models import Notification


def notify(user: User, message: str, link: str = "") -> Notification:
    """Record a notification in the caller's unit of work; call announce() after commit."""
    notification = Notification(user_id=user.id, message=message[:500], link=link)
    db.session.add(notification)
    db.session.flush()
    return notification


def announce(notifications: list[Notification]) -> None:
    for notification in notifications:
        realtime.publish("notification_added",
                         {"id": notification.id, "message": notification.message,
                          "link": notification.link},
                         to=realtime.user_room(notification.user_id))


def unread_count(user: User) -> int:
    return db.session.scalar(select(func.count()).select_from(Notification).where(
        Notification.user_id == user.id, Notification.read_at.is_(None))) or 0


def recent_notifications(user: User, *, page: int):  # noqa: ANN201 - Pagination
    stmt = (select(Notification).where(Notification.user_id == user.id)
            .order_by(Notification.id.desc()))
    return db.paginate(stmt, page=page, per_page=30, error_out=False)


def mark_all_read(user: User) -> int:
    """Mark every unread notification of this person as read."""
    result = db.session.execute(
        update(Notification).where(Notification.user_id == user.id,
                                   Notification.read_at.is_(None)).values(read_at=utcnow()))
    db.session.commit()
    return result.rowcount or 0
