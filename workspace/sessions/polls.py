"""Polls in a session's room: prepared before (on the session's polls page, or copied from
another session of the series) or made on the spot; opened, closed and revealed by the
facilitators; answered once per person, the answer changed while the poll is open.

The facilitators follow the results live (in the room's hosts-only part); everyone else sees
them once revealed. Each public function is one unit of work: it checks the policy, validates,
commits once and publishes after the commit.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, selectinload

from workspace import errors, policy, realtime
from workspace.auth.models import User
from workspace.database import utcnow
from workspace.extensions import db
from workspace.policy import polls as poll_policy
from workspace.policy import sessions as session_policy
from workspace.sessions import room
from workspace.sessions.models import LiveSession
from workspace.sessions.poll_models import (
    FEWEST_OPTIONS,
    MOST_OPTIONS,
    OPTION_MAX,
    QUESTION_MAX,
    Poll,
    PollKind,
    PollOption,
    PollState,
    PollVote,
)

COPYABLE_MAX = 50  # polls offered for copying, those kept for the series first


# --- Reading ---------------------------------------------------------------------------------

def poll_in(session: LiveSession, poll_id: Any) -> Poll:
    """The session's poll with this id; a poll of another session is not there."""
    if isinstance(poll_id, bool) or not isinstance(poll_id, int):
        raise errors.Invalid("'poll_id' must be a whole number.", field="poll_id")
    poll = db.session.scalar(select(Poll).where(Poll.id == poll_id,
                                                Poll.session_id == session.id)
                             .options(selectinload(Poll.options)))
    if poll is None:
        raise errors.NotFound("That poll isn't in this session.")
    poll.session = session
    return poll


def results_of(polls: Iterable[Poll]) -> dict[int, dict[str, Any]]:
    """How many people answered each poll and how many chose each option, in one query."""
    polls = list(polls)
    counts: dict[int, Counter[int]] = {poll.id: Counter() for poll in polls}
    voters: Counter[int] = Counter()
    if polls:
        for poll_id, option_ids in db.session.execute(
                select(PollVote.poll_id, PollVote.option_ids)
                .where(PollVote.poll_id.in_(counts))):
            voters[poll_id] += 1
            counts[poll_id].update(option_ids)
    return {poll.id: {"voters": voters[poll.id],
                      "options": [{"id": option.id, "votes": counts[poll.id][option.id]}
                                  for option in poll.options]}
            for poll in polls}


def _votes_of(user: User, polls: list[Poll]) -> dict[int, list[int]]:
    if not polls:
        return {}
    return dict(db.session.execute(select(PollVote.poll_id, PollVote.option_ids).where(
        PollVote.poll_id.in_([poll.id for poll in polls]), PollVote.user_id == user.id)).all())


def poll_payload(poll: Poll, *, results: dict[str, Any] | None = None,
                 mine: list[int] | None = None) -> dict[str, Any]:
    """A poll as the room shows it: results only for those who may see them."""
    return {"id": poll.id, "session_id": poll.session_id, "question": poll.question,
            "kind": poll.kind.value, "state": poll.state.value,
            "results_revealed": poll.results_revealed, "for_series": poll.for_series,
            "position": poll.position,
            "options": [{"id": option.id, "label": option.label} for option in poll.options],
            "results": results, "my_vote": mine}


def polls_of(session: LiveSession) -> list[Poll]:
    """All the session's polls, drafts included, in the facilitators' order."""
    polls = list(db.session.scalars(select(Poll).where(Poll.session_id == session.id)
                                    .options(selectinload(Poll.options))
                                    .order_by(Poll.position, Poll.id)))
    for poll in polls:
        poll.session = session
    return polls


def polls_for(user: User, session: LiveSession) -> list[dict[str, Any]]:
    """The polls this person sees in the room, each with their own answer and, where they may,
    the results: four queries however many polls and votes there are."""
    hosting = session_policy.may_run_room(user, session)
    polls = [poll for poll in polls_of(session) if hosting or not poll.is_draft]
    results = results_of(poll for poll in polls if hosting or poll.results_revealed)
    mine = _votes_of(user, polls)
    return [poll_payload(poll, results=results.get(poll.id), mine=mine.get(poll.id))
            for poll in polls]


@room.adds_to_snapshot
def _polls_in_snapshot(session: LiveSession, user: User) -> dict[str, Any]:
    return {"polls": polls_for(user, session)}


def record_of(user: policy.Person, session: LiveSession) -> list[tuple[Poll, dict | None]]:
    """The polls the session asked, for its record: results where the reader may see them."""
    polls = [poll for poll in polls_of(session) if not poll.is_draft]
    results = results_of(poll for poll in polls if poll_policy.may_see_results(user, poll))
    return [(poll, results.get(poll.id)) for poll in polls]


