"""Live blog posts: a reader with a post open follows it and sees comments and reactions arrive."""

from __future__ import annotations

from typing import Any

from flask_login import current_user
from flask_socketio import join_room

from workspace import realtime
from workspace.blogs import comments


@realtime.on("watch_blog_post")
def watch_blog_post(data: dict[str, Any]) -> dict[str, Any]:
    post = comments.post_for_live(current_user, realtime.int_arg(data, "post_id"))
    join_room(comments.post_room(post))
    return {"ok": True}
