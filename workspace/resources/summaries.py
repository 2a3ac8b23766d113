"""The series summary: drafted from the community's own record (series_summary.gather), edited
by a facilitator in the shared editor, kept as a library page, and downloaded as PDF or Word
made from that page as it stands."""

from __future__ import annotations

import re
from datetime import datetime

from flask import Response, current_app
from sqlalchemy import select

from workspace import errors, policy, writing
from workspace.auth.models import User
from workspace.communities.models import Community
from workspace.database import utcnow
from workspace.extensions import db
from workspace.policy import resources as resource_policy
from workspace.resources import documents, series_summary
from workspace.resources.models import TITLE_MAX, Audience, Resource, ResourceType

MEDIA_TYPES = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}


def first_draft(community: Community) -> tuple[str, str]:
    """The title and Markdown a facilitator starts from."""
    summary = series_summary.gather(community)
    return summary.title, series_summary.to_markdown(summary)


def existing(user: policy.Person, community: Community) -> list[Resource]:
    return list(db.session.scalars(
        select(Resource).where(Resource.community_id == community.id,
                               Resource.type == ResourceType.SUMMARY,
                               Resource.link_url.is_(None),
                               resource_policy.visible_resources(user))
        .order_by(Resource.created_at.desc())))


def publish(user: User, community: Community, title: str, markdown: str, *,
            nonce: str | None = None, written_at: datetime | None = None) -> Resource:
    """Keep the summary as a page of the community's library (everyone in it sees it).
    `written_at` dates history brought in from elsewhere (the demo)."""
    policy.require(user, resource_policy.may_write_summary, community)
    title = re.sub(r"\s+", " ", title or "").strip()
    if not title:
        raise errors.Invalid("Give the summary a title.", field="title")
    if len(title) > TITLE_MAX:
        raise errors.Invalid(f"Keep the title under {TITLE_MAX} characters.", field="title")
    if not (markdown or "").strip():
        raise errors.Invalid("The summary is empty.", field="description")
    if len(markdown) > writing.BODY_MAX:
        raise errors.Invalid(f"Keep the summary under {writing.BODY_MAX:,} characters.",
                             field="description")

    def write(clean_nonce: str | None) -> Resource:
        resource = Resource(community=community, title=title, description=markdown,
                            description_html=writing.render_body(community, markdown),
                            type=ResourceType.SUMMARY, author=user,
                            organization_id=user.organization_id,
                            audience=Audience.COMMUNITY, client_nonce=clean_nonce,
                            created_at=written_at or utcnow())
        db.session.add(resource)
        db.session.commit()
        return resource

    return writing.once(Resource, user, nonce, write)


def document_response(resource: Resource, fmt: str) -> Response:
    """The summary page as a PDF or Word document, made now from what the page says."""
    network = current_app.config["NETWORK_NAME"]
    made = (documents.summary_pdf if fmt == "pdf" else documents.summary_docx)(
        resource.title, resource.description, network_name=network,
        generated_on=(resource.updated_at or resource.created_at or utcnow()).date())
    name = re.sub(r"[^A-Za-z0-9 _-]+", "", resource.title).strip().replace(" ", "-")[:80]
    response = Response(made, mimetype=MEDIA_TYPES[fmt])
    response.headers["Content-Disposition"] = f'attachment; filename="{name or "summary"}.{fmt}"'
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-cache"
    return response
