"""Sending through a real SMTP server on 127.0.0.1 that fails on purpose: temporary failures
retried with back-off, permanent ones failed at once, and nothing ever sent twice."""

from __future__ import annotations

import socket
import threading
from email.message import Message

import pytest
from sqlalchemy import select

from tests.mail.conftest import MailServer, later, reread, run_mail, send_job
from workspace import errors
from workspace.extensions import db
from workspace.jobs import queue
from workspace.jobs.models import Job, JobState
from workspace.mail import service
from workspace.mail.models import MailState, OutboxMessage
from workspace.mail.service import SEND_ATTEMPTS, SEND_JOB, queue_email

ADDRESS = "az.member@example.org"

ICS = ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//CoP Workspace//EN\r\nBEGIN:VEVENT\r\n"
       "UID:session-7@cop-workspace\r\nDTSTART:20261203T170000Z\r\nSUMMARY:Monthly call\r\n"
       "END:VEVENT\r\nEND:VCALENDAR\r\n")


def welcome(**options: object) -> OutboxMessage:
    message = queue_email(ADDRESS, "Welcome", "Hello, Arizona.", **options)  # type: ignore[arg-type]
    db.session.commit()
    return message


def test_a_busy_server_gets_the_message_once_after_two_refusals(mail_server: MailServer):
    mail_server.data_answers = ["451 4.3.0 Try again later", "451 4.3.0 Still busy"]
    message = welcome()

    assert run_mail() == 1
    message = reread(message)
    assert (message.state, message.attempts) == (MailState.QUEUED, 1)
    assert message.error == "The mail server refused the message: 451 4.3.0 Try again later"
    job = send_job(message)
    assert (job.state, job.attempts) == (JobState.QUEUED, 1)
    assert run_mail() == 0  # it waits for its back-off

    assert later() == 1
    assert reread(message).attempts == 2
    assert later() == 1
    message = reread(message)
    assert (message.state, message.attempts, message.error) == (MailState.SENT, 3, "")
    assert message.sent_at is not None
    assert send_job(message).state is JobState.DONE
    assert len(mail_server.received) == 1
    assert later() == 0
    assert len(mail_server.received) == 1
    # Every attempt offered the same message: one Message-ID, the row's.
    assert len(mail_server.data_seen) == 3
    assert {each["Message-ID"] for each in mail_server.data_seen} == {
        mail_server.received[0]["Message-ID"]}


def test_a_refused_recipient_fails_at_once_and_staff_try_again_once_it_is_mended(
        mail_server: MailServer, client_as, staff):
    mail_server.refuse_recipients = "550 5.1.1 No such user here"
    message = welcome()

    assert run_mail() == 1
    message = reread(message)
    assert (message.state, message.attempts) == (MailState.FAILED, 1)
    assert message.error == "The mail server refused the recipient: 550 5.1.1 No such user here"
    job = send_job(message)
    assert (job.state, job.attempts) == (JobState.FAILED, 1)  # no attempt wasted on it
    assert "No such user here" in (job.last_error or "")
    assert mail_server.received == []

    mail_server.refuse_recipients = None  # the address is mended at the other end
    response = client_as(staff).post(f"/admin/outbox/{message.id}/retry")
    assert response.status_code == 302
    assert (reread(message).state, send_job(message).state) == (MailState.QUEUED,
                                                                JobState.QUEUED)
    assert run_mail() == 1
    message = reread(message)
    assert (message.state, message.attempts) == (MailState.SENT, 2)
    assert len(mail_server.received) == 1

    # Trying a sent message again sends nothing.
    client_as(staff).post(f"/admin/outbox/{message.id}/retry")
    with pytest.raises(errors.Conflict):
        service.retry_message(message.id)
    assert later() == 0
    assert len(mail_server.received) == 1


def test_a_refused_message_fails_at_once(mail_server: MailServer):
    mail_server.data_answers = ["554 5.7.1 Message rejected as spam"]
    message = welcome()

    assert run_mail() == 1
    message = reread(message)
    assert (message.state, message.attempts) == (MailState.FAILED, 1)
    assert message.error == ("The mail server refused the message: "
                             "554 5.7.1 Message rejected as spam")


def test_an_unreachable_server_is_tried_again_until_it_answers(app_settings):
    message = welcome()  # nothing listens on MAIL_PORT yet

    assert run_mail() == 1
    message = reread(message)
    assert (message.state, message.attempts) == (MailState.QUEUED, 1)
    assert message.error.startswith("Couldn't reach the mail server at 127.0.0.1:")
    assert "refused" in message.error.lower()

    server = MailServer(port=app_settings["MAIL_PORT"]).start()
    try:
        assert later() == 1
    finally:
        server.stop()
    assert (reread(message).state, len(server.received)) == (MailState.SENT, 1)


