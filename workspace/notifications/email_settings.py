"""The email settings page, a community's email defaults, and unsubscribing with a way back.

Reads say what each category gives the person now and why (their own choice, their communities'
default, the workspace's); writes validate the whole page first, so a refused field saves
nothing. The rules of who hears what stay in notifications.preferences.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from sqlalchemy import delete, select

from workspace import errors, policy
from workspace.auth.models import User
from workspace.communities.models import Community, Membership
from workspace.extensions import db
from workspace.notifications import preferences
from workspace.notifications.kinds import CATEGORIES, COMMUNITY_CATEGORIES, CategoryInfo
from workspace.notifications.models import Cadence, Category, EmailPreference, EmailSettings
from workspace.policy.email import may_set_email_defaults

# Reminders are chosen as a time before each session: "none" turns the category off.
REMINDER_OPTIONS = ((0, "No reminders"), (15, "15 minutes before"), (60, "1 hour before"),
                    (24 * 60, "1 day before"))


@dataclass(frozen=True)
class CategoryDefault:
    """What a category gives a person who chose nothing for it, in each of their communities."""

    cadences: dict[str, Cadence]  # community title -> cadence ("" for the workspace default)
    from_communities: bool  # a category communities set, for a person in some

    @property
    def single(self) -> Cadence | None:
        """The one cadence the default gives everywhere, or None where communities differ."""
        values = set(self.cadences.values())
        return values.pop() if len(values) == 1 else None

    @property
    def summary(self) -> str:
        """'Daily digest', or 'Daily digest in A; Weekly digest in B' where they differ."""
        single = self.single
        if single is not None:
            return single.label
        return "; ".join(f"{cadence.label} in {title}"
                         for title, cadence in sorted(self.cadences.items()))

    @property
    def source(self) -> str:
        return "your communities' default" if self.from_communities else "the workspace default"


@dataclass(frozen=True)
class CategoryRow:
    category: Category
    info: CategoryInfo
    own: Cadence | None  # None: they follow the default
    default: CategoryDefault

    @property
    def in_effect(self) -> str:
        return self.own.label if self.own is not None else self.default.summary


@dataclass(frozen=True)
class EmailPage:
    rows: list[CategoryRow]
    settings: EmailSettings
    reminder_minutes: int  # 0: no reminders (the category is off, or the time is none)
    paused: bool  # now: a pause whose end date has passed is over


def email_page(user: User) -> EmailPage:
    """What the person chose, and what the defaults give them where they chose nothing."""
    communities = list(db.session.execute(
        select(Community.id, Community.title).join(Membership)
        .where(Membership.user_id == user.id).order_by(Community.title)))
    choices = preferences.EmailChoices.load([user.id], [row.id for row in communities])
    rows = []
    for category, info in CATEGORIES.items():
        rows.append(CategoryRow(category, info, choices.own.get((user.id, category)),
                                _default(choices, category, communities)))
    return EmailPage(rows=rows, settings=preferences.settings_of(user),
                     reminder_minutes=choices.reminder_minutes(user.id),
                     paused=choices.is_paused(user.id))


def _default(choices: preferences.EmailChoices, category: Category,
             communities: list) -> CategoryDefault:
    workspace_default = CATEGORIES[category].default
    if category not in COMMUNITY_CATEGORIES or not communities:
        return CategoryDefault({"": workspace_default}, from_communities=False)
    # Where a community set nothing, its default is the workspace's: still "theirs".
    return CategoryDefault({row.title: choices.community_defaults.get((row.id, category),
                                                                      workspace_default)
                            for row in communities}, from_communities=True)


def save_email_settings(user: User, *, cadences: Mapping[Category, Cadence | None],
                        reminder_minutes: int, paused: bool, paused_until: date | None) -> None:
    """Save the whole settings page: a category's cadence (None: follow the defaults), the
    reminder time (0: none), and the pause. A refused field saves nothing."""
    for category, cadence in cadences.items():
        if cadence is not None and cadence not in CATEGORIES[category].cadences:
            raise errors.Invalid("Choose one of the options offered.", field=category.value)
    try:
        # Checks the date and the reminder time before it writes (and commits) anything; the
        # cadences were checked above, so what follows can't be refused. No reminders: the
        # category goes off and the time stays for when they come back.
        preferences.change_settings(user, paused=paused, paused_until=paused_until,
                                    reminder_minutes=reminder_minutes or None)
    except errors.Invalid:
        db.session.rollback()
        raise
    own = {category: cadence for category, cadence in cadences.items() if cadence is not None}
    own[Category.REMINDERS] = Cadence.OFF if reminder_minutes == 0 else Cadence.IMMEDIATELY
    following = [category for category, cadence in cadences.items()
                 if cadence is None and category not in own]
    if following:
        db.session.execute(delete(EmailPreference).where(
            EmailPreference.user_id == user.id, EmailPreference.category.in_(following)))
    preferences.choose(user, own)  # commits the deletions with it


def reset_email_settings(user: User) -> None:
    """Every category back to the defaults, reminders an hour before; a pause stays."""
    preferences.forget_choices(user)
    preferences.change_settings(user, reminder_minutes=preferences.DEFAULT_REMINDER_MINUTES)


def resume_email(user: User) -> None:
    """End the person's pause now."""
    preferences.change_settings(user, paused=False)


def set_community_defaults(actor: User, community: Community,
                           cadences: Mapping[Category, Cadence]) -> None:
    """A facilitator chooses how the community's people hear from it, where they chose nothing."""
    policy.require(actor, may_set_email_defaults, community)
    preferences.set_community_defaults(actor, community, cadences)


# --- Unsubscribing, and taking it back ------------------------------------------------------

def _own_choices(user: User) -> dict[Category, Cadence]:
    return {row.category: row.cadence for row in db.session.scalars(
        select(EmailPreference).where(EmailPreference.user_id == user.id))}


def unsubscribe(user: User, scope: str) -> dict[str, str | None] | None:
    """Turn off what an unsubscribe link names (commits). What it changed, for an undo: each
    category's own choice before ({} when all was off already); None if it names nothing."""
    before = _own_choices(user)
    if not preferences.unsubscribe(user, scope):
        return None
    after = _own_choices(user)
    return {category.value: (before[category].value if category in before else None)
            for category, cadence in after.items() if before.get(category) is not cadence}


def undo_unsubscribe(user: User, previous: Mapping[str, str | None]) -> list[Category]:
    """Put back the choices an unsubscribe turned off, where they are still off (commits)."""
    known = {category.value for category in Category}
    own = _own_choices(user)
    back: dict[Category, Cadence] = {}
    following: list[Category] = []
    for value, was in previous.items():
        if value not in known or own.get(Category(value)) is not Cadence.OFF:
            continue  # changed since, on the settings page: theirs wins
        category = Category(value)
        if was is None:
            following.append(category)
        elif was in {cadence.value for cadence in CATEGORIES[category].cadences}:
            back[category] = Cadence(was)
    if following:
        db.session.execute(delete(EmailPreference).where(
            EmailPreference.user_id == user.id, EmailPreference.category.in_(following)))
    preferences.choose(user, back)
    return sorted([*back, *following], key=list(Category).index)
