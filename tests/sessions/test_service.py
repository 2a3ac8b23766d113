"""Scheduling, changing, cancelling and answering sessions through the service."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from workspace import errors
from workspace.database import utcnow
from workspace.extensions import db
from workspace.notifications.models import Notification, NotificationKind
from workspace.sessions import service
from workspace.sessions.models import LiveSession, RsvpAnswer, SessionStatus
from workspace.sessions.service import Plan, RepeatPlan


def plan(**changes) -> Plan:
    values = dict(title="Progress monitoring", day=date(2027, 3, 9), starts=time(14),
                  ends=time(15, 30), time_zone="America/Denver", number=1,
                  agenda="1. **Welcome**\n2. Spotlights",
                  objectives="Share tools\n\n- Plan next steps",
                  materials="Rubric https://example.org/rubric.pdf\n"
                            "/communities/school-improvement-p2p/forums",
                  call_url="https://meet.example.org/p2p")
    values.update(changes)
    return Plan(**values)


def test_a_facilitator_schedules_a_session_in_its_own_zone(community, facilitator):
    session = service.schedule(facilitator, community, plan())
    assert session.starts_at == datetime(2027, 3, 9, 21, tzinfo=UTC)  # 2 PM MST
    assert session.ends_at == datetime(2027, 3, 9, 22, 30, tzinfo=UTC)
    assert session.label == "Session 1: Progress monitoring"
    assert "<strong>Welcome</strong>" in session.agenda_html
    assert session.objectives == ["Share tools", "Plan next steps"]
    assert session.materials == [
        {"label": "Rubric", "url": "https://example.org/rubric.pdf"},
        {"label": "/communities/school-improvement-p2p/forums",
         "url": "/communities/school-improvement-p2p/forums"}]
    assert session.uid.endswith("@cop-workspace") and session.sequence == 0
    assert service.next_number(community) == 2


@pytest.mark.parametrize("who", ["member", "sme", "observer", "outsider"])
def test_only_facilitators_and_staff_schedule(request, community, who):
    person = request.getfixturevalue(who)
    with pytest.raises((errors.Forbidden, errors.NotFound)):
        service.schedule(person, community, plan())


def test_staff_schedule_anywhere(community, staff):
    assert service.schedule(staff, community, plan()).id


@pytest.mark.parametrize(("changes", "field"), [
    ({"title": "  "}, "title"),
    ({"title": "x" * 201}, "title"),
    ({"ends": time(14)}, "ends"),
    ({"starts": time(8), "ends": time(7, 59)}, "ends"),  # overnight: 24 hours less a minute
    ({"time_zone": "Mars/Olympus_Mons"}, "time_zone"),
    ({"day": date(2026, 3, 8), "starts": time(2, 30), "ends": time(4),
      "time_zone": "America/New_York"}, "starts"),  # the hour the clocks skip
    ({"day": date(1999, 1, 1)}, "day"),
    ({"call_url": "javascript:alert(1)"}, "call_url"),
    ({"call_url": "meet.example.org/x"}, "call_url"),
    ({"materials": "Just words, no link"}, "materials"),
    ({"materials": "Elsewhere /communities/another/forums"}, "materials"),
    ({"objectives": "\n".join(["x"] * 21)}, "objectives"),
    ({"agenda": "x" * 30_001}, "agenda"),
    ({"number": 0}, "number"),
])
def test_bad_plans_are_refused_beside_their_field(community, facilitator, changes, field):
    with pytest.raises(errors.Invalid) as refused:
        service.schedule(facilitator, community, plan(**changes))
    assert refused.value.field == field
    assert db.session.scalar(select(LiveSession.id)) is None


def test_a_session_may_run_past_midnight(community, facilitator):
    session = service.schedule(facilitator, community, plan(starts=time(23), ends=time(0, 30)))
    assert session.ends_at - session.starts_at == timedelta(minutes=90)


def test_the_same_form_sent_twice_schedules_once(community, facilitator):
    first = service.schedule(facilitator, community, plan(), nonce="nonce-abcdefgh")
    again = service.schedule(facilitator, community, plan(), nonce="nonce-abcdefgh")
    assert first.id == again.id
    assert db.session.scalar(select(db.func.count(LiveSession.id))) == 1


def test_every_other_tuesday_six_times_keeps_the_wall_clock_across_dst(community, facilitator):
    first = service.schedule(facilitator, community, plan(day=date(2027, 2, 23)),
                             repeat=RepeatPlan("biweekly", count=6))
    repeat = first.repeat
    assert repeat is not None and repeat.rule == "FREQ=WEEKLY;INTERVAL=2;COUNT=6"
    assert repeat.description == "Every other week, 6 times"
    sessions = repeat.sessions
    assert [s.number for s in sessions] == [1, 2, 3, 4, 5, 6]
    local = [s.starts_at.astimezone(ZoneInfo("America/Denver"))
             for s in sessions]
    assert {(t.hour, t.minute, t.weekday()) for t in local} == {(14, 0, 1)}
    # Denver moves its clocks on March 14, 2027: UTC starts shift by an hour.
    assert sessions[0].starts_at.hour == 21 and sessions[2].starts_at.hour == 20
    assert all(s.original_starts_at == s.starts_at for s in sessions)


def test_monthly_repeats_keep_the_weekday_of_the_month(community, facilitator):
    first = service.schedule(facilitator, community, plan(day=date(2027, 3, 9)),
                             repeat=RepeatPlan("monthly", until=date(2027, 6, 30)))
    days = [s.starts_at.astimezone(ZoneInfo("America/Denver")).date()
            for s in first.repeat.sessions]
    assert days == [date(2027, 3, 9), date(2027, 4, 13), date(2027, 5, 11), date(2027, 6, 8)]
    assert first.repeat.description == "Every month on the second Tuesday, until June 30, 2027"


@pytest.mark.parametrize(("repeat", "field"), [
    (RepeatPlan("weekly"), "repeat_count"),  # no end
    (RepeatPlan("weekly", count=1), "repeat_count"),
    (RepeatPlan("weekly", count=53), "repeat_count"),
    (RepeatPlan("weekly", until=date(2027, 3, 1)), "repeat_until"),
    (RepeatPlan("weekly", until=date(2029, 3, 1)), "repeat_until"),  # over 52 sessions
    (RepeatPlan("daily", count=3), "frequency"),
])
def test_a_repeat_needs_a_sane_end(community, facilitator, repeat, field):
    with pytest.raises(errors.Invalid) as refused:
        service.schedule(facilitator, community, plan(), repeat=repeat)
    assert refused.value.field == field


def test_members_answer_and_change_their_answer(community, facilitator, member, observer):
    session = service.schedule(facilitator, community, plan())
    service.answer(member, session, "maybe")
    assert service.answer(member, session, "going").answer is RsvpAnswer.GOING
    with pytest.raises(errors.Invalid):
        service.answer(member, session, "perhaps")
    with pytest.raises(errors.Forbidden) as refused:
        service.answer(observer, session, "going")
    assert "Observers" in refused.value.message


def test_ended_and_cancelled_sessions_take_no_answers(community, facilitator, member):
    ended = service.schedule(facilitator, community, plan(day=date(2020, 3, 10)))
    with pytest.raises(errors.Forbidden, match="ended"):
        service.answer(member, ended, "going")
    session = service.schedule(facilitator, community, plan(title="Later"))
    service.cancel(facilitator, session, reason="Presenter is ill")
    with pytest.raises(errors.Forbidden, match="cancelled"):
        service.answer(member, session, "going")


def notices(kind: NotificationKind) -> list[Notification]:
    return list(db.session.scalars(select(Notification).where(Notification.kind == kind)))


def test_moving_a_session_needs_a_reason_and_tells_people_coming(
        community, facilitator, member, other_member, sme):
    session = service.schedule(facilitator, community, plan())
    service.answer(member, session, "going")
    service.answer(sme, session, "maybe")
    service.answer(other_member, session, "not_going")
    with pytest.raises(errors.Invalid) as refused:
        service.change(facilitator, session, plan(starts=time(15), ends=time(16)))
    assert refused.value.field == "reason"
    service.change(facilitator, session, plan(starts=time(15), ends=time(16)),
                   reason="A state board meeting moved")
    assert session.sequence == 1 and session.starts_at.hour == 22
    told = notices(NotificationKind.SESSION_CHANGED)
    assert sorted(n.user_id for n in told) == sorted([member.id, sme.id])
    assert "A state board meeting moved" in told[0].message
    # An edit that keeps the time needs no reason and tells no one.
    service.change(facilitator, session, plan(starts=time(15), ends=time(16), title="New title"))
    assert session.sequence == 2 and len(notices(NotificationKind.SESSION_CHANGED)) == 2


def test_a_withdrawn_states_people_are_not_told(community, facilitator, member, staff):
    from workspace.communities import service as communities

    session = service.schedule(facilitator, community, plan())
    service.answer(member, session, "going")
    communities.withdraw_organization(staff, community, member.organization)
    service.cancel(facilitator, session, reason="Snow day")
    assert notices(NotificationKind.SESSION_CANCELLED) == []


def test_cancelling_keeps_the_session_marked_and_tells_people(community, facilitator, member):
    session = service.schedule(facilitator, community, plan())
    service.answer(member, session, "going")
    with pytest.raises(errors.Invalid):
        service.cancel(facilitator, session, reason="  ")
    service.cancel(facilitator, session, reason="Presenter is ill")
    assert session.status is SessionStatus.CANCELLED and session.sequence == 1
    assert [n.user_id for n in notices(NotificationKind.SESSION_CANCELLED)] == [member.id]
    with pytest.raises(errors.Invalid):
        service.change(facilitator, session, plan())


def test_one_occurrence_is_edited_or_cancelled_on_its_own(community, facilitator):
    first = service.schedule(facilitator, community, plan(), repeat=RepeatPlan("weekly", count=4))
    second, third = first.repeat.sessions[1:3]
    service.change(facilitator, second, plan(day=date(2027, 3, 17), number=2),
                   reason="Moved a day")
    assert second.is_detached and second.original_starts_at != second.starts_at
    assert not first.is_detached
    service.cancel(facilitator, third, reason="Spring break", following=True)
    statuses = [s.status for s in first.repeat.sessions]
    assert statuses == [SessionStatus.SCHEDULED, SessionStatus.SCHEDULED,
                        SessionStatus.CANCELLED, SessionStatus.CANCELLED]


def test_archived_communities_take_no_new_sessions(community, facilitator):
    from workspace.communities.models import CommunityStatus

    community.status = CommunityStatus.ARCHIVED
    db.session.commit()
    with pytest.raises(errors.Forbidden):
        service.schedule(facilitator, community, plan())


def test_history_can_be_recorded_with_its_own_dates(community, facilitator):
    written = utcnow() - timedelta(days=400)
    session = service.schedule(facilitator, community, plan(day=date(2019, 5, 21)),
                               written_at=written)
    assert session.created_at == written
