"""/admin/outbox: every email the workspace wrote, for staff to read, check and try again."""

from __future__ import annotations

from flask import Blueprint, flash, make_response, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required

from workspace import errors, policy
from workspace.mail import service
from workspace.mail.models import MailState

bp = Blueprint("mail", __name__, url_prefix="/admin/outbox")

# The HTML part is our own rendering, but it holds what people wrote: shown on its own, with
# no script, no form, nothing fetched from elsewhere, and no way to act as the workspace.
HTML_PART_POLICY = ("sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
                    "frame-ancestors 'none'; form-action 'none'; base-uri 'none'")


@bp.route("/")
@login_required
def outbox() -> ResponseReturnValue:
    policy.require_staff(current_user)
    recipient = request.args.get("to", "").strip()
    state_name = request.args.get("state", "")
    state = MailState(state_name) if state_name in {each.value for each in MailState} else None
    pagination = service.outbox_page(request.args.get("page", 1, type=int), recipient or None,
                                     state)
    endpoint_args = {name: value for name, value in
                     (("to", recipient), ("state", state.value if state else "")) if value}
    return render_template("mail/outbox.html", pagination=pagination, recipient=recipient,
                           state=state, states=service.SHOWN_STATES,
                           failed=service.failed_count(), endpoint_args=endpoint_args,
                           MailState=MailState)


@bp.route("/<int:message_id>/html")
@login_required
def html_part(message_id: int) -> ResponseReturnValue:
    policy.require_staff(current_user)
    message = service.message_in_outbox(message_id)
    if not message.html_body:
        raise errors.NotFound("That message has no HTML part.")
    response = make_response(message.html_body)
    response.headers["Content-Type"] = "text/html; charset=utf-8"
    response.headers["Content-Security-Policy"] = HTML_PART_POLICY
    return response


@bp.route("/<int:message_id>/retry", methods=["POST"])
@login_required
def retry(message_id: int) -> ResponseReturnValue:
    policy.require_staff(current_user)
    try:
        message = service.retry_message(message_id)
    except errors.Conflict as exc:
        flash(exc.message, "error")
    else:
        flash(f"The email to {message.recipient} is queued again and will be sent shortly.",
              "success")
    return redirect(url_for(".outbox", state=MailState.FAILED.value))
