"""Each role's rights in a community, with an outsider (Texas) twin for every member-only check."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests import factories
from workspace import errors, policy
from workspace.communities import service
from workspace.communities.models import CommunityRole, CommunityStatus
from workspace.database import utcnow
from workspace.extensions import db
from workspace.policy import Action

EXPECTED = {
    # role fixture: actions it may take in `community`
    "observer": {Action.VIEW, Action.READ},
    "member": {Action.VIEW, Action.READ, Action.CONTRIBUTE},
    "sme": {Action.VIEW, Action.READ, Action.CONTRIBUTE, Action.PUBLISH},
    "facilitator": {Action.VIEW, Action.READ, Action.CONTRIBUTE, Action.PUBLISH, Action.MODERATE,
                    Action.MANAGE},
    "staff": {Action.VIEW, Action.READ, Action.CONTRIBUTE, Action.PUBLISH, Action.MODERATE,
              Action.MANAGE},
    "outsider": {Action.VIEW},
}
ROLE_ACTIONS = [Action.VIEW, Action.READ, Action.CONTRIBUTE, Action.PUBLISH, Action.MODERATE,
                Action.MANAGE]


@pytest.mark.parametrize("who", list(EXPECTED))
def test_each_role_may_do_exactly_what_it_promises(request, community, who):
    person = request.getfixturevalue(who)
    allowed = {action for action in ROLE_ACTIONS if policy.can(person, action, community)}
    assert allowed == EXPECTED[who]


def test_a_visitor_sees_only_the_public_page(community):
    from flask_login import AnonymousUserMixin

    visitor = AnonymousUserMixin()
    assert policy.can(visitor, Action.VIEW, community)
    assert not policy.can(visitor, Action.READ, community)


def test_members_only_content_is_missing_for_outsiders_not_forbidden(community, member, outsider):
    assert policy.community_for(member, community.slug, Action.READ) == community
    with pytest.raises(errors.NotFound):
        policy.community_for(outsider, community.slug, Action.READ)
    with pytest.raises(errors.NotFound):
        policy.community_for(outsider, community.slug, Action.MANAGE)


def test_a_member_who_may_read_is_told_plainly_they_may_not_manage(community, member):
    with pytest.raises(errors.Forbidden):
        policy.community_for(member, community.slug, Action.MANAGE)


def test_a_private_community_is_missing_for_everyone_outside_it(community, member, outsider):
    community.is_public = False
    db.session.commit()
    assert policy.can(member, Action.VIEW, community)
    with pytest.raises(errors.NotFound):
        policy.community_for(outsider, community.slug)


def test_a_member_row_without_a_participating_agency_grants_nothing(network, community):
    texan = factories.make_user(network.seas["TX"], "stray@example.org")
    factories.add_to(community, texan, "member")
    assert policy.role_in(texan, community) is None
    assert not policy.can(texan, Action.READ, community)


def test_facilitators_and_smes_from_partners_need_no_participating_agency(community, sme,
                                                                           facilitator):
    assert sme.organization.kind.value == "partner"
    assert policy.can(sme, Action.PUBLISH, community)
    assert policy.can(facilitator, Action.MANAGE, community)


def test_withdrawing_an_agency_cuts_its_people_off_at_once(community, member, other_member,
                                                           staff):
    assert policy.can(member, Action.READ, community)
    service.withdraw_organization(staff, community, member.organization)
    assert not policy.can(member, Action.READ, community)
    assert policy.can(other_member, Action.READ, community)  # Georgia still takes part
    assert db.session.get(type(member), member.id) is not None  # nothing they made is deleted


def test_rejoining_agency_restores_access(community, member, staff):
    service.withdraw_organization(staff, community, member.organization)
    service.add_organization(staff, community, member.organization)
    assert policy.can(member, Action.READ, community)


def test_archived_communities_take_no_new_work_but_stay_readable(community, member):
    community.status = CommunityStatus.ARCHIVED
    db.session.commit()
    assert policy.can(member, Action.READ, community)
    assert not policy.can(member, Action.CONTRIBUTE, community)


def test_join_needs_a_participating_agency(community, network, outsider):
    colleague = factories.make_user(network.seas["AZ"], "colleague@example.org")
    assert policy.can(colleague, Action.JOIN, community)
    service.join(colleague, community)
    assert policy.can(colleague, Action.CONTRIBUTE, community)
    assert not policy.can(outsider, Action.JOIN, community)
    with pytest.raises(errors.Forbidden):
        service.join(outsider, community)


def test_state_contact_adds_colleagues_from_their_own_agency_only(community, network, member):
    colleague = factories.make_user(network.seas["AZ"], "colleague@example.org")
    georgian = factories.make_user(network.seas["GA"], "georgian@example.org")
    service.add_member(member, community, colleague)
    assert policy.can(colleague, Action.READ, community)
    with pytest.raises(errors.Forbidden):
        service.add_member(member, community, georgian)


def test_a_plain_member_who_is_not_the_contact_cannot_add_people(community, network, member):
    colleague = factories.make_user(network.seas["AZ"], "colleague@example.org")
    factories.add_to(community, colleague, "member")
    newcomer = factories.make_user(network.seas["AZ"], "newcomer@example.org")
    with pytest.raises(errors.Forbidden):
        service.add_member(colleague, community, newcomer)


def test_facilitator_cannot_make_a_non_participating_state_a_member(community, facilitator,
                                                                    outsider):
    with pytest.raises(errors.Invalid):
        service.add_member(facilitator, community, outsider)


def test_staff_hold_no_agency_seat_for_self_service(community, staff, recruiting_community):
    assert not policy.can(staff, Action.JOIN, community)
    assert not policy.can(staff, Action.EXPRESS_INTEREST, recruiting_community)


def test_only_staff_add_agencies_directly_so_capacity_holds(community, facilitator, staff,
                                                            network):
    with pytest.raises(errors.Forbidden):
        service.add_organization(facilitator, community, network.seas["OR"])
    service.add_organization(staff, community, network.seas["OR"])
    assert network.seas["OR"].id in service.participating_organization_ids(community)


@pytest.mark.parametrize("slug", ["manage", "new"])
def test_a_community_cannot_take_the_address_of_a_fixed_page(staff, slug):
    from workspace.communities.models import CommunityKind, CommunityStatus

    fields = service.CommunityFields(title="Shadow", slug=slug, kind=CommunityKind.COP,
                                     status=CommunityStatus.IN_DEVELOPMENT)
    with pytest.raises(errors.Invalid) as raised:
        service.save_community(staff, None, fields)
    assert raised.value.field == "slug"


def test_editing_without_the_list_fields_keeps_them(client_as, staff, community):
    response = client_as(staff).post(f"/communities/{community.slug}/edit", data={
        "title": "Renamed exchange", "slug": community.slug, "kind": "p2p",
        "status": "in_progress"})
    assert response.status_code == 302
    db.session.expire_all()
    assert community.title == "Renamed exchange"
    assert community.objectives == ["Build a shared understanding."]


def test_a_standing_is_worked_out_once_per_request_in_one_query(queries, community, member,
                                                                staff):
    policy.forget_standings()
    for loaded in (member, staff, community):  # the test's objects expired at the last commit
        db.session.refresh(loaded)
    with queries() as counted:
        standing = policy.standing_in(member, community)
        rights = (standing.reads, standing.contributes, standing.moderates, standing.role,
                  standing.is_state_contact, policy.can(member, Action.PUBLISH, community))
    assert rights == (True, True, False, CommunityRole.MEMBER, True, False)
    assert counted.count == 1  # the membership and the agency's participation, together
    assert policy.standing_in(member, community) is standing
    with queries() as counted:
        assert policy.standing_in(staff, community).manages
    assert counted.count == 0  # staff reach everything: no row to read


def test_a_deactivated_account_stands_where_a_visitor_stands(community, member, staff):
    assert policy.can(member, Action.READ, community) and policy.is_staff(staff)
    member.is_deactivated = staff.is_deactivated = True
    db.session.commit()  # their standings are cached: deactivation counts at once all the same
    assert policy.role_in(member, community) is None
    assert policy.can(member, Action.VIEW, community)  # the public page, like anyone
    assert not policy.can(member, Action.READ, community)
    assert not policy.is_staff(staff) and not policy.can(staff, Action.READ, community)


def test_the_catalogue_shows_only_cards_whose_page_opens(client_as, network, community, member,
                                                          other_member, staff):
    private = factories.make_community(network, participants=["AZ", "GA"], slug="private-p2p")
    private.is_public = False
    factories.add_to(private, member, "member")
    factories.add_to(private, other_member, "member")
    service.withdraw_organization(staff, private, other_member.organization)
    # Georgia withdrew: its member's row is still there, but the page is missing for them.
    assert client_as(other_member).get("/communities/private-p2p").status_code == 404
    assert "private-p2p" not in client_as(other_member).get("/communities/").get_data(
        as_text=True)
    assert "/communities/private-p2p" in client_as(member).get("/communities/").get_data(
        as_text=True)
    listed = {c.slug for c in service.catalogue(other_member, service.CatalogueFilters())}
    assert listed == {community.slug}


def test_an_agency_brought_in_from_history_keeps_the_day_it_joined(community, network, staff):
    joined = datetime(2019, 5, 1, 12, tzinfo=UTC)
    link = service.add_organization(staff, community, network.seas["OR"], joined_at=joined)
    assert link.joined_at == joined
    assert service.add_organization(staff, community, network.seas["TX"]).joined_at > joined
    with pytest.raises(errors.Invalid):
        service.add_organization(staff, community, network.seas["DE"],
                                 joined_at=utcnow() + timedelta(days=1))
