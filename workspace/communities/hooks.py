"""What features add to communities: what they set up in a new one, and the sections they add
to its page. Each feature registers in create_app, so communities import no feature."""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask, current_app
from markupsafe import Markup

from workspace.communities.models import Community
from workspace.policy import Person

# A handler gets the new community, flushed (it has its id) but not committed: it adds its rows
# to the creating unit of work and may flush, never commit, so a failure undoes the whole creation.
CommunityCreated = Callable[[Community], object]

_EXTENSION = "workspace.community_created"


def on_community_created(app: Flask, handler: CommunityCreated) -> None:
    """Have this app run the handler for every community it creates (once, however often asked)."""
    handlers: list[CommunityCreated] = app.extensions.setdefault(_EXTENSION, [])
    if handler not in handlers:
        handlers.append(handler)


def community_created(community: Community) -> None:
    """Let every registered feature set up the new community, in registration order."""
    for handler in current_app.extensions.get(_EXTENSION, []):
        handler(community)


# --- Sections features add to a community's page ---------------------------------------------
# A panel gets the viewer and the community and gives the HTML of its section of the page (its
# own template, rendered), or None when it has nothing to show this viewer. The policy is the
# panel's to ask: the community page itself knows no feature.
CommunityPanel = Callable[[Person, Community], Markup | None]

_PANELS = "workspace.community_panels"


def on_community_page(app: Flask, panel: CommunityPanel) -> None:
    """Have this app's community pages show the panel (once, however often asked)."""
    panels: list[CommunityPanel] = app.extensions.setdefault(_PANELS, [])
    if panel not in panels:
        panels.append(panel)


def community_panels(viewer: Person, community: Community) -> list[Markup]:
    """Every registered feature's section for this viewer, in registration order."""
    shown = (panel(viewer, community) for panel in current_app.extensions.get(_PANELS, []))
    return [html for html in shown if html is not None]


# --- What features add to the catalogue's cards -----------------------------------------------
# A note gets the viewer and the page's communities and gives, for those it has something to
# say about, the HTML of a line for the card (e.g. the latest public blog post): one query for
# the whole page, however many communities it shows.
CatalogueNotes = Callable[[Person, list[Community]], dict[int, Markup]]

_CATALOGUE = "workspace.catalogue_notes"


def on_catalogue(app: Flask, notes: CatalogueNotes) -> None:
    """Have this app's catalogue show the feature's line on each card (once, however often)."""
    found: list[CatalogueNotes] = app.extensions.setdefault(_CATALOGUE, [])
    if notes not in found:
        found.append(notes)


def catalogue_notes(viewer: Person, communities: list[Community]) -> dict[int, list[Markup]]:
    """Every registered feature's lines, by community id, in registration order."""
    lines: dict[int, list[Markup]] = {}
    for notes in current_app.extensions.get(_CATALOGUE, []):
        for community_id, html in notes(viewer, communities).items():
            lines.setdefault(community_id, []).append(html)
    return lines
