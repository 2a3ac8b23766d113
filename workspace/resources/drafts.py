"""The library's kind of draft for the shared editor: a new resource's description."""

from __future__ import annotations

from flask import Flask

from workspace import writing
from workspace.policy import resources as resource_policy
from workspace.resources.service import DESCRIPTION_DRAFT


def register(app: Flask) -> None:
    writing.register_draft_kind(app, DESCRIPTION_DRAFT, target=writing.community_itself,
                                may_write=resource_policy.may_add_resource)
