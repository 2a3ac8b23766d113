"""Calendars: a session's .ics download, and the page that makes a person's secret feed
address, and the feed itself (fetched by calendar programs, which never sign in)."""

from __future__ import annotations

import re

from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_required

from workspace import policy
from workspace.extensions import limiter
from workspace.policy import Action
from workspace.policy import sessions as session_policy
from workspace.sessions import calendar, feeds, pages

bp = Blueprint("calendar", __name__)

CALENDAR_TYPE = "text/calendar; charset=utf-8"
# Generous: a calendar program fetches once an hour or so; this only stops a runaway client.
FEED_LIMIT = "60 per minute"


def _absolute_url(endpoint: str, **values: str) -> str:
    # Behind the TLS-terminating proxy requests arrive as http; production's preferred scheme
    # (https) keeps the addresses calendars store from pointing at plain http.
    scheme = "https" if request.is_secure else current_app.config["PREFERRED_URL_SCHEME"]
    return url_for(endpoint, _external=True, _scheme=scheme, **values)


def _base_url() -> str:
    return _absolute_url("home.index").rstrip("/")


def _ics(body: bytes, *, filename: str | None = None) -> Response:
    response = Response(body, content_type=CALENDAR_TYPE)
    # Personal (call links, who may see what): never kept by a shared cache.
    response.headers["Cache-Control"] = "private, max-age=0"
    if filename:
        response.headers.set("Content-Disposition", "attachment", filename=filename)
    return response


@bp.route("/communities/<slug>/sessions/<int:session_id>/calendar.ics")
@login_required
def session_file(slug: str, session_id: int) -> ResponseReturnValue:
    community = policy.community_for(current_user, slug, Action.READ)
    session = pages.session_in(current_user, community, session_id)
    body = calendar.session_ics(
        session, may_attend=session_policy.may_attend(current_user, session),
        base_url=_base_url())
    return _ics(body, filename=calendar.ics_filename(session.label))


@bp.route("/calendar", methods=["GET", "POST"])
@login_required
def your_feed() -> ResponseReturnValue:
    token = feeds.new_feed(current_user) if request.method == "POST" else None
    address = _absolute_url(".feed", token=token) if token else None
    return render_template(
        "calendar/feed.html", feed=feeds.active_feed(current_user), address=address,
        webcal_address=re.sub(r"^https?://", "webcal://", address) if address else None)


@bp.route("/calendar/revoke", methods=["POST"])
@login_required
def turn_off() -> ResponseReturnValue:
    if feeds.revoke_feed(current_user):
        flash("Your calendar address is turned off. Calendars subscribed to it no longer "
              "update.", "success")
    else:
        flash("You had no calendar address to turn off.", "info")
    return redirect(url_for(".your_feed"))


def _feed_key() -> str:
    return "calendar-feed:" + str((request.view_args or {}).get("token", ""))


def _not_found(response: Response) -> bool:
    return response.status_code == 404


@bp.route("/calendar/<token>.ics")
@limiter.limit(FEED_LIMIT, key_func=_feed_key)
# Guessing at addresses from one network is throttled too; a miss costs one lookup.
@limiter.limit(FEED_LIMIT, key_func=get_remote_address, deduct_when=_not_found)
def feed(token: str) -> ResponseReturnValue:
    owner = feeds.feed_owner(token)
    if owner is None:
        # Calendar programs show no page: a plain answer, whatever the token was.
        return Response("This calendar address doesn't work. It may have been replaced or "
                        "turned off.\n", status=404, mimetype="text/plain")
    return _ics(calendar.feed_ics(owner, base_url=_base_url()))
