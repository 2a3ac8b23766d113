"""What features set up when a community is created: each registers a handler in create_app."""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask, current_app

from workspace.communities.models import Community

# A handler gets the new community, flushed (it has its id) but not committed: it adds its rows
# to the creating unit of work and may flush, never commit, so a failure undoes the whole creation.
CommunityCreated = Callable[[Community], object]

_EXTENSION = "workspace.community_created"


def on_community_created(app: Flask, handler: CommunityCreated) -> None:
    """Have this app run the handler for every community it creates (once, however often asked)."""
    handlers: list[CommunityCreated] = app.extensions.setdefault(_EXTENSION, [])
    if handler not in handlers:
        handlers.append(handler)


def community_created(community: Community) -> None:
    """Let every registered feature set up the new community, in registration order."""
    for handler in current_app.extensions.get(_EXTENSION, []):
        handler(community)
