"""Action items in the live room: anyone in it writes one down; its author or a facilitator
changes or removes it; everyone hears the list; the session's record keeps it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from tests import factories
from tests.sessions.conftest import ask, received
from workspace.database import utcnow
from workspace.extensions import db
from workspace.sessions.action_models import ActionItem


def _tomorrow() -> str:
    return (utcnow() + timedelta(days=2)).date().isoformat()


def test_anyone_in_the_room_adds_an_action_item_and_everyone_hears(
        in_room, live_session, network, facilitator, member, other_member):
    host, _ = in_room(facilitator, live_session)
    arizona, _ = in_room(member, live_session)
    answer = ask(arizona, "add_action_item", live_session, text="Share the  rubric",
                 organization_id=network.seas["AZ"].id, owner_id=member.id, due_on=_tomorrow())
    assert answer["ok"], answer
    item = answer["item"]
    assert item["text"] == "Share the rubric" and item["organization"]["name"] == "Arizona"
    assert item["owner"] == {"id": member.id, "name": member.name}
    assert item["due_on"] == _tomorrow() and item["done"] is False
    heard = received(host, "action_items_changed")[-1]
    assert [i["id"] for i in heard["items"]] == [item["id"]]
    stored = db.session.get(ActionItem, item["id"])
    assert stored.community_id == live_session.community_id

    plain = ask(host, "add_action_item", live_session, text="Send the slides")
    assert plain["item"]["organization"] is None and plain["item"]["owner"] is None
    _, joined = in_room(other_member, live_session)
    assert [i["text"] for i in joined["room"]["action_items"]] == ["Share the rubric",
                                                                   "Send the slides"]
    choices = joined["room"]["action_item_choices"]
    assert {o["name"] for o in choices["organizations"]} == {"Arizona", "Georgia"}
    assert member.id in {p["id"] for p in choices["people"]}


def test_the_author_or_a_facilitator_changes_or_removes_it_others_may_not(
        in_room, live_session, facilitator, member, other_member):
    host, _ = in_room(facilitator, live_session)
    arizona, _ = in_room(member, live_session)
    georgia, _ = in_room(other_member, live_session)
    item = ask(arizona, "add_action_item", live_session, text="Draft the plan")["item"]

    refused = ask(georgia, "update_action_item", live_session, item_id=item["id"], done=True)
    assert refused == {"ok": False, "error": "Only the person who wrote an action item and "
                                             "the facilitators change it."}
    assert ask(georgia, "remove_action_item", live_session, item_id=item["id"])["ok"] is False

    done = ask(arizona, "update_action_item", live_session, item_id=item["id"], done=True,
               owner_id=other_member.id)
    assert done["item"]["done"] is True and done["item"]["owner"]["id"] == other_member.id
    assert done["item"]["text"] == "Draft the plan"  # what wasn't sent stays
    reworded = ask(host, "update_action_item", live_session, item_id=item["id"],
                   text="Draft the plan by state", owner_id=None, done=False)
    assert reworded["item"]["owner"] is None and reworded["item"]["done"] is False
    assert ask(host, "remove_action_item", live_session, item_id=item["id"]) == {"ok": True}
    assert received(georgia, "action_items_changed")[-1]["items"] == []
    assert db.session.scalar(select(db.func.count(ActionItem.id))) == 0


@pytest.mark.parametrize(("payload", "error"), [
    ({"text": ""}, "Say what the action step is."),
    ({"text": ["a list"]}, "Say what the action step is."),
    ({"text": "x" * 501}, "Keep the action step under 500 characters."),
    ({"organization_id": "AZ"}, "'organization_id' must be a whole number."),
    ({"organization_id": "texas"}, "Choose one of the states taking part in this community."),
    ({"organization_id": 999_999}, "Choose one of the states taking part in this community."),
    ({"owner_id": True}, "'owner_id' must be a whole number."),
    ({"owner_id": "observer"}, "Choose someone taking part in this session."),
    ({"owner_id": "outsider"}, "Choose someone taking part in this session."),
    ({"owner_id": 999_999}, "Choose someone taking part in this session."),
    ({"due_on": 20300101}, "Give the due date as 2026-03-10."),
    ({"due_on": "next week"}, "Give a real due date, like 2026-03-10."),
    ({"due_on": "yesterday"}, "The due date can't be in the past."),
])
def test_bad_action_items_are_refused_with_a_reason(request, in_room, live_session, network,
                                                    member, payload, error):
    values = {"texas": network.seas["TX"].id,
              "yesterday": (utcnow() - timedelta(days=2)).date().isoformat()}
    for name in ("observer", "outsider"):
        values[name] = request.getfixturevalue(name).id
    arizona, _ = in_room(member, live_session)
    sent = {"text": "Share the rubric",
            **{k: values.get(v, v) if isinstance(v, str) else v for k, v in payload.items()}}
    if "text" in payload:
        sent["text"] = payload["text"]
    answer = ask(arizona, "add_action_item", live_session, **sent)
    assert answer == {"ok": False, "error": error}
    assert db.session.scalar(select(db.func.count(ActionItem.id))) == 0


def test_items_of_another_session_and_unknown_ids_are_not_found(in_room, live_session,
                                                                community, facilitator):
    host, _ = in_room(facilitator, live_session)
    other = factories.make_session(community, facilitator,
                                   starts_at=utcnow() - timedelta(minutes=1))
    elsewhere, _ = in_room(facilitator, other)
    foreign = ask(elsewhere, "add_action_item", other, text="Elsewhere")["item"]
    for item_id, error in ((foreign["id"], "That action item isn't in this session."),
                           (999, "That action item isn't in this session."),
                           ("1", "'item_id' must be a whole number.")):
        assert ask(host, "remove_action_item", live_session, item_id=item_id) == {
            "ok": False, "error": error}
        assert ask(host, "update_action_item", live_session, item_id=item_id,
                   done=True)["ok"] is False
    assert ask(host, "update_action_item", live_session, item_id=foreign["id"])["ok"] is False
    bad_done = ask(elsewhere, "update_action_item", other, item_id=foreign["id"], done="yes")
    assert bad_done == {"ok": False, "error": "'done' must be true or false."}


def test_the_session_page_keeps_the_action_items(in_room, live_session, client_as, observer,
                                                 member):
    arizona, _ = in_room(member, live_session)
    ask(arizona, "add_action_item", live_session, text="Share the <b>rubric</b>",
        owner_id=member.id)
    page = client_as(observer).get(
        f"/communities/{live_session.community.slug}/sessions/{live_session.id}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Share the &lt;b&gt;rubric&lt;/b&gt;" in html and member.name in html


def test_listing_action_items_costs_the_same_for_two_and_twenty(in_room, live_session, member,
                                                               queries):
    from workspace.sessions import actions

    arizona, _ = in_room(member, live_session)

    def cost() -> int:
        db.session.expire_all()
        with queries() as counted:
            [actions.item_payload(item) for item in actions.items_of(live_session)]
            actions.choices(live_session)
        return counted.count

    for n in range(2):
        ask(arizona, "add_action_item", live_session, text=f"Step {n}", owner_id=member.id)
    few = cost()
    for n in range(2, 20):
        ask(arizona, "add_action_item", live_session, text=f"Step {n}", owner_id=member.id)
    assert cost() == few
