from __future__ import annotations

from flask import Blueprint, render_template, request
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required

from workspace import policy
from workspace.mail.service import outbox_page

bp = Blueprint("mail", __name__, url_prefix="/admin/outbox")


@bp.route("/")
@login_required
def outbox() -> ResponseReturnValue:
    policy.require_staff(current_user)
    recipient = request.args.get("to", "")
    pagination = outbox_page(request.args.get("page", 1, type=int), recipient or None)
    return render_template("mail/outbox.html", pagination=pagination, recipient=recipient,
                           endpoint_args={"to": recipient} if recipient else {})
