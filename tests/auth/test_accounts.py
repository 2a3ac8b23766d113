"""Accounts through HTTP: invitations, resets, sign-in throttling, sessions that really end."""

from __future__ import annotations

import re
import time

import itsdangerous.timed
import pytest
from sqlalchemy import select

from tests import factories
from workspace import errors
from workspace.auth import service
from workspace.auth.models import Invitation, User
from workspace.communities.models import CommunityRole
from workspace.extensions import db
from workspace.mail.models import OutboxMessage

NEW_PASSWORD = "a-long-new-passphrase"


def latest_link(recipient: str, path: str) -> str:
    message = db.session.scalar(select(OutboxMessage).where(OutboxMessage.recipient == recipient)
                                .order_by(OutboxMessage.id.desc()))
    assert message is not None, f"no email to {recipient}"
    match = re.search(rf"https?://[^\s]+({re.escape(path)}[^\s]+)", message.body)
    assert match, message.body
    return match.group(1)


def sign_in_form(client, email: str, password: str):
    return client.post("/sign-in", data={"email": email, "password": password})


def later(monkeypatch, seconds: int) -> None:
    """Make signed links look `seconds` older than they are."""
    monkeypatch.setattr(itsdangerous.timed.TimestampSigner, "get_timestamp",
                        lambda self: int(time.time()) + seconds)


# --- Signing in and out ---------------------------------------------------------------------

def test_sign_in_with_the_right_password_and_out_again(client, member):
    response = sign_in_form(client, member.email, factories.PASSWORD)
    assert response.status_code == 302
    assert client.get("/account").status_code == 200
    client.post("/sign-out")
    assert client.get("/account").status_code == 302


def test_a_wrong_password_says_so_in_the_page(client, member):
    response = sign_in_form(client, member.email, "wrong-password")
    assert response.status_code == 422
    assert b"don&#39;t match an active account" in response.data


def test_sign_in_sends_you_on_only_to_a_local_page(client, member):
    response = client.post("/sign-in?next=https://evil.example/", data={
        "email": member.email, "password": factories.PASSWORD})
    assert response.headers["Location"] == "/"
    other = client.post("/sign-out")
    assert other.status_code == 302
    response = client.post("/sign-in?next=/account", data={
        "email": member.email, "password": factories.PASSWORD})
    assert response.headers["Location"] == "/account"


def test_a_copied_session_cookie_stops_working_after_sign_out(app, member):
    browser = app.test_client()
    sign_in_form(browser, member.email, factories.PASSWORD)
    stolen = browser.get_cookie("session").value
    browser.post("/sign-out")
    thief = app.test_client()
    thief.set_cookie("session", stolen)
    assert thief.get("/account").status_code == 302  # sent to sign in


