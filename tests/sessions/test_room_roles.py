"""Every room event, asked by each kind of person who may be in the room, after joining it."""

from __future__ import annotations

import pytest

from tests.sessions.conftest import ask
from workspace.sessions import polls

RUN_THE_ROOM = {
    "pin_notice": {"text": "Welcome"},
    "set_timer": {"minutes": 3, "label": "Pair up"},
    "mute_participant": {"user_id": "other"},
    "remove_participant": {"user_id": "other"},
    "call_next": {},
    "lower_all_hands": {},
    "start_session": {},
    "end_session": {},
    "delete_message": {"message_id": "message"},
    "create_poll": {"question": "Ready?", "kind": "single", "options": ["Yes", "No"]},
    "update_poll": {"poll_id": "draft", "question": "Ready?", "options": ["Yes", "No"]},
    "delete_poll": {"poll_id": "draft"},
    "open_poll": {"poll_id": "draft"},
    "close_poll": {"poll_id": "asked"},
    "reveal_results": {"poll_id": "asked"},
    # Georgia's action item: its author and the facilitators change it.
    "update_action_item": {"item_id": "item", "done": True},
    "remove_action_item": {"item_id": "item"},
    "start_breakouts": {"method": "state"},
}
EVERYONE = {
    "send_message": {"body": "Hello", "client_id": "role-test-1"},
    "replay": {"after_seq": 0},
    "raise_hand": {},
    "lower_hand": {},
    "flag_message": {"message_id": "message", "reason": "Off topic"},
    "leave_room": {},
    "vote": {"poll_id": "asked", "option_ids": ["option"]},
    "add_action_item": {"text": "Share the rubric"},
    "notes_sync": {"state_vector": b"\x00"},
    "notes_update": {"update": b"\x00\x00"},
}


def _payload(template: dict, values: dict) -> dict:
    def fill(value):
        if isinstance(value, list):
            return [fill(item) for item in value]
        return values.get(value, value) if isinstance(value, str) else value

    return {key: fill(value) for key, value in template.items()}


@pytest.mark.parametrize("role", ["member", "sme", "facilitator", "staff"])
@pytest.mark.parametrize("event", sorted(RUN_THE_ROOM) + sorted(EVERYONE))
def test_each_room_event_by_each_person_in_the_room(request, in_room, live_session,
                                                    other_member, role, event):
    person = request.getfixturevalue(role)
    georgia, _ = in_room(other_member, live_session)
    message = ask(georgia, "send_message", live_session, body="From Georgia",
                  client_id="ga-0000001")["message"]
    ask(georgia, "raise_hand", live_session)
    item = ask(georgia, "add_action_item", live_session, text="Georgia's step")["item"]
    host = request.getfixturevalue("facilitator")
    draft = polls.create_poll(host, live_session, question="Draft?", kind="single",
                              options=["A", "B"])
    asked = polls.create_poll(host, live_session, question="Asked?", kind="single",
                              options=["A", "B"])
    polls.open_poll(host, polls.poll_in(live_session, asked.id))
    values = {"other": other_member.id, "message": message["id"], "item": item["id"],
              "draft": draft.id, "asked": asked.id, "option": asked.options[0].id}
    client, _ = in_room(person, live_session)
    template = RUN_THE_ROOM.get(event, EVERYONE.get(event))
    answer = ask(client, event, live_session, **_payload(template, values))
    runs_the_room = role in ("facilitator", "staff")
    expected = runs_the_room if event in RUN_THE_ROOM else True
    assert answer["ok"] is expected, answer
