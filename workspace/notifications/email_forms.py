"""The email settings form (a person's) and the community defaults form (a facilitator's).

One radio group per category, named by the category's value, so a service's complaint about a
category (errors.Invalid(field=category.value)) lands beside it.
"""

from __future__ import annotations

from typing import Any

from wtforms import BooleanField, DateField, RadioField
from wtforms.validators import InputRequired, Optional

from workspace.forms import Form, options
from workspace.notifications.email_settings import REMINDER_OPTIONS
from workspace.notifications.kinds import CATEGORIES, COMMUNITY_CATEGORIES
from workspace.notifications.models import Cadence, Category

FOLLOW_DEFAULT = "default"  # a category's radio value for "use my communities' defaults"
PAGE_CATEGORIES = tuple(category for category in CATEGORIES if category is not Category.REMINDERS)


def _cadence_field(category: Category, *, with_default: bool) -> RadioField:
    info = CATEGORIES[category]
    choices = [(cadence.value, cadence.label) for cadence in info.cadences]
    if with_default:
        choices.insert(0, (FOLLOW_DEFAULT, "Use the defaults"))
    return RadioField(info.label, choices=options(choices), validators=[
        InputRequired(f"Choose how often you hear about {info.label.lower()}.")])


def _form(name: str, fields: dict[str, Any]) -> type[Form]:
    return type(name, (Form,), fields)


EmailSettingsForm = _form("EmailSettingsForm", {
    **{category.value: _cadence_field(category, with_default=True)
       for category in PAGE_CATEGORIES},
    "reminder_minutes": RadioField(
        CATEGORIES[Category.REMINDERS].label, coerce=int,
        choices=options(REMINDER_OPTIONS),
        validators=[InputRequired("Choose when to be reminded of a session.")]),
    "paused": BooleanField("Pause all email"),
    "paused_until": DateField("Until", validators=[Optional()]),
})

CommunityDefaultsForm = _form("CommunityDefaultsForm", {
    category.value: _cadence_field(category, with_default=False)
    for category in COMMUNITY_CATEGORIES})


def chosen_cadence(form: Form, category: Category) -> Cadence | None:
    """The cadence a form's radio group chose for the category (None: follow the defaults)."""
    value = form[category.value].data
    return None if value == FOLLOW_DEFAULT else Cadence(value)
