"""Secret calendar addresses: made, stored hashed, replaced, turned off, looked up."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
from sqlalchemy import select

from workspace.database import utcnow
from workspace.extensions import db
from workspace.sessions import feeds
from workspace.sessions.models import CalendarFeed


def all_rows_text() -> str:
    """Every value of every row of every table, as text."""
    db.session.commit()
    with db.engine.connect() as connection:
        return "\n".join(repr(tuple(row)) for table in db.metadata.sorted_tables
                         for row in connection.execute(table.select()))


def test_the_token_is_long_random_and_stored_only_as_its_hash(member):
    token = feeds.new_feed(member)
    assert len(token) >= 43 and token != feeds.new_feed(member)
    assert token not in all_rows_text()
    feed = db.session.scalar(select(CalendarFeed).where(
        CalendarFeed.token_hash == hashlib.sha256(token.encode()).hexdigest()))
    assert feed is not None and feed.user_id == member.id


def test_the_token_opens_its_owners_feed(member):
    token = feeds.new_feed(member)
    assert feeds.feed_owner(token) == member
    assert feeds.active_feed(member) is not None


def test_a_new_address_stops_the_old_one(member):
    old = feeds.new_feed(member)
    new = feeds.new_feed(member)
    assert feeds.feed_owner(old) is None
    assert feeds.feed_owner(new) == member
    active = db.session.scalars(select(CalendarFeed).where(
        CalendarFeed.user_id == member.id, CalendarFeed.revoked_at.is_(None))).all()
    assert len(active) == 1


def test_turning_it_off_stops_the_address(member, other_member):
    token = feeds.new_feed(member)
    theirs = feeds.new_feed(other_member)
    assert feeds.revoke_feed(member) is True
    assert feeds.feed_owner(token) is None
    assert feeds.active_feed(member) is None
    assert feeds.revoke_feed(member) is False  # nothing left to turn off
    assert feeds.feed_owner(theirs) == other_member  # nobody else's is touched


@pytest.mark.parametrize("token", ["", "short", "../../etc/passwd", "x" * 300,
                                   "a" * 43 + "!", "тест" * 11])
def test_malformed_and_unknown_tokens_open_nothing(member, token):
    feeds.new_feed(member)
    assert feeds.feed_owner(token) is None
    assert feeds.feed_owner("A" * 43) is None  # well formed, but no one's


def test_a_deactivated_account_has_no_feed(member):
    token = feeds.new_feed(member)
    member.is_deactivated = True
    db.session.commit()
    assert feeds.feed_owner(token) is None


def test_the_last_fetch_is_noted_at_most_once_an_hour(member):
    token = feeds.new_feed(member)
    feeds.feed_owner(token)
    feed = feeds.active_feed(member)
    assert feed is not None and feed.last_fetched_at is not None
    first = feed.last_fetched_at
    feeds.feed_owner(token)
    assert feeds.active_feed(member).last_fetched_at == first
    feed.last_fetched_at = first - timedelta(hours=2)
    db.session.commit()
    feeds.feed_owner(token)
    assert feeds.active_feed(member).last_fetched_at >= utcnow() - timedelta(minutes=1)
