"""Who hears what by email, and how often: a person's choices, their communities' defaults, pauses.

A person's own choice for a category wins; where they made none, the community's default (set
by its facilitators) counts; where it set none, the category's default (notifications.kinds).
`EmailChoices.load` reads all of it for a batch of people in three queries, so digests and mail
jobs ask about thousands of people at a fixed cost per batch.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import delete, select

from workspace import errors
from workspace.auth.models import User
from workspace.communities.models import Community, Membership
from workspace.database import utcnow
from workspace.extensions import db
from workspace.notifications.kinds import CATEGORIES, COMMUNITY_CATEGORIES
from workspace.notifications.models import (
    Cadence,
    Category,
    CommunityEmailDefault,
    EmailPreference,
    EmailSettings,
)

REMINDER_CHOICES = (0, 15, 60, 24 * 60)  # minutes before a session; 0: no reminders
DEFAULT_REMINDER_MINUTES = 60


@dataclass
class EmailChoices:
    """What a batch of people chose, and their communities' defaults, read once."""

    own: dict[tuple[int, Category], Cadence] = field(default_factory=dict)
    community_defaults: dict[tuple[int, Category], Cadence] = field(default_factory=dict)
    settings: dict[int, EmailSettings] = field(default_factory=dict)

    @classmethod
    def load(cls, user_ids: Iterable[int],
             community_ids: Iterable[int] | None = None) -> EmailChoices:
        """For these people (and these communities; None: every community)."""
        ids = sorted(set(user_ids))
        choices = cls()
        if not ids:
            return choices
        for preference in db.session.scalars(
                select(EmailPreference).where(EmailPreference.user_id.in_(ids))):
            choices.own[(preference.user_id, preference.category)] = preference.cadence
        defaults = select(CommunityEmailDefault)
        if community_ids is not None:
            defaults = defaults.where(
                CommunityEmailDefault.community_id.in_(sorted(set(community_ids))))
        for default in db.session.scalars(defaults):
            choices.community_defaults[(default.community_id, default.category)] = (
                default.cadence)
        for settings in db.session.scalars(
                select(EmailSettings).where(EmailSettings.user_id.in_(ids))):
            choices.settings[settings.user_id] = settings
        return choices

    def cadence(self, user_id: int, category: Category, community_id: int | None) -> Cadence:
        own = self.own.get((user_id, category))
        if own is not None:
            return own
        if community_id is not None:
            default = self.community_defaults.get((community_id, category))
            if default is not None:
                return default
        return CATEGORIES[category].default

    def is_paused(self, user_id: int, today: date | None = None) -> bool:
        settings = self.settings.get(user_id)
        return settings is not None and _paused(settings, today or utcnow().date())

    def reminder_minutes(self, user_id: int) -> int:
        if self.cadence(user_id, Category.REMINDERS, None) is Cadence.OFF:
            return 0
        settings = self.settings.get(user_id)
        return settings.reminder_minutes if settings is not None else DEFAULT_REMINDER_MINUTES


def _paused(settings: EmailSettings, today: date) -> bool:
    return settings.paused and (settings.paused_until is None or today <= settings.paused_until)


def choices_of(user: User) -> EmailChoices:
    return EmailChoices.load([user.id])


def settings_of(user: User) -> EmailSettings:
    """The person's settings row, or the defaults (not added to the session)."""
    return db.session.get(EmailSettings, user.id) or EmailSettings(
        user_id=user.id, paused=False, paused_until=None,
        reminder_minutes=DEFAULT_REMINDER_MINUTES)


def _check_cadence(category: Category, cadence: Cadence) -> None:
    if cadence not in CATEGORIES[category].cadences:
        raise errors.Invalid(f"{CATEGORIES[category].label} can't be sent as "
                             f"“{cadence.label}”.", field=category.value)


