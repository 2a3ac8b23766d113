"""Announcements: published now, or on the date news first went out elsewhere."""

from __future__ import annotations

from datetime import UTC, datetime

from workspace.announcements.service import latest_announcements, save_announcement


def test_news_keeps_the_date_it_first_went_out(staff):
    first = datetime(2017, 8, 1, 12, tzinfo=UTC)
    old = save_announcement(staff, None, title="New opportunities", byline="", body="Join us.",
                            publish=True, published_at=first)
    new = save_announcement(staff, None, title="This week", byline="", body="Hello.",
                            publish=True)
    assert old.published_at == first and new.published_at > first
    assert [a.title for a in latest_announcements()] == ["This week", "New opportunities"]
    assert old.byline == staff.name
