"""Live forum pages: a reader follows a topic (or a forum) and hears about new posts."""

from __future__ import annotations

from typing import Any

from flask_login import current_user
from flask_socketio import join_room

from workspace import realtime
from workspace.forums import pages


@realtime.on("watch_topic")
def watch_topic(data: dict[str, Any]) -> dict[str, Any]:
    topic = pages.topic_for_live(current_user, realtime.int_arg(data, "topic_id"))
    join_room(realtime.topic_room(topic.community_id, topic.id))
    return {"ok": True}


@realtime.on("watch_forum")
def watch_forum(data: dict[str, Any]) -> dict[str, Any]:
    community = pages.forum_for_live(current_user, realtime.int_arg(data, "community_id"))
    join_room(realtime.forum_room(community.id))
    return {"ok": True}
