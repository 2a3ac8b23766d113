"""Who chooses how a community's people hear from it by email: its facilitators (and staff)."""

from __future__ import annotations

from workspace.communities.models import Community
from workspace.policy import Person, Standing, rule, standing_for


@rule("Only the community's facilitators choose its email defaults.")
def may_set_email_defaults(user: Person, community: Community,
                           standing: Standing | None = None) -> bool:
    return standing_for(user, community, standing).manages
