"""Who prepares, runs, answers and sees the results of a session's polls.

Facilitators and staff prepare polls (before the session, on its polls page) and run them in
the room; everyone in the room answers an open poll; results are the facilitators' until they
reveal them. Rules take polls whose session (and its community) is loaded.
"""

from __future__ import annotations

from workspace.policy import Person, Standing, rule, standing_for
from workspace.policy.sessions import may_run_room
from workspace.sessions.models import LiveSession
from workspace.sessions.poll_models import Poll, PollState


def _why_no_preparing(session: LiveSession) -> str:
    if session.is_cancelled:
        return "This session was cancelled, so it takes no polls."
    return "Only the session's facilitators and network staff prepare its polls."


@rule(_why_no_preparing)
def may_prepare_polls(user: Person, session: LiveSession,
                      standing: Standing | None = None) -> bool:
    """Facilitators and staff write, change and copy polls for a session not cancelled."""
    return (not session.is_cancelled
            and standing_for(user, session.community, standing).moderates)


def _why_no_vote(poll: Poll) -> str:
    if poll.state is PollState.DRAFT:
        return "That poll hasn't been opened yet."
    return "That poll is closed: votes can't change now."


@rule(_why_no_vote)
def may_vote(user: Person, poll: Poll, standing: Standing | None = None) -> bool:
    """Anyone in the room answers a poll while it is open (being in the room is checked by the
    room, event by event)."""
    return poll.state is PollState.OPEN


def may_see_results(user: Person, poll: Poll, standing: Standing | None = None) -> bool:
    """The facilitators follow the results live; everyone else once they are revealed."""
    return poll.results_revealed or may_run_room(user, poll.session, standing)
