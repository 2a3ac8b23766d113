"""The email settings page: what each kind of email gives a person, saving, pausing, resetting;
and a facilitator's community defaults."""

from __future__ import annotations

import re
from datetime import date, timedelta
from html import unescape

import pytest
from sqlalchemy import select

from tests import factories
from workspace.database import utcnow
from workspace.extensions import db
from workspace.notifications import preferences
from workspace.notifications.email_forms import PAGE_CATEGORIES
from workspace.notifications.models import (
    Cadence,
    Category,
    CommunityEmailDefault,
    EmailPreference,
    EmailSettings,
)

PAGE = "/settings/email"


def page_text(client, path: str = PAGE) -> str:
    return unescape(client.get(path).get_data(as_text=True))


def own_choices(person) -> dict[Category, Cadence]:
    db.session.expire_all()
    return {row.category: row.cadence for row in db.session.scalars(
        select(EmailPreference).where(EmailPreference.user_id == person.id))}


def checked(html: str, name: str) -> str:
    """The value of the radio (or the checkbox) checked in a group."""
    found = [re.search(r'value="([^"]*)"', tag).group(1)
             for tag in re.findall(rf'<input [^>]*name="{name}"[^>]*>', html)
             if re.search(r"\schecked[\s>]", tag)]
    assert len(found) <= 1, found
    return found[0] if found else ""


def everything(**changes: str) -> dict[str, str]:
    """The whole form as the page sends it untouched: defaults, reminders an hour before."""
    return {**{category.value: "default" for category in PAGE_CATEGORIES},
            "reminder_minutes": "60", **changes}


# --- The page -------------------------------------------------------------------------------

def test_the_page_asks_for_each_kind_of_email_with_its_hint(client_as, member):
    page = client_as(member).get(PAGE)
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    for legend, hint in (("Mentions of you", "Someone mentions you"),
                         ("Discussions", "Replies in topics you follow"),
                         ("Library resources", "Resources added to your communities"),
                         ("Action items", "Action items given to you or your state")):
        assert f'<legend class="usa-legend usa-legend--large">{legend}</legend>' in html
        assert hint in html
    for label in ("Right away", "Daily digest", "Weekly digest", "Off", "Pause all email",
                  "1 hour before", "Reset to defaults"):
        assert label in html
    assert checked(html, "discussions") == "default" and checked(html, "reminder_minutes") == "60"


def test_where_they_chose_nothing_the_page_says_what_their_communities_default_gives(
        client_as, member, facilitator, community):
    preferences.set_community_defaults(facilitator, community,
                                       {Category.DISCUSSIONS: Cadence.IMMEDIATELY})
    html = page_text(client_as(member))
    discussions = html[html.index('id="discussions"'):html.index('id="blogs"')]
    assert "Use my communities' defaults" in discussions
    assert "Now: Right away" in discussions
    assert re.search(r"Right away\s*<span[^>]*>Your communities' default</span>", discussions)
    # Mentions are the person's alone: the workspace's default.
    mentions = html[html.index('id="mentions"'):html.index('id="discussions"')]
    assert "Use the default" in mentions and "The workspace default" in mentions


def test_communities_that_differ_are_each_named(client_as, network, member, facilitator,
                                                community):
    other = factories.make_community(network, participants=["AZ"], slug="data-use-cop",
                                     title="Data Use CoP")
    factories.add_to(other, member, "member")
    factories.add_to(other, facilitator, "facilitator")
    preferences.set_community_defaults(facilitator, other, {Category.BLOGS: Cadence.WEEKLY})
    assert (f"Now: Weekly digest in Data Use CoP; Daily digest in {community.title}"
            in page_text(client_as(member)))


def test_an_own_choice_is_checked(client_as, member):
    preferences.choose(member, {Category.BLOGS: Cadence.WEEKLY})
    html = client_as(member).get(PAGE).get_data(as_text=True)
    assert checked(html, "blogs") == "weekly" and checked(html, "mentions") == "default"


