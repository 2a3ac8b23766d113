"""Forum fixtures: the community's categories and a topic Arizona's member started."""

from __future__ import annotations

import pytest

from workspace.auth.models import User
from workspace.communities.models import Community
from workspace.extensions import db
from workspace.forums import service
from workspace.forums.models import ForumCategory, Topic


def start_forum(community: Community) -> list[ForumCategory]:
    """What creating a community through the app does (test factories make bare rows)."""
    categories = service.add_default_categories(community)
    db.session.commit()
    return categories


@pytest.fixture
def categories(community) -> list[ForumCategory]:
    return start_forum(community)


@pytest.fixture
def general(categories) -> ForumCategory:
    return categories[0]


@pytest.fixture
def topic(general, member: User) -> Topic:
    return service.start_topic(member, general, title="How do you monitor CSI schools' progress?",
                               body="We review **leading indicators** every quarter. You?")


def url(community, path: str = "") -> str:
    return f"/communities/{community.slug}/forums{path}"
