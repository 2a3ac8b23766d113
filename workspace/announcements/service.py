"""Network announcements: news on the home page, written by staff."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from workspace import errors, policy
from workspace.announcements.models import Announcement
from workspace.auth.models import User
from workspace.database import utcnow
from workspace.extensions import db
from workspace.text import render_markdown


def latest_announcements(*, limit: int = 10) -> list[Announcement]:
    return list(db.session.scalars(select(Announcement)
                                   .where(Announcement.published_at.is_not(None))
                                   .order_by(Announcement.published_at.desc()).limit(limit)))


def all_announcements() -> list[Announcement]:
    return list(db.session.scalars(select(Announcement).order_by(
        Announcement.published_at.desc().nulls_first(), Announcement.id.desc())))


def announcement_for(viewer: policy.Person, announcement_id: int) -> Announcement:
    """A published announcement; drafts only for staff."""
    announcement = db.session.get(Announcement, announcement_id)
    if announcement is None or (not announcement.is_published and not policy.is_staff(viewer)):
        raise errors.NotFound()
    return announcement


def save_announcement(author: User, announcement: Announcement | None, *, title: str, byline: str,
                      body: str, publish: bool,
                      published_at: datetime | None = None) -> Announcement:
    """Write or edit an announcement; publishing puts it on the home page.

    `published_at` keeps the date of news first published elsewhere (the demo's); else now.
    """
    policy.require_staff(author)
    if not (title or "").strip():
        raise errors.Invalid("Give the announcement a title.", field="title")
    if not (body or "").strip():
        raise errors.Invalid("Write the announcement.", field="body")
    if announcement is None:
        announcement = Announcement(author=author, title="", body="", body_html="")
        db.session.add(announcement)
    else:
        announcement.updated_at = utcnow()
    announcement.title = title.strip()[:200]
    announcement.byline = (byline or "").strip()[:200] or author.name
    announcement.body = body
    announcement.body_html = render_markdown(body)
    if publish and announcement.published_at is None:
        announcement.published_at = published_at or utcnow()
    elif not publish:
        announcement.published_at = None
    db.session.commit()
    return announcement


def delete_announcement(actor: User, announcement: Announcement) -> None:
    """Remove an announcement for good."""
    policy.require_staff(actor)
    db.session.delete(announcement)
    db.session.commit()
