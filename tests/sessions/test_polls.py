"""Polls in the live room: made, opened, answered (once, changeable), closed and revealed."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from tests import factories
from tests.sessions.conftest import ask, received
from workspace.database import utcnow
from workspace.extensions import db
from workspace.sessions.poll_models import Poll, PollVote

COLORS = {"question": "Which color?", "kind": "single", "options": ["Red", "Green", "Blue"]}


def _made(host, session, **changes):
    answer = ask(host, "create_poll", session, **{**COLORS, **changes})
    assert answer["ok"], answer
    return answer["poll"]


def test_a_poll_made_on_the_spot_is_asked_answered_closed_and_revealed(
        in_room, live_session, facilitator, member, other_member):
    host, _ = in_room(facilitator, live_session)
    arizona, _ = in_room(member, live_session)
    georgia, _ = in_room(other_member, live_session)
    poll = _made(host, live_session)
    assert poll["state"] == "draft" and [o["label"] for o in poll["options"]] == [
        "Red", "Green", "Blue"]
    assert received(host, "poll_saved")[-1]["poll"]["id"] == poll["id"]
    assert received(arizona, "poll_saved") == []  # drafts are the hosts' own

    assert ask(host, "open_poll", live_session, poll_id=poll["id"]) == {"ok": True}
    opened = received(arizona, "poll_opened")[-1]["poll"]
    assert opened["state"] == "open" and opened["results"] is None
    red, green, _blue = (o["id"] for o in poll["options"])

    assert ask(arizona, "vote", live_session, poll_id=poll["id"], option_ids=[red]) == {
        "ok": True, "poll_id": poll["id"], "my_vote": [red]}
    ask(georgia, "vote", live_session, poll_id=poll["id"], option_ids=[red])
    # Voting again changes the answer: still one vote per person.
    changed = ask(arizona, "vote", live_session, poll_id=poll["id"], option_ids=[green])
    assert changed["my_vote"] == [green]
    assert db.session.scalar(select(db.func.count(PollVote.id))) == 2

    live = received(host, "poll_results")[-1]
    assert live["results"] == {"voters": 2, "options": [
        {"id": red, "votes": 1}, {"id": green, "votes": 1}, {"id": _blue, "votes": 0}]}
    assert received(arizona, "poll_results") == []  # not revealed yet

    assert ask(host, "close_poll", live_session, poll_id=poll["id"]) == {"ok": True}
    assert received(georgia, "poll_closed")[-1]["poll_id"] == poll["id"]
    late = ask(georgia, "vote", live_session, poll_id=poll["id"], option_ids=[green])
    assert late == {"ok": False, "error": "That poll is closed: votes can't change now."}

    revealed = ask(host, "reveal_results", live_session, poll_id=poll["id"])
    assert revealed["ok"] and revealed["results"]["voters"] == 2
    seen = received(georgia, "poll_results")[-1]
    assert seen["revealed"] is True and seen["results"] == revealed["results"]


def test_a_multiple_choice_poll_takes_several_answers(in_room, live_session, facilitator,
                                                      member):
    host, _ = in_room(facilitator, live_session)
    arizona, _ = in_room(member, live_session)
    poll = _made(host, live_session, kind="multiple")
    ask(host, "open_poll", live_session, poll_id=poll["id"])
    red, _green, blue = (o["id"] for o in poll["options"])
    answer = ask(arizona, "vote", live_session, poll_id=poll["id"], option_ids=[blue, red])
    assert answer["my_vote"] == [red, blue]  # in the poll's order
    counts = received(host, "poll_results")[-1]["results"]["options"]
    assert [c["votes"] for c in counts] == [1, 0, 1]


def test_the_snapshot_shows_hosts_drafts_and_results_and_others_only_what_was_asked(
        in_room, live_session, facilitator, member):
    host, _ = in_room(facilitator, live_session)
    asked = _made(host, live_session)
    _made(host, live_session, question="Still a draft?")
    ask(host, "open_poll", live_session, poll_id=asked["id"])
    arizona, _ = in_room(member, live_session)
    ask(arizona, "vote", live_session, poll_id=asked["id"], option_ids=[asked["options"][0]["id"]])

    _, again = in_room(member, live_session)
    polls = again["room"]["polls"]
    assert [p["question"] for p in polls] == ["Which color?"]
    assert polls[0]["results"] is None and polls[0]["my_vote"] == [asked["options"][0]["id"]]
    _, hosting = in_room(facilitator, live_session)
    assert [p["question"] for p in hosting["room"]["polls"]] == ["Which color?",
                                                                 "Still a draft?"]
    assert hosting["room"]["polls"][0]["results"]["voters"] == 1


def test_drafts_change_and_go_but_asked_polls_stay(in_room, live_session, facilitator):
    host, _ = in_room(facilitator, live_session)
    poll = _made(host, live_session)
    changed = ask(host, "update_poll", live_session, poll_id=poll["id"],
                  question="Which colour?", kind="multiple", options=["Red", "Yellow"])
    assert changed["ok"] and changed["poll"]["kind"] == "multiple"
    assert [o["label"] for o in changed["poll"]["options"]] == ["Red", "Yellow"]
    assert changed["poll"]["options"][0]["id"] == poll["options"][0]["id"]
    ask(host, "open_poll", live_session, poll_id=poll["id"])
    refused = ask(host, "update_poll", live_session, poll_id=poll["id"], **COLORS)
    assert refused["ok"] is False and "has been asked" in refused["error"]
    assert ask(host, "delete_poll", live_session, poll_id=poll["id"])["ok"] is False
    spare = _made(host, live_session, question="Spare?")
    assert ask(host, "delete_poll", live_session, poll_id=spare["id"]) == {"ok": True}
    assert received(host, "poll_deleted")[-1]["poll_id"] == spare["id"]
    assert db.session.get(Poll, spare["id"]) is None


@pytest.mark.parametrize(("payload", "error"), [
    ({"question": ""}, "Write the question."),
    ({"question": 42}, "Write the question."),
    ({"question": "x" * 301}, "Keep the question under 300 characters."),
    ({"kind": "ranked"}, "Choose one answer or any number of answers."),
    ({"options": ["Only one"]}, "Give 2 to 10 options, one a line."),
    ({"options": [f"Option {n}" for n in range(11)]}, "Give 2 to 10 options, one a line."),
    ({"options": "Red, Green"}, "The options must be a list of texts."),
    ({"options": ["Red", 7]}, "The options must be a list of texts."),
    ({"options": ["Red", "red"]}, "Each option must be different from the others."),
    ({"options": ["Red", "y" * 201]}, "Keep each option under 200 characters"),
])
def test_bad_polls_are_refused_with_a_reason(in_room, live_session, facilitator, payload,
                                             error):
    host, _ = in_room(facilitator, live_session)
    answer = ask(host, "create_poll", live_session, **{**COLORS, **payload})
    assert answer["ok"] is False and answer["error"].startswith(error)
    assert db.session.scalar(select(db.func.count(Poll.id))) == 0


@pytest.mark.parametrize(("choice", "error"), [
    ("red", "'option_ids' must be a list of option ids."),
    ([True], "'option_ids' must be a list of option ids."),
    (["1"], "'option_ids' must be a list of option ids."),
    ([], "Choose an answer."),
    ("both", "This poll takes one answer."),
    ("twice", "Choose each answer once."),
    ("unknown", "Choose among this poll's options."),
    ("other_poll", "Choose among this poll's options."),
])
def test_bad_votes_are_refused(in_room, live_session, facilitator, member, choice, error):
    host, _ = in_room(facilitator, live_session)
    arizona, _ = in_room(member, live_session)
    poll, other = _made(host, live_session), _made(host, live_session, question="Other?")
    red, green = poll["options"][0]["id"], poll["options"][1]["id"]
    choices = {"both": [red, green], "twice": [red, red], "unknown": [999_999],
               "other_poll": [other["options"][0]["id"]]}
    ask(host, "open_poll", live_session, poll_id=poll["id"])
    answer = ask(arizona, "vote", live_session, poll_id=poll["id"],
                 option_ids=choices.get(choice, choice) if isinstance(choice, str) else choice)
    assert answer == {"ok": False, "error": error}
    assert db.session.scalar(select(db.func.count(PollVote.id))) == 0


def test_drafts_take_no_votes_and_unknown_or_foreign_polls_are_not_found(
        in_room, live_session, community, facilitator, member):
    host, _ = in_room(facilitator, live_session)
    arizona, _ = in_room(member, live_session)
    draft = _made(host, live_session)
    refused = ask(arizona, "vote", live_session, poll_id=draft["id"],
                  option_ids=[draft["options"][0]["id"]])
    assert refused == {"ok": False, "error": "That poll hasn't been opened yet."}
    assert ask(host, "close_poll", live_session, poll_id=draft["id"])["ok"] is False
    assert ask(host, "reveal_results", live_session, poll_id=draft["id"])["ok"] is False
    for poll_id in ("1", None, True):
        answer = ask(host, "open_poll", live_session, poll_id=poll_id)
        assert answer == {"ok": False, "error": "'poll_id' must be a whole number."}
    assert ask(host, "open_poll", live_session, poll_id=999)["error"] == (
        "That poll isn't in this session.")
    # A poll of another session of the community is not this room's to open.
    other = factories.make_session(community, facilitator, starts_at=utcnow() - timedelta(
        minutes=1))
    elsewhere, _ = in_room(facilitator, other)
    foreign = _made(elsewhere, other)
    assert ask(host, "open_poll", live_session, poll_id=foreign["id"])["error"] == (
        "That poll isn't in this session.")


@pytest.mark.parametrize("event", ["create_poll", "update_poll", "delete_poll", "open_poll",
                                   "close_poll", "reveal_results"])
def test_members_may_not_run_polls(in_room, live_session, facilitator, member, event):
    host, _ = in_room(facilitator, live_session)
    poll = _made(host, live_session)
    arizona, _ = in_room(member, live_session)
    answer = ask(arizona, event, live_session, poll_id=poll["id"], **COLORS)
    assert answer["ok"] is False
    assert db.session.scalar(select(db.func.count(Poll.id))) == 1
    assert db.session.get(Poll, poll["id"]).state.value == "draft"


def test_listing_polls_costs_the_same_for_two_polls_and_twenty(in_room, live_session,
                                                              facilitator, member, queries):
    from workspace.sessions import polls

    host, _ = in_room(facilitator, live_session)

    def cost() -> int:
        db.session.expire_all()
        with queries() as counted:
            polls.polls_for(member, live_session)
            polls.polls_for(facilitator, live_session)
        return counted.count

    for n in range(2):
        made = _made(host, live_session, question=f"Poll {n}")
        ask(host, "open_poll", live_session, poll_id=made["id"])
    few = cost()
    for n in range(2, 20):
        _made(host, live_session, question=f"Poll {n}")
    assert cost() == few


def test_the_session_record_shows_results_only_where_the_reader_may_see_them(
        in_room, live_session, facilitator, member, client_as, observer):
    host, _ = in_room(facilitator, live_session)
    arizona, _ = in_room(member, live_session)
    shown, hidden = _made(host, live_session), _made(host, live_session, question="Private?")
    _made(host, live_session, question="Never asked?")
    for poll in (shown, hidden):
        ask(host, "open_poll", live_session, poll_id=poll["id"])
        ask(arizona, "vote", live_session, poll_id=poll["id"],
            option_ids=[poll["options"][1]["id"]])
    ask(host, "reveal_results", live_session, poll_id=shown["id"])
    address = f"/communities/{live_session.community.slug}/sessions/{live_session.id}"
    page = client_as(observer).get(address).get_data(as_text=True)
    assert "Which color?" in page and "Green: 1" in page and "Private?" in page
    assert "The facilitators didn't share its results." in page
    assert "Never asked?" not in page
    hosting = client_as(facilitator).get(address).get_data(as_text=True)
    assert hosting.count("Green: 1") == 2 and "the results were not shown" in hosting
