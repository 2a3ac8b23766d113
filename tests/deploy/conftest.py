"""The deploy test reuses the live tests' Redis, forum and cast."""

from __future__ import annotations

from tests.forums.conftest import categories, general, topic  # noqa: F401 - fixtures
from tests.realtime.conftest import redis_url  # noqa: F401 - fixture
from tests.realtime.test_two_workers import app_settings, cast  # noqa: F401 - fixtures
