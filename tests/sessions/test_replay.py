"""Reconnecting never loses or repeats a message: 50 forced reconnects during a stream of 1,000
messages, and a control run (rejoining without the last number) that does lose some."""

from __future__ import annotations

from tests.sessions.conftest import LIVE, ask

STREAM = 1000
RECONNECTS = 50


def _stream(in_room, connect_as, session, sender, reader, *, replay: bool) -> list[int]:
    """The numbers the reader ends up with, in the order it shows them."""
    speaker, _ = in_room(sender, session)
    listener, joined = in_room(reader, session)
    seen: list[int] = []
    last = joined["room"]["last_seq"]
    every = STREAM // RECONNECTS

    def collect(client) -> None:
        nonlocal last
        for event in client.get_received(LIVE):
            if event["name"] == "message_added":
                seq = event["args"][0]["seq"]
                if seq > last or seq not in seen:
                    seen.append(seq)
                last = max(last, seq)

    for n in range(STREAM):
        sent = ask(speaker, "send_message", session, body=f"Message {n}",
                   client_id=f"stream-{n:06d}")
        assert sent["ok"], sent
        if n % every == every // 2:
            collect(listener)
            listener.disconnect(namespace=LIVE)  # the network drops...
            # ...and messages keep coming while this client is away
            for extra in range(3):
                ask(speaker, "send_message", session, body="While away",
                    client_id=f"away-{n:06d}-{extra}")
            listener = connect_as(reader)
            rejoined = ask(listener, "join_room", session,
                           last_seq=last if replay else joined["room"]["last_seq"] + 10 ** 6)
            assert rejoined["ok"], rejoined
            caught_up = rejoined["room"]["messages"]
            while True:
                for message in caught_up:
                    if message["seq"] not in seen:
                        seen.append(message["seq"])
                    last = max(last, message["seq"])
                if not (replay and rejoined["room"]["more"]):
                    break
                more = ask(listener, "replay", session, after_seq=last)
                caught_up, rejoined["room"]["more"] = more["messages"], more["more"]
            if not replay:
                last = rejoined["room"]["last_seq"]
    collect(listener)
    return seen


def test_fifty_reconnects_lose_and_repeat_nothing(in_room, connect_as, live_session, member,
                                                  other_member):
    seen = _stream(in_room, connect_as, live_session, member, other_member, replay=True)
    total = STREAM + RECONNECTS * 3
    assert len(seen) == len(set(seen)) == total  # nothing lost, nothing twice
    assert seen == sorted(seen) == list(range(1, total + 1))  # in the room's order


def test_without_replay_the_same_reconnects_lose_messages(in_room, connect_as, live_session,
                                                          member, other_member):
    seen = _stream(in_room, connect_as, live_session, member, other_member, replay=False)
    total = STREAM + RECONNECTS * 3
    assert len(seen) == total - RECONNECTS * 3  # every message sent while away is gone
