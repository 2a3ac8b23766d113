from __future__ import annotations

from flask import Blueprint, render_template
from flask.typing import ResponseReturnValue
from flask_login import current_user

from workspace.announcements.service import latest_announcements
from workspace.communities.models import CommunityStatus
from workspace.communities.service import (
    CatalogueFilters,
    catalogue,
    participation_by_state,
)
from workspace.database import utcnow
from workspace.home.pages import dashboard

bp = Blueprint("home", __name__)


@bp.route("/")
def index() -> ResponseReturnValue:
    recruiting = catalogue(current_user, CatalogueFilters(status=CommunityStatus.RECRUITING))
    board = dashboard(current_user) if current_user.is_authenticated else None
    return render_template("home/index.html", announcements=latest_announcements(limit=3),
                           recruiting=recruiting, states=participation_by_state(current_user),
                           dashboard=board, now=utcnow())


@bp.route("/accessibility")
def accessibility() -> ResponseReturnValue:
    return render_template("home/accessibility.html")


@bp.route("/privacy")
def privacy() -> ResponseReturnValue:
    return render_template("home/privacy.html")
