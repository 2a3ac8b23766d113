"""Adding, changing, sharing and publishing library resources: the only code that writes them."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import urlsplit

from flask import url_for
from sqlalchemy import Select, func, select, update

from workspace import errors, policy, writing
from workspace.auth.models import User
from workspace.communities.models import Community
from workspace.database import utcnow
from workspace.extensions import db
from workspace.files.models import StoredFile
from workspace.notifications.models import NotificationKind
from workspace.notifications.service import Subject, Thread, notify_many, withdraw
from workspace.organizations.models import Organization
from workspace.policy import resources as resource_policy
from workspace.resources.models import (
    NOTE_MAX,
    TAG_MAX,
    TAGS_MAX,
    TITLE_MAX,
    URL_MAX,
    Audience,
    Resource,
    ResourceState,
    ResourceTag,
    ResourceType,
    ResourceVersion,
)
from workspace.sessions.models import LiveSession

DESCRIPTION_DRAFT = "resource_description"
SUBJECT = "library_resource"
FILES_PER_FORM = 20
FILENAME_MAX = 200


@dataclass(frozen=True)
class Details:
    """What a person says about a resource, as the form sends it (text still unchecked)."""

    title: str
    type: str
    description: str = ""
    tags: str = ""  # comma-separated
    state_codes: Sequence[str] = ()
    session_id: int | None = None
    audience: str = Audience.COMMUNITY.value


@dataclass(frozen=True)
class Upload:
    """A received file and the title it is added under (empty: made from its name)."""

    file: StoredFile
    filename: str
    title: str = ""


@dataclass
class Checked:
    title: str
    type: ResourceType
    description: str
    tags: list[str]
    state_codes: list[str]
    session: LiveSession | None
    audience: Audience
    problems: dict[str, str] = field(default_factory=dict)


def participating_states(community: Community) -> list[tuple[str, str]]:
    """(code, agency name) of the states taking part now, for the "related states" choice."""
    rows = db.session.execute(
        select(Organization.state_code, Organization.name)
        .where(Organization.id.in_(policy.participating_agencies(community.id)),
               Organization.state_code.is_not(None))
        .order_by(Organization.name)).all()
    return [(code, name) for code, name in rows if code]


def sessions_to_choose(community: Community) -> list[LiveSession]:
    return list(db.session.scalars(
        select(LiveSession).where(LiveSession.community_id == community.id)
        .order_by(LiveSession.starts_at.desc())))


def check(user: User, community: Community, details: Details) -> Checked:
    """The details made ready to store, or Invalid naming the first field at fault."""
    title = re.sub(r"\s+", " ", details.title or "").strip()
    if len(title) > TITLE_MAX:
        raise errors.Invalid(f"Keep the title under {TITLE_MAX} characters.", field="title")
    try:
        kind = ResourceType(details.type)
    except ValueError:
        raise errors.Invalid("Choose what kind of resource it is.", field="type") from None
    if len(details.description or "") > writing.BODY_MAX:
        raise errors.Invalid(f"Keep the description under {writing.BODY_MAX:,} characters.",
                             field="description")
    known_states = {code for code, _ in participating_states(community)}
    chosen = sorted({code.upper() for code in details.state_codes if code})
    unknown = [code for code in chosen if code not in known_states]
    if unknown:
        raise errors.Invalid("Choose states from the list of those taking part.",
                             field="state_codes")
    session = None
    if details.session_id:
        session = db.session.get(LiveSession, details.session_id)
        if session is None or session.community_id != community.id:
            raise errors.Invalid("Choose a session of this community.", field="session_id")
    try:
        audience = Audience(details.audience or Audience.COMMUNITY.value)
    except ValueError:
        raise errors.Invalid("Choose who sees it.", field="audience") from None
    if audience is Audience.STATE and not resource_policy.may_keep_to_state(user, community):
        raise errors.Invalid("Only a state team taking part keeps a resource to its state.",
                             field="audience")
    tags = writing.tags_from(details.tags, most=TAGS_MAX, longest=TAG_MAX)
    return Checked(title=title, type=kind, description=details.description or "", tags=tags,
                   state_codes=chosen, session=session, audience=audience)


def title_from_filename(filename: str) -> str:
    """"SDI_team-plan v2.docx" → "SDI team-plan v2": a title to start from."""
    stem = filename.rsplit(".", 1)[0] if "." in filename.strip(".") else filename
    return re.sub(r"\s+", " ", stem.replace("_", " ")).strip()[:TITLE_MAX] or "Untitled"


def check_link(url: str) -> str:
    url = (url or "").strip()
    if not url:
        raise errors.Invalid("Paste the link, starting with https://.", field="link_url")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise errors.Invalid("Give a web address starting with https:// (or http://).",
                             field="link_url")
    if len(url) > URL_MAX:
        raise errors.Invalid(f"That address is over {URL_MAX} characters.", field="link_url")
    return url


def _new_resource(user: User, community: Community, checked: Checked, title: str,
                  nonce: str | None, created_at: datetime) -> Resource:
    description_html = writing.render_body(community, checked.description)
    resource = Resource(
        community=community, title=title, description=checked.description,
        description_html=description_html, type=checked.type, author=user,
        organization_id=user.organization_id, audience=checked.audience,
        session=checked.session, client_nonce=nonce, created_at=created_at,
        tags=[ResourceTag(tag=tag) for tag in checked.tags],
        states=[ResourceState(state_code=code) for code in checked.state_codes])
    db.session.add(resource)
    return resource


def _first_version(user: User, resource: Resource, upload: Upload) -> None:
    version = ResourceVersion(resource=resource, number=1, digest=upload.file.digest,
                              filename=upload.filename[:FILENAME_MAX], author=user,
                              note="First version", created_at=resource.created_at)
    db.session.add(version)
    db.session.flush()
    resource.current_version = version


def add_resources(user: User, community: Community, details: Details, *,
                  uploads: Sequence[Upload] = (), link_url: str | None = None,
                  nonce: str | None = None,
                  written_at: datetime | None = None) -> list[Resource]:
    """Add one resource per uploaded file, or one link, with the same details; one commit.

    The same form sent twice adds them once (its one-time value). `written_at` dates history
    brought in from elsewhere (the demo); new resources are dated now."""
    policy.require(user, resource_policy.may_add_resource, community)
    checked = check(user, community, details)
    if not uploads and link_url is None:
        raise errors.Invalid("Choose a file to upload, or give a link.", field="files")
    if len(uploads) > FILES_PER_FORM:
        raise errors.Invalid(f"Add at most {FILES_PER_FORM} files at a time.", field="files")
    if link_url is not None:
        link_url = check_link(link_url)
        if not checked.title:
            raise errors.Invalid("Give the link a title.", field="title")

    added_at = written_at or utcnow()

    def write(clean_nonce: str | None) -> list[Resource]:
        made: list[Resource] = []
        if link_url is not None:
            resource = _new_resource(user, community, checked, checked.title, clean_nonce,
                                     added_at)
            resource.link_url = link_url
            made.append(resource)
        for index, upload in enumerate(uploads):
            title = (upload.title.strip()[:TITLE_MAX] if upload.title.strip() else
                     checked.title if len(uploads) == 1 and checked.title else
                     title_from_filename(upload.filename))
            nonce_here = clean_nonce if index == 0 or clean_nonce is None else (
                f"{clean_nonce}-{index + 1}")
            resource = _new_resource(user, community, checked, title, nonce_here, added_at)
            db.session.flush()
            _first_version(user, resource, upload)
            made.append(resource)
        db.session.flush()
        for resource in made:
            _tell_about(user, resource)
        writing.discard_draft(user, DESCRIPTION_DRAFT, community.id)
        db.session.commit()
        return made

    def found(first: Resource) -> list[Resource]:
        assert first.client_nonce is not None
        return list(db.session.scalars(
            select(Resource).where(Resource.author_id == user.id,
                                   (Resource.client_nonce == first.client_nonce)
                                   | Resource.client_nonce.startswith(f"{first.client_nonce}-",
                                                                      autoescape=True))
            .order_by(Resource.id)))

    return writing.once(Resource, user, nonce, write, found=found)


def resource_link(resource: Resource) -> str:
    return url_for("resources.show", resource_id=resource.id)


def _audience_ids(resource: Resource) -> Select:
    """Who may now see it among the community's readers (a state's resource: its team)."""
    readers = policy.reader_ids(resource.community)
    if resource.audience is Audience.STATE:
        return readers.where(User.organization_id == resource.organization_id)
    return readers


def _tell_about(actor: User, resource: Resource) -> None:
    """Tell the people who may now see a new (or newly shared) resource, and those mentioned."""
    link = resource_link(resource)
    subject = Subject(SUBJECT, resource.id)
    notify_many(_audience_ids(resource).where(User.id != actor.id), NotificationKind.RESOURCE_ADDED,
                f"{actor.name} added “{resource.title}” to the {resource.community.title} "
                "library.", link, actor=actor, community=resource.community, subject=subject,
                thread=Thread(f"library:{resource.community_id}",
                              f"the {resource.community.title} library"))
    if resource.audience is Audience.COMMUNITY:
        writing.tell_mentioned(actor, resource.community, resource.description, link=link,
                               title=resource.title, subject=subject)


def change_details(user: User, resource: Resource, details: Details) -> Resource:
    policy.require(user, resource_policy.may_change_resource, resource)
    checked = check(user, resource.community, Details(
        title=details.title, type=details.type, description=details.description,
        tags=details.tags, state_codes=details.state_codes, session_id=details.session_id,
        audience=resource.audience.value))  # sharing is its own step
    if not checked.title:
        raise errors.Invalid("Give it a title.", field="title")
    before = resource.description
    resource.title = checked.title
    resource.type = checked.type
    resource.description = checked.description
    resource.description_html = writing.render_body(resource.community, checked.description)
    resource.session = checked.session
    resource.tags = [ResourceTag(tag=tag) for tag in checked.tags]
    resource.states = [ResourceState(state_code=code) for code in checked.state_codes]
    resource.updated_at = utcnow()
    db.session.flush()
    if resource.audience is Audience.COMMUNITY:
        writing.tell_mentioned(user, resource.community, resource.description,
                               link=resource_link(resource), title=resource.title,
                               subject=Subject(SUBJECT, resource.id), before=before)
    db.session.commit()
    return resource


def change_link(user: User, resource: Resource, url: str) -> None:
    policy.require(user, resource_policy.may_change_resource, resource)
    if not resource.is_link:
        raise errors.Invalid("This resource is a file: upload a new version instead.")
    resource.link_url = check_link(url)
    resource.updated_at = utcnow()
    db.session.commit()


def add_version(user: User, resource: Resource, upload: Upload, note: str, *,
                written_at: datetime | None = None) -> ResourceVersion:
    """A new file for the resource; the older ones stay downloadable. `written_at` dates
    history brought in from elsewhere (the demo)."""
    policy.require(user, resource_policy.may_change_resource, resource)
    if resource.is_link:
        raise errors.Invalid("A link has no files: change its address instead.")
    if resource.is_page:
        raise errors.Invalid("A page written here has no file: edit its text instead.")
    note = re.sub(r"\s+", " ", note or "").strip()
    if not note:
        raise errors.Invalid("Say what changed in this version.", field="note")
    if len(note) > NOTE_MAX:
        raise errors.Invalid(f"Keep the note under {NOTE_MAX} characters.", field="note")
    latest = db.session.scalar(select(func.max(ResourceVersion.number))
                               .where(ResourceVersion.resource_id == resource.id)) or 0
    uploaded_at = written_at or utcnow()
    version = ResourceVersion(resource=resource, number=latest + 1, digest=upload.file.digest,
                              filename=upload.filename[:FILENAME_MAX], author=user, note=note,
                              created_at=uploaded_at)
    db.session.add(version)
    db.session.flush()
    resource.current_version = version
    resource.updated_at = uploaded_at
    db.session.commit()
    return version


def share_with_community(user: User, resource: Resource) -> None:
    """A state team's resource becomes the whole community's."""
    policy.require(user, resource_policy.may_share_resource, resource)
    resource.audience = Audience.COMMUNITY
    resource.shared_at = utcnow()
    db.session.flush()
    _tell_about(user, resource)
    db.session.commit()


def publish_to_network(user: User, resource: Resource, published: bool) -> None:
    policy.require(user, resource_policy.may_publish_resource, resource)
    if published and resource.network_published_at is None:
        resource.network_published_at = utcnow()
        resource.network_published_by_id = user.id
    elif not published:
        resource.network_published_at = None
        resource.network_published_by_id = None
    db.session.commit()


def make_public(user: User, resource: Resource, public: bool) -> None:
    policy.require(user, resource_policy.may_publish_resource, resource)
    resource.is_public = public
    db.session.commit()


def delete(user: User, resource: Resource) -> None:
    """Gone from every list and download; its files stay stored for other resources using
    them, and its notices are withdrawn."""
    policy.require(user, resource_policy.may_change_resource, resource)
    resource.deleted_at = utcnow()
    resource.is_public = False
    resource.network_published_at = None
    withdraw(Subject(SUBJECT, resource.id))
    db.session.commit()


def count_download(resource: Resource, version: ResourceVersion) -> None:
    """One more download, counted in the database (no lost update under concurrent clicks)."""
    db.session.execute(update(Resource).where(Resource.id == resource.id)
                       .values(download_count=Resource.download_count + 1))
    db.session.execute(update(ResourceVersion).where(ResourceVersion.id == version.id)
                       .values(download_count=ResourceVersion.download_count + 1))
    db.session.commit()