def test_a_server_that_hangs_up_is_tried_again(app_settings):
    """A server that takes the connection and closes it at once, without a greeting."""
    listener = socket.create_server(("127.0.0.1", app_settings["MAIL_PORT"]))

    def hang_up() -> None:
        connection, _ = listener.accept()
        connection.close()

    hanging_up = threading.Thread(target=hang_up, daemon=True)
    hanging_up.start()
    message = welcome()
    try:
        assert run_mail() == 1
    finally:
        hanging_up.join(timeout=5)
        listener.close()
    message = reread(message)
    assert (message.state, message.attempts) == (MailState.QUEUED, 1)
    assert message.error.startswith("The mail server at 127.0.0.1:")
    assert "hung up" in message.error


def test_a_message_that_keeps_failing_is_failed_after_the_last_attempt(mail_server: MailServer):
    mail_server.data_answers = [f"421 4.7.0 Too busy ({n})" for n in range(SEND_ATTEMPTS)]
    message = welcome()

    assert run_mail() == 1
    for _ in range(SEND_ATTEMPTS - 1):
        assert reread(message).state is MailState.QUEUED
        assert later() == 1
    message = reread(message)
    assert (message.state, message.attempts) == (MailState.FAILED, SEND_ATTEMPTS)
    assert message.error.endswith(f"Too busy ({SEND_ATTEMPTS - 1})")
    assert send_job(message).state is JobState.FAILED
    assert mail_server.received == []

    # Staff may try it again from the jobs page too: the same job, all its attempts back; the
    # message waits again while attempts remain.
    mail_server.data_answers = ["421 4.7.0 Almost there"]
    queue.retry(send_job(message).id)
    assert run_mail() == 1
    assert (reread(message).state, reread(message).attempts) == (MailState.QUEUED,
                                                                  SEND_ATTEMPTS + 1)
    assert later() == 1
    assert (reread(message).state, len(mail_server.received)) == (MailState.SENT, 1)


def test_a_sent_message_is_never_sent_again(mail_server: MailServer):
    message = welcome()
    assert run_mail() == 1
    assert len(mail_server.received) == 1

    # Its job run again (a lease that ran out, say), or asked for anew: nothing leaves.
    job = send_job(message)
    job.state = JobState.QUEUED
    db.session.commit()
    assert run_mail() == 1
    queue.enqueue(SEND_JOB, {"message_id": message.id}, key=f"{SEND_JOB}:{message.id}")
    assert run_mail() == 1
    assert len(mail_server.received) == 1
    assert reread(message).attempts == 1
    with pytest.raises(errors.Conflict):
        service.retry_message(message.id)


def test_asking_twice_with_one_key_queues_one_message(mail_server: MailServer):
    first = queue_email(ADDRESS, "Reply", "A new reply.", key="notification:1")
    again = queue_email(ADDRESS, "Reply", "A new reply.", key="notification:1")
    assert first is again
    assert run_mail() == 1
    assert len(mail_server.received) == 1


def test_the_parts_headers_and_attachment_arrive_as_sent(mail_server: MailServer):
    html = ('<table role="presentation"><tr><td style="color:#1b1b1b;">A new reply in '
            '<a href="http://localhost/t/1">Monitoring</a></td></tr></table>')
    unsubscribe = "http://localhost/notifications/unsubscribe/abc"
    message = welcome(html=html, attachments=[{"filename": "session.ics",
                                               "media_type": "text/calendar", "content": ICS}],
                      headers={"List-Unsubscribe": f"<{unsubscribe}>",
                               "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"})
    assert run_mail() == 1

    (email,) = mail_server.received
    assert email["To"] == ADDRESS and email["Subject"] == "Welcome"
    assert email["List-Unsubscribe"] == f"<{unsubscribe}>"
    assert email["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert email["Message-ID"].startswith(f"<outbox.{message.id}.")
    assert email.is_multipart()
    parts = {part.get_content_type(): part for part in email.walk()
             if not part.is_multipart()}
    assert set(parts) == {"text/plain", "text/html", "text/calendar"}
    assert _text(parts["text/plain"]).strip() == "Hello, Arizona."
    assert _text(parts["text/html"]).strip() == html
    calendar = parts["text/calendar"]
    assert calendar.get_filename() == "session.ics"
    assert calendar.get_content_disposition() == "attachment"
    assert _text(calendar).replace("\r\n", "\n") == ICS.replace("\r\n", "\n")


def test_without_a_mail_server_the_message_is_kept_for_staff(app, mail_server: MailServer):
    app.config["MAIL_SERVER"] = None
    message = welcome()
    assert run_mail() == 1
    assert (reread(message).state, reread(message).attempts) == (MailState.KEPT, 0)
    assert mail_server.received == []


def test_a_message_gone_before_its_job_runs_is_nothing_to_send(mail_server: MailServer):
    message = welcome()
    db.session.delete(message)
    db.session.commit()
    assert run_mail() == 1
    assert db.session.scalar(select(Job.state)) is JobState.DONE
    assert mail_server.received == []


def _text(part: Message) -> str:
    payload = part.get_payload(decode=True)
    assert isinstance(payload, bytes)
    return payload.decode(part.get_content_charset() or "utf-8")
