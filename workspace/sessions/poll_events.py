"""Polls and action items in the live room, over Socket.IO.

Like the room's other events (events.py), each names the session, is refused unless this socket
joined that session's room, and only translates: polls.py and actions.py check the policy,
validate and publish. Facilitators ask create_poll, update_poll, delete_poll, open_poll,
close_poll and reveal_results; everyone in the room asks vote and the action-item events.
"""

from __future__ import annotations

from typing import Any

from flask_login import current_user

from workspace import realtime
from workspace.sessions import actions, polls
from workspace.sessions.events import _joined


def _me() -> Any:
    return current_user._get_current_object()


def _options(data: dict[str, Any]) -> Any:
    return data.get("options")


@realtime.on("create_poll")
def create_poll(data: dict[str, Any]) -> dict[str, Any]:
    session = _joined(data)
    poll = polls.create_poll(_me(), session, question=data.get("question"),
                             kind=data.get("kind", "single"), options=_options(data),
                             for_series=data.get("for_series") is True)
    return {"ok": True, "poll": polls.poll_payload(poll)}


@realtime.on("update_poll")
def update_poll(data: dict[str, Any]) -> dict[str, Any]:
    session = _joined(data)
    poll = polls.update_poll(_me(), polls.poll_in(session, data.get("poll_id")),
                             question=data.get("question"), kind=data.get("kind", "single"),
                             options=_options(data),
                             for_series=data["for_series"] if isinstance(
                                 data.get("for_series"), bool) else None)
    return {"ok": True, "poll": polls.poll_payload(poll)}


@realtime.on("delete_poll")
def delete_poll(data: dict[str, Any]) -> dict[str, Any]:
    session = _joined(data)
    polls.delete_poll(_me(), polls.poll_in(session, data.get("poll_id")))
    return {"ok": True}


@realtime.on("open_poll")
def open_poll(data: dict[str, Any]) -> dict[str, Any]:
    session = _joined(data)
    polls.open_poll(_me(), polls.poll_in(session, data.get("poll_id")))
    return {"ok": True}


@realtime.on("close_poll")
def close_poll(data: dict[str, Any]) -> dict[str, Any]:
    session = _joined(data)
    polls.close_poll(_me(), polls.poll_in(session, data.get("poll_id")))
    return {"ok": True}


@realtime.on("reveal_results")
def reveal_results(data: dict[str, Any]) -> dict[str, Any]:
    session = _joined(data)
    poll = polls.poll_in(session, data.get("poll_id"))
    polls.reveal_results(_me(), poll)
    return {"ok": True, "results": polls.results_of([poll])[poll.id]}


@realtime.on("vote")
def vote(data: dict[str, Any]) -> dict[str, Any]:
    session = _joined(data)
    ballot = polls.vote(_me(), polls.poll_in(session, data.get("poll_id")),
                        data.get("option_ids"))
    return {"ok": True, "poll_id": ballot.poll_id, "my_vote": list(ballot.option_ids)}


# --- Action items ------------------------------------------------------------------------------

ITEM_FIELDS = ("text", "organization_id", "owner_id", "due_on", "done")


@realtime.on("add_action_item")
def add_action_item(data: dict[str, Any]) -> dict[str, Any]:
    session = _joined(data)
    item = actions.add_action_item(_me(), session, text=data.get("text"),
                                   organization_id=data.get("organization_id"),
                                   owner_id=data.get("owner_id"), due_on=data.get("due_on"))
    return {"ok": True, "item": actions.item_payload(item)}


@realtime.on("update_action_item")
def update_action_item(data: dict[str, Any]) -> dict[str, Any]:
    session = _joined(data)
    item = actions.item_in(session, data.get("item_id"))
    changes = {name: data[name] for name in ITEM_FIELDS if name in data}
    actions.update_action_item(_me(), item, **changes)
    return {"ok": True, "item": actions.item_payload(actions.item_in(session, item.id))}


@realtime.on("remove_action_item")
def remove_action_item(data: dict[str, Any]) -> dict[str, Any]:
    session = _joined(data)
    actions.remove_action_item(_me(), actions.item_in(session, data.get("item_id")))
    return {"ok": True}
