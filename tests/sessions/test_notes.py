"""Shared notes: Yjs documents merged on the server, never last-write-wins.

Each test's browsers are pycrdt documents, which write the same update format as the browser's
yjs: a client syncs (its state vector out, the server's diff and state vector back), sends what
the server lacks, and applies what the room relays.
"""

from __future__ import annotations

import pytest
from pycrdt import Doc, Text
from sqlalchemy import select

from tests.sessions.conftest import ask, received
from workspace.extensions import db
from workspace.sessions import notes
from workspace.sessions.models import SessionNote


class Browser:
    """One open room page's copy of the notes, synced the way static/src/room-notes.js does."""

    def __init__(self, client, session, group_id: int | None = None) -> None:
        self.client, self.session, self.group_id = client, session, group_id
        self.doc: Doc = Doc()
        self.text = self.doc.get(notes.NOTES_TEXT, type=Text)

    def sync(self) -> dict:
        answer = ask(self.client, "notes_sync", self.session, state_vector=self.doc.get_state(),
                     **self._group())
        assert answer["ok"], answer
        self.doc.apply_update(answer["update"])
        missing = self.doc.get_update(answer["state_vector"])
        if missing != b"\x00\x00":  # Yjs's empty update: the server lacks nothing
            assert self.send(missing)["ok"]
        return answer

    def type(self, index: int, words: str) -> dict:
        before = self.doc.get_state()
        self.text.insert(index, words)
        return self.send(self.doc.get_update(before))

    def send(self, update: bytes) -> dict:
        return ask(self.client, "notes_update", self.session, update=update, **self._group())

    def _group(self) -> dict:
        return {} if self.group_id is None else {"group_id": self.group_id}

    def hear(self) -> int:
        heard = [event for event in received(self.client, "notes_updated")
                 if event["group_id"] == self.group_id]
        for event in heard:
            self.doc.apply_update(event["update"])
        return len(heard)

    def __str__(self) -> str:
        return str(self.text)


@pytest.fixture
def browser(in_room, live_session):
    def browser(person) -> Browser:
        client, _ = in_room(person, live_session)
        opened = Browser(client, live_session)
        opened.sync()
        return opened

    return browser


def _stored(session) -> SessionNote:
    db.session.expire_all()
    return db.session.scalars(select(SessionNote).where(SessionNote.session_id == session.id,
                                                        SessionNote.group_id.is_(None))).one()


def test_two_people_typing_at_once_both_keep_their_words(browser, live_session, member,
                                                         other_member):
    arizona, georgia = browser(member), browser(other_member)
    assert arizona.type(0, "Agenda: ") == {"ok": True}
    assert georgia.hear() == 1 and arizona.hear() == 0  # not echoed to the sender
    # Both type at the end of what they see, at the same moment (neither has the other's yet).
    assert arizona.type(8, "Arizona's point. ")["ok"]
    assert georgia.type(8, "Georgia's point. ")["ok"]
    arizona.hear()
    georgia.hear()
    assert str(arizona) == str(georgia)
    assert "Arizona's point. " in str(arizona) and "Georgia's point. " in str(arizona)
    assert str(arizona).startswith("Agenda: ")
    assert _stored(live_session).text == str(arizona)
    assert _stored(live_session).updated_by_id in (member.id, other_member.id)


def test_an_edit_typed_offline_on_an_old_copy_merges_on_reconnect(browser, in_room,
                                                                  live_session, member,
                                                                  other_member):
    arizona, georgia = browser(member), browser(other_member)
    arizona.type(0, "Shared start. ")
    georgia.hear()
    # Georgia's network drops: she keeps typing into her copy, which the server doesn't get.
    georgia.client.disconnect(namespace="/live")
    offline = georgia.doc.get_state()
    georgia.text.insert(len(str(georgia)), "Typed on the train.")
    arizona.type(len(str(arizona)), "Said while Georgia was away. ")
    # Back online: a new socket, the room again, and the sync exchange both ways.
    client, _ = in_room(other_member, live_session)
    georgia.client = client
    answer = georgia.sync()
    assert answer["update"] != b"\x00\x00"  # she gets what Arizona typed meanwhile
    assert georgia.doc.get_state() != offline
    arizona.hear()
    expected = str(georgia)
    assert str(arizona) == expected
    assert "Typed on the train." in expected and "Said while Georgia was away. " in expected
    assert _stored(live_session).text == expected


