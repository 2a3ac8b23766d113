"""Live events have a per-person rate limit, as the HTTP routes do."""

from __future__ import annotations

import pytest

LIVE = "/live"
TOO_OFTEN = {"ok": False, "error": "You're doing that too often. Wait a moment and try again."}


def follow(page, community) -> dict:
    return page.emit("watch_forum", {"community_id": community.id}, namespace=LIVE,
                     callback=True)


class TestWhenEnabled:
    @pytest.fixture
    def app_settings(self, app_settings):
        return {**app_settings, "RATELIMIT_ENABLED": True, "LIVE_EVENT_LIMIT": "3 per minute"}

    def test_a_person_over_the_limit_is_asked_to_wait_and_others_are_not(
            self, connect_as, member, other_member, community):
        mine, theirs = connect_as(member), connect_as(other_member)
        assert [follow(mine, community) for _ in range(3)] == [{"ok": True}] * 3
        assert follow(mine, community) == TOO_OFTEN
        assert follow(theirs, community) == {"ok": True}  # counted per person

    def test_the_limit_counts_every_kind_of_event_together(self, connect_as, member, community,
                                                           topic):
        page = connect_as(member)
        follow(page, community)
        page.emit("watch_topic", {"topic_id": topic.id}, namespace=LIVE, callback=True)
        follow(page, community)
        answer = page.emit("watch_topic", {"topic_id": topic.id}, namespace=LIVE, callback=True)
        assert answer == TOO_OFTEN


def test_tests_switch_rate_limits_off(connect_as, member, community, app):
    assert app.config["RATELIMIT_ENABLED"] is False
    page = connect_as(member)
    assert all(follow(page, community) == {"ok": True} for _ in range(40))
