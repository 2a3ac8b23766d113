"""Every kind of message the app sends reads as a person would write it."""

from __future__ import annotations

from datetime import date, time

from sqlalchemy import select

from tests import factories
from tests.forums.conftest import start_forum
from workspace.auth import service as accounts
from workspace.blogs import comments as blog_comments
from workspace.blogs import service as blogs
from workspace.communities import service as communities
from workspace.communities.models import CommunityRole, InterestStatus
from workspace.extensions import db
from workspace.forums import moderation, service
from workspace.forums.models import WatchLevel
from workspace.jobs import queue
from workspace.mail.models import OutboxMessage
from workspace.notifications.models import Notification, NotificationKind
from workspace.resources import service as resources
from workspace.sessions import service as sessions


def _messages() -> dict[NotificationKind, list[str]]:
    found: dict[NotificationKind, list[str]] = {}
    for note in db.session.scalars(select(Notification).order_by(Notification.id)):
        found.setdefault(note.kind, []).append(note.message)
    return found


def _send_every_kind(community, recruiting_community, network, member, other_member, sme,
                     facilitator, staff) -> None:
    general = start_forum(community)[0]
    service.watch_category(other_member, general, WatchLevel.WATCHING)
    topic = service.start_topic(member, general, title="Monitoring CSI schools",
                                body="How often do you review progress, @facilitator?")
    reply = service.reply(other_member, topic, body="Every quarter, with each principal.")
    service.reply(member, topic, body="Thank you, that helps.")
    service.mark_answer(member, reply)
    moderation.flag_post(member, reply, reason="Names a principal")
    moderation.hide_post(facilitator, reply, reason="Names a principal")
    moderation.restore_post(facilitator, reply)
    newcomer = factories.make_user(network.partner, "sme.two@example.org", name="Sam Expert")
    communities.add_member(facilitator, community, newcomer, role=CommunityRole.SME)
    for code, decision in (("TX", InterestStatus.ACCEPTED), ("OR", InterestStatus.WAITLISTED),
                           ("DE", InterestStatus.DECLINED)):
        contact = factories.make_user(network.seas[code], f"{code.lower()}@example.org",
                                      name=f"{code} Contact")
        interest = communities.express_interest(contact, recruiting_community,
                                                problem_of_practice="Our plans ignore data.")
        communities.decide_interest(facilitator, interest, decision)
    accounts.invite(facilitator, email="new.member@azed.gov", name="New Member",
                    organization=network.seas["AZ"], community=community,
                    role=CommunityRole.OBSERVER)
    accounts.invite(staff, email="colleague@ssn.org", name="Colleague",
                    organization=network.partner)
    accounts.request_password_reset(member.email)
    session = sessions.schedule(facilitator, community, sessions.Plan(
        title="Family engagement", number=3, day=date(2031, 3, 11), starts=time(14),
        ends=time(15, 30), time_zone="America/Phoenix"))
    sessions.answer(member, session, "going")
    sessions.change(facilitator, session, sessions.Plan(
        title="Family engagement", number=3, day=date(2031, 3, 12), starts=time(14),
        ends=time(15, 30), time_zone="America/Phoenix"), reason="The board meets that day.")
    sessions.cancel(facilitator, session, reason="The presenter is ill.")
    resources.add_resources(member, community, resources.Details(title="SDI rubric", type="tool"),
                            link_url="https://example.org/rubric")
    # The blog: a subscriber is told of a new post when the worker sends its notice; its author
    # of a comment, a comment's author of a reply, and a thread's starter of a reply in it.
    blogs.subscribe(member, community, True)
    post = blogs.write(sme, community, blogs.Writing(title="What Arizona tried",
                                                     body="We met every principal monthly."))
    db.session.commit()
    queue.run_pending()
    comment = blog_comments.add_comment(other_member, post, "Monthly, with principals.")
    reply = blog_comments.add_comment(member, post, "Thank you!", parent_id=comment.id)
    blog_comments.add_comment(facilitator, post, "Weekly worked for us.", parent_id=reply.id)


