from __future__ import annotations

from flask import Blueprint, flash, jsonify, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required

from workspace.errors import wants_json
from workspace.notifications import (
    delivery,  # noqa: F401 - its job must be known everywhere
    service,
)

bp = Blueprint("notifications", __name__, url_prefix="/notifications")


@bp.app_context_processor
def unread_badge() -> dict[str, int]:
    if not current_user.is_authenticated:
        return {"unread_notifications": 0}
    return {"unread_notifications": service.unread_count(current_user)}


@bp.route("/")
@login_required
def index() -> ResponseReturnValue:
    pagination = service.recent_notifications(current_user,
                                              page=request.args.get("page", 1, type=int))
    return render_template("notifications/index.html", pagination=pagination, endpoint_args={})


@bp.route("/<int:notification_id>/read", methods=["POST"])
@login_required
def read_one(notification_id: int) -> ResponseReturnValue:
    # Sent by the page as the person follows a notification's link (a GET never writes), or by
    # its "Mark as read" button without JavaScript.
    service.open_notification(current_user, notification_id)
    if wants_json():
        return jsonify({"ok": True, "unread": service.unread_count(current_user)})
    return redirect(url_for(".index"))


@bp.route("/read", methods=["POST"])
@login_required
def mark_read() -> ResponseReturnValue:
    count = service.mark_all_read(current_user)
    flash(f"Marked {count} notification{'s' if count != 1 else ''} as read.", "success")
    return redirect(url_for(".index"))
