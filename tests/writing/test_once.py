"""One-time form values: what counts as one, and how a second sending finds the first's row."""

from __future__ import annotations

import pytest
from sqlalchemy.exc import IntegrityError

from tests.forums.conftest import start_forum
from workspace import writing
from workspace.forums import service
from workspace.forums.models import Post


def test_what_counts_as_a_one_time_value():
    issued = writing.new_nonce()
    assert writing.clean_nonce(issued) == issued and issued != writing.new_nonce()
    for value in (None, "", "short", "x" * 65, "has space 123", "quote\"12345", "ünïcode-123"):
        assert writing.clean_nonce(value) is None, value
    assert writing.clean_nonce("reply-nonce_1") == "reply-nonce_1"


def test_without_a_value_every_sending_writes(member):
    calls = []
    assert writing.once(Post, member, "not valid", lambda nonce: calls.append(nonce)) is None
    writing.once(Post, member, None, lambda nonce: calls.append(nonce))
    assert calls == [None, None]
    assert writing.made_with(Post, member, None) is None


def test_a_value_already_used_gives_back_what_it_made(community, member, other_member):
    topic = service.start_topic(member, start_forum(community)[0], title="T", body="B")
    post = service.reply(other_member, topic, body="Hello", nonce="used-once-1")

    def never(nonce):
        raise AssertionError("written twice")

    assert writing.once(Post, other_member, "used-once-1", never) == post
    assert writing.once(Post, other_member, "used-once-1", never,
                        found=lambda row: row.topic) == topic
    assert writing.made_with(Post, member, "used-once-1") is None  # per person


def test_an_integrity_error_of_another_kind_is_not_swallowed(member):
    def clash(nonce):
        raise IntegrityError("INSERT", {}, Exception("some other constraint"))

    with pytest.raises(IntegrityError):
        writing.once(Post, member, "fresh-value-1", clash)

