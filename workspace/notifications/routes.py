from __future__ import annotations

from flask import Blueprint, flash, jsonify, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required

from workspace import errors
from workspace.errors import wants_json
from workspace.notifications import (
    delivery,  # noqa: F401 - its job must be known everywhere
    service,
)
from workspace.notifications.centre import Filters, centre_page
from workspace.notifications.models import NotificationKind

bp = Blueprint("notifications", __name__, url_prefix="/notifications")


@bp.app_context_processor
def unread_badge() -> dict[str, int]:
    if not current_user.is_authenticated:
        return {"unread_notifications": 0}
    return {"unread_notifications": service.unread_count(current_user)}


def _filters_sent() -> Filters:
    return Filters.from_args(request.form if request.method == "POST" else request.args)


def _back_to_centre(filters: Filters) -> ResponseReturnValue:
    return redirect(url_for(".index", **filters.args()))


@bp.route("/")
@login_required
def index() -> ResponseReturnValue:
    filters = _filters_sent()
    centre = centre_page(current_user, filters,
                         page=request.args.get("page", 1, type=int))
    return render_template("notifications/index.html", centre=centre,
                           pagination=centre.groups, endpoint_args=filters.args())


@bp.route("/<int:notification_id>/read", methods=["POST"])
@login_required
def read_one(notification_id: int) -> ResponseReturnValue:
    # Sent by the page as the person follows a notification's link (a GET never writes), or by
    # its "Mark as read" button without JavaScript.
    service.open_notification(current_user, notification_id)
    if wants_json():
        return jsonify({"ok": True, "unread": service.unread_count(current_user)})
    return _back_to_centre(_filters_sent())


@bp.route("/groups/read", methods=["POST"])
@login_required
def read_group() -> ResponseReturnValue:
    # The group is named in the address, so following its link (the page's script) and its
    # "Mark as read" button send the same request.
    try:
        kind = NotificationKind(request.args.get("kind", ""))
    except ValueError:
        raise errors.Invalid("Choose a group of notifications to mark as read.") from None
    count = service.mark_group_read(current_user, kind, request.args.get("key", ""))
    if wants_json():
        return jsonify({"ok": True, "marked": count,
                        "unread": service.unread_count(current_user)})
    flash(f"Marked {_notifications(count)} as read.", "success")
    return _back_to_centre(_filters_sent())


@bp.route("/read", methods=["POST"])
@login_required
def mark_read() -> ResponseReturnValue:
    # "Mark these 12 as read": only those the centre's filters show.
    filters = _filters_sent()
    count = service.mark_read(current_user, *filters.where())
    if wants_json():
        return jsonify({"ok": True, "marked": count,
                        "unread": service.unread_count(current_user)})
    flash(f"Marked {_notifications(count)} as read.", "success")
    return _back_to_centre(filters)


def _notifications(count: int) -> str:
    return f"{count} notification{'s' if count != 1 else ''}"
