from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required

from workspace import errors, policy
from workspace.announcements import service
from workspace.announcements.forms import AnnouncementForm
from workspace.announcements.models import Announcement

bp = Blueprint("announcements", __name__, url_prefix="/news")


@bp.route("/")
def index() -> ResponseReturnValue:
    return render_template("announcements/index.html",
                           announcements=service.latest_announcements(limit=50))


@bp.route("/<int:announcement_id>")
def show(announcement_id: int) -> ResponseReturnValue:
    announcement = service.announcement_for(current_user, announcement_id)
    return render_template("announcements/show.html", announcement=announcement)


@bp.route("/manage")
@login_required
def manage() -> ResponseReturnValue:
    policy.require_staff(current_user)
    return render_template("announcements/manage.html",
                           announcements=service.all_announcements())


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new() -> ResponseReturnValue:
    policy.require_staff(current_user)
    return _edit_form(None)


@bp.route("/<int:announcement_id>/edit", methods=["GET", "POST"])
@login_required
def edit(announcement_id: int) -> ResponseReturnValue:
    policy.require_staff(current_user)
    return _edit_form(service.announcement_for(current_user, announcement_id))


def _edit_form(announcement: Announcement | None) -> ResponseReturnValue:
    form = AnnouncementForm(obj=announcement)
    if request.method == "GET" and announcement is not None:
        form.publish.data = announcement.is_published
    if form.validate_on_submit():
        try:
            saved = service.save_announcement(current_user, announcement, title=form.title.data,
                                              byline=form.byline.data, body=form.body.data,
                                              publish=form.publish.data)
        except errors.Invalid as exc:
            form.add_error(exc)
        else:
            flash("The announcement is published." if saved.is_published
                  else "The announcement is saved as a draft.", "success")
            return redirect(url_for(".manage"))
    return render_template("announcements/edit.html", form=form, announcement=announcement), (
        422 if form.errors else 200)


@bp.route("/<int:announcement_id>/deletion", methods=["POST"])
@login_required
def delete(announcement_id: int) -> ResponseReturnValue:
    policy.require_staff(current_user)
    announcement = service.announcement_for(current_user, announcement_id)
    service.delete_announcement(current_user, announcement)
    flash("The announcement is deleted.", "success")
    return redirect(url_for(".manage"))
