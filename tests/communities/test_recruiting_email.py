"""The recruiting decision reaches the state's contact through a real SMTP server, sent by the
mail job after the request (the request itself never waits for the server)."""

from __future__ import annotations

import socket
from email import message_from_bytes

import pytest
from aiosmtpd.controller import Controller

from tests.communities.test_recruiting import PROBLEM
from workspace.communities import service
from workspace.extensions import db
from workspace.jobs import queue


class Inbox:
    def __init__(self) -> None:
        self.messages: list = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
        self.messages.append(message_from_bytes(envelope.content))
        return "250 Message accepted for delivery"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp_inbox(app_settings):
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    app_settings.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port)
    yield inbox
    controller.stop()


def test_recruiting_end_to_end_by_email(smtp_inbox, client_as, recruiting_community, outsider,
                                        facilitator):
    response = client_as(outsider).post(f"/communities/{recruiting_community.slug}/interest",
                                        data={"problem_of_practice": PROBLEM})
    assert response.status_code == 302
    interest = service.interest_queue(facilitator, recruiting_community)[0]
    response = client_as(facilitator).post(
        f"/communities/{recruiting_community.slug}/interests/{interest.id}",
        data={"decision": "accepted", "message": "Glad to have Texas with us."})
    assert response.status_code == 302
    assert not [each for each in smtp_inbox.messages if each["To"] == outsider.email]

    db.session.commit()
    queue.run_pending()  # what the worker does once the request has committed
    to_contact = [each for each in smtp_inbox.messages if each["To"] == outsider.email]
    assert len(to_contact) == 1
    email = to_contact[0]
    body = email.get_payload(decode=True).decode()
    assert "accepted" in body and "Glad to have Texas with us." in body
    assert f"/communities/{recruiting_community.slug}" in body
