"""Who changes the action items a session's room writes down. Anyone in the room adds one (being
in the room is the room's check); its author and the facilitators change or remove it."""

from __future__ import annotations

from workspace.policy import Person, Standing, rule, standing_for
from workspace.sessions.action_models import ActionItem


@rule("Only the person who wrote an action item and the facilitators change it.")
def may_change_action_item(user: Person, item: ActionItem,
                           standing: Standing | None = None) -> bool:
    """Its author (while they may still take part) and the session's facilitators and staff."""
    standing = standing_for(user, item.session.community, standing)
    if standing.moderates:
        return True
    return standing.contributes and item.created_by_id == standing.user_id
