"""A per-person rate limit on live events, as Flask-Limiter gives the HTTP routes theirs."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Flask, current_app
from limits import RateLimitItem, parse
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter

from workspace import errors

EXTENSION = "workspace.live_rate_limit"


@dataclass(frozen=True)
class LiveRateLimit:
    limiter: MovingWindowRateLimiter
    limit: RateLimitItem
    enabled: bool


def init_app(app: Flask) -> None:
    # The same storage as the HTTP limits: memory in one process, Redis when REDIS_URL is set,
    # so a person's count is shared by every worker their sockets land on.
    storage = storage_from_string(app.config["RATELIMIT_STORAGE_URI"])
    app.extensions[EXTENSION] = LiveRateLimit(
        limiter=MovingWindowRateLimiter(storage), limit=parse(app.config["LIVE_EVENT_LIMIT"]),
        enabled=bool(app.config.get("RATELIMIT_ENABLED", True)))


def count_event(user_id: int) -> None:
    """Count one live event for this person; TooOften once they are over the limit."""
    rate: LiveRateLimit = current_app.extensions[EXTENSION]
    if rate.enabled and not rate.limiter.hit(rate.limit, "live-event", str(user_id)):
        raise errors.TooOften()