def test_the_notes_outlive_the_server_copy_and_a_late_comer_gets_them(browser, live_session,
                                                                      member, other_member,
                                                                      facilitator):
    arizona = browser(member)
    arizona.type(0, "Decisions: meet monthly.")
    arizona.type(0, "# ")
    # A fresh document from what is stored reads the same (the server keeps no copy in memory).
    stored = Doc()
    stored.apply_update(_stored(live_session).state)
    assert str(stored.get(notes.NOTES_TEXT, type=Text)) == "# Decisions: meet monthly."
    late = browser(facilitator)
    assert str(late) == "# Decisions: meet monthly."
    assert late.doc.get_state() == arizona.doc.get_state()


def test_a_retried_update_changes_nothing(browser, live_session, member, other_member):
    arizona, georgia = browser(member), browser(other_member)
    before = arizona.doc.get_state()
    arizona.text.insert(0, "Once.")
    update = arizona.doc.get_update(before)
    assert arizona.send(update) == {"ok": True}
    assert arizona.send(update) == {"ok": True}
    georgia.hear()
    assert str(georgia) == "Once." and _stored(live_session).text == "Once."


def test_an_update_sent_after_a_gap_is_kept_until_the_gap_is_filled(browser, live_session,
                                                                    member, facilitator):
    arizona = browser(member)
    first = arizona.doc.get_state()
    arizona.text.insert(0, "One. ")
    one = arizona.doc.get_update(first)
    middle = arizona.doc.get_state()
    arizona.text.insert(5, "Two.")
    # The second change arrives first: the server can't place it yet, and must not drop it.
    assert arizona.send(arizona.doc.get_update(middle))["ok"]
    assert arizona.send(one)["ok"]
    assert _stored(live_session).text == "One. Two."
    assert str(browser(facilitator)) == "One. Two."


@pytest.mark.parametrize(("payload", "says"), [
    ({"update": b"\x01\x02garbage"}, "couldn't be read"),
    ({"update": b""}, "Yjs update"),
    ({"update": "AAA="}, "binary"),
    ({"update": None}, "binary"),
    ({"update": b"\x00" * (notes.UPDATE_MAX + 1)}, "under 1 MB"),
    ({"update": b"\x00\x00", "group_id": "one"}, "group_id"),
    ({"update": b"\x00\x00", "group_id": 3}, "breakout group"),
])
def test_bad_updates_get_an_error_ack_and_change_nothing(browser, live_session, member,
                                                         payload, says):
    arizona = browser(member)
    arizona.type(0, "Kept.")
    answer = ask(arizona.client, "notes_update", live_session, **payload)
    assert answer["ok"] is False and says in answer["error"], answer
    assert _stored(live_session).text == "Kept."


@pytest.mark.parametrize("state_vector", [b"\xff\xff\xff", "text", 12])
def test_a_bad_state_vector_gets_an_error_ack(browser, live_session, member, state_vector):
    arizona = browser(member)
    answer = ask(arizona.client, "notes_sync", live_session, state_vector=state_vector)
    assert answer["ok"] is False and "state vector" in answer["error"]


def test_a_browser_with_nothing_yet_may_sync_without_a_state_vector(in_room, live_session,
                                                                    member):
    client, _ = in_room(member, live_session)
    answer = ask(client, "notes_sync", live_session)
    assert answer == {"ok": True, "update": b"\x00\x00", "state_vector": b"\x00"}


