"""The sessions' section of a community's page: what is open now and coming next."""

from __future__ import annotations

from flask import render_template
from markupsafe import Markup

from workspace import policy
from workspace.communities.models import Community
from workspace.database import utcnow
from workspace.policy import Action
from workspace.sessions import pages


def community_panel(viewer: policy.Person, community: Community) -> Markup | None:
    """Readers see the next sessions and a way to all of them; others see nothing here."""
    if not policy.can(viewer, Action.READ, community):
        return None
    now = utcnow()
    return Markup(render_template("sessions/_community_panel.html", community=community,
                                  rows=pages.next_sessions(viewer, community, now=now),
                                  now=now))
