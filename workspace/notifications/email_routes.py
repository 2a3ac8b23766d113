"""Email settings (a person's and a community's defaults) and unsubscribing without signing in."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required

from workspace import errors, policy
from workspace.auth.models import User
from workspace.extensions import csrf, db, limiter
from workspace.notifications import email_settings, preferences
from workspace.notifications.email import (
    is_known_scope,
    read_undo_token,
    read_unsubscribe_token,
    scope_label,
    undo_token,
)
from workspace.notifications.email_forms import (
    FOLLOW_DEFAULT,
    PAGE_CATEGORIES,
    CommunityDefaultsForm,
    EmailSettingsForm,
    chosen_cadence,
)
from workspace.notifications.kinds import CATEGORIES, COMMUNITY_CATEGORIES
from workspace.notifications.models import Cadence, Category
from workspace.policy import Action
from workspace.policy.email import may_set_email_defaults

bp = Blueprint("email_settings", __name__)

# Per address: enough for a person clicking through their inbox, too few to try tokens.
UNSUBSCRIBE_LIMIT = "30 per minute;300 per day"


@bp.route("/settings/email", methods=["GET", "POST"])
@login_required
def settings() -> ResponseReturnValue:
    action = request.form.get("action") if request.method == "POST" else None
    if action == "reset":
        email_settings.reset_email_settings(current_user)
        flash("Your email settings are back to the defaults.", "success")
        return redirect(url_for(".settings"))
    if action == "resume":
        email_settings.resume_email(current_user)
        flash("Email is on again.", "success")
        return redirect(url_for(".settings"))
    page = email_settings.email_page(current_user)
    form = EmailSettingsForm()
    if request.method == "GET":
        for row in page.rows:
            if row.category in PAGE_CATEGORIES:
                form[row.category.value].data = (
                    row.own.value if row.own is not None else FOLLOW_DEFAULT)
        form["reminder_minutes"].data = page.reminder_minutes
        form["paused"].data = page.paused
        form["paused_until"].data = page.settings.paused_until if page.paused else None
    if form.validate_on_submit():
        try:
            email_settings.save_email_settings(
                current_user,
                cadences={category: chosen_cadence(form, category)
                          for category in PAGE_CATEGORIES},
                reminder_minutes=form["reminder_minutes"].data,
                paused=bool(form["paused"].data), paused_until=form["paused_until"].data)
        except errors.Invalid as exc:
            form.add_error(exc)
        else:
            flash("Your email settings are saved.", "success")
            return redirect(url_for(".settings"))
    status = 422 if form.errors else 200
    return render_template("notifications/email_settings.html", page=page, form=form,
                           rows=[row for row in page.rows if row.category in PAGE_CATEGORIES],
                           reminders=CATEGORIES[Category.REMINDERS]), status


@bp.route("/communities/<slug>/email-defaults", methods=["GET", "POST"])
@login_required
def community_defaults(slug: str) -> ResponseReturnValue:
    community = policy.community_for(current_user, slug, Action.READ)
    policy.require(current_user, may_set_email_defaults, community)
    form = CommunityDefaultsForm()
    if request.method == "GET":
        for category, cadence in preferences.community_defaults(community).items():
            form[category.value].data = cadence.value
    if form.validate_on_submit():
        try:
            email_settings.set_community_defaults(
                current_user, community,
                {category: Cadence(form[category.value].data)
                 for category in COMMUNITY_CATEGORIES})
        except errors.Invalid as exc:
            form.add_error(exc)
        else:
            flash("The community's email defaults are saved. People's own choices still win.",
                  "success")
            return redirect(url_for(".community_defaults", slug=slug))
    status = 422 if form.errors else 200
    return render_template("notifications/community_defaults.html", community=community,
                           form=form, categories=[(category, CATEGORIES[category])
                                                  for category in COMMUNITY_CATEGORIES]), status


# --- Unsubscribing: the signed token is the credential, so no one needs to sign in ----------

def _not_recognized() -> ResponseReturnValue:
    return render_template("notifications/unsubscribe.html", state="unknown"), 404


@bp.route("/email/unsubscribe/<token>", methods=["GET", "POST"])
@csrf.exempt  # mail clients POST the link without a form (RFC 8058); the token is the credential
@limiter.limit(UNSUBSCRIBE_LIMIT)
def unsubscribe(token: str) -> ResponseReturnValue:
    found = read_unsubscribe_token(token)
    person = db.session.get(User, found[0]) if found is not None else None
    if found is None or person is None or not is_known_scope(found[1]):
        return _not_recognized()
    scope = found[1]
    if request.method == "GET":
        return render_template("notifications/unsubscribe.html", state="confirm",
                               person=person, label=scope_label(scope))
    changed = email_settings.unsubscribe(person, scope)
    if changed is None:
        return _not_recognized()
    if request.form.get("List-Unsubscribe") == "One-Click":
        return "", 204  # a mail client's one-click request: no one to show a page to
    return render_template("notifications/unsubscribe.html", state="done", person=person,
                           label=scope_label(scope),
                           undo=undo_token(person.id, changed) if changed else None)


@bp.route("/email/unsubscribe/undo/<token>", methods=["POST"])
@limiter.limit(UNSUBSCRIBE_LIMIT)
def undo_unsubscribe(token: str) -> ResponseReturnValue:
    found = read_undo_token(token)
    person = db.session.get(User, found[0]) if found is not None else None
    if found is None or person is None:
        return _not_recognized()
    back = email_settings.undo_unsubscribe(person, found[1])
    return render_template("notifications/unsubscribe.html", state="undone", person=person,
                           labels=[CATEGORIES[category].label for category in back])
