"""Breakout groups: split by state, at random or by hand; group chat heard only in the group
(and by hosts); a word to all groups; everyone brought back; replays respect groups."""

from __future__ import annotations

import pytest

from tests import factories
from tests.sessions.conftest import ask, received


@pytest.fixture
def room_of_four(in_room, live_session, facilitator, member, other_member, network, community):
    colleague = factories.make_user(network.seas["AZ"], "az.two@example.org")
    factories.add_to(community, colleague, "member")
    clients = {name: in_room(person, live_session)[0] for name, person in (
        ("host", facilitator), ("az", member), ("ga", other_member), ("az2", colleague))}
    return clients, colleague


def test_splitting_by_state_groups_each_state_and_keeps_hosts_free(room_of_four, live_session,
                                                                   member, other_member):
    clients, colleague = room_of_four
    answer = ask(clients["host"], "start_breakouts", live_session, method="state")
    assert answer["ok"], answer
    groups = received(clients["az"], "breakouts_started")[-1]["groups"]
    members = {g["name"]: sorted(m["name"] for m in g["members"]) for g in groups}
    assert members == {"Arizona": sorted([member.name, colleague.name]),
                       "Georgia": [other_member.name]}


def test_group_chat_is_heard_in_the_group_and_by_hosts_only(room_of_four, live_session):
    clients, _ = room_of_four
    ask(clients["host"], "start_breakouts", live_session, method="state")
    groups = received(clients["az"], "breakouts_started")[-1]["groups"]
    arizona = next(g for g in groups if g["name"] == "Arizona")["id"]
    georgia = next(g for g in groups if g["name"] == "Georgia")["id"]
    assert ask(clients["az"], "join_group", live_session, group_id=arizona) == {"ok": True}
    assert ask(clients["az2"], "join_group", live_session, group_id=arizona) == {"ok": True}
    assert ask(clients["ga"], "join_group", live_session, group_id=arizona)["ok"] is False
    assert ask(clients["ga"], "join_group", live_session, group_id=georgia) == {"ok": True}
    for group in (arizona, georgia):
        assert ask(clients["host"], "join_group", live_session, group_id=group)["ok"]
    sent = ask(clients["az"], "send_message", live_session, body="Our plan", group_id=arizona,
               client_id="az-group-001")
    assert sent["ok"] and sent["message"]["group_id"] == arizona
    assert ask(clients["ga"], "send_message", live_session, body="Sneaky", group_id=arizona,
               client_id="ga-group-001")["ok"] is False
    assert [m["html"] for m in received(clients["az2"], "message_added")] == ["<p>Our plan</p>"]
    assert [m["html"] for m in received(clients["host"], "message_added")] == [
        "<p>Our plan</p>"]
    assert received(clients["ga"], "message_added") == []
    # Replays respect groups too.
    assert ask(clients["ga"], "replay", live_session, after_seq=0)["messages"] == []
    assert len(ask(clients["host"], "replay", live_session, after_seq=0)["messages"]) == 1
    # A word to every group is heard by everyone.
    to_all = ask(clients["host"], "send_message", live_session, body="Five minutes left",
                 to_all_groups=True, client_id="host-all-001")
    assert to_all["ok"] and to_all["message"]["to_all_groups"] is True
    assert received(clients["ga"], "message_added")[-1]["to_all_groups"] is True
    assert ask(clients["az"], "send_message", live_session, body="x", to_all_groups=True,
               client_id="az-all-0001")["ok"] is False


def test_random_and_by_hand_splits_and_bringing_everyone_back(room_of_four, live_session,
                                                              member, other_member):
    clients, colleague = room_of_four
    assert ask(clients["host"], "start_breakouts", live_session, method="random",
               count=9)["ok"] is False
    assert ask(clients["host"], "start_breakouts", live_session, method="random",
               count=2)["ok"]
    groups = received(clients["ga"], "breakouts_started")[-1]["groups"]
    assert sorted(len(g["members"]) for g in groups) == [1, 2]
    by_hand = ask(clients["host"], "start_breakouts", live_session, method="manual",
                  assignments={"Pairs": [member.id, other_member.id], "Solo": [colleague.id]})
    assert by_hand["ok"]
    groups = received(clients["ga"], "breakouts_started")[-1]["groups"]
    assert [g["name"] for g in groups] == ["Pairs", "Solo"]
    solo = groups[1]["id"]
    assert ask(clients["host"], "move_to_group", live_session, user_id=member.id,
               group_id=solo) == {"ok": True}
    changed = received(clients["ga"], "breakouts_changed")[-1]["groups"]
    assert [len(g["members"]) for g in changed] == [1, 2]
    for bad in ({"Twice": [member.id], "Again": [member.id]}, {"Ghost": [999999]}, {}, []):
        assert ask(clients["host"], "start_breakouts", live_session, method="manual",
                   assignments=bad)["ok"] is False
    assert ask(clients["az"], "end_breakouts", live_session)["ok"] is False
    assert ask(clients["host"], "end_breakouts", live_session) == {"ok": True}
    assert received(clients["az"], "breakouts_ended")[-1]["groups"] == []
    assert ask(clients["az"], "send_message", live_session, body="late", group_id=solo,
               client_id="az-late-0001")["ok"] is False


def test_members_cannot_run_breakouts(room_of_four, live_session):
    clients, _ = room_of_four
    assert ask(clients["az"], "start_breakouts", live_session, method="state")["ok"] is False
