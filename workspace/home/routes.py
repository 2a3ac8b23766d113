from __future__ import annotations

from flask import Blueprint, render_template
from flask.typing import ResponseReturnValue
from flask_login import current_user

from workspace.announcements.service import latest_announcements
from workspace.communities.models import CommunityStatus
from workspace.communities.service import (
    CatalogueFilters,
    catalogue,
    communities_of,
    participation_by_state,
)

bp = Blueprint("home", __name__)


@bp.route("/")
def index() -> ResponseReturnValue:
    recruiting = catalogue(current_user, CatalogueFilters(status=CommunityStatus.RECRUITING))
    return render_template("home/index.html", announcements=latest_announcements(limit=3),
                           recruiting=recruiting, states=participation_by_state(current_user),
                           mine=communities_of(current_user))


@bp.route("/accessibility")
def accessibility() -> ResponseReturnValue:
    return render_template("home/accessibility.html")


@bp.route("/privacy")
def privacy() -> ResponseReturnValue:
    return render_template("home/privacy.html")
