"""Every room event, asked by each kind of person who may be in the room, after joining it."""

from __future__ import annotations

import pytest

from tests.sessions.conftest import ask

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
    "start_breakouts": {"method": "state"},
}
EVERYONE = {
    "send_message": {"body": "Hello", "client_id": "role-test-1"},
    "replay": {"after_seq": 0},
    "raise_hand": {},
    "lower_hand": {},
    "flag_message": {"message_id": "message", "reason": "Off topic"},
    "leave_room": {},
    "notes_sync": {"state_vector": b"\x00"},
    "notes_update": {"update": b"\x00\x00"},
}


def _payload(template: dict, other, message_id: int) -> dict:
    values = {"other": other.id, "message": message_id}
    return {key: values.get(value, value) if isinstance(value, str) else value
            for key, value in template.items()}


@pytest.mark.parametrize("role", ["member", "sme", "facilitator", "staff"])
@pytest.mark.parametrize("event", sorted(RUN_THE_ROOM) + sorted(EVERYONE))
def test_each_room_event_by_each_person_in_the_room(request, in_room, live_session,
                                                    other_member, role, event):
    person = request.getfixturevalue(role)
    georgia, _ = in_room(other_member, live_session)
    message = ask(georgia, "send_message", live_session, body="From Georgia",
                  client_id="ga-0000001")["message"]
    ask(georgia, "raise_hand", live_session)
    client, _ = in_room(person, live_session)
    template = RUN_THE_ROOM.get(event, EVERYONE.get(event))
    answer = ask(client, event, live_session, **_payload(template, other_member, message["id"]))
    runs_the_room = role in ("facilitator", "staff")
    expected = runs_the_room if event in RUN_THE_ROOM else True
    assert answer["ok"] is expected, answer
