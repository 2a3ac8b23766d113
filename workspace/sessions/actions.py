"""Action items in a session's room: anyone in the room writes down a next step (what, which
participating state owns it, who does it, by when); its author or a facilitator changes or
removes it. Everyone in the room hears the new list; the session's record keeps it for the
states' plans."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import joinedload, raiseload

from workspace import errors, policy, realtime
from workspace.auth.models import User
from workspace.communities.models import CommunityOrganization, OrganizationRole
from workspace.database import utcnow
from workspace.extensions import db
from workspace.notifications.models import NotificationKind
from workspace.notifications.service import Subject, notify_many
from workspace.organizations.models import Organization
from workspace.policy import action_items as action_policy
from workspace.policy import sessions as session_policy
from workspace.sessions import room
from workspace.sessions.action_models import ACTION_TEXT_MAX, ActionItem
from workspace.sessions.models import LiveSession
from workspace.sessions.service import session_link, session_thread
from workspace.timezones import zone

UNSET = object()  # a field the update didn't mention keeps its value
ACTION_ITEM_SUBJECT = "action_item"


# --- Reading ---------------------------------------------------------------------------------

def items_of(session: LiveSession) -> list[ActionItem]:
    """The session's action items, oldest first, with whom they name: one query."""
    return list(db.session.scalars(
        select(ActionItem).where(ActionItem.session_id == session.id)
        .options(joinedload(ActionItem.organization), joinedload(ActionItem.owner),
                 joinedload(ActionItem.created_by), raiseload("*"))
        .order_by(ActionItem.created_at, ActionItem.id)))


def organization_name(organization: Organization) -> str:
    return organization.state_name or organization.name


def item_payload(item: ActionItem) -> dict[str, Any]:
    return {"id": item.id, "text": item.text,
            "organization": ({"id": item.organization.id,
                              "name": organization_name(item.organization)}
                             if item.organization else None),
            "owner": {"id": item.owner.id, "name": item.owner.name} if item.owner else None,
            "due_on": item.due_on.isoformat() if item.due_on else None,
            "done": item.done_at is not None,
            "author": {"id": item.created_by.id, "name": item.created_by.name},
            "created_at": item.created_at.isoformat()}


def _participating(session: LiveSession) -> list[Organization]:
    return list(db.session.scalars(
        select(Organization).join(CommunityOrganization,
                                  CommunityOrganization.organization_id == Organization.id)
        .where(CommunityOrganization.community_id == session.community_id,
               CommunityOrganization.role == OrganizationRole.PARTICIPANT,
               CommunityOrganization.withdrawn_at.is_(None))
        .order_by(Organization.state_name, Organization.name)))


def choices(session: LiveSession) -> dict[str, list[dict[str, Any]]]:
    """Whom an action item may name: the states taking part, and the people who may attend
    (two queries)."""
    people = db.session.scalars(
        select(User).where(User.id.in_(session_policy.attendee_ids(session.community)))
        .options(joinedload(User.organization), raiseload("*")).order_by(User.name))
    return {"organizations": [{"id": o.id, "name": organization_name(o)}
                              for o in _participating(session)],
            "people": [room.person_card(person) for person in people]}


@room.adds_to_snapshot
def _actions_in_snapshot(session: LiveSession, user: User) -> dict[str, Any]:
    return {"action_items": [item_payload(item) for item in items_of(session)],
            "action_item_choices": choices(session)}


def item_in(session: LiveSession, item_id: Any) -> ActionItem:
    if isinstance(item_id, bool) or not isinstance(item_id, int):
        raise errors.Invalid("'item_id' must be a whole number.", field="item_id")
    item = db.session.scalar(select(ActionItem).where(ActionItem.id == item_id,
                                                      ActionItem.session_id == session.id))
    if item is None:
        raise errors.NotFound("That action item isn't in this session.")
    item.session = session
    return item


# --- Checking what was typed -----------------------------------------------------------------

def _clean_text(text: Any) -> str:
    if not isinstance(text, str) or not text.strip():
        raise errors.Invalid("Say what the action step is.", field="text")
    text = " ".join(text.split())
    if len(text) > ACTION_TEXT_MAX:
        raise errors.Invalid(f"Keep the action step under {ACTION_TEXT_MAX} characters.",
                             field="text")
    return text


def _organization(session: LiveSession, organization_id: Any) -> Organization | None:
    if organization_id is None or organization_id == "":
        return None
    if isinstance(organization_id, bool) or not isinstance(organization_id, int):
        raise errors.Invalid("'organization_id' must be a whole number.", field="organization_id")
    found = next((o for o in _participating(session) if o.id == organization_id), None)
    if found is None:
        raise errors.Invalid("Choose one of the states taking part in this community.",
                             field="organization_id")
    return found


def _owner(session: LiveSession, owner_id: Any) -> User | None:
    if owner_id is None or owner_id == "":
        return None
    if isinstance(owner_id, bool) or not isinstance(owner_id, int):
        raise errors.Invalid("'owner_id' must be a whole number.", field="owner_id")
    person = db.session.get(User, owner_id)
    if person is None or not session_policy.may_attend(person, session):
        raise errors.Invalid("Choose someone taking part in this session.", field="owner_id")
    return person


