"""Notification tests tell people about forum posts: the forum's fixtures give them a topic."""

from tests.forums.conftest import categories, general, topic  # noqa: F401 - fixtures