def copyable_polls(session: LiveSession) -> list[Poll]:
    """Polls of the community's other sessions a facilitator may copy into this one: those kept
    for the series first, then the most recent sessions' (two queries)."""
    return list(db.session.scalars(
        select(Poll).join(LiveSession, LiveSession.id == Poll.session_id)
        .where(LiveSession.community_id == session.community_id,
               LiveSession.id != session.id)
        .options(selectinload(Poll.options), joinedload(Poll.session))
        .order_by(Poll.for_series.desc(), LiveSession.starts_at.desc(), Poll.position, Poll.id)
        .limit(COPYABLE_MAX)))


# --- Preparing -------------------------------------------------------------------------------

def _clean_question(question: Any) -> str:
    if not isinstance(question, str) or not question.strip():
        raise errors.Invalid("Write the question.", field="question")
    question = " ".join(question.split())
    if len(question) > QUESTION_MAX:
        raise errors.Invalid(f"Keep the question under {QUESTION_MAX} characters.",
                             field="question")
    return question


def _clean_kind(kind: Any) -> PollKind:
    if kind not in {k.value for k in PollKind}:
        raise errors.Invalid("Choose one answer or any number of answers.", field="kind")
    return PollKind(kind)


def _clean_options(options: Any) -> list[str]:
    if not isinstance(options, list) or not all(isinstance(o, str) for o in options):
        raise errors.Invalid("The options must be a list of texts.", field="options")
    labels = [" ".join(option.split()) for option in options if option.strip()]
    if len(labels) < FEWEST_OPTIONS or len(labels) > MOST_OPTIONS:
        raise errors.Invalid(f"Give {FEWEST_OPTIONS} to {MOST_OPTIONS} options, one a line.",
                             field="options")
    too_long = next((label for label in labels if len(label) > OPTION_MAX), None)
    if too_long is not None:
        raise errors.Invalid(f"Keep each option under {OPTION_MAX} characters "
                             f"(\"{too_long[:40]}…\" is longer).", field="options")
    folded = [label.casefold() for label in labels]
    if len(set(folded)) < len(folded):
        raise errors.Invalid("Each option must be different from the others.", field="options")
    return labels


def _announce_to_hosts(session: LiveSession, poll: Poll) -> None:
    realtime.publish("poll_saved", {"session_id": session.id, "poll": poll_payload(
        poll, results=results_of([poll])[poll.id])}, to=room.hosts_room(session))


def create_poll(actor: User, session: LiveSession, *, question: Any, kind: Any, options: Any,
                for_series: bool = False) -> Poll:
    """A new poll, not yet asked: prepared on the polls page or made on the spot in the room."""
    policy.require(actor, poll_policy.may_prepare_polls, session)
    question, poll_kind, labels = (_clean_question(question), _clean_kind(kind),
                                   _clean_options(options))
    last = db.session.scalar(select(func.max(Poll.position))
                             .where(Poll.session_id == session.id))
    poll = Poll(session_id=session.id, question=question, kind=poll_kind,
                for_series=bool(for_series), created_by_id=actor.id,
                position=(last or 0) + 1,
                options=[PollOption(label=label, position=index)
                         for index, label in enumerate(labels)])
    poll.session = session
    db.session.add(poll)
    db.session.flush()
    _announce_to_hosts(session, poll)
    db.session.commit()
    return poll


def _draft(poll: Poll) -> Poll:
    if not poll.is_draft:
        raise errors.Invalid("This poll has been asked, so it can't be changed or deleted now.")
    return poll


def update_poll(actor: User, poll: Poll, *, question: Any, kind: Any, options: Any,
                for_series: bool | None = None) -> Poll:
    """Rewrite a poll that hasn't been asked yet."""
    session = poll.session
    policy.require(actor, poll_policy.may_prepare_polls, session)
    _draft(poll)
    poll.question, poll.kind = _clean_question(question), _clean_kind(kind)
    labels = _clean_options(options)
    # Options keep their ids where their place is unchanged, so nothing points at a lost row.
    for index, label in enumerate(labels):
        if index < len(poll.options):
            poll.options[index].label = label
        else:
            poll.options.append(PollOption(label=label, position=index))
    del poll.options[len(labels):]
    if for_series is not None:
        poll.for_series = for_series
    db.session.flush()
    _announce_to_hosts(session, poll)
    db.session.commit()
    return poll


def delete_poll(actor: User, poll: Poll) -> None:
    """Throw away a poll that hasn't been asked yet (copies made of it stay)."""
    session = poll.session
    policy.require(actor, poll_policy.may_prepare_polls, session)
    _draft(poll)
    db.session.execute(update(Poll).where(Poll.copied_from_id == poll.id)
                       .values(copied_from_id=None))
    db.session.delete(poll)
    realtime.publish("poll_deleted", {"session_id": session.id, "poll_id": poll.id},
                     to=room.hosts_room(session))
    db.session.commit()


