"""The library's section of a community's page: the newest resources for its readers, and what
the facilitators made public for everyone else (it shows visitors what the community makes)."""

from __future__ import annotations

from flask import render_template
from markupsafe import Markup

from workspace import policy
from workspace.communities.models import Community
from workspace.policy import Action
from workspace.resources import pages


def community_panel(viewer: policy.Person, community: Community) -> Markup | None:
    reads = policy.can(viewer, Action.READ, community)
    resources = (pages.latest_in(viewer, community) if reads
                 else pages.public_resources(community))
    if not reads and not resources:
        return None
    return Markup(render_template("resources/_community_panel.html", community=community,
                                  resources=resources, reads=reads))
