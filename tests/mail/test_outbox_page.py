"""/admin/outbox as staff use it: failed email first, filtered by state, each message's attempts
and last error, its HTML part shown alone and safely, and "Try again"."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from tests.mail.conftest import MailServer, run_mail
from workspace.database import utcnow
from workspace.extensions import db
from workspace.jobs.models import Job, JobState
from workspace.mail.models import MailState, OutboxMessage
from workspace.mail.routes import HTML_PART_POLICY


def outbox_row(subject: str, state: MailState, *, attempts: int = 0, error: str = "",
               html: str = "", minutes_ago: int = 0) -> OutboxMessage:
    message = OutboxMessage(recipient="az.member@example.org", subject=subject,
                            body=f"{subject}, in words.", html_body=html, state=state,
                            attempts=attempts, error=error,
                            created_at=utcnow() - timedelta(minutes=minutes_ago),
                            sent_at=utcnow() if state is MailState.SENT else None)
    db.session.add(message)
    db.session.commit()
    return message


SUBJECTS = ("Old failure", "Newest sent", "Waiting", "Kept one")


def in_order(page: str) -> list[str]:
    """The subjects of the messages the page lists, in the order it lists them."""
    found = [(page.index(f">{subject}</h2>"), subject) for subject in SUBJECTS
             if f">{subject}</h2>" in page]
    return [subject for _, subject in sorted(found)]


def make_outbox() -> dict[str, OutboxMessage]:
    return {
        "failed": outbox_row("Old failure", MailState.FAILED, attempts=1, minutes_ago=30,
                             error="The mail server refused the recipient: 550 5.1.1 No such user"),
        "kept": outbox_row("Kept one", MailState.KEPT, minutes_ago=20),
        "waiting": outbox_row("Waiting", MailState.QUEUED, attempts=2, minutes_ago=10,
                              error="Couldn't reach the mail server at 127.0.0.1:2525"),
        "sent": outbox_row("Newest sent", MailState.SENT, attempts=1,
                           html="<p style='color:#1b1b1b'>Hello <b>there</b></p>"),
    }


def test_failed_email_comes_first_with_its_attempts_error_and_a_try_again_button(client_as,
                                                                                    staff):
    rows = make_outbox()
    page = client_as(staff).get("/admin/outbox/").get_data(as_text=True)

    assert in_order(page) == ["Old failure", "Newest sent", "Waiting", "Kept one"]
    assert "1 email couldn't be sent" in page
    assert "550 5.1.1 No such user" in page
    assert "Couldn&#39;t reach the mail server at 127.0.0.1:2525" in page
    assert page.count(">Try again<") == 1
    assert f'action="/admin/outbox/{rows["failed"].id}/retry"' in page
    assert page.count(">View the HTML part<") == 1
    assert f'action="/admin/outbox/{rows["sent"].id}/html"' in page
    assert 'href="/staff/jobs/"' in page


def test_staff_filter_the_outbox_by_state(client_as, staff):
    make_outbox()
    http = client_as(staff)

    failed = http.get("/admin/outbox/?state=failed").get_data(as_text=True)
    assert in_order(failed) == ["Old failure"]
    assert "couldn't be sent</h2>" not in failed  # the alert would only repeat the list
    assert in_order(http.get("/admin/outbox/?state=queued").get_data(as_text=True)) == [
        "Waiting"]
    assert in_order(http.get("/admin/outbox/?state=whatever").get_data(as_text=True)) == [
        "Old failure", "Newest sent", "Waiting", "Kept one"]
    nothing = http.get("/admin/outbox/?state=failed&to=ga.member@example.org")
    assert "No email to ga.member@example.org in this state" in nothing.get_data(as_text=True)


def test_the_html_part_is_shown_alone_with_nothing_active_allowed(client_as, staff, member):
    rows = make_outbox()
    response = client_as(staff).get(f"/admin/outbox/{rows['sent'].id}/html")

    assert response.status_code == 200
    assert response.mimetype == "text/html"
    assert response.get_data(as_text=True) == "<p style='color:#1b1b1b'>Hello <b>there</b></p>"
    policy = response.headers["Content-Security-Policy"]
    assert policy == HTML_PART_POLICY
    assert policy.startswith("sandbox;") and "script-src" not in policy
    assert "default-src 'none'" in policy
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert client_as(staff).get(f"/admin/outbox/{rows['kept'].id}/html").status_code == 404
    assert client_as(staff).get("/admin/outbox/9999/html").status_code == 404
    assert client_as(member).get(f"/admin/outbox/{rows['sent'].id}/html").status_code == 403


def test_trying_again_a_message_that_has_not_failed_says_so(client_as, staff):
    rows = make_outbox()
    response = client_as(staff).post(f"/admin/outbox/{rows['sent'].id}/retry",
                                     follow_redirects=True)
    assert "hasn&#39;t failed" in response.get_data(as_text=True)
    assert client_as(staff).post("/admin/outbox/9999/retry").status_code == 404


def test_a_failed_email_is_linked_from_the_jobs_page_and_tried_again_from_the_outbox(
        mail_server: MailServer, client_as, staff):
    from workspace.mail.service import queue_email  # noqa: PLC0415

    mail_server.refuse_recipients = "550 5.1.1 No such user here"
    message = queue_email("gone@example.org", "Your invitation", "Welcome.")
    run_mail()
    jobs_page = client_as(staff).get("/staff/jobs/").get_data(as_text=True)
    assert "mail.send" in jobs_page and 'href="/admin/outbox/?state=failed"' in jobs_page

    mail_server.refuse_recipients = None
    response = client_as(staff).post(f"/admin/outbox/{message.id}/retry",
                                     follow_redirects=True)
    assert "The email to gone@example.org is queued again" in response.get_data(as_text=True)
    run_mail()
    db.session.commit()
    assert db.session.scalar(select(OutboxMessage.state)) is MailState.SENT
    assert db.session.scalar(select(Job.state)) is JobState.DONE
    assert [each["To"] for each in mail_server.received] == ["gone@example.org"]