@pytest.mark.parametrize("who", ["observer", "outsider"])
def test_observers_and_outsiders_get_no_notes(request, connect_as, live_session, who):
    client = connect_as(request.getfixturevalue(who))
    for event, payload in (("notes_sync", {"state_vector": b"\x00"}),
                           ("notes_update", {"update": b"\x00\x00"})):
        assert ask(client, event, live_session, **payload)["ok"] is False


def test_notes_events_for_a_room_not_joined_are_refused(browser, connect_as, live_session,
                                                        member, other_member):
    browser(other_member).type(0, "Private to the room.")
    client = connect_as(member)  # signed in, may attend, but this socket never joined
    answer = ask(client, "notes_sync", live_session, state_vector=b"\x00")
    assert answer == {"ok": False, "error": "Join the session's room first."}
    outside = Doc()
    outside.get(notes.NOTES_TEXT, type=Text).insert(0, "Sneaked in.")
    answer = ask(client, "notes_update", live_session, update=outside.get_update())
    assert answer["ok"] is False
    assert _stored(live_session).text == "Private to the room."


def test_muted_people_still_write_notes_but_not_after_the_room_closes(browser, live_session,
                                                                      member, facilitator):
    host, arizona = browser(facilitator), browser(member)
    ask(host.client, "mute_participant", live_session, user_id=member.id)
    assert arizona.type(0, "Muted in chat, not here.")["ok"]
    ask(host.client, "end_session", live_session)
    late = arizona.type(0, "After the end. ")
    assert late["ok"] is False and "closed" in late["error"]


def test_the_session_page_shows_the_notes_once_the_room_has_closed(browser, client_as,
                                                                   community, live_session,
                                                                   member, observer,
                                                                   facilitator):
    host, arizona = browser(facilitator), browser(member)
    arizona.type(0, "Next steps:\n<b>Georgia</b> drafts the plan.")
    address = f"/communities/{community.slug}/sessions/{live_session.id}"
    during = client_as(observer).get(address).get_data(as_text=True)
    assert "Shared notes" not in during
    ask(host.client, "end_session", live_session)
    page = client_as(observer).get(address).get_data(as_text=True)
    assert "Shared notes" in page
    assert "Next steps:\n&lt;b&gt;Georgia&lt;/b&gt; drafts the plan." in page


def test_each_breakout_group_writes_its_own_notes(browser, in_room, client_as, community,
                                                 live_session, member, other_member,
                                                 facilitator):
    host, arizona, georgia = browser(facilitator), browser(member), browser(other_member)
    ask(host.client, "start_breakouts", live_session, method="manual",
        assignments={"Pairs": [member.id], "Solo": [other_member.id]})
    pairs, solo = [g["id"] for g in received(georgia.client, "breakouts_started")[-1]["groups"]]
    for client, group in ((arizona.client, pairs), (georgia.client, solo),
                          (host.client, pairs)):
        assert ask(client, "join_group", live_session, group_id=group)["ok"]
    in_pairs = Browser(arizona.client, live_session, pairs)
    in_pairs.sync()
    listening = Browser(host.client, live_session, pairs)
    listening.sync()
    assert in_pairs.type(0, "Pairs decided X.")["ok"]
    listening.hear()
    assert str(listening) == "Pairs decided X."
    assert not [e for e in received(georgia.client, "notes_updated")]  # not in that group
    outside = Browser(georgia.client, live_session, pairs)
    refused = ask(georgia.client, "notes_sync", live_session, group_id=pairs,
                  state_vector=outside.doc.get_state())
    assert refused["ok"] is False and "aren't in that breakout group" in refused["error"]
    assert arizona.type(0, "Room. ")["ok"]  # the room's own notes are another document
    ask(host.client, "end_breakouts", live_session)
    assert in_pairs.type(0, "Late. ")["ok"] is False  # the group has closed
    ask(host.client, "end_session", live_session)
    page = client_as(member).get(f"/communities/{community.slug}/sessions/{live_session.id}")
    text = page.get_data(as_text=True)
    assert "Shared notes" in text and "Room. " in text
    assert "Notes of breakout group “Pairs”" in text and "Pairs decided X." in text
