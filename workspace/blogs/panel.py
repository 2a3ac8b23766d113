"""The blog's section of a community's page: the newest posts for its readers, and the public
ones for everyone else (they show visitors what the community thinks about)."""

from __future__ import annotations

from flask import render_template
from markupsafe import Markup

from workspace import policy
from workspace.blogs import pages
from workspace.communities.models import Community
from workspace.database import utcnow
from workspace.policy import Action


def community_panel(viewer: policy.Person, community: Community) -> Markup | None:
    reads = policy.can(viewer, Action.READ, community)
    posts = pages.newest_in(viewer, community) if reads else pages.public_posts(community)
    if not reads and not posts:
        return None
    return Markup(render_template("blogs/_community_panel.html", community=community,
                                  posts=posts, reads=reads, now=utcnow()))


def catalogue_notes(viewer: policy.Person, communities: list[Community]) -> dict[int, Markup]:
    """Each catalogue card's latest public post, for everyone (one query for the page)."""
    latest = pages.latest_public_posts([community.id for community in communities])
    return {community_id: Markup(render_template("blogs/_catalogue_note.html", post=post))
            for community_id, post in latest.items()}