def _due_on(session: LiveSession, due_on: Any) -> date | None:
    if due_on is None or due_on == "":
        return None
    if not isinstance(due_on, str):
        raise errors.Invalid("Give the due date as 2026-03-10.", field="due_on")
    try:
        day = date.fromisoformat(due_on)
    except ValueError:
        raise errors.Invalid("Give a real due date, like 2026-03-10.", field="due_on") from None
    # "Today" where the session is held: the room's shared clock.
    if day < utcnow().astimezone(zone(session.time_zone)).date():
        raise errors.Invalid("The due date can't be in the past.", field="due_on")
    return day


def _announce(session: LiveSession) -> None:
    db.session.flush()
    realtime.publish("action_items_changed", {
        "session_id": session.id, "items": [item_payload(item) for item in items_of(session)]},
        to=room.room_name(session))


# --- Telling whom an item is given to --------------------------------------------------------

def _given_to(item: ActionItem) -> tuple[str, int] | None:
    """Whom the item is for: its owner when it names one, else its state, else no one."""
    if item.owner_id is not None:
        return ("person", item.owner_id)
    if item.organization_id is not None:
        return ("state", item.organization_id)
    return None


def _tell_assigned(actor: User, item: ActionItem, session: LiveSession, *,
                   before: tuple[str, int] | None) -> None:
    """Tell whom the item is newly given to (not the one who gave it): its owner, or when it
    names only a state, that state's people who may see the community."""
    given_to = _given_to(item)
    if given_to is None or given_to == before:
        return
    may_see = or_(User.id.in_(policy.reader_ids(session.community)),
                  User.id.in_(policy.staff_ids()))
    due = f", due {item.due_on:%B} {item.due_on.day}" if item.due_on else ""
    text = item.text.rstrip(".")
    kind, target_id = given_to
    if kind == "person":
        recipients = select(User.id).where(User.id == target_id, may_see)
        whom = "you"
    else:
        recipients = select(User.id).where(User.organization_id == target_id, may_see)
        state = db.session.get(Organization, target_id)
        whom = organization_name(state) if state is not None else "your state"
    notify_many(recipients.where(User.id != actor.id), NotificationKind.ACTION_ITEM,
                f"{actor.name} gave {whom} an action item in “{session.label}”: "
                f"{text}{due}.", session_link(session), actor=actor,
                community=session.community, subject=Subject(ACTION_ITEM_SUBJECT, item.id),
                thread=session_thread(session))


# --- Writing ---------------------------------------------------------------------------------

def add_action_item(author: User, session: LiveSession, *, text: Any,
                    organization_id: Any = None, owner_id: Any = None,
                    due_on: Any = None) -> ActionItem:
    """Write down an action step in the room."""
    policy.require(author, session_policy.may_enter_room, session)
    item = ActionItem(session_id=session.id, community_id=session.community_id,
                      text=_clean_text(text), created_by_id=author.id)
    organization, owner = _organization(session, organization_id), _owner(session, owner_id)
    item.organization_id = organization.id if organization else None
    item.owner_id = owner.id if owner else None
    item.due_on = _due_on(session, due_on)
    db.session.add(item)
    _announce(session)
    _tell_assigned(author, item, session, before=None)
    db.session.commit()
    return item


def update_action_item(actor: User, item: ActionItem, *, text: Any = UNSET,
                       organization_id: Any = UNSET, owner_id: Any = UNSET,
                       due_on: Any = UNSET, done: Any = UNSET) -> ActionItem:
    """Change what an action item says, or mark it done (or not); what isn't given stays."""
    session = item.session
    policy.require(actor, session_policy.may_enter_room, session)
    policy.require(actor, action_policy.may_change_action_item, item)
    given_to = _given_to(item)
    if text is not UNSET:
        item.text = _clean_text(text)
    if organization_id is not UNSET:
        organization = _organization(session, organization_id)
        item.organization_id = organization.id if organization else None
    if owner_id is not UNSET:
        owner = _owner(session, owner_id)
        item.owner_id = owner.id if owner else None
    if due_on is not UNSET and due_on != (item.due_on.isoformat() if item.due_on else None):
        item.due_on = _due_on(session, due_on)  # an unchanged past date may stay
    if done is not UNSET:
        if not isinstance(done, bool):
            raise errors.Invalid("'done' must be true or false.", field="done")
        item.done_at = (item.done_at or utcnow()) if done else None
    item.updated_at = utcnow()
    _announce(session)
    _tell_assigned(actor, item, session, before=given_to)
    db.session.commit()
    return item


def remove_action_item(actor: User, item: ActionItem) -> None:
    """Take an action item out of the session's record."""
    session = item.session
    policy.require(actor, session_policy.may_enter_room, session)
    policy.require(actor, action_policy.may_change_action_item, item)
    db.session.delete(item)
    _announce(session)
    db.session.commit()
