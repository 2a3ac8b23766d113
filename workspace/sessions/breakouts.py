"""Breakout groups: the facilitator splits the people in the room (by state, at random, or by
hand) into small groups with their own chat and notes, speaks to all of them at once, and
brings everyone back. Groups stay in the session's record."""

from __future__ import annotations

import random
from collections import defaultdict
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from workspace import errors, policy, realtime
from workspace.auth.models import User
from workspace.database import utcnow
from workspace.extensions import db
from workspace.policy import sessions as session_policy
from workspace.sessions.models import Attendance, BreakoutGroup, LiveSession
from workspace.sessions.room import (
    adds_to_snapshot,
    group_room,
    groups_of,
    open_group_for,
    person_card,
    room_name,
)

METHODS = ("state", "random", "manual")
MOST_GROUPS = 50


def _present(session: LiveSession) -> list[User]:
    """The people in the room now, hosts aside (they move between groups)."""
    people = list(db.session.scalars(
        select(User).where(User.id.in_(select(Attendance.user_id).where(
            Attendance.session_id == session.id, Attendance.left_at.is_(None))))
        .options(joinedload(User.organization)).order_by(User.name)))
    return [person for person in people if not session_policy.may_run_room(person, session)]


def groups_payload(session: LiveSession) -> list[dict[str, Any]]:
    groups = groups_of(session, open_only=True)
    ids = {user_id for group in groups for user_id in group.member_ids}
    people = {user.id: user for user in db.session.scalars(
        select(User).where(User.id.in_(ids)).options(joinedload(User.organization)))}
    return [{"id": group.id, "name": group.name,
             "members": [person_card(people[user_id]) for user_id in group.member_ids
                         if user_id in people]}
            for group in groups]


@adds_to_snapshot
def _snapshot(session: LiveSession, person: User) -> dict[str, Any]:
    return {"groups": groups_payload(session)}


def _announce(session: LiveSession, event: str) -> None:
    realtime.publish(event, {"session_id": session.id, "groups": groups_payload(session)},
                     to=room_name(session))


def _plan(session: LiveSession, method: Any, count: Any,
          assignments: Any) -> list[tuple[str, list[int]]]:
    if method not in METHODS:
        raise errors.Invalid("Split the room by state, at random, or by hand.", field="method")
    people = _present(session)
    if not people:
        raise errors.Invalid("Nobody is in the room to split into groups yet.")
    if method == "state":
        by_state: dict[str, list[int]] = defaultdict(list)
        for person in people:
            organization = person.organization
            by_state[organization.state_name or organization.name].append(person.id)
        return sorted(by_state.items())
    if method == "random":
        if isinstance(count, bool) or not isinstance(count, int) or not (
                1 <= count <= min(MOST_GROUPS, len(people))):
            raise errors.Invalid(f"Choose from 1 to {min(MOST_GROUPS, len(people))} groups.",
                                 field="count")
        ids = [person.id for person in people]
        random.SystemRandom().shuffle(ids)
        return [(f"Group {n + 1}", ids[n::count]) for n in range(count)]
    # By hand: {"Group name": [user ids]} for the people in the room.
    if not isinstance(assignments, dict) or not assignments:
        raise errors.Invalid("Say who goes in which group.", field="assignments")
    present = {person.id for person in people}
    plan: list[tuple[str, list[int]]] = []
    placed: set[int] = set()
    for name, members in assignments.items():
        if not isinstance(name, str) or not name.strip() or len(name) > 80:
            raise errors.Invalid("Give each group a name under 80 characters.",
                                 field="assignments")
        if not isinstance(members, list) or not all(
                isinstance(m, int) and not isinstance(m, bool) for m in members):
            raise errors.Invalid("List each group's people by their ids.", field="assignments")
        if set(members) - present:
            raise errors.Invalid("Put only people who are in the room into groups.",
                                 field="assignments")
        if set(members) & placed:
            raise errors.Invalid("Put each person in one group only.", field="assignments")
        placed |= set(members)
        plan.append((name.strip(), list(members)))
    if len(plan) > MOST_GROUPS:
        raise errors.Invalid(f"Make at most {MOST_GROUPS} groups.", field="assignments")
    return plan


def start_breakouts(actor: User, session: LiveSession, *, method: Any, count: Any = None,
                    assignments: Any = None) -> list[BreakoutGroup]:
    """Split the room into groups (closing any still meeting)."""
    policy.require(actor, session_policy.may_run_room, session)
    plan = _plan(session, method, count, assignments)
    now = utcnow()
    for group in groups_of(session, open_only=True):
        group.closed_at = now
    last_round = db.session.scalar(select(func.max(BreakoutGroup.round)).where(
        BreakoutGroup.session_id == session.id)) or 0
    groups = [BreakoutGroup(session_id=session.id, round=last_round + 1, name=name,
                            position=n, member_ids=members)
              for n, (name, members) in enumerate(plan)]
    db.session.add_all(groups)
    db.session.flush()
    _announce(session, "breakouts_started")
    db.session.commit()
    return groups


def move_person(actor: User, session: LiveSession, *, user_id: Any, group_id: Any) -> None:
    """Move one person into another open group (by hand, during breakouts)."""
    policy.require(actor, session_policy.may_run_room, session)
    groups = groups_of(session, open_only=True)
    target = next((g for g in groups if g.id == group_id), None)
    if target is None or isinstance(group_id, bool):
        raise errors.NotFound("That breakout group isn't meeting.")
    if isinstance(user_id, bool) or not isinstance(user_id, int) or user_id not in {
            person.id for person in _present(session)}:
        raise errors.Invalid("Move someone who is in the room.", field="user_id")
    for group in groups:
        if user_id in group.member_ids and group is not target:
            group.member_ids = [m for m in group.member_ids if m != user_id]
            realtime.evict_from([user_id], group_room(session, group.id))  # stops hearing it
    if user_id not in target.member_ids:
        target.member_ids = [*target.member_ids, user_id]
    db.session.flush()
    _announce(session, "breakouts_changed")
    db.session.commit()


def end_breakouts(actor: User, session: LiveSession) -> None:
    """Bring everyone back to the main room; the groups' chat and notes stay in the record."""
    policy.require(actor, session_policy.may_run_room, session)
    groups = groups_of(session, open_only=True)
    if not groups:
        raise errors.Invalid("No breakout groups are meeting.")
    now = utcnow()
    for group in groups:
        group.closed_at = now
    db.session.flush()
    _announce(session, "breakouts_ended")
    db.session.commit()


def group_to_join(person: User, session: LiveSession, group_id: Any) -> str:
    """The Socket.IO room of an open group the person may listen in."""
    return group_room(session, open_group_for(person, session, group_id).id)
