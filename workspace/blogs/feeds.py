"""A member's secret address for one community's blog feed, and what each blog feed holds.

The token works like the calendar's (workspace/sessions/feeds.py, whose token shape and hash
this shares): only its SHA-256 is kept, it is shown once, making a new one stops the old, and
a stopped one answers 404. A feed is read with the owner's rights as they are at each fetch,
so a person whose state withdrew stops getting posts at the next fetch without anyone
touching their address.
"""

from __future__ import annotations

import secrets
from datetime import datetime

from flask_login import AnonymousUserMixin
from sqlalchemy import select, update
from sqlalchemy.orm import joinedload, raiseload, selectinload

from workspace import policy
from workspace.auth.models import User
from workspace.blogs.models import BlogFeed, BlogPost
from workspace.communities.models import Community
from workspace.database import utcnow
from workspace.extensions import db
from workspace.policy import Action
from workspace.policy import blogs as blog_policy
from workspace.sessions.feeds import (
    FETCH_RECORD_INTERVAL,
    TOKEN_BYTES,
    TOKEN_SHAPE,
    token_hash,
)

# Feed readers keep what they have already fetched: the newest posts are enough.
FEED_SIZE = 30


def _stop_active_feeds(user: User, community: Community) -> int:
    result = db.session.execute(
        update(BlogFeed).where(BlogFeed.user_id == user.id,
                               BlogFeed.community_id == community.id,
                               BlogFeed.revoked_at.is_(None))
        .values(revoked_at=utcnow()).execution_options(synchronize_session="fetch"))
    return int(getattr(result, "rowcount", 0) or 0)


def new_feed(user: User, community: Community) -> str:
    """Make the person's secret feed address for the community's blog, replacing any earlier
    one; returns the token, which is shown once and never kept."""
    policy.authorize(user, Action.READ, community)
    token = secrets.token_urlsafe(TOKEN_BYTES)
    _stop_active_feeds(user, community)
    db.session.add(BlogFeed(user_id=user.id, community_id=community.id,
                            token_hash=token_hash(token)))
    db.session.commit()
    return token


def revoke_feed(user: User, community: Community) -> bool:
    """Turn off the person's feed address for the community's blog; False when they had none.
    Anyone may turn off their own address, even after losing access to the community."""
    stopped = _stop_active_feeds(user, community)
    db.session.commit()
    return stopped > 0


def active_feed(user: User, community: Community) -> BlogFeed | None:
    """The person's working feed address for the community's blog, if they have one."""
    return db.session.scalar(
        select(BlogFeed).where(BlogFeed.user_id == user.id,
                               BlogFeed.community_id == community.id,
                               BlogFeed.revoked_at.is_(None))
        .order_by(BlogFeed.created_at.desc(), BlogFeed.id.desc()).limit(1))


def member_feed(token: str) -> tuple[User, Community] | None:
    """Whose feed of which community this token opens: None for an unknown, revoked or
    malformed token, or a deactivated account. Whether its owner may still read the community
    is the caller's question (policy.can at fetch time). Notes when it was last fetched, at
    most once an hour, so a fetch rarely writes."""
    if not TOKEN_SHAPE.fullmatch(token):
        return None
    feed = db.session.scalar(
        select(BlogFeed).where(BlogFeed.token_hash == token_hash(token),
                               BlogFeed.revoked_at.is_(None))
        .options(joinedload(BlogFeed.user), joinedload(BlogFeed.community)))
    if feed is None or feed.user.is_deactivated:
        return None
    now = utcnow()
    if feed.last_fetched_at is None or now - feed.last_fetched_at >= FETCH_RECORD_INTERVAL:
        feed.last_fetched_at = now
        db.session.commit()
    return feed.user, feed.community


def _newest(community: Community, reader: policy.Person, now: datetime | None) -> list[BlogPost]:
    # Two queries whatever the number of posts: the posts with their authors (and community,
    # which post_link reads), then their tags.
    stmt = (select(BlogPost)
            .where(BlogPost.community_id == community.id,
                   blog_policy.readable_posts(reader, now or utcnow()))
            .options(joinedload(BlogPost.author), joinedload(BlogPost.community),
                     selectinload(BlogPost.tags), raiseload("*"))
            .order_by(BlogPost.publish_at.desc(), BlogPost.id.desc())
            .limit(FEED_SIZE))
    return list(db.session.scalars(stmt).unique())


def member_posts(user: User, community: Community, now: datetime | None = None
                 ) -> list[BlogPost]:
    """The community's newest posts that are out and that this person may read now."""
    return _newest(community, user, now)


def public_posts(community: Community, now: datetime | None = None) -> list[BlogPost]:
    """The community's newest posts that are out and that its facilitators made public."""
    # Asked as a visitor would be: the same policy that decides the public pages.
    return _newest(community, AnonymousUserMixin(), now)
