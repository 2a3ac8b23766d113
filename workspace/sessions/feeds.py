"""A person's secret calendar address: made, replaced, turned off and looked up by its token.

The token is the only key to someone's sessions, so only its SHA-256 is stored: the address is
shown once, when it is made, and a stolen database does not give it away. Each person has at
most one working address; making a new one stops the old.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import joinedload

from workspace.auth.models import User
from workspace.database import utcnow
from workspace.extensions import db
from workspace.sessions.models import CalendarFeed

TOKEN_BYTES = 32
# token_urlsafe's alphabet; anything else (or far too short or long) is not worth a query.
TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{32,128}")
# Calendars fetch a feed every hour or so: "last used" needs no more precision than that, and
# a write on every fetch would cost more than the read.
FETCH_RECORD_INTERVAL = timedelta(hours=1)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _stop_active_feeds(user: User) -> int:
    result = db.session.execute(
        update(CalendarFeed).where(CalendarFeed.user_id == user.id,
                                   CalendarFeed.revoked_at.is_(None))
        .values(revoked_at=utcnow()).execution_options(synchronize_session="fetch"))
    return int(getattr(result, "rowcount", 0) or 0)


def new_feed(user: User) -> str:
    """Make the person's calendar address, replacing any earlier one; returns the token, which
    is shown once and never kept."""
    token = secrets.token_urlsafe(TOKEN_BYTES)
    _stop_active_feeds(user)
    db.session.add(CalendarFeed(user_id=user.id, token_hash=token_hash(token)))
    db.session.commit()
    return token


def revoke_feed(user: User) -> bool:
    """Turn off the person's calendar address; False when they had none."""
    stopped = _stop_active_feeds(user)
    db.session.commit()
    return stopped > 0


def active_feed(user: User) -> CalendarFeed | None:
    """The person's working calendar address, if they have one."""
    return db.session.scalar(
        select(CalendarFeed).where(CalendarFeed.user_id == user.id,
                                   CalendarFeed.revoked_at.is_(None))
        .order_by(CalendarFeed.created_at.desc(), CalendarFeed.id.desc()).limit(1))


def feed_owner(token: str) -> User | None:
    """Whose feed this token opens: None for an unknown, revoked or malformed token, or a
    deactivated account. Notes when it was last fetched, at most once an hour."""
    if not TOKEN_SHAPE.fullmatch(token):
        return None
    feed = db.session.scalar(
        select(CalendarFeed).where(CalendarFeed.token_hash == token_hash(token),
                                   CalendarFeed.revoked_at.is_(None))
        .options(joinedload(CalendarFeed.user)))
    if feed is None or feed.user.is_deactivated:
        return None
    now = utcnow()
    if feed.last_fetched_at is None or now - feed.last_fetched_at >= FETCH_RECORD_INTERVAL:
        feed.last_fetched_at = now
        db.session.commit()
    return feed.user