def test_each_notification_reads_as_a_sentence(community, recruiting_community, network,
                                               member, other_member, sme, facilitator, staff):
    _send_every_kind(community, recruiting_community, network, member, other_member, sme,
                     facilitator, staff)
    messages = _messages()
    # Sessions scheduled and starting, and action items, fire from their own features' jobs
    # and services; tests/notifications/test_kinds*.py send each of them.
    fired_elsewhere = {NotificationKind.SESSION_SCHEDULED, NotificationKind.SESSION_STARTING,
                       NotificationKind.ACTION_ITEM}
    assert set(messages) >= set(NotificationKind) - {NotificationKind.GENERAL} - fired_elsewhere
    assert messages[NotificationKind.SESSION_CHANGED] == [
        "Facilitator moved “Session 3: Family engagement” to Wednesday, March 12, 2031, "
        "2:00 – 3:30 PM MST: The board meets that day."]
    assert messages[NotificationKind.SESSION_CANCELLED] == [
        "Facilitator cancelled “Session 3: Family engagement”: The presenter is ill."]
    assert messages[NotificationKind.RESOURCE_ADDED][0] == (
        "Az Member added “SDI rubric” to the School Improvement P2P library.")
    assert messages[NotificationKind.MENTION] == [
        "Az Member mentioned you in “Monitoring CSI schools”."]
    # Georgia's reply was hidden, which took back the notice about it; Arizona's answer stays.
    assert messages[NotificationKind.REPLY] == ["Az Member replied to “Monitoring CSI schools”."]
    assert messages[NotificationKind.ANSWER_MARKED] == [
        "Az Member marked your reply in “Monitoring CSI schools” as the answer."]
    assert messages[NotificationKind.BLOG_POST] == [
        "Sme posted “What Arizona tried” in the School Improvement P2P blog."]
    assert messages[NotificationKind.BLOG_COMMENT] == [
        "Ga Member commented on your post “What Arizona tried”.",
        "Az Member replied to your comment on “What Arizona tried”.",
        "Az Member commented on your post “What Arizona tried”.",
        "Facilitator replied to your comment on “What Arizona tried”.",
        "Facilitator replied in the thread of your comment on “What Arizona tried”.",
        "Facilitator commented on your post “What Arizona tried”."]
    assert messages[NotificationKind.ADDED_TO_COMMUNITY] == [
        f"Facilitator added you to {community.title} as a subject matter expert."]
    assert sorted(messages[NotificationKind.INTEREST_DECIDED]) == sorted([
        f"The facilitators accepted Texas Department of Education into "
        f"{recruiting_community.title}. Your state's team can take part now.",
        f"Oregon Department of Education is on the waiting list for "
        f"{recruiting_community.title}. The facilitators will write if a place opens.",
        f"The facilitators of {recruiting_community.title} can't offer Delaware Department of "
        "Education a place this time."])
    for kind, texts in messages.items():
        for text in texts:
            assert text[0].isupper() and text.rstrip("”").endswith((".", "?")), (kind, text)
            assert "  " not in text and " as member" not in text and " was accepted " not in text


def test_each_email_reads_as_a_letter(community, recruiting_community, network, member,
                                      other_member, sme, facilitator, staff):
    _send_every_kind(community, recruiting_community, network, member, other_member, sme,
                     facilitator, staff)
    emails = list(db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))
    bodies = {email.subject: email.body for email in emails}
    # Beside the notices emailed right away (tests/notifications/test_email*.py look at those):
    letters = [email for email in emails if not (email.key or "").startswith("notification:")]
    assert len(letters) == 6  # three decisions, two invitations, one reset
    invitation = next(e.body for e in letters if e.recipient == "new.member@azed.gov")
    assert (f"Facilitator has invited you to join {community.title} as an observer on "
            "CoP Workspace, as part of Arizona Department of Education.") in invitation
    assert "Reset your CoP Workspace password" in bodies
    for email in letters:
        assert email.body.startswith("Hello"), email.subject
        assert " as member" not in email.body and " was accepted " not in email.body
        assert not any("  " in line for line in email.body.splitlines()), email.body
