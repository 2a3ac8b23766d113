"""Everything the app does for someone typing, for every feature alike: drafts by registered
kind, the preview, @mentions and their notices, one-time form values, and text kept through an
expired session. A feature plugs in with register_draft_kind at app setup, the editor macro
(templates/_macros/editor.html) in its form, and these functions in its services and routes."""

from workspace.writing.drafts import (
    BODY_MAX,
    TITLE_MAX,
    DraftKind,
    community_itself,
    discard_draft,
    draft_for,
    register_draft_kind,
    save_draft,
)
from workspace.writing.keeping import keep_text_on, resend, signed_in, written_text
from workspace.writing.mentions import (
    Mentionable,
    handles_in,
    mention_candidates,
    mentionable,
    people_named,
    tell_mentioned,
)
from workspace.writing.models import Draft
from workspace.writing.once import NONCE, clean_nonce, made_with, new_nonce, once
from workspace.writing.rendering import preview, render_body
from workspace.writing.tags import tags_from

__all__ = ["BODY_MAX", "NONCE", "TITLE_MAX", "Draft", "DraftKind", "Mentionable", "clean_nonce",
           "community_itself", "discard_draft", "draft_for", "handles_in", "keep_text_on",
           "made_with", "mention_candidates", "mentionable", "new_nonce", "once", "people_named",
           "preview",
           "register_draft_kind", "render_body", "resend", "save_draft", "signed_in",
           "tags_from", "tell_mentioned", "written_text"]
