"""Which library resources a person's notices may still be about: a resource deleted, hidden or
kept to another state leaves the notification centre (the library policy's SQL form)."""

from __future__ import annotations

from sqlalchemy import Select, select

from workspace.auth.models import User
from workspace.notifications.service import register_subject
from workspace.policy.resources import visible_resources
from workspace.resources.models import Resource
from workspace.resources.service import SUBJECT


def visible_resource_ids(user: User) -> Select:
    return select(Resource.id).where(visible_resources(user))


register_subject(SUBJECT, visible_resource_ids)
