"""Handles: suggested from a person's name, unique whatever the case, and theirs to change in
their profile."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from tests import factories
from workspace import errors
from workspace.auth import service
from workspace.auth.handles import HANDLE, check_handle, handle_stem, suggest_handle
from workspace.auth.models import User
from workspace.extensions import db

NEW_PASSWORD = "a-long-new-passphrase"
CORPUS = Path(__file__).resolve().parents[1] / "data" / "xss_vectors.json"
VECTORS = [entry["vector"] for entry in json.loads(CORPUS.read_text("utf-8"))["vectors"]]


@pytest.mark.parametrize(("name", "email", "stem"), [
    ("Jordan Ellis", "ga.member@example.org", "jordan.ellis"),
    ("  José  Núñez-Ortiz ", "", "jose.nunez-ortiz"),
    ("Siobhán O’Brien", "", "siobhan.obrien"),
    ("Dr. Kim, Ph.D.", "", "dr.kim.ph.d"),
    ("李", "wei.li@example.org", "wei.li"),
    ("李", "x@example.org", "member"),
    ("Maximiliana Wolfeschlegelsteinhausen Bergerdorff", "", "maximiliana.wolfeschlegelstein"),
])
def test_a_handle_is_suggested_from_the_name(name, email, stem):
    assert handle_stem(name, email) == stem
    assert HANDLE.fullmatch(stem)


def test_a_suggestion_taken_already_is_numbered(app, network):
    first = factories.make_user(network.seas["GA"], "ga.member@example.org", name="Jordan Ellis")
    second = factories.make_user(network.seas["AZ"], "jellis@example.org", name="Jordan Ellis")
    assert (first.handle, second.handle) == ("jordan.ellis", "jordan.ellis2")
    assert suggest_handle("JORDAN ELLIS") == "jordan.ellis3"
    long = "A" * 40
    factories.make_user(network.seas["AZ"], "long@example.org", name=long)
    assert suggest_handle(long) == "a" * 29 + "2"


def test_new_accounts_get_a_handle_from_their_name(app, network):
    staff = service.create_first_staff(
        email="director@network.example.org", name="Dana Whitfield", title="",
        password=NEW_PASSWORD, time_zone="America/New_York",
        organization_name="State Support Network", organization_short_name="SSN")
    assert staff.handle == "dana.whitfield"
    invitation = service.invite(staff, email="riley@azed.gov", name="Riley Newcomer",
                                organization=network.seas["AZ"])
    riley = service.accept_invitation(service.invitation_token(invitation),
                                      name="Riley Newcomer", title="", phone="",
                                      time_zone="America/Phoenix", password=NEW_PASSWORD,
                                      confirm=NEW_PASSWORD)
    assert riley.handle == "riley.newcomer"


def test_a_person_changes_their_handle_in_their_profile(client_as, member):
    client = client_as(member)
    page = client.get("/account")
    assert b'name="handle"' in page.data and b'value="az.member"' in page.data
    response = client.post("/account", data={"name": member.name, "title": "", "phone": "",
                                             "time_zone": "America/Phoenix",
                                             "handle": " @Alex.Morales "})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(User, member.id).handle == "alex.morales"


@pytest.mark.parametrize(("wanted", "message"), [
    ("", b"Choose a handle colleagues can mention you by."),
    ("a", b"Use 2 to 30 letters"),
    ("alex morales", b"Use 2 to 30 letters"),
    ("alex.", b"Use 2 to 30 letters"),
    ("_alex", b"Use 2 to 30 letters"),
    ("josé", b"Use 2 to 30 letters"),
    ("a" * 31, b"Use 2 to 30 letters"),
    ("GA.Member", b"Someone already uses @ga.member. Choose another, such as @ga.member2."),
])
def test_a_taken_or_malformed_handle_is_refused_beside_the_field(client_as, member, other_member,
                                                                 wanted, message):
    response = client_as(member).post("/account", data={
        "name": member.name, "title": "", "phone": "", "time_zone": "America/Phoenix",
        "handle": wanted})
    assert response.status_code == 422
    assert message in response.data.replace(b"&#39;", b"'")
    assert b'id="handle-error"' in response.data and b'aria-invalid="true"' in response.data
    db.session.expire_all()
    assert db.session.get(User, member.id).handle == "az.member"


def test_keeping_ones_own_handle_in_another_case_is_no_clash(member):
    service.update_profile(member, name=member.name, title="", phone="",
                           time_zone="America/Phoenix", handle="AZ.Member")
    assert member.handle == "az.member"


def test_handles_are_unique_in_the_database_too(app, network, member):
    db.session.add(User(email="copy@example.org", name="Copy", handle=member.handle,
                        organization=network.seas["AZ"]))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_no_xss_vector_is_accepted_as_a_handle(member):
    accepted = []
    for vector in VECTORS:
        try:
            accepted.append(check_handle(member, vector))
        except errors.Invalid:
            continue
    # What gets through is plain letters and digits, shown as text anyway.
    assert all(HANDLE.fullmatch(handle) for handle in accepted), accepted
    assert db.session.scalar(select(User.handle).where(User.id == member.id)) == "az.member"
