"""The editor's JSON, one set of routes for every feature: preview, people to mention, drafts."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify, request
from flask.typing import ResponseReturnValue
from flask_login import current_user

from workspace import policy
from workspace.communities.models import Community
from workspace.policy import Action
from workspace.writing.drafts import save_draft as keep_draft
from workspace.writing.keeping import signed_in
from workspace.writing.mentions import mention_candidates
from workspace.writing.rendering import preview as render_preview

bp = Blueprint("writing", __name__, url_prefix="/communities/<slug>/writing")


def _community(slug: str, action: Action) -> Community:
    return policy.community_for(current_user, slug, action)


def _json() -> dict[str, Any]:
    data = request.get_json(silent=True)
    return data if isinstance(data, dict) else {}


def _text(data: dict[str, Any], name: str) -> str:
    value = data.get(name)
    return value if isinstance(value, str) else ""


def _target_id(data: dict[str, Any]) -> int | None:
    value = data.get("target")
    if isinstance(value, str) and value.isdigit() and len(value) <= 12:
        return int(value)
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 10**12:
        return value
    return None


@bp.route("/preview", methods=["POST"])
@signed_in
def preview(slug: str) -> ResponseReturnValue:
    community = _community(slug, Action.CONTRIBUTE)
    html = render_preview(current_user, community, _text(_json(), "body"))
    return jsonify({"ok": True, "html": html})


@bp.route("/people")
@signed_in
def people(slug: str) -> ResponseReturnValue:
    community = _community(slug, Action.READ)
    found = mention_candidates(current_user, community, request.args.get("q", ""))
    return jsonify({"people": [{"handle": each.handle, "name": each.user.name,
                                "organization": each.user.organization.name}
                               for each in found]})


@bp.route("/drafts", methods=["POST"])
@signed_in
def save_draft(slug: str) -> ResponseReturnValue:
    community = _community(slug, Action.CONTRIBUTE)
    data = _json()
    draft = keep_draft(current_user, community, kind=_text(data, "kind"),
                       target_id=_target_id(data), title=_text(data, "title"),
                       body=_text(data, "body"))
    return jsonify({"ok": True, "saved": draft is not None,
                    "saved_at": draft.updated_at.isoformat() if draft else None})
