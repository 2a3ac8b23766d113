"""A community's flag queue and moderation log, for its facilitators and network staff."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required

from workspace import errors, policy
from workspace.moderation import service
from workspace.moderation.forms import HideForm
from workspace.policy import Action

bp = Blueprint("moderation", __name__, url_prefix="/communities/<slug>/moderation")


@bp.route("/flags")
@login_required
def flags(slug: str) -> ResponseReturnValue:
    community = policy.community_for(current_user, slug, Action.MODERATE)
    rows = service.flag_queue(current_user, community)
    return render_template("moderation/flags.html", community=community,
                           open_rows=[row for row in rows if row.flag.is_open],
                           closed_rows=[row for row in rows if not row.flag.is_open],
                           may_manage=policy.can(current_user, Action.MANAGE, community))


@bp.route("/flags/<int:flag_id>/dismissal", methods=["POST"])
@login_required
def dismiss_flag(slug: str, flag_id: int) -> ResponseReturnValue:
    community = policy.community_for(current_user, slug, Action.MODERATE)
    flagged = service.flag_in(current_user, community, flag_id)
    try:
        service.dismiss(current_user, flagged)
    except errors.Conflict as exc:
        flash(exc.message, "error")
    else:
        flash("The flag is dismissed; what it was about stays as it is.", "success")
    return redirect(url_for(".flags", slug=slug))


@bp.route("/flags/<int:flag_id>/hide", methods=["GET", "POST"])
@login_required
def hide_flagged(slug: str, flag_id: int) -> ResponseReturnValue:
    community = policy.community_for(current_user, slug, Action.MODERATE)
    flagged = service.flag_in(current_user, community, flag_id)
    form = HideForm()
    if form.validate_on_submit():
        try:
            service.hide_flagged(current_user, flagged, reason=form.reason.data)
        except errors.Invalid as exc:
            form.add_error(exc)
        except errors.Conflict as exc:
            flash(exc.message, "error")
            return redirect(url_for(".flags", slug=slug))
        else:
            flash("It is hidden. Its author sees it with your reason; no one else does.",
                  "success")
            return redirect(url_for(".flags", slug=slug))
    return render_template("moderation/hide.html", community=community, flag=flagged,
                           form=form,
                           may_manage=policy.can(current_user, Action.MANAGE, community)), (
        422 if form.errors else 200)


@bp.route("/log")
@login_required
def moderation_log(slug: str) -> ResponseReturnValue:
    community = policy.community_for(current_user, slug, Action.MODERATE)
    page = max(1, request.args.get("page", 1, type=int) or 1)
    pagination = service.moderation_log(current_user, community, page=page)
    return render_template("moderation/log.html", community=community, pagination=pagination,
                           endpoint_args={"slug": slug},
                           may_manage=policy.can(current_user, Action.MANAGE, community))