def copy_poll(actor: User, session: LiveSession, source_id: Any) -> Poll:
    """Copy a poll of another session of the same community into this one, not yet asked."""
    policy.require(actor, poll_policy.may_prepare_polls, session)
    if isinstance(source_id, bool) or not isinstance(source_id, int):
        raise errors.Invalid("Choose a poll to copy.", field="poll_id")
    source = db.session.scalar(
        select(Poll).join(LiveSession, LiveSession.id == Poll.session_id)
        .where(Poll.id == source_id, LiveSession.community_id == session.community_id)
        .options(selectinload(Poll.options)))
    if source is None:
        raise errors.NotFound("That poll isn't in this community's sessions.")
    if source.session_id == session.id:
        raise errors.Invalid("That poll is already in this session.", field="poll_id")
    last = db.session.scalar(select(func.max(Poll.position))
                             .where(Poll.session_id == session.id))
    poll = Poll(session_id=session.id, question=source.question, kind=source.kind,
                copied_from_id=source.id, created_by_id=actor.id, position=(last or 0) + 1,
                options=[PollOption(label=option.label, position=option.position)
                         for option in source.options])
    poll.session = session
    db.session.add(poll)
    db.session.flush()
    _announce_to_hosts(session, poll)
    db.session.commit()
    return poll


# --- Running ---------------------------------------------------------------------------------

def _publish_results(session: LiveSession, poll: Poll) -> None:
    """The facilitators always hear the new count; everyone does once results are revealed."""
    payload = {"session_id": session.id, "poll_id": poll.id,
               "revealed": poll.results_revealed, "results": results_of([poll])[poll.id]}
    realtime.publish("poll_results", payload, to=room.hosts_room(session))
    if poll.results_revealed:
        realtime.publish("poll_results", payload, to=room.room_name(session))


def open_poll(actor: User, poll: Poll) -> None:
    """Ask the room: the poll takes votes (again, when it was closed) until closed."""
    session = poll.session
    policy.require(actor, session_policy.may_run_room, session)
    if poll.state is not PollState.OPEN:
        poll.state, poll.opened_at, poll.closed_at = PollState.OPEN, utcnow(), None
        db.session.flush()
        realtime.publish("poll_opened", {"session_id": session.id, "poll": poll_payload(
            poll, results=results_of([poll])[poll.id] if poll.results_revealed else None)},
            to=room.room_name(session))
        _publish_results(session, poll)
    db.session.commit()


def close_poll(actor: User, poll: Poll) -> None:
    """Stop taking votes; the answers are kept."""
    session = poll.session
    policy.require(actor, session_policy.may_run_room, session)
    if poll.is_draft:
        raise errors.Invalid("That poll hasn't been opened yet.")
    if poll.state is PollState.OPEN:
        poll.state, poll.closed_at = PollState.CLOSED, utcnow()
        realtime.publish("poll_closed", {"session_id": session.id, "poll_id": poll.id},
                         to=room.room_name(session))
    db.session.commit()


def reveal_results(actor: User, poll: Poll) -> None:
    """Show everyone the results (and, while it stays open, how they change)."""
    session = poll.session
    policy.require(actor, session_policy.may_run_room, session)
    if poll.is_draft:
        raise errors.Invalid("Open the poll first: it has no results yet.")
    if not poll.results_revealed:
        poll.results_revealed = True
        db.session.flush()
        _publish_results(session, poll)
    db.session.commit()


def _clean_choice(poll: Poll, option_ids: Any) -> list[int]:
    if (not isinstance(option_ids, list)
            or any(isinstance(i, bool) or not isinstance(i, int) for i in option_ids)):
        raise errors.Invalid("'option_ids' must be a list of option ids.", field="option_ids")
    if not option_ids:
        raise errors.Invalid("Choose an answer.", field="option_ids")
    if len(set(option_ids)) < len(option_ids):
        raise errors.Invalid("Choose each answer once.", field="option_ids")
    if poll.kind is PollKind.SINGLE and len(option_ids) > 1:
        raise errors.Invalid("This poll takes one answer.", field="option_ids")
    if not set(option_ids) <= {option.id for option in poll.options}:
        raise errors.Invalid("Choose among this poll's options.", field="option_ids")
    order = {option.id: option.position for option in poll.options}
    return sorted(option_ids, key=order.__getitem__)


def vote(user: User, poll: Poll, option_ids: Any) -> PollVote:
    """Answer an open poll; answering again replaces the earlier answer."""
    session = poll.session
    policy.require(user, session_policy.may_enter_room, session)
    policy.require(user, poll_policy.may_vote, poll)
    chosen = _clean_choice(poll, option_ids)
    ballot = _ballot(poll, user)
    if ballot is None:
        try:
            with db.session.begin_nested():
                ballot = PollVote(poll_id=poll.id, user_id=user.id, option_ids=chosen)
                db.session.add(ballot)
        except IntegrityError:  # the same person's other tab voted a moment ago
            ballot = _ballot(poll, user)
            if ballot is None:
                raise
    if ballot.option_ids != chosen:
        ballot.option_ids, ballot.changed_at = chosen, utcnow()
    db.session.flush()
    _publish_results(session, poll)
    db.session.commit()
    return ballot


def _ballot(poll: Poll, user: User) -> PollVote | None:
    return db.session.scalar(select(PollVote).where(PollVote.poll_id == poll.id,
                                                    PollVote.user_id == user.id))
