"""Features set up a new community through handlers they register; communities imports none."""

from __future__ import annotations

import ast
from pathlib import Path

from sqlalchemy import select

from workspace.communities import service
from workspace.communities.hooks import on_community_created
from workspace.communities.models import Community, CommunityKind, CommunityStatus
from workspace.extensions import db
from workspace.forums import pages as forum_pages

WORKSPACE = Path(__file__).resolve().parents[2] / "workspace"
# What a community is made of and the shared modules every feature uses; anything else under
# workspace/ that is a package is a feature (forums now; sessions, libraries, blogs later),
# which plugs in through communities/hooks.py instead of being imported.
FOUNDATIONS = frozenset({"auth", "organizations", "communities", "policy", "mail",
                         "notifications", "writing", "moderation", "realtime"})


def fields(slug: str) -> service.CommunityFields:
    return service.CommunityFields(title="Data Systems CoP", slug=slug, kind=CommunityKind.COP,
                                   status=CommunityStatus.IN_DEVELOPMENT)


def test_a_community_created_through_the_service_gives_its_forum_the_categories(staff):
    created = service.save_community(staff, None, fields("data-cop"))
    db.session.expire_all()  # what was committed, not what the session still holds
    assert [c.name for c in forum_pages.categories_of(created)] == [
        "General", "Problems of practice", "Tools and resources", "Session follow-ups"]


def test_a_registered_handler_runs_once_inside_the_creating_unit_of_work(app, staff):
    seen: list[tuple[int, str]] = []

    def remember(community: Community) -> None:
        # The community has its id already, and this change is committed with it.
        seen.append((community.id, community.slug))
        community.recruiting_note = "Set up by a feature."

    on_community_created(app, remember)
    on_community_created(app, remember)  # registering twice still runs it once
    created = service.save_community(staff, None, fields("data-cop"))
    assert seen == [(created.id, "data-cop")]
    db.session.expire_all()
    assert db.session.scalar(select(Community.recruiting_note).where(
        Community.id == created.id)) == "Set up by a feature."

    service.save_community(staff, created, fields("data-cop"))  # editing creates nothing
    assert len(seen) == 1


def test_handlers_belong_to_their_app(app, staff):
    from workspace import create_app

    def refuse(community: Community) -> None:
        raise AssertionError("another app's handler ran")

    other = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": "other"})
    on_community_created(other, refuse)
    service.save_community(staff, None, fields("data-cop"))  # this app never runs it


def imported_modules(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def test_communities_imports_no_feature():
    features = {path.name for path in WORKSPACE.iterdir()
                if (path / "__init__.py").exists()} - FOUNDATIONS
    assert "forums" in features
    offenders = []
    for path in sorted((WORKSPACE / "communities").glob("*.py")):
        for name in imported_modules(path):
            parts = name.split(".")
            if parts[0] == "workspace" and len(parts) > 1 and parts[1] in features:
                offenders.append(f"{path.name} imports {name}")
    assert not offenders, "Register a community-created handler instead:\n" + "\n".join(offenders)
