"""The blog's comment drafts for the shared editor: a comment on a post, a reply to a comment."""

from __future__ import annotations

from flask import Flask

from workspace import writing
from workspace.blogs.comments import (
    COMMENT_DRAFT,
    REPLY_DRAFT,
    comment_in,
    may_reply,
    readable_post,
)
from workspace.policy import blogs as blog_policy


def register(app: Flask) -> None:
    writing.register_draft_kind(app, COMMENT_DRAFT, target=readable_post,
                                may_write=blog_policy.may_comment)
    writing.register_draft_kind(app, REPLY_DRAFT, target=comment_in, may_write=may_reply)
