"""Recruiting end to end: a state expresses interest, the facilitator decides within capacity."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tests import factories
from workspace import errors, policy
from workspace.communities import service
from workspace.communities.models import InterestStatus
from workspace.extensions import db
from workspace.mail.models import OutboxMessage
from workspace.notifications.models import Notification
from workspace.policy import Action

PROBLEM = "Our districts collect the same data three times; we want one cross-program pipeline."


def test_only_a_non_participating_state_may_express_interest(recruiting_community, outsider,
                                                              network):
    arizonan = factories.make_user(network.seas["AZ"], "az.2@example.org")  # AZ already in
    assert policy.can(outsider, Action.EXPRESS_INTEREST, recruiting_community)
    assert not policy.can(arizonan, Action.EXPRESS_INTEREST, recruiting_community)
    partner_person = factories.make_user(network.partner, "partner@example.org")
    assert not policy.can(partner_person, Action.EXPRESS_INTEREST, recruiting_community)


def test_interest_only_while_recruiting(community, outsider):
    with pytest.raises(errors.Forbidden):
        service.express_interest(outsider, community, problem_of_practice=PROBLEM)


def test_a_statement_is_required(recruiting_community, outsider):
    with pytest.raises(errors.Invalid) as raised:
        service.express_interest(outsider, recruiting_community, problem_of_practice="  ")
    assert raised.value.field == "problem_of_practice"


def test_one_open_interest_per_state(recruiting_community, outsider, network):
    service.express_interest(outsider, recruiting_community, problem_of_practice=PROBLEM)
    colleague = factories.make_user(network.seas["TX"], "tx.2@example.org")
    with pytest.raises(errors.Conflict):
        service.express_interest(colleague, recruiting_community, problem_of_practice=PROBLEM)


def test_accepting_makes_the_state_a_participant_and_tells_the_contact(
        recruiting_community, outsider, facilitator):
    interest = service.express_interest(outsider, recruiting_community,
                                        problem_of_practice=PROBLEM)
    facilitator_note = db.session.scalar(select(Notification).where(
        Notification.user_id == facilitator.id))
    assert "Texas" in facilitator_note.message
    assert [i.id for i in service.interest_queue(facilitator, recruiting_community)] == [
        interest.id]

    service.decide_interest(facilitator, interest, InterestStatus.ACCEPTED,
                            message="Welcome aboard — first session is in September.")
    policy.forget_standings()
    assert policy.can(outsider, Action.CONTRIBUTE, recruiting_community)
    email = db.session.scalar(select(OutboxMessage).where(
        OutboxMessage.recipient == outsider.email))
    assert "accepted" in email.body and "Welcome aboard" in email.body
    note = db.session.scalar(select(Notification).where(Notification.user_id == outsider.id))
    assert "accepted" in note.message


def test_the_interest_reaches_the_facilitators_who_may_manage_now(recruiting_community,
                                                                   outsider, facilitator,
                                                                   network):
    gone = factories.make_user(network.partner, "gone.facilitator@example.org")
    factories.add_to(recruiting_community, gone, "facilitator")
    gone.is_deactivated = True
    db.session.commit()
    service.express_interest(outsider, recruiting_community, problem_of_practice=PROBLEM)
    told = set(db.session.scalars(select(Notification.user_id)))
    assert told == {facilitator.id}

def test_accepting_beyond_capacity_is_refused(recruiting_community, facilitator, network):
    # capacity 2, Arizona already takes part: one seat left.
    texan = factories.make_user(network.seas["TX"], "tx@example.org")
    oregonian = factories.make_user(network.seas["OR"], "or@example.org")
    first = service.express_interest(texan, recruiting_community, problem_of_practice=PROBLEM)
    second = service.express_interest(oregonian, recruiting_community,
                                      problem_of_practice=PROBLEM)
    service.decide_interest(facilitator, first, InterestStatus.ACCEPTED)
    with pytest.raises(errors.Invalid) as raised:
        service.decide_interest(facilitator, second, InterestStatus.ACCEPTED)
    assert "full" in raised.value.message
    service.decide_interest(facilitator, second, InterestStatus.WAITLISTED, message="Next round")
    assert second.status is InterestStatus.WAITLISTED


def test_decline_keeps_the_state_out_and_cannot_be_decided_twice(recruiting_community,
                                                                  outsider, facilitator):
    interest = service.express_interest(outsider, recruiting_community,
                                        problem_of_practice=PROBLEM)
    service.decide_interest(facilitator, interest, InterestStatus.DECLINED,
                            message="We are full this cycle.")
    assert not policy.can(outsider, Action.READ, recruiting_community)
    with pytest.raises(errors.Conflict):
        service.decide_interest(facilitator, interest, InterestStatus.ACCEPTED)


def test_only_facilitators_and_staff_see_or_decide_the_queue(recruiting_community, outsider,
                                                             member):
    interest = service.express_interest(outsider, recruiting_community,
                                        problem_of_practice=PROBLEM)
    with pytest.raises(errors.WorkspaceError):
        service.interest_queue(member, recruiting_community)
    with pytest.raises(errors.WorkspaceError):
        service.decide_interest(outsider, interest, InterestStatus.ACCEPTED)


def test_take_part_offers_one_route_and_keeps_the_call_as_context(client_as, recruiting_community,
                                                                  outsider):
    recruiting_community.recruiting_note = ("Send email to StateSupportNetwork@air.org with "
                                            "subject line – Data Systems CoP")
    db.session.commit()
    html = client_as(outsider).get(f"/communities/{recruiting_community.slug}").get_data(
        as_text=True)
    section = html[html.index('id="take-part"'):]
    section = section[:section.index("</section>")]
    # The form comes first; the emailed call is quoted after it as the record, not as a route.
    assert section.index('action="/communities/data-systems-cop/interest"') < section.index(
        "the call for states said")
    assert "Expressing interest here reaches the same facilitators" in section
    assert "mailto:" not in section
