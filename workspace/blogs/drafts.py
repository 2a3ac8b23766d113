"""The blog's kind of draft for the shared editor: a new post, kept as its author types."""

from __future__ import annotations

from flask import Flask

from workspace import writing
from workspace.blogs.service import POST_DRAFT
from workspace.policy import blogs as blog_policy


def register(app: Flask) -> None:
    writing.register_draft_kind(app, POST_DRAFT, target=writing.community_itself,
                                may_write=blog_policy.may_write_posts)
