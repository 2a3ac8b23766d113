"""Unsubscribing from an email's link without signing in: a confirm page, a way back, a mail
client's one-click POST, and a clear page for a link we didn't sign."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from itsdangerous import URLSafeSerializer
from sqlalchemy import select

from workspace.extensions import db, limiter
from workspace.jobs import queue
from workspace.mail.models import OutboxMessage
from workspace.notifications import preferences
from workspace.notifications.email import (
    UNSUBSCRIBE_SALT,
    category_scope,
    digest_scope,
    undo_token,
    unsubscribe_token,
)
from workspace.notifications.models import Cadence, Category, EmailPreference, NotificationKind
from workspace.notifications.service import notify


def mention(person, community) -> None:
    notify(person, NotificationKind.MENTION, "Georgia mentioned you in “Monitoring”.",
           "/communities/", actor=None, community=community, subject=None)
    db.session.commit()
    queue.run_pending()


def emails_to(person) -> list[OutboxMessage]:
    db.session.expire_all()
    return list(db.session.scalars(select(OutboxMessage).where(
        OutboxMessage.user_id == person.id).order_by(OutboxMessage.id)))


def own_choices(person) -> dict[Category, Cadence]:
    db.session.expire_all()
    return {row.category: row.cadence for row in db.session.scalars(
        select(EmailPreference).where(EmailPreference.user_id == person.id))}


def path_of(url: str) -> str:
    return urlsplit(url).path


def test_unsubscribe_end_to_end_from_a_real_email_without_signing_in(client_as, member,
                                                                    community):
    mention(member, community)
    [email] = emails_to(member)
    link = re.search(r"Unsubscribe from Mentions of you: (\S+)", email.body).group(1)
    visitor = client_as(None)

    confirm = visitor.get(path_of(link))
    page = confirm.get_data(as_text=True)
    assert confirm.status_code == 200
    assert "Stop emails about <strong>Mentions of you</strong> to az.member@example.org?" in page
    assert own_choices(member) == {}  # a GET (a link checker, a preview) changes nothing

    done = visitor.post(path_of(link))
    page = done.get_data(as_text=True)
    assert done.status_code == 200 and "won't get emails about Mentions of you" in page
    assert own_choices(member) == {Category.MENTIONS: Cadence.OFF}
    mention(member, community)
    assert len(emails_to(member)) == 1  # no new email

    undo = re.search(r'action="(/email/unsubscribe/undo/[^"]+)"', page).group(1)
    back = visitor.post(undo)
    assert back.status_code == 200
    assert "az.member@example.org gets emails about Mentions of you as before." in back.get_data(
        as_text=True)
    assert own_choices(member) == {}  # back to the default: right away
    mention(member, community)
    assert len(emails_to(member)) == 2


def test_a_mail_clients_one_click_post_answers_204_quietly(client, member):
    token = unsubscribe_token(member.id, category_scope(Category.SESSIONS))
    answer = client.post(f"/email/unsubscribe/{token}",
                         data={"List-Unsubscribe": "One-Click"})
    assert answer.status_code == 204 and answer.get_data() == b""
    assert own_choices(member) == {Category.SESSIONS: Cadence.OFF}


def test_unsubscribing_from_a_digest_turns_off_what_reaches_it_and_undo_puts_it_back(
        client, member, facilitator, community):
    preferences.choose(member, {Category.BLOGS: Cadence.DAILY, Category.RESOURCES: Cadence.WEEKLY})
    preferences.set_community_defaults(facilitator, community,
                                       {Category.SESSIONS: Cadence.DAILY})
    token = unsubscribe_token(member.id, digest_scope(Cadence.DAILY))
    assert "Stop emails about <strong>the daily digest</strong>" in client.get(
        f"/email/unsubscribe/{token}").get_data(as_text=True)
    page = client.post(f"/email/unsubscribe/{token}").get_data(as_text=True)
    assert own_choices(member) == {Category.DISCUSSIONS: Cadence.OFF, Category.BLOGS: Cadence.OFF,
                                   Category.RESOURCES: Cadence.WEEKLY,
                                   Category.SESSIONS: Cadence.OFF}
    undo = re.search(r'action="(/email/unsubscribe/undo/[^"]+)"', page).group(1)
    assert client.post(undo).status_code == 200
    assert own_choices(member) == {Category.BLOGS: Cadence.DAILY,
                                   Category.RESOURCES: Cadence.WEEKLY}


def test_undo_leaves_what_the_person_changed_since(client, member):
    token = undo_token(member.id, {"mentions": None, "sessions": "daily"})
    preferences.choose(member, {Category.MENTIONS: Cadence.WEEKLY,
                                Category.SESSIONS: Cadence.OFF})
    page = client.post(f"/email/unsubscribe/undo/{token}").get_data(as_text=True)
    assert own_choices(member) == {Category.MENTIONS: Cadence.WEEKLY,
                                   Category.SESSIONS: Cadence.DAILY}
    assert "gets emails about Sessions as before" in page


def test_unsubscribing_again_offers_nothing_to_undo(client, member):
    preferences.choose(member, {Category.MENTIONS: Cadence.OFF})
    token = unsubscribe_token(member.id, category_scope(Category.MENTIONS))
    page = client.post(f"/email/unsubscribe/{token}").get_data(as_text=True)
    assert "won't get emails about Mentions of you" in page and "Undo" not in page


def _forged_tokens(app, member) -> list[str]:
    signed = URLSafeSerializer(app.config["SECRET_KEY"], salt=UNSUBSCRIBE_SALT)
    other_key = URLSafeSerializer("not-our-secret", salt=UNSUBSCRIBE_SALT)
    return ["nonsense", "a.b.c", "eyJmb3JnZWQiOjF9.forged.signature",
            other_key.dumps([member.id, "category:mentions"]),
            signed.dumps({"user": member.id}), signed.dumps([member.id]),
            signed.dumps(["1", "category:mentions"]), signed.dumps([member.id, 7]),
            signed.dumps([999_999, "category:mentions"]),  # no such person
            signed.dumps([member.id, "category:no-such-thing"]),
            undo_token(member.id, {}),  # an undo token is no unsubscribe token
            ]


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_a_link_we_did_not_sign_answers_a_clear_404_and_changes_nothing(app, client, member,
                                                                        method):
    for token in _forged_tokens(app, member):
        answer = client.open(f"/email/unsubscribe/{token}", method=method)
        assert answer.status_code == 404, token
        assert "This unsubscribe link isn't one we recognize" in answer.get_data(as_text=True)
    assert own_choices(member) == {}


def test_a_forged_undo_answers_404(app, client, member):
    for token in ("nonsense", unsubscribe_token(member.id, "category:mentions"),
                  URLSafeSerializer("not-our-secret", salt="x").dumps([member.id, {}])):
        assert client.post(f"/email/unsubscribe/undo/{token}").status_code == 404
    assert client.get(f"/email/unsubscribe/undo/{undo_token(member.id, {})}").status_code == 405


@pytest.fixture
def limited(app_settings):
    app_settings["RATELIMIT_ENABLED"] = True
    return app_settings


def test_the_unsubscribe_address_is_rate_limited(limited, request):
    request.getfixturevalue("app")
    limiter.reset()
    client = request.getfixturevalue("client")
    answers = [client.get("/email/unsubscribe/nonsense").status_code for _ in range(31)]
    assert answers[:30] == [404] * 30 and answers[30] == 429


@pytest.fixture
def csrf_on(app_settings):
    app_settings["WTF_CSRF_ENABLED"] = True
    return app_settings


def test_the_unsubscribe_link_needs_no_csrf_token_but_undo_does(csrf_on, request):
    request.getfixturevalue("app")
    member = request.getfixturevalue("member")
    client = request.getfixturevalue("client")
    token = unsubscribe_token(member.id, category_scope(Category.MENTIONS))
    assert client.post(f"/email/unsubscribe/{token}",
                       data={"List-Unsubscribe": "One-Click"}).status_code == 204
    undo = undo_token(member.id, {"mentions": None})
    assert client.post(f"/email/unsubscribe/undo/{undo}").status_code == 400
    assert own_choices(member) == {Category.MENTIONS: Cadence.OFF}