def test_a_visitor_is_asked_to_sign_in(client):
    answer = client.get(PAGE)
    assert answer.status_code == 302 and "/sign-in" in answer.headers["Location"]


# --- Saving ---------------------------------------------------------------------------------

def test_saving_records_own_choices_and_forgets_those_back_on_the_defaults(client_as, member):
    preferences.choose(member, {Category.MENTIONS: Cadence.OFF})
    client = client_as(member)
    answer = client.post(PAGE, data=everything(blogs="weekly", sessions="off"))
    assert answer.status_code == 302 and answer.headers["Location"].endswith(PAGE)
    assert own_choices(member) == {Category.BLOGS: Cadence.WEEKLY, Category.SESSIONS: Cadence.OFF,
                                   Category.REMINDERS: Cadence.IMMEDIATELY}
    assert "Your email settings are saved." in client.get(PAGE).get_data(as_text=True)


def test_reminder_time_and_no_reminders(client_as, member):
    client = client_as(member)
    client.post(PAGE, data=everything(reminder_minutes="15"))
    assert preferences.EmailChoices.load([member.id]).reminder_minutes(member.id) == 15
    client.post(PAGE, data=everything(reminder_minutes="0"))
    assert own_choices(member)[Category.REMINDERS] is Cadence.OFF
    assert preferences.EmailChoices.load([member.id]).reminder_minutes(member.id) == 0
    assert checked(client.get(PAGE).get_data(as_text=True), "reminder_minutes") == "0"
    client.post(PAGE, data=everything(reminder_minutes="1440"))
    assert preferences.EmailChoices.load([member.id]).reminder_minutes(member.id) == 1440


def test_a_missing_or_unknown_choice_is_refused_beside_its_group(client_as, member):
    data = everything(blogs="hourly")
    del data["sessions"]
    answer = client_as(member).post(PAGE, data=data)
    html = answer.get_data(as_text=True)
    assert answer.status_code == 422
    assert '<span class="usa-error-message" id="sessions-error">Choose how often you hear about ' \
           'sessions.</span>' in html
    assert 'id="blogs-error"' in html and 'aria-describedby="blogs-hint blogs-error"' in html
    assert '<a href="#sessions">Sessions: ' in html  # the summary leads to the group
    assert own_choices(member) == {}


def test_pausing_until_a_date_shows_prominently_and_resuming_ends_it(client_as, member):
    client = client_as(member)
    until = utcnow().date() + timedelta(days=30)
    client.post(PAGE, data=everything(paused="y", paused_until=until.isoformat()))
    html = client.get(PAGE).get_data(as_text=True)
    assert f"Email is paused until {until:%B} {until.day}, {until.year}" in html
    assert checked(html, "paused") == "y"
    assert f'value="{until.isoformat()}"' in html
    client.post(PAGE, data={"action": "resume"})
    settings = db.session.get(EmailSettings, member.id)
    db.session.refresh(settings)
    assert settings.paused is False and settings.paused_until is None
    html = client.get(PAGE).get_data(as_text=True)
    assert "Email is paused" not in html and "Email is on again." in html


def test_pausing_without_a_date_lasts_until_turned_off(client_as, member):
    client = client_as(member)
    client.post(PAGE, data=everything(paused="y"))
    html = client.get(PAGE).get_data(as_text=True)
    assert "Email is paused</h2>" in html and "until you turn it back on" in html


def test_a_pause_ending_in_the_past_is_refused_beside_the_date_and_saves_nothing(client_as,
                                                                                member):
    answer = client_as(member).post(PAGE, data=everything(
        blogs="off", paused="y", paused_until=(utcnow().date() - timedelta(days=2)).isoformat()))
    html = answer.get_data(as_text=True)
    assert answer.status_code == 422
    assert 'id="paused_until-error"' in html and "Choose a date from today on" in html
    assert own_choices(member) == {} and db.session.get(EmailSettings, member.id) is None


