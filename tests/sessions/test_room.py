"""The live room over Socket.IO: who gets in, chat numbered and replayed, hands, controls."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from tests import factories
from tests.sessions.conftest import ask, received
from workspace.communities import service as communities
from workspace.database import utcnow
from workspace.extensions import db
from workspace.moderation.models import Flag
from workspace.sessions.models import Attendance, ChatMessage


def test_people_who_may_attend_join_and_see_who_is_here(in_room, live_session, member,
                                                        facilitator, other_member):
    host, joined = in_room(facilitator, live_session)
    assert joined["room"]["state"] == "open" and joined["room"]["me"]["may_run"] is True
    georgia, answer = in_room(other_member, live_session)
    names = {p["name"] for p in answer["room"]["people"]}
    assert names == {facilitator.name, other_member.name}
    assert answer["room"]["me"]["may_run"] is False
    assert received(host, "presence_changed")[-1]["people"] == answer["room"]["people"]
    assert db.session.scalar(select(db.func.count(Attendance.id))) == 2
    georgia.disconnect(namespace="/live")
    assert [p["name"] for p in received(host, "presence_changed")[-1]["people"]] == [
        facilitator.name]
    visit = db.session.scalar(select(Attendance).where(Attendance.user_id == other_member.id))
    db.session.refresh(visit)
    assert visit.left_at is not None


@pytest.mark.parametrize("who", ["observer", "outsider"])
def test_observers_and_outsiders_are_refused(request, connect_as, live_session, who):
    client = connect_as(request.getfixturevalue(who))
    answer = ask(client, "join_room", live_session)
    assert answer["ok"] is False


def test_the_room_opens_shortly_before_the_start_hosts_may_open_it_earlier(
        in_room, connect_as, community, facilitator, member):
    later = factories.make_session(community, facilitator,
                                   starts_at=utcnow() + timedelta(hours=2))
    member_client = connect_as(member)
    refused = ask(member_client, "join_room", later)
    assert refused["ok"] is False and "isn't open yet" in refused["error"]
    host = connect_as(facilitator)
    assert ask(host, "join_room", later)["ok"] is False
    assert ask(host, "open_for_hosts", later) == {"ok": True}
    assert ask(host, "join_room", later)["room"]["state"] == "hosts"
    held = ask(member_client, "join_room", later)
    assert held["ok"] is False and "getting ready" in held["error"]
    assert ask(host, "start_session", later) == {"ok": True}
    assert ask(member_client, "join_room", later)["ok"] is True


def test_chat_is_numbered_acknowledged_and_a_retry_never_duplicates(in_room, live_session,
                                                                    member, other_member):
    arizona, _ = in_room(member, live_session)
    georgia, _ = in_room(other_member, live_session)
    first = ask(arizona, "send_message", live_session, body="Hello **all**",
                client_id="az-000000001")
    again = ask(arizona, "send_message", live_session, body="Hello **all**",
                client_id="az-000000001")
    second = ask(georgia, "send_message", live_session, body="Hi!", client_id="ga-000000001")
    assert first["ok"] and first["message"] == again["message"]
    assert (first["message"]["seq"], second["message"]["seq"]) == (1, 2)
    assert "<strong>all</strong>" in first["message"]["html"]
    heard = received(georgia, "message_added")
    assert [m["seq"] for m in heard] == [1, 2]
    assert db.session.scalar(select(db.func.count(ChatMessage.id))) == 2


def test_a_reconnecting_client_gets_exactly_what_it_missed(in_room, live_session, member,
                                                           other_member):
    arizona, _ = in_room(member, live_session)
    for n in range(5):
        ask(arizona, "send_message", live_session, body=f"Message {n}", client_id=f"az-{n:08d}")
    _, again = in_room(other_member, live_session, last_seq=3)
    assert [m["seq"] for m in again["room"]["messages"]] == [4, 5]
    assert again["room"]["last_seq"] == 5 and again["room"]["more"] is False


@pytest.mark.parametrize(("payload", "field"), [
    ({"body": "", "client_id": "az-00000001"}, "Write something"),
    ({"body": "x" * 2001, "client_id": "az-00000001"}, "2,000"),
    ({"body": "hi", "client_id": "x"}, "client_id"),
    ({"body": 42, "client_id": "az-00000001"}, "Write something"),
    ({"body": ["a"], "client_id": None}, "client_id"),
])
def test_bad_messages_get_an_error_ack(in_room, live_session, member, payload, field):
    client, _ = in_room(member, live_session)
    answer = ask(client, "send_message", live_session, **payload)
    assert answer["ok"] is False and field in answer["error"]


def test_events_for_a_room_the_socket_never_joined_are_refused(connect_as, in_room,
                                                               live_session, member):
    client = connect_as(member)
    answer = ask(client, "send_message", live_session, body="hi", client_id="az-00000001")
    assert answer == {"ok": False, "error": "Join the session's room first."}
    bad = client.emit("send_message", "not a dict", namespace="/live", callback=True)
    assert bad["ok"] is False
    unknown = client.emit("join_room", {"session_id": 99999}, namespace="/live",
                          callback=True)
    assert unknown["ok"] is False


def test_hands_form_a_queue_the_facilitator_calls_on(in_room, live_session, member,
                                                     other_member, facilitator):
    host, _ = in_room(facilitator, live_session)
    arizona, _ = in_room(member, live_session)
    georgia, _ = in_room(other_member, live_session)
    ask(georgia, "raise_hand", live_session)
    ask(arizona, "raise_hand", live_session)
    ask(arizona, "raise_hand", live_session)  # twice is still once
    queue = received(host, "hands_changed")[-1]["hands"]
    assert [h["name"] for h in queue] == [other_member.name, member.name]
    assert ask(arizona, "call_next", live_session)["ok"] is False  # facilitators only
    called = ask(host, "call_next", live_session)
    assert called["called"]["name"] == other_member.name
    last = received(arizona, "hands_changed")[-1]
    assert last["called"]["name"] == other_member.name
    assert [h["name"] for h in last["hands"]] == [member.name]
    ask(host, "lower_all_hands", live_session)
    assert received(georgia, "hands_changed")[-1]["hands"] == []


def test_facilitators_delete_members_flag_into_the_shared_queue(in_room, live_session, member,
                                                                other_member, facilitator):
    host, _ = in_room(facilitator, live_session)
    arizona, _ = in_room(member, live_session)
    georgia, _ = in_room(other_member, live_session)
    sent = ask(arizona, "send_message", live_session, body="A student's name",
               client_id="az-00000001")["message"]
    assert ask(arizona, "flag_message", live_session, message_id=sent["id"],
               reason="x")["ok"] is False  # not one's own
    assert ask(georgia, "flag_message", live_session, message_id=sent["id"],
               reason="Names a student") == {"ok": True}
    assert db.session.scalar(select(Flag.subject_kind)) == "session_chat_message"
    assert ask(georgia, "delete_message", live_session, message_id=sent["id"])["ok"] is False
    assert ask(host, "delete_message", live_session, message_id=sent["id"]) == {"ok": True}
    assert received(georgia, "message_removed")[-1]["seq"] == sent["seq"]
    _, later = (None, ask(georgia, "replay", live_session, after_seq=0))
    assert later["messages"] == [{"seq": 1, "id": sent["id"], "removed": True,
                                  "group_id": None, "to_all_groups": False}]
    assert db.session.scalar(select(Flag.resolved_at)) is not None


def test_facilitator_controls(in_room, live_session, member, other_member, facilitator):
    host, _ = in_room(facilitator, live_session)
    arizona, _ = in_room(member, live_session)
    assert ask(arizona, "pin_notice", live_session, text="Hi")["ok"] is False
    ask(host, "pin_notice", live_session, text="Breakouts at **2:30**")
    assert "<strong>2:30</strong>" in received(arizona, "room_changed")[-1]["notice_html"]
    assert ask(host, "set_timer", live_session, minutes=5, label="Small groups") == {"ok": True}
    timer = received(arizona, "room_changed")[-1]["timer"]
    assert timer["label"] == "Small groups"
    assert ask(host, "set_timer", live_session, minutes=500)["ok"] is False
    ask(host, "mute_participant", live_session, user_id=member.id)
    muted = ask(arizona, "send_message", live_session, body="hi", client_id="az-00000001")
    assert muted["ok"] is False and "muted" in muted["error"]
    ask(host, "mute_participant", live_session, user_id=member.id, muted=False)
    assert ask(arizona, "send_message", live_session, body="hi",
               client_id="az-00000002")["ok"] is True


def test_someone_removed_is_out_at_once_and_cannot_come_back(in_room, live_session, member,
                                                             other_member, facilitator):
    host, _ = in_room(facilitator, live_session)
    arizona, _ = in_room(member, live_session)
    assert ask(host, "remove_participant", live_session, user_id=member.id) == {"ok": True}
    assert received(arizona, "removed_from_room")
    ask(host, "send_message", live_session, body="After", client_id="fa-00000001")
    assert not received(arizona, "message_added")  # out of the room: hears nothing more
    assert ask(arizona, "send_message", live_session, body="x",
               client_id="az-00000009")["ok"] is False
    assert ask(arizona, "join_room", live_session)["ok"] is False


def test_a_withdrawn_state_is_cut_off_mid_session(in_room, live_session, member, staff,
                                                  community, facilitator):
    host, _ = in_room(facilitator, live_session)
    arizona, _ = in_room(member, live_session)
    communities.withdraw_organization(staff, community, member.organization)
    received(arizona, "message_added")
    ask(host, "send_message", live_session, body="Still here?", client_id="fa-00000001")
    assert not received(arizona, "message_added")
    assert ask(arizona, "send_message", live_session, body="x",
               client_id="az-00000001")["ok"] is False


def test_ending_the_session_closes_the_room_and_every_visit(in_room, live_session, member,
                                                            facilitator, connect_as):
    host, _ = in_room(facilitator, live_session)
    in_room(member, live_session)
    assert ask(host, "end_session", live_session) == {"ok": True}
    assert db.session.scalar(select(db.func.count(Attendance.id)).where(
        Attendance.left_at.is_(None))) == 0
    later = ask(connect_as(member), "join_room", live_session)
    assert later["ok"] is False and "closed" in later["error"]