def choose(user: User, choices: Mapping[Category, Cadence]) -> None:
    """Record the person's own cadence for these categories (commits)."""
    for category, cadence in choices.items():
        _check_cadence(category, cadence)
    now = utcnow()
    for category, cadence in choices.items():
        preference = db.session.get(EmailPreference, (user.id, category))
        if preference is None:
            db.session.add(EmailPreference(user_id=user.id, category=category, cadence=cadence,
                                           updated_at=now))
        elif preference.cadence is not cadence:
            preference.cadence = cadence
            preference.updated_at = now
    db.session.commit()


def forget_choices(user: User) -> None:
    """Back to the defaults: their communities' and the workspace's (commits)."""
    db.session.execute(delete(EmailPreference).where(EmailPreference.user_id == user.id))
    db.session.commit()


def change_settings(user: User, *, paused: bool | None = None,
                    paused_until: date | None = None,
                    reminder_minutes: int | None = None) -> EmailSettings:
    """Pause or resume all email (optionally until a date), or change the reminder time."""
    settings = db.session.get(EmailSettings, user.id)
    if settings is None:
        settings = EmailSettings(user_id=user.id, paused=False, paused_until=None,
                                 reminder_minutes=DEFAULT_REMINDER_MINUTES)
        db.session.add(settings)
    if paused is not None:
        if paused and paused_until is not None and paused_until < utcnow().date():
            raise errors.Invalid("Choose a date from today on, or leave it empty to pause "
                                 "until you turn email back on.", field="paused_until")
        settings.paused = paused
        settings.paused_until = paused_until if paused else None
    if reminder_minutes is not None:
        if reminder_minutes not in REMINDER_CHOICES:
            raise errors.Invalid("Choose one of the reminder times offered.",
                                 field="reminder_minutes")
        settings.reminder_minutes = reminder_minutes
    settings.updated_at = utcnow()
    db.session.commit()
    return settings


def community_defaults(community: Community) -> dict[Category, Cadence]:
    """What the community's facilitators chose for its people (the rest: the workspace's)."""
    chosen = {row.category: row.cadence for row in db.session.scalars(
        select(CommunityEmailDefault).where(
            CommunityEmailDefault.community_id == community.id))}
    return {category: chosen.get(category, CATEGORIES[category].default)
            for category in COMMUNITY_CATEGORIES}


def set_community_defaults(actor: User, community: Community,
                           choices: Mapping[Category, Cadence]) -> None:
    """A facilitator sets the community's defaults (the caller checked may-manage; commits)."""
    for category, cadence in choices.items():
        if category not in COMMUNITY_CATEGORIES:
            raise errors.Invalid(f"{CATEGORIES[category].label} has no community default.")
        _check_cadence(category, cadence)
    now = utcnow()
    for category, cadence in choices.items():
        row = db.session.get(CommunityEmailDefault, (community.id, category))
        if row is None:
            db.session.add(CommunityEmailDefault(community_id=community.id, category=category,
                                                 cadence=cadence, set_by_id=actor.id,
                                                 updated_at=now))
        elif row.cadence is not cadence:
            row.cadence, row.set_by_id, row.updated_at = cadence, actor.id, now
    db.session.commit()


def unsubscribe(user: User, scope: str) -> bool:
    """Turn off what an email's unsubscribe link names (commits); False if it names nothing.

    "category:<c>": that category. "digest:<daily|weekly>": every category that reaches the
    person in that digest, in any of their communities, so the digest stops whatever the
    defaults say later.
    """
    kind, _, value = scope.partition(":")
    if kind == "category" and value in {category.value for category in Category}:
        choose(user, {Category(value): Cadence.OFF})
        return True
    if kind == "digest" and value in (Cadence.DAILY.value, Cadence.WEEKLY.value):
        digest = Cadence(value)
        community_ids = list(db.session.scalars(
            select(Membership.community_id).where(Membership.user_id == user.id)))
        choices = EmailChoices.load([user.id], community_ids)
        reaching = [category for category in Category
                    if any(choices.cadence(user.id, category, community_id) is digest
                           for community_id in [None, *community_ids])]
        choose(user, dict.fromkeys(reaching, Cadence.OFF))
        return True
    return False
