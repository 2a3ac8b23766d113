"""A person's time zone is theirs to confirm: every page asks until they choose or keep one."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests import factories
from workspace.auth import service
from workspace.auth.models import User
from workspace.extensions import db

PROMPT = b"Is that your time zone?"


@pytest.fixture
def newcomer(network: factories.Network) -> User:
    """Arizona's new colleague, who hasn't said which zone they are in (Eastern, the default)."""
    return factories.make_user(network.seas["AZ"], "new.colleague@azed.gov",
                               time_zone_confirmed=False)


def reread(user: User) -> User:
    db.session.expire_all()
    return db.session.get_one(User, user.id)


def flashes(client: Any) -> list[str]:
    with client.session_transaction() as session:
        return [message for _, message in session.get("_flashes", [])]


# --- The prompt ----------------------------------------------------------------------------------

def test_an_unconfirmed_person_is_asked_on_every_page_with_a_way_to_keep_their_zone(
        client_as, newcomer):
    client = client_as(newcomer)
    for path in ("/", "/communities/", "/notifications/"):
        page = client.get(path)
        assert page.status_code == 200 and PROMPT in page.data, path
    page = client.get("/communities/?q=data").get_data(as_text=True)
    prompt = page[page.index("data-time-zone-prompt"):]
    assert "Times show in Eastern time." in prompt
    assert 'action="/profile/time-zone"' in prompt
    assert 'name="next" value="/communities/?q=data"' in prompt
    assert re.search(r'<button type="submit" name="time_zone" value="America/New_York"[^>]*>'
                     r'Yes, keep Eastern time</button>', prompt)
    # The device's zone is offered by the page's script; without it the button stays hidden.
    assert re.search(r'<button [^>]*data-detected-time-zone[^>]* hidden>', prompt)
    assert 'href="/account#time_zone">Choose another</a>' in prompt
    assert '["America/Phoenix", "Mountain (Arizona) time"]' in prompt  # for the script


def test_a_confirmed_person_and_a_visitor_are_not_asked(client_as, member):
    assert PROMPT not in client_as(member).get("/").data
    assert PROMPT not in client_as(None).get("/").data


# --- Confirming ----------------------------------------------------------------------------------

def test_keeping_the_zone_confirms_it_and_returns_to_the_page(client_as, newcomer):
    client = client_as(newcomer)
    response = client.post("/profile/time-zone", data={"time_zone": "America/New_York",
                                                       "next": "/communities/?q=data"})
    assert response.status_code == 302
    assert response.headers["Location"] == "/communities/?q=data"
    assert flashes(client) == ["Times now show in Eastern time."]
    person = reread(newcomer)
    assert person.time_zone == "America/New_York" and person.time_zone_confirmed_at is not None
    assert PROMPT not in client.get("/").data


def test_the_devices_zone_is_saved_as_the_listed_zone_keeping_its_clock(client_as, newcomer):
    client = client_as(newcomer)
    response = client.post("/profile/time-zone", data={"time_zone": "America/St_Thomas",
                                                       "next": "/"})
    assert response.status_code == 302
    assert flashes(client) == [
        "Times now show in Atlantic (Puerto Rico, U.S. Virgin Islands) time."]
    assert reread(newcomer).time_zone == "America/Puerto_Rico"


def test_arizona_stays_arizona(client_as, newcomer):
    client_as(newcomer).post("/profile/time-zone", data={"time_zone": "America/Phoenix"})
    assert reread(newcomer).time_zone == "America/Phoenix"


@pytest.mark.parametrize(("posted", "explained"), [
    ("Mars/Olympus_Mons", "“Mars/Olympus_Mons” isn't a time zone we know. Choose yours in your "
                          "profile."),
    ("Europe/Paris", "None of the workspace's time zones keeps the same clock as Europe/Paris. "
                     "Choose the nearest one in your profile."),
    ("", "“” isn't a time zone we know. Choose yours in your profile."),
    ("../../etc/passwd", "“../../etc/passwd” isn't a time zone we know. Choose yours in your "
                         "profile."),
])
def test_a_zone_that_cant_be_used_is_explained_and_nothing_changes(client_as, newcomer, posted,
                                                                    explained):
    client = client_as(newcomer)
    response = client.post("/profile/time-zone", data={"time_zone": posted, "next": "/news/"})
    assert response.status_code == 302 and response.headers["Location"] == "/news/"
    assert flashes(client) == [explained]
    person = reread(newcomer)
    assert person.time_zone == "America/New_York" and person.time_zone_confirmed_at is None
    assert PROMPT in client.get("/news/").data


@pytest.mark.parametrize("next_url", ["https://evil.example.org/", "//evil.example.org/", None,
                                      "javascript:alert(1)"])
def test_only_a_local_next_is_followed(client_as, newcomer, next_url):
    data = {"time_zone": "America/New_York"} | ({"next": next_url} if next_url else {})
    response = client_as(newcomer).post("/profile/time-zone", data=data)
    assert response.status_code == 302 and response.headers["Location"] == "/"


def test_a_visitor_is_sent_to_sign_in(client):
    response = client.post("/profile/time-zone", data={"time_zone": "America/New_York"})
    assert response.status_code == 302 and response.headers["Location"].startswith("/sign-in")


@pytest.fixture
def csrf_on(app_settings: dict[str, Any]) -> None:
    app_settings["WTF_CSRF_ENABLED"] = True


def test_the_prompt_carries_a_csrf_token_and_needs_it(csrf_on, client_as, newcomer):
    client = client_as(newcomer)
    page = client.get("/").get_data(as_text=True)
    prompt = page[page.index("data-time-zone-prompt"):]
    token = re.search(r'name="csrf_token" value="([^"]+)"', prompt)
    assert token
    refused = client.post("/profile/time-zone", data={"time_zone": "America/Phoenix"})
    assert refused.status_code == 400
    assert reread(newcomer).time_zone_confirmed_at is None
    accepted = client.post("/profile/time-zone", data={"time_zone": "America/Phoenix",
                                                       "csrf_token": token.group(1)})
    assert accepted.status_code == 302
    assert reread(newcomer).time_zone == "America/Phoenix"


# --- Choosing a zone elsewhere confirms it -------------------------------------------------------

def test_saving_the_profile_confirms_the_zone(client_as, newcomer):
    response = client_as(newcomer).post("/account", data={
        "name": newcomer.name, "title": "", "phone": "", "time_zone": "Pacific/Guam",
        "handle": newcomer.handle})
    assert response.status_code == 302
    person = reread(newcomer)
    assert person.time_zone == "Pacific/Guam" and person.time_zone_confirmed_at is not None


def test_saving_an_unchanged_profile_keeps_the_confirmation_as_it_was(member):
    confirmed_at = member.time_zone_confirmed_at
    service.update_profile(member, name=member.name, title="", phone="",
                           time_zone=member.time_zone)
    assert reread(member).time_zone_confirmed_at == confirmed_at


def test_accepting_an_invitation_confirms_the_zone_chosen_there(app, staff, network):
    invitation = service.invite(staff, email="riley@azed.gov", name="Riley",
                                organization=network.seas["AZ"])
    riley = service.accept_invitation(service.invitation_token(invitation), name="Riley",
                                      title="", phone="", time_zone="Pacific/Pago_Pago",
                                      password="a-long-new-passphrase",
                                      confirm="a-long-new-passphrase")
    assert riley.time_zone == "Pacific/Pago_Pago" and riley.time_zone_confirmed_at is not None


def test_the_first_staff_account_confirms_its_zone(app):
    staff = service.create_first_staff(
        email="director@network.example.org", name="Dana Whitfield", title="",
        time_zone="Pacific/Honolulu", password="a-long-new-passphrase",
        organization_name="State Support Network", organization_short_name="SSN")
    assert staff.time_zone_confirmed_at is not None


def test_staff_choosing_a_zone_for_someone_confirms_it_and_other_edits_do_not(staff, newcomer):
    def save(time_zone: str) -> None:
        service.update_person(staff, newcomer, name=newcomer.name, title="Analyst", phone="",
                              time_zone=time_zone, organization=newcomer.organization,
                              is_network_staff=False)

    save("America/New_York")  # the title changes; the zone was never chosen
    assert reread(newcomer).time_zone_confirmed_at is None
    save("America/Anchorage")
    assert reread(newcomer).time_zone_confirmed_at is not None

