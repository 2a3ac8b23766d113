"""Ops tests use a Redis of their own, as the live tests do."""

from __future__ import annotations

from tests.realtime.conftest import redis_url  # noqa: F401 - fixture
