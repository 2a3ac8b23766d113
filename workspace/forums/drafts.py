"""The forum's kinds of draft for the shared editor: a new topic, a reply to a topic."""

from __future__ import annotations

from flask import Flask

from workspace import writing
from workspace.forums.pages import REPLY_DRAFT, TOPIC_DRAFT, topic_in
from workspace.policy import forums as forum_policy


def register(app: Flask) -> None:
    writing.register_draft_kind(app, TOPIC_DRAFT, target=writing.community_itself)
    writing.register_draft_kind(app, REPLY_DRAFT, target=topic_in,
                                may_write=forum_policy.may_reply)