def test_a_pause_that_has_ended_is_not_shown(client_as, member):
    db.session.add(EmailSettings(user_id=member.id, paused=True,
                                 paused_until=date(2020, 1, 4), reminder_minutes=60))
    db.session.commit()
    html = client_as(member).get(PAGE).get_data(as_text=True)
    assert "Email is paused" not in html and checked(html, "paused") == ""


def test_reset_to_defaults_keeps_a_pause(client_as, member):
    preferences.choose(member, {Category.BLOGS: Cadence.OFF, Category.MENTIONS: Cadence.DAILY})
    preferences.change_settings(member, paused=True, reminder_minutes=15)
    client = client_as(member)
    assert client.post(PAGE, data={"action": "reset"}).status_code == 302
    assert own_choices(member) == {}
    settings = db.session.get(EmailSettings, member.id)
    db.session.refresh(settings)
    assert settings.reminder_minutes == 60 and settings.paused is True
    assert "Your email settings are back to the defaults." in client.get(PAGE).get_data(
        as_text=True)


def test_the_page_is_linked_from_the_account_menu_and_the_notifications(client_as, member):
    client = client_as(member)
    assert f'href="{PAGE}">Email settings</a>' in client.get("/").get_data(as_text=True)
    assert f'href="{PAGE}">email settings</a>' in client.get("/notifications/").get_data(
        as_text=True)


# --- A community's defaults -----------------------------------------------------------------

def defaults_page(community) -> str:
    return f"/communities/{community.slug}/email-defaults"


def test_a_facilitator_sets_the_communitys_defaults(client_as, member, facilitator, community):
    client = client_as(facilitator)
    html = client.get(defaults_page(community)).get_data(as_text=True)
    assert checked(html, "discussions") == "daily" and checked(html, "sessions") == "immediately"
    assert 'name="mentions"' not in html  # the person's alone
    assert 'aria-current="page">Email defaults</a>' in html
    answer = client.post(defaults_page(community), data={
        "discussions": "immediately", "blogs": "weekly", "resources": "daily",
        "sessions": "immediately"})
    assert answer.status_code == 302
    assert preferences.community_defaults(community) == {
        Category.DISCUSSIONS: Cadence.IMMEDIATELY, Category.BLOGS: Cadence.WEEKLY,
        Category.RESOURCES: Cadence.DAILY, Category.SESSIONS: Cadence.IMMEDIATELY}
    row = db.session.get(CommunityEmailDefault, (community.id, Category.BLOGS))
    assert row.set_by_id == facilitator.id
    assert "People's own choices still win." in page_text(client, defaults_page(community))
    assert "Now: Weekly digest" in client_as(member).get(PAGE).get_data(as_text=True)


def test_the_defaults_form_refuses_a_missing_choice(client_as, facilitator, community):
    answer = client_as(facilitator).post(defaults_page(community), data={"blogs": "weekly"})
    assert answer.status_code == 422
    assert "Choose how often you hear about discussions." in answer.get_data(as_text=True)


@pytest.mark.parametrize(("who", "status"), [("member", 403), ("sme", 403), ("observer", 403),
                                              ("outsider", 404)])
def test_only_facilitators_and_staff_set_defaults(request, client_as, community, who, status):
    person = request.getfixturevalue(who)
    client = client_as(person)
    assert client.get(defaults_page(community)).status_code == status
    assert client.post(defaults_page(community), data={
        "discussions": "off", "blogs": "off", "resources": "off",
        "sessions": "off"}).status_code == status
    assert preferences.community_defaults(community)[Category.DISCUSSIONS] is Cadence.DAILY


def test_staff_set_any_communitys_defaults(client_as, staff, community):
    assert client_as(staff).get(defaults_page(community)).status_code == 200


def test_facilitators_find_the_page_in_the_community_menu(client_as, facilitator, member,
                                                          community):
    link = f'href="{defaults_page(community)}"'
    assert link in client_as(facilitator).get(f"/communities/{community.slug}").get_data(
        as_text=True)
    assert link not in client_as(member).get(f"/communities/{community.slug}").get_data(
        as_text=True)
