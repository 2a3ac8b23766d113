"""What people write, rendered once: Markdown made safe, with mentions of the community's
people marked, for saving and for the preview alike."""

from __future__ import annotations

from workspace import errors, policy
from workspace.auth.models import User
from workspace.communities.models import Community
from workspace.policy import Action
from workspace.text import render_markdown
from workspace.writing.drafts import BODY_MAX
from workspace.writing.mentions import handles_in, mentionable, people_named


def render_body(community: Community, body: str) -> str:
    """Written Markdown as the HTML to store beside it, with mentions of the community's people
    marked."""
    handles = handles_in(body)
    if handles:  # only then ask who may be mentioned here
        handles = set(people_named(mentionable(community), handles))
    return render_markdown(body, mentions=handles)


def preview(author: User, community: Community, body: str) -> str:
    """What a text will look like, rendered exactly as it would be saved."""
    policy.authorize(author, Action.CONTRIBUTE, community)
    if len(body or "") > BODY_MAX:
        raise errors.Invalid(f"Keep your text under {BODY_MAX:,} characters.", field="body")
    return render_body(community, body or "")
