"""Who may see, schedule, answer and attend a community's live sessions.

Observers see sessions; members (and SMEs) answer RSVPs and attend; facilitators and staff
schedule, change and cancel them and see the roster. Each rule's SQL form sits beside it for the
lists and calendar feeds that ask the same question of many sessions at once.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, Select

from workspace import errors
from workspace.communities.models import Community, CommunityStatus
from workspace.database import utcnow
from workspace.policy import (
    Action,
    Person,
    Standing,
    people_who_may,
    readable_community_ids,
    rule,
    standing_for,
)
from workspace.sessions.models import BreakoutGroup, ChatMessage, LiveSession, RoomState


@rule(error=errors.NotFound)
def may_see_session(user: Person, session: LiveSession,
                    standing: Standing | None = None) -> bool:
    """Everyone who may read the community sees its sessions, cancelled ones included.

    SQL form: visible_sessions().
    """
    return standing_for(user, session.community, standing).reads


def visible_sessions(user: Person) -> ColumnElement[bool]:
    """may_see_session as one WHERE clause on sessions of every community: "My sessions" and
    the calendar feed, asked again at every fetch, so a withdrawn state's people see none."""
    return LiveSession.community_id.in_(readable_community_ids(user))


@rule("Only the community's facilitators and network staff schedule sessions.")
def may_schedule(user: Person, community: Community, standing: Standing | None = None) -> bool:
    """Facilitators and staff schedule sessions, except in an archived community."""
    return (community.status is not CommunityStatus.ARCHIVED
            and standing_for(user, community, standing).moderates)


@rule("Only the community's facilitators and network staff change its sessions.")
def may_change_session(user: Person, session: LiveSession,
                       standing: Standing | None = None) -> bool:
    """Facilitators and staff edit, reschedule and cancel; a cancelled session stays as it is."""
    return standing_for(user, session.community, standing).moderates


@rule("Only the community's facilitators and network staff see the roster.")
def may_see_roster(user: Person, session: LiveSession,
                   standing: Standing | None = None) -> bool:
    return standing_for(user, session.community, standing).moderates


@rule("Observers follow the sessions; members of the community say whether they are coming.")
def may_attend(user: Person, session: LiveSession, standing: Standing | None = None) -> bool:
    """Members, SMEs, facilitators and staff attend: they answer RSVPs and see the call link.

    SQL form: attendee_ids().
    """
    return standing_for(user, session.community, standing).contributes


def attendee_ids(community: Community) -> Select:
    """Ids of the community's own people who may attend its sessions (staff aside)."""
    return people_who_may(community, Action.CONTRIBUTE)


def _why_no_rsvp(session: LiveSession) -> str:
    if session.is_cancelled:
        return "This session was cancelled, so it takes no answers."
    if session.has_ended(utcnow()):
        return "This session has ended, so it takes no answers."
    return "Observers follow the sessions; members of the community say whether they are coming."


@rule(_why_no_rsvp)
def may_rsvp(user: Person, session: LiveSession, standing: Standing | None = None) -> bool:
    """People who may attend answer until the session ends, unless it was cancelled."""
    return (may_attend(user, session, standing) and not session.is_cancelled
            and not session.has_ended(utcnow()))


# --- The live room ---------------------------------------------------------------------------
# Rules about a session's room take the session with its room loaded (LiveSession.room).

def _removed(standing: Standing, session: LiveSession) -> bool:
    room = session.room
    return room is not None and standing.user_id in room.removed_ids


def _why_not_in(session: LiveSession) -> str:
    state = session.room_state(utcnow())
    if state is RoomState.ENDED:
        return "This session's room has closed. Its record is on the session's page."
    if state is RoomState.HOSTS:
        return "The facilitators are getting ready. The room opens to everyone at the start."
    if state is RoomState.CLOSED:
        return ("This session's room isn't open yet. It opens 10 minutes before the start."
                if not session.is_cancelled else "This session was cancelled.")
    return "You can't join this session's room."


@rule(_why_not_in)
def may_enter_room(user: Person, session: LiveSession, standing: Standing | None = None) -> bool:
    """People who may attend enter while it is open; hosts (facilitators and staff) also while
    it is open for hosts. No one removed from it comes back."""
    standing = standing_for(user, session.community, standing)
    if not standing.contributes or _removed(standing, session):
        return False
    state = session.room_state(utcnow())
    return state is RoomState.OPEN or (state is RoomState.HOSTS and standing.moderates)


@rule("Only the session's facilitators and network staff run the room.")
def may_run_room(user: Person, session: LiveSession, standing: Standing | None = None) -> bool:
    """Start, end, open early, mute, remove, pin a notice, run the timer, call on hands."""
    return (not session.is_cancelled
            and standing_for(user, session.community, standing).moderates)


def _why_no_chat(session: LiveSession) -> str:
    return "The facilitators muted your chat for now."


@rule(_why_no_chat)
def may_chat(user: Person, session: LiveSession, standing: Standing | None = None) -> bool:
    """Everyone in the room chats unless the facilitators muted them (entering is checked by
    the room itself, event by event)."""
    room = session.room
    return room is None or user.id not in room.muted_ids


@rule(_why_not_in)
def may_take_notes(user: Person, session: LiveSession, standing: Standing | None = None) -> bool:
    """Everyone in the room writes in its shared notes (muting stops chat, not notes); when
    the room closes they stay, read-only, in the session's record."""
    return may_enter_room(user, session, standing)


@rule("You aren't in that breakout group.")
def may_join_group(user: Person, group: BreakoutGroup, standing: Standing | None = None) -> bool:
    """A breakout group's members speak and listen in it; hosts may join every group."""
    return user.id in group.member_ids or may_run_room(user, group.session, standing)


@rule("You can flag other people's messages in rooms you are in.")
def may_flag_message(user: Person, message: ChatMessage,
                     standing: Standing | None = None) -> bool:
    session = message.session
    return (message.author_id != user.id and message.deleted_at is None
            and message.hidden_at is None
            and standing_for(user, session.community, standing).contributes)


@rule(error=errors.NotFound)
def may_see_summary(user: Person, session: LiveSession, standing: Standing | None = None) -> bool:
    """A published summary is the community's; a draft is its facilitators' (and staff's)."""
    standing = standing_for(user, session.community, standing)
    if session.summary_published_at is not None:
        return standing.reads
    return bool(session.summary) and standing.moderates
