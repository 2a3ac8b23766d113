from __future__ import annotations

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required, login_user, logout_user

from workspace import errors, policy, timezones
from workspace.auth import service
from workspace.auth.forms import (
    AcceptInvitationForm,
    ChangePasswordForm,
    ForgotPasswordForm,
    InvitationForm,
    PersonForm,
    ProfileForm,
    ResetPasswordForm,
    SignInForm,
)
from workspace.auth.handles import HANDLE_RULE
from workspace.auth.models import Invitation, User
from workspace.communities.models import CommunityRole
from workspace.communities.service import community_choices, community_or_none
from workspace.extensions import limiter, login_manager
from workspace.forms import options
from workspace.organizations.service import organization_choices, organization_or_404
from workspace.security import safe_next

bp = Blueprint("auth", __name__)

login_manager.login_view = "auth.sign_in"
login_manager.login_message = "Please sign in to see that page."
login_manager.login_message_category = "info"
login_manager.session_protection = "basic"


@login_manager.user_loader
def load_user(session_id: str) -> User | None:
    return service.load_session_user(session_id)


def _account_key() -> str:
    return "sign-in:" + (request.form.get("email") or "").strip().lower()


def _failed(response: object) -> bool:
    return getattr(response, "status_code", 200) != 302


def _account_limit() -> str:
    return current_app.config["LOGIN_LIMIT_PER_ACCOUNT"]


def _address_limit() -> str:
    return current_app.config["LOGIN_LIMIT_PER_ADDRESS"]


@bp.route("/sign-in", methods=["GET", "POST"])
@limiter.limit(_account_limit, key_func=_account_key, methods=["POST"], deduct_when=_failed,
               error_message="Too many sign-in attempts for this account. Wait 15 minutes, or "
                             "reset your password.")
@limiter.limit(_address_limit, methods=["POST"], deduct_when=_failed,
               error_message="Too many sign-in attempts from your network. Wait 15 minutes and "
                             "try again.")
def sign_in() -> ResponseReturnValue:
    if current_user.is_authenticated:
        return redirect(safe_next(request.args.get("next"), url_for("home.index")))
    form = SignInForm()
    if form.validate_on_submit():
        try:
            user = service.authenticate(form.email.data, form.password.data)
        except errors.Invalid as exc:
            form.add_error(exc)
        else:
            session.clear()  # a fresh session: nothing carried over from before sign-in
            login_user(user)
            flash(f"Welcome back, {user.first_name}.", "success")
            return redirect(safe_next(request.args.get("next"), url_for("home.index")))
    return render_template("auth/sign_in.html", form=form), 422 if form.errors else 200


@bp.route("/sign-out", methods=["POST"])
@login_required
def sign_out() -> ResponseReturnValue:
    service.end_all_sessions(current_user)
    logout_user()
    session.clear()
    flash("You are signed out on every device.", "success")
    return redirect(url_for("home.index"))


@bp.route("/invitations/<token>", methods=["GET", "POST"])
def accept_invitation(token: str) -> ResponseReturnValue:
    # Someone already signed in (say, the inviter testing the link) is signed out only when the
    # form is sent: opening a link must not change anything.
    try:
        invitation = service.invitation_from_token(token)
    except (errors.Invalid, errors.Conflict, errors.NotFound) as exc:
        return render_template("auth/link_problem.html", message=exc.message,
                               heading="This invitation can't be used"), exc.status
    form = AcceptInvitationForm(name=invitation.name) if request.method == "GET" else (
        AcceptInvitationForm())
    if form.validate_on_submit():
        try:
            user = service.accept_invitation(
                token, name=form.name.data, title=form.title.data, phone=form.phone.data,
                time_zone=form.time_zone.data, password=form.password.data,
                confirm=form.confirm.data)
        except errors.WorkspaceError as exc:
            form.add_error(exc)
        else:
            session.clear()
            login_user(user)
            flash("Welcome to CoP Workspace. Your account is ready.", "success")
            if invitation.community is not None:
                return redirect(url_for("communities.show", slug=invitation.community.slug))
            return redirect(url_for("home.index"))
    return render_template("auth/accept_invitation.html", form=form, invitation=invitation), (
        422 if form.errors else 200)


@bp.route("/password/forgot", methods=["GET", "POST"])
@limiter.limit("10 per hour", methods=["POST"])
def forgot_password() -> ResponseReturnValue:
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        try:
            service.request_password_reset(form.email.data)
        except errors.Invalid as exc:
            form.add_error(exc)
        else:
            flash("If that address has an account, a reset link is on its way. It works for two "
                  "hours.", "success")
            return redirect(url_for(".sign_in"))
    return render_template("auth/forgot_password.html", form=form), 422 if form.errors else 200


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str) -> ResponseReturnValue:
    try:
        service.user_from_reset_token(token)
    except (errors.Invalid, errors.Conflict, errors.NotFound) as exc:
        return render_template("auth/link_problem.html", message=exc.message,
                               heading="This reset link can't be used",
                               offer_reset=True), exc.status
    form = ResetPasswordForm()
    if form.validate_on_submit():
        try:
            user = service.reset_password(token, password=form.password.data,
                                          confirm=form.confirm.data)
        except errors.WorkspaceError as exc:
            form.add_error(exc)
        else:
            session.clear()
            login_user(user)
            flash("Your password is changed, and you are signed out everywhere else.", "success")
            return redirect(url_for("home.index"))
    return render_template("auth/reset_password.html", form=form), 422 if form.errors else 200


