"""Immediate email for new notices: sent as each person chose, asked again when the job runs,
once per notice, in text and HTML with links back and one-click unsubscribe headers."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from workspace.database import utcnow
from workspace.extensions import db
from workspace.forums.models import Topic
from workspace.jobs import queue
from workspace.mail.models import OutboxMessage
from workspace.mail.service import as_email
from workspace.notifications import preferences, service
from workspace.notifications.models import Cadence, Category, EmailSettings, NotificationKind
from workspace.notifications.service import Subject, Thread, notify
from workspace.policy.forums import visible_topics


def tell(person, kind=NotificationKind.REPLY, *, community=None, subject=None,
         link="/communities/school-improvement-p2p/forums/topics/1"):
    notice = notify(person, kind, "Georgia replied in “Monitoring CSI schools”.", link,
                    actor=None, community=community, subject=subject,
                    thread=Thread("forum_topic:1", "Monitoring CSI schools"))
    db.session.commit()
    return notice


def run_jobs() -> None:
    db.session.commit()
    queue.run_pending()


def outbox() -> list[OutboxMessage]:
    db.session.expire_all()
    return list(db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


# --- Whose choice counts ----------------------------------------------------------------------

def test_a_persons_own_right_away_sends_the_notice_now(member, community):
    preferences.choose(member, {Category.DISCUSSIONS: Cadence.IMMEDIATELY})
    notice = tell(member, community=community)
    run_jobs()
    [message] = outbox()
    assert message.recipient == member.email and message.user_id == member.id
    assert message.subject == notice.message and message.key == f"notification:{notice.id}"


def test_the_workspace_default_counts_where_no_one_chose(member, community):
    mention = tell(member, NotificationKind.MENTION, community=community)  # right away
    tell(member, NotificationKind.REPLY, community=community)  # discussions: daily digest
    run_jobs()
    assert [message.key for message in outbox()] == [f"notification:{mention.id}"]


def test_the_community_default_beats_the_workspace_default(member, facilitator, community):
    preferences.set_community_defaults(facilitator, community,
                                       {Category.DISCUSSIONS: Cadence.IMMEDIATELY})
    tell(member, community=community)
    tell(member)  # no community: the workspace's daily digest
    run_jobs()
    assert len(outbox()) == 1


def test_a_persons_own_choice_beats_the_community_default(member, other_member, facilitator,
                                                          community):
    preferences.set_community_defaults(facilitator, community,
                                       {Category.DISCUSSIONS: Cadence.IMMEDIATELY})
    preferences.choose(member, {Category.DISCUSSIONS: Cadence.WEEKLY})
    tell(member, community=community)
    tell(other_member, community=community)
    run_jobs()
    assert [message.recipient for message in outbox()] == [other_member.email]


@pytest.mark.parametrize("cadence", [Cadence.DAILY, Cadence.WEEKLY, Cadence.OFF])
def test_digests_and_off_send_nothing_now(member, community, cadence):
    preferences.choose(member, {Category.MENTIONS: cadence})
    tell(member, NotificationKind.MENTION, community=community)
    run_jobs()
    assert outbox() == []


def test_paused_email_sends_nothing(member, community):
    preferences.change_settings(member, paused=True)
    tell(member, NotificationKind.MENTION, community=community)
    preferences.change_settings(member, paused=True,
                                paused_until=utcnow().date() + timedelta(days=3))
    tell(member, NotificationKind.MENTION, community=community)
    run_jobs()
    assert outbox() == []


def test_a_pause_whose_end_date_has_passed_is_over(member, community):
    # As if set a week ago: the page refuses past dates, time makes them.
    db.session.add(EmailSettings(user_id=member.id, paused=True,
                                 paused_until=utcnow().date() - timedelta(days=1),
                                 reminder_minutes=60))
    tell(member, NotificationKind.MENTION, community=community)
    run_jobs()
    assert len(outbox()) == 1


def test_a_deactivated_account_gets_no_email(member, community):
    tell(member, NotificationKind.MENTION, community=community)
    member.is_deactivated = True
    run_jobs()
    assert outbox() == []


# --- Asked again when the job runs ------------------------------------------------------------

def test_a_notice_whose_subject_was_hidden_before_the_job_ran_sends_nothing(
        monkeypatch, member, other_member, community, topic):
    monkeypatch.setitem(service._SUBJECT_TYPES, "forum_topic",
                        lambda person: select(Topic.id).where(visible_topics(person)))
    tell(other_member, NotificationKind.MENTION, community=community,
         subject=Subject("forum_topic", topic.id))
    topic.is_hidden = True  # a facilitator hid it before the worker got there
    run_jobs()
    assert outbox() == []


def test_a_notice_still_visible_is_sent(monkeypatch, member, other_member, community, topic):
    monkeypatch.setitem(service._SUBJECT_TYPES, "forum_topic",
                        lambda person: select(Topic.id).where(visible_topics(person)))
    tell(other_member, NotificationKind.MENTION, community=community,
         subject=Subject("forum_topic", topic.id))
    run_jobs()
    assert len(outbox()) == 1


def test_each_notice_is_emailed_once_however_often_the_job_runs(member, community):
    notice = tell(member, NotificationKind.MENTION, community=community)
    run_jobs()
    queue.enqueue(service.EMAIL_JOB, {"ids": [notice.id]})  # asked again, as after a restart
    run_jobs()
    run_jobs()
    assert len(outbox()) == 1


def test_a_withdrawn_notice_sends_nothing(member, community, topic):
    tell(member, NotificationKind.MENTION, community=community,
         subject=Subject("forum_topic", topic.id))
    service.withdraw(Subject("forum_topic", topic.id))
    run_jobs()
    assert outbox() == []


# --- What arrives -----------------------------------------------------------------------------

@pytest.fixture
def message(member, community) -> OutboxMessage:
    tell(member, NotificationKind.MENTION, community=community)
    run_jobs()
    [message] = outbox()
    return message


def test_the_email_has_a_text_part_that_reads_well(message, community):
    text = message.body
    assert text.startswith(f"{community.title} - Monitoring CSI schools\n\n"
                           "Georgia replied in “Monitoring CSI schools”.")
    assert ("Open it in CoP Workspace: "
            "http://localhost/communities/school-improvement-p2p/forums/topics/1") in text
    assert (f"Why you got this: email about “Mentions of you” is set to “Right away” for you "
            f"in {community.title}.") in text
    assert "<" not in text.replace("<http", "")  # no markup in the plain part
    assert "&amp;" not in text and "&#" not in text


def test_the_html_part_is_built_for_outlook(message, community):
    html = message.html_body
    assert "<script" not in html.lower() and "<style" not in html.lower()
    assert 'role="presentation"' in html and 'style="' in html
    assert "<img" not in html  # nothing for a blocked image to hide
    assert 'href="http://localhost/communities/school-improvement-p2p/forums/topics/1"' in html
    assert "Why you got this" in html and "Mentions of you" in html and community.title in html


def test_every_link_leads_back_to_the_workspace(message):
    import re

    links = set(re.findall(r'href="([^"]+)"', message.html_body))
    links |= set(re.findall(r"https?://\S+", message.body))
    assert links and all(link.startswith("http://localhost/") for link in links), links
    assert "http://localhost/settings/email" in links


def test_the_email_carries_one_click_unsubscribe_headers(message):
    email = as_email(message)
    unsubscribe = email["List-Unsubscribe"]
    assert unsubscribe.startswith("<http://localhost/email/unsubscribe/") and unsubscribe.endswith(
        ">")
    assert email["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert unsubscribe[1:-1] in message.body and unsubscribe[1:-1] in message.html_body
    assert [part.get_content_type() for part in email.iter_parts()] == ["text/plain",
                                                                        "text/html"]
