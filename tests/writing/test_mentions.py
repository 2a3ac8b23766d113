"""@mentions: whom one may name in a community, suggestions, and who is told."""

from __future__ import annotations

from sqlalchemy import select

from tests import factories
from workspace import writing
from workspace.auth import service as accounts
from workspace.auth.models import User
from workspace.extensions import db
from workspace.notifications.models import Notification
from workspace.notifications.service import Subject


def notes_for(user) -> list[tuple[str, str]]:
    return [tuple(row) for row in db.session.execute(
        select(Notification.message, Notification.link).where(
            Notification.user_id == user.id).order_by(Notification.id))]


def test_people_to_mention_match_a_prefix_and_exclude_outsiders(community, member, other_member,
                                                               outsider, facilitator):
    handles = [m.handle for m in writing.mention_candidates(member, community, "ga")]
    assert handles == ["ga.member"]
    everyone = [m.handle for m in writing.mention_candidates(member, community, "")]
    assert "tx.member" not in everyone and "az.member" not in everyone
    assert "facilitator" in [m.handle for m in writing.mention_candidates(member, community,
                                                                          "Fac")]


def test_people_sharing_a_local_part_get_their_own_handles_and_keep_the_old_forms(
        community, member, network):
    twin = factories.make_user(network.seas["GA"], "ga.member@other.example.org")
    georgian = factories.make_user(network.seas["GA"], "ga.member@example.org")
    factories.add_to(community, twin, "member")
    factories.add_to(community, georgian, "member")
    handles = sorted(m.handle for m in writing.mention_candidates(member, community, "ga"))
    assert handles == ["ga.member", "ga.member2"]
    # Before handles, the two were told apart by their whole address; those mentions still work.
    named = writing.people_named(writing.mentionable(community), {
        "ga.member@example.org", "ga.member@other.example.org", "ga.member2"})
    assert {written: each.user.id for written, each in named.items()} == {
        "ga.member@example.org": georgian.id, "ga.member@other.example.org": twin.id,
        "ga.member2": georgian.id}


def jordan(community, network) -> User:
    """Someone whose handle has nothing to do with their address, as handles are now."""
    person = factories.make_user(network.seas["GA"], "jellis@gadoe.org", name="Jordan Ellis")
    factories.add_to(community, person, "member")
    return person


def test_suggestions_match_the_name_and_handle_not_the_address(community, member, network):
    person = jordan(community, network)
    for typed in ("jor", "@Jordan.E", "ell"):
        found = writing.mention_candidates(member, community, typed)
        assert [(m.user.name, m.handle) for m in found] == [("Jordan Ellis", "jordan.ellis")]
    assert writing.mention_candidates(member, community, "jellis") == []
    assert person.handle == "jordan.ellis"


def test_the_suggestion_list_shows_the_name_and_the_handle_to_insert(client_as, community,
                                                                     member, network):
    jordan(community, network)
    response = client_as(member).get(f"/communities/{community.slug}/writing/people?q=jor")
    assert response.json == {"people": [{"handle": "jordan.ellis", "name": "Jordan Ellis",
                                         "organization": "Georgia Department of Education"}]}


def test_a_mention_by_handle_is_marked_and_tells_the_person(community, member, network):
    person = jordan(community, network)
    body = "Thanks @Jordan.Ellis."
    assert writing.render_body(community, body) == (
        '<p>Thanks <span class="workspace-mention">@Jordan.Ellis</span>.</p>')
    told = writing.tell_mentioned(member, community, body, link="/x", title="T",
                                  subject=Subject("agenda", 1))
    db.session.commit()
    assert told == [person.id]
    assert notes_for(person) == [("Az Member mentioned you in “T”.", "/x")]


def test_old_forms_still_name_the_person_but_a_handle_comes_first(community, member,
                                                                   other_member, network):
    accounts.update_profile(other_member, name=other_member.name, title="", phone="",
                            time_zone="UTC", handle="jordan.ellis")
    old = "Asking @ga.member and @GA.Member@Example.org."
    assert writing.render_body(community, old) == (
        '<p>Asking <span class="workspace-mention">@ga.member</span> and '
        '<span class="workspace-mention">@GA.Member@Example.org</span>.</p>')
    assert writing.tell_mentioned(member, community, old, link="/x", title="T",
                                  subject=Subject("agenda", 1)) == [other_member.id]
    # Rewriting an old mention as the handle tells no one again: it is the same person.
    assert writing.tell_mentioned(member, community, "Asking @jordan.ellis", link="/x",
                                  title="T", subject=Subject("agenda", 1), before=old) == []
    # Once someone takes "ga.member" as their handle, "@ga.member" names them; the whole
    # address still names the Georgian.
    accounts.update_profile(member, name=member.name, title="", phone="", time_zone="UTC",
                            handle="ga.member")
    named = writing.people_named(writing.mentionable(community),
                                 {"ga.member", "ga.member@example.org"})
    assert {written: each.user.id for written, each in named.items()} == {
        "ga.member": member.id, "ga.member@example.org": other_member.id}


def test_the_people_mentioned_are_told_with_the_features_link_and_title(
        community, member, other_member, facilitator, outsider):
    told = writing.tell_mentioned(member, community, "@ga.member, @tx.member and me @az.member",
                                  link="/somewhere/7", title="The spring agenda",
                                  subject=Subject("agenda", 7))
    db.session.commit()
    assert told == [other_member.id]
    assert notes_for(other_member) == [("Az Member mentioned you in “The spring agenda”.",
                                        "/somewhere/7")]
    assert notes_for(outsider) == [] and notes_for(member) == []


def test_after_an_edit_only_the_newly_mentioned_are_told(community, member, other_member,
                                                          facilitator):
    told = writing.tell_mentioned(member, community, "Asking @ga.member and @facilitator",
                                  link="/x", title="T", subject=Subject("agenda", 1),
                                  before="Asking @GA.Member.")
    assert told == [facilitator.id]
    assert writing.tell_mentioned(member, community, "no one", link="/x", title="T",
                                  subject=Subject("agenda", 1)) == []