def test_changing_the_password_ends_other_sessions_but_not_this_one(app, member):
    laptop, phone = app.test_client(), app.test_client()
    sign_in_form(laptop, member.email, factories.PASSWORD)
    sign_in_form(phone, member.email, factories.PASSWORD)
    response = laptop.post("/account/password", data={
        "current": factories.PASSWORD, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 302
    assert laptop.get("/account").status_code == 200
    assert phone.get("/account").status_code == 302


def test_deactivation_ends_every_session(app, member, staff, client_as):
    phone = app.test_client()
    sign_in_form(phone, member.email, factories.PASSWORD)
    client_as(staff).post(f"/people/{member.id}/deactivation", data={"action": "deactivate"})
    assert phone.get("/account").status_code == 302
    assert sign_in_form(app.test_client(), member.email, factories.PASSWORD).status_code == 422


@pytest.fixture
def throttled(app_settings):
    app_settings.update(RATELIMIT_ENABLED=True, LOGIN_LIMIT_PER_ACCOUNT="3 per 15 minutes",
                        LOGIN_LIMIT_PER_ADDRESS="6 per 15 minutes")


def test_sign_in_is_throttled_per_account_with_a_clear_message(throttled, client, member):
    for _ in range(3):
        assert sign_in_form(client, member.email, "nope-nope-nope").status_code == 422
    response = sign_in_form(client, member.email, factories.PASSWORD)
    assert response.status_code == 429
    assert b"Too many sign-in attempts for this account" in response.data


def test_sign_in_is_throttled_per_address_across_accounts(throttled, client, member):
    for number in range(6):
        sign_in_form(client, f"someone{number % 2}@example.org", "nope-nope-nope")
    response = sign_in_form(client, member.email, factories.PASSWORD)
    assert response.status_code == 429
    assert b"from your network" in response.data


def test_successful_sign_ins_do_not_use_up_the_allowance(throttled, app, member):
    for _ in range(5):
        browser = app.test_client()
        assert sign_in_form(browser, member.email, factories.PASSWORD).status_code == 302


# --- Invitations ----------------------------------------------------------------------------

def invite(client, community, email="newcomer@azed.gov", role="member", organization=None):
    return client.post("/invitations/new", data={
        "email": email, "name": "Riley Newcomer", "organization_id": organization.id,
        "community_id": community.id, "role": role, "message": "Join us!"})


def test_an_invited_newcomer_sets_a_password_and_lands_in_their_community(
        client_as, app, community, facilitator, network):
    response = invite(client_as(facilitator), community, organization=network.seas["AZ"])
    assert response.status_code == 302
    link = latest_link("newcomer@azed.gov", "/invitations/")
    newcomer = app.test_client()
    page = newcomer.get(link)
    assert page.status_code == 200 and b"Riley Newcomer" in page.data
    response = newcomer.post(link, data={"name": "Riley Newcomer", "title": "Analyst",
                                         "phone": "", "time_zone": "America/Phoenix",
                                         "password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/communities/{community.slug}")
    assert newcomer.get(f"/communities/{community.slug}/members").status_code == 200
    user = db.session.scalar(select(User).where(User.email == "newcomer@azed.gov"))
    assert user.time_zone == "America/Phoenix"


def test_an_invitation_link_works_once(client_as, app, community, facilitator, network):
    invite(client_as(facilitator), community, organization=network.seas["AZ"])
    link = latest_link("newcomer@azed.gov", "/invitations/")
    form = {"name": "Riley", "title": "", "phone": "", "time_zone": "America/Phoenix",
            "password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
    assert app.test_client().post(link, data=form).status_code == 302
    again = app.test_client().get(link)
    assert again.status_code == 409
    assert b"already been used" in again.data


def test_an_expired_invitation_link_says_so(client_as, app, community, facilitator, network,
                                            monkeypatch):
    invite(client_as(facilitator), community, organization=network.seas["AZ"])
    link = latest_link("newcomer@azed.gov", "/invitations/")
    later(monkeypatch, 15 * 24 * 3600)
    response = app.test_client().get(link)
    assert response.status_code == 422
    assert b"expired" in response.data


def test_a_tampered_invitation_link_is_not_found(client_as, app, community, facilitator,
                                                 network):
    invite(client_as(facilitator), community, organization=network.seas["AZ"])
    link = latest_link("newcomer@azed.gov", "/invitations/")
    assert app.test_client().get(link[:-3] + "abc").status_code == 404


def test_a_member_cannot_invite_and_an_outsider_cannot_tell(client_as, community, member,
                                                            outsider, network):
    assert invite(client_as(member), community, organization=network.seas["AZ"]).status_code \
        == 403
    assert client_as(outsider).get(f"/invitations/new?community={community.id}").status_code \
        == 403


def test_facilitator_cannot_invite_a_member_from_a_state_outside_the_community(
        client_as, community, facilitator, network):
    response = invite(client_as(facilitator), community, organization=network.seas["TX"])
    assert response.status_code == 422
    assert b"doesn&#39;t participate" in response.data
    assert db.session.scalar(select(Invitation)) is None


def test_inviting_someone_who_has_an_account_adds_them_directly(client_as, community,
                                                                facilitator, network):
    colleague = factories.make_user(network.seas["GA"], "colleague@gadoe.org")
    invite(client_as(facilitator), community, email=colleague.email,
           organization=network.seas["GA"])
    from workspace import policy

    policy.forget_standings()
    assert policy.role_in(colleague, community) is CommunityRole.MEMBER


def test_staff_invite_into_an_organization_without_a_community(client_as, staff, network):
    response = client_as(staff).post("/invitations/new", data={
        "email": "lead@tea.texas.gov", "name": "", "organization_id": network.seas["TX"].id,
        "community_id": 0, "role": "", "message": ""})
    assert response.status_code == 302
    assert latest_link("lead@tea.texas.gov", "/invitations/")


# --- Password reset -------------------------------------------------------------------------

def test_password_reset_by_emailed_link(client, app, member):
    response = client.post("/password/forgot", data={"email": member.email})
    assert response.status_code == 302
    link = latest_link(member.email, "/password/reset/")
    browser = app.test_client()
    assert browser.get(link).status_code == 200
    response = browser.post(link, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 302
    assert sign_in_form(app.test_client(), member.email, NEW_PASSWORD).status_code == 302


def test_a_reset_link_works_once(client, app, member):
    client.post("/password/forgot", data={"email": member.email})
    link = latest_link(member.email, "/password/reset/")
    app.test_client().post(link, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    again = app.test_client().get(link)
    assert again.status_code == 409 and b"already been used" in again.data


def test_an_expired_reset_link_says_so(client, app, member, monkeypatch):
    client.post("/password/forgot", data={"email": member.email})
    link = latest_link(member.email, "/password/reset/")
    later(monkeypatch, 3 * 3600)
    response = app.test_client().get(link)
    assert response.status_code == 422 and b"expired" in response.data


def test_asking_for_a_reset_reveals_nothing_about_unknown_addresses(client):
    response = client.post("/password/forgot", data={"email": "nobody@example.org"})
    assert response.status_code == 302
    assert db.session.scalar(select(OutboxMessage)) is None


def test_reset_rejects_a_short_password_and_keeps_the_link_usable(client, app, member):
    client.post("/password/forgot", data={"email": member.email})
    link = latest_link(member.email, "/password/reset/")
    response = app.test_client().post(link, data={"password": "short", "confirm": "short"})
    assert response.status_code == 422 and b"at least 10 characters" in response.data
    assert app.test_client().get(link).status_code == 200


def test_profile_changes_are_saved(client_as, member):
    client = client_as(member)
    response = client.post("/account", data={"name": "Alex M. Morales", "title": "Director",
                                             "phone": "602-555-0100",
                                             "time_zone": "America/Phoenix",
                                             "handle": member.handle})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(User, member.id).name == "Alex M. Morales"


def test_service_refuses_unknown_time_zones(member):
    from workspace import errors

    with pytest.raises(errors.Invalid):
        service.update_profile(member, name="A", title="", phone="", time_zone="Mars/Olympus")


# --- Opening an empty workspace --------------------------------------------------------------

def first_staff(**values: str) -> User:
    return service.create_first_staff(**{
        "email": "Director@Network.example.org", "name": "Dana Whitfield",
        "title": "Network Director", "time_zone": "America/New_York", "password": NEW_PASSWORD,
        "organization_name": "State Support Network", "organization_short_name": "SSN",
        **values})


def test_the_first_staff_member_opens_an_empty_workspace_and_signs_in(app, client):
    staff = first_staff()
    assert staff.is_network_staff and staff.email == "director@network.example.org"
    assert staff.organization.name == "State Support Network"
    assert staff.organization.kind.value == "partner"
    assert staff.organization.partner_type == "network"
    response = sign_in_form(client, "director@network.example.org", NEW_PASSWORD)
    assert response.status_code == 302


def test_there_is_only_one_first_staff_member(app):
    first_staff()
    with pytest.raises(errors.Conflict):
        first_staff(email="someone.else@network.example.org")


def test_the_first_staff_member_needs_a_real_password(app):
    with pytest.raises(errors.Invalid):
        first_staff(password="short")
    assert db.session.scalar(select(User.id)) is None