@bp.route("/account", methods=["GET", "POST"])
@login_required
def profile() -> ResponseReturnValue:
    form = ProfileForm(obj=current_user)
    if form.validate_on_submit():
        try:
            service.update_profile(current_user, name=form.name.data, title=form.title.data,
                                   phone=form.phone.data, time_zone=form.time_zone.data,
                                   handle=form.handle.data)
        except errors.Invalid as exc:
            form.add_error(exc)
        else:
            flash("Your profile is saved.", "success")
            return redirect(url_for(".profile"))
    return (render_template("auth/profile.html", form=form, handle_rule=HANDLE_RULE),
            422 if form.errors else 200)


@bp.route("/profile/time-zone", methods=["POST"])
@login_required
def confirm_time_zone() -> ResponseReturnValue:
    # The prompt on every page until the person confirms: it posts the zone they have or the one
    # their device reports. No field to show an error beside, so errors are flashed.
    try:
        chosen = service.confirm_time_zone(current_user, request.form.get("time_zone", ""))
    except errors.Invalid as exc:
        flash(exc.message, "error")
    else:
        flash(f"Times now show in {timezones.zone_phrase(chosen)}.", "success")
    return redirect(safe_next(request.form.get("next"), url_for("home.index")))


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password() -> ResponseReturnValue:
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            service.change_password(current_user, current=form.current.data,
                                    password=form.password.data, confirm=form.confirm.data)
        except errors.Invalid as exc:
            form.add_error(exc)
        else:
            # This session carries on under the new session version; the others are over.
            login_user(current_user._get_current_object())
            flash("Your password is changed. Other devices have been signed out.", "success")
            return redirect(url_for(".profile"))
    return render_template("auth/change_password.html", form=form), 422 if form.errors else 200


# --- Invitations and people: staff, and facilitators for their communities ------------------

@bp.route("/invitations/new", methods=["GET", "POST"])
@login_required
def new_invitation() -> ResponseReturnValue:
    community = community_or_none(request.args.get("community", type=int) or
                                  request.form.get("community_id", type=int))
    if not policy.may_invite(current_user, community):
        raise errors.Forbidden("Only network staff and a community's facilitators can invite.")
    form = InvitationForm(community_id=community.id if community else 0)
    form.organization_id.choices = options([(0, "Choose an organization"),
                                            *organization_choices()])
    form.community_id.choices = options([(0, "No community (network account only)"),
                                         *community_choices(current_user)])
    form.role.choices = options([("", "—"), *((role.value, role.label) for role in CommunityRole)])
    if form.validate_on_submit():
        try:
            result = service.invite(
                current_user, email=form.email.data, name=form.name.data,
                organization=organization_or_404(form.organization_id.data),
                community=community_or_none(form.community_id.data),
                role=CommunityRole(form.role.data) if form.role.data else None,
                message=form.message.data)
        except errors.WorkspaceError as exc:
            form.add_error(exc)
        else:
            if isinstance(result, Invitation):
                flash(f"Invitation sent to {result.email}.", "success")
            else:
                flash(f"{result.user.name} already had an account and is now in the community.",
                      "success")
            if community is not None:
                return redirect(url_for("communities.members", slug=community.slug))
            return redirect(url_for(".people"))
    return render_template("auth/new_invitation.html", form=form, community=community), (
        422 if form.errors else 200)


@bp.route("/people")
@login_required
def people() -> ResponseReturnValue:
    policy.require_staff(current_user)
    query = request.args.get("q", "")
    pagination = service.people_page(page=request.args.get("page", 1, type=int), query=query)
    invitations = service.pending_invitations(page=1)
    return render_template("auth/people.html", pagination=pagination, query=query,
                           invitations=invitations, endpoint_args={"q": query})


@bp.route("/people/<int:user_id>", methods=["GET", "POST"])
@login_required
def edit_person(user_id: int) -> ResponseReturnValue:
    policy.require_staff(current_user)
    person = service.person(user_id)
    form = PersonForm(obj=person)
    form.organization_id.choices = options(organization_choices())
    if form.validate_on_submit():
        try:
            service.update_person(current_user, person, name=form.name.data,
                                  title=form.title.data, phone=form.phone.data,
                                  time_zone=form.time_zone.data,
                                  organization=organization_or_404(form.organization_id.data),
                                  is_network_staff=form.is_network_staff.data)
        except errors.Invalid as exc:
            form.add_error(exc)
        else:
            flash(f"{person.name}'s account is saved.", "success")
            return redirect(url_for(".people"))
    return render_template("auth/edit_person.html", form=form, person=person), (
        422 if form.errors else 200)


@bp.route("/people/<int:user_id>/deactivation", methods=["POST"])
@login_required
def deactivate_person(user_id: int) -> ResponseReturnValue:
    policy.require_staff(current_user)
    person = service.person(user_id)
    deactivate = request.form.get("action") != "reactivate"
    try:
        service.set_deactivated(current_user, person, deactivate)
    except errors.Invalid as exc:
        flash(exc.message, "error")
    else:
        outcome = "deactivated and signed out everywhere" if deactivate else "active again"
        flash(f"{person.name} is {outcome}.", "success")
    return redirect(url_for(".edit_person", user_id=person.id))


@bp.route("/invitations/<int:invitation_id>/revocation", methods=["POST"])
@login_required
def revoke_invitation(invitation_id: int) -> ResponseReturnValue:
    invitation = service.invitation_for(current_user, invitation_id)
    try:
        service.revoke_invitation(current_user, invitation)
    except errors.WorkspaceError as exc:
        flash(exc.message, "error")
    else:
        flash(f"The invitation to {invitation.email} is withdrawn.", "success")
    if invitation.community is not None and not policy.is_staff(current_user):
        return redirect(url_for("communities.members", slug=invitation.community.slug))
    return redirect(url_for(".people"))
