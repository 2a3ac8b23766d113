"""Accounts: sign-in, invitations, password resets, profiles and deactivation."""

from __future__ import annotations

from datetime import timedelta

from email_validator import EmailNotValidError, validate_email
from flask import current_app, url_for
from flask_sqlalchemy.pagination import Pagination
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import func, or_, select
from sqlalchemy.orm import contains_eager, joinedload
from werkzeug.security import check_password_hash, generate_password_hash

from workspace import errors, policy, realtime, timezones
from workspace.auth.handles import check_handle, suggest_handle
from workspace.auth.models import Invitation, User
from workspace.communities.models import Community, CommunityRole, Membership
from workspace.communities.service import add_member, check_role_fits_organization
from workspace.database import utcnow
from workspace.extensions import db
from workspace.mail.service import queue_email
from workspace.organizations.models import Organization, OrganizationKind

MIN_PASSWORD_LENGTH = 10
# A check is made against this hash when no account matches, so timing reveals nothing.
_UNUSED_HASH = generate_password_hash("unused-password-for-timing")


def normalize_email(address: str) -> str:
    """A valid address, lower-cased, or Invalid with a message about the field."""
    try:
        result = validate_email((address or "").strip(), check_deliverability=False)
    except EmailNotValidError:
        raise errors.Invalid("Enter an email address like name@agency.gov.",
                             field="email") from None
    return result.normalized.lower()


def user_by_email(address: str) -> User | None:
    return db.session.scalar(select(User).where(func.lower(User.email) == address.strip().lower()))


def authenticate(email: str, password: str) -> User:
    """The active account for this email and password, or Invalid."""
    user = user_by_email(email or "")
    if user is None or user.password_hash is None:
        check_password_hash(_UNUSED_HASH, password or "")
        raise errors.Invalid("That email and password don't match an active account.")
    if not check_password_hash(user.password_hash, password or "") or user.is_deactivated:
        raise errors.Invalid("That email and password don't match an active account.")
    user.last_signed_in_at = utcnow()
    db.session.commit()
    return user


def load_session_user(session_id: str) -> User | None:
    """The user a session cookie names, only if that session has not been ended since."""
    user_id, _, version = session_id.partition(":")
    if not user_id.isdigit() or not version.isdigit():
        return None
    user = db.session.get(User, int(user_id))
    if user is None or user.session_version != int(version) or not user.is_active:
        return None
    return user


def end_all_sessions(user: User) -> None:
    """Sign the person out everywhere: every earlier session cookie stops working."""
    _end_sessions(user)
    db.session.commit()


def _end_sessions(user: User) -> None:
    """Every earlier session cookie stops working, and (after the commit) every open live
    connection closes: a page that reconnects with a session still valid is let back in."""
    user.session_version += 1
    realtime.disconnect([user.id])


def check_new_password(password: str, confirm: str, *, email: str = "") -> None:
    if len(password or "") < MIN_PASSWORD_LENGTH:
        raise errors.Invalid(f"Use at least {MIN_PASSWORD_LENGTH} characters.", field="password")
    if password != confirm:
        raise errors.Invalid("The two passwords don't match.", field="confirm")
    if email and password.strip().lower() in {email.lower(), email.split("@")[0].lower()}:
        raise errors.Invalid("Choose a password that isn't your email address.", field="password")


def change_password(user: User, *, current: str, password: str, confirm: str) -> None:
    """Set a new password after checking the current one; other sessions end."""
    if not user.password_hash or not check_password_hash(user.password_hash, current or ""):
        raise errors.Invalid("Your current password isn't right.", field="current")
    check_new_password(password, confirm, email=user.email)
    user.password_hash = generate_password_hash(password)
    _end_sessions(user)
    db.session.commit()


def update_profile(user: User, *, name: str, title: str, phone: str, time_zone: str,
                   handle: str | None = None) -> None:
    """Save the person's own name, title, phone, time zone and (when given) handle."""
    kept = user.handle if handle is None else check_handle(user, handle)
    _apply_profile(user, name=name, title=title, phone=phone, time_zone=time_zone)
    user.handle = kept
    db.session.commit()


def _apply_profile(user: User, *, name: str, title: str, phone: str, time_zone: str,
                   zone_chosen: bool = True) -> None:
    if not (name or "").strip():
        raise errors.Invalid("Enter your name as colleagues know it.", field="name")
    timezones.zone(time_zone)  # Invalid beside the field if it isn't a zone
    user.name = name.strip()[:120]
    user.title = (title or "").strip()[:120]
    user.phone = (phone or "").strip()[:40]
    if zone_chosen:
        _settle_time_zone(user, time_zone)
    else:
        user.time_zone = time_zone


def _settle_time_zone(user: User, time_zone: str) -> None:
    # Stamped when first confirmed or changed: saving the same zone again changes nothing.
    if user.time_zone_confirmed_at is None or user.time_zone != time_zone:
        user.time_zone_confirmed_at = utcnow()
    user.time_zone = time_zone


def confirm_time_zone(user: User, time_zone: str) -> str:
    """Save the zone the person says they are in (a listed one keeping its clock); its name."""
    listed = timezones.listed_zone_for(time_zone or "")
    if listed is None:
        shown = (time_zone or "").strip()[:64]
        try:
            timezones.zone(time_zone)
        except errors.Invalid:
            raise errors.Invalid(f"“{shown}” isn't a time zone we know. Choose yours in your "
                                 "profile.", field="time_zone") from None
        raise errors.Invalid(f"None of the workspace's time zones keeps the same clock as "
                             f"{shown}. Choose the nearest one in your profile.",
                             field="time_zone")
    _settle_time_zone(user, listed)
    db.session.commit()
    return listed


# --- Signed links ---------------------------------------------------------------------------

def _serializer(purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=f"workspace.{purpose}")


def invitation_token(invitation: Invitation) -> str:
    return _serializer("invitation").dumps({"invitation": invitation.id})


def reset_token(user: User) -> str:
    # Tied to the current password hash, so the link dies once it has been used.
    return _serializer("password-reset").dumps({"user": user.id,
                                                 "stamp": (user.password_hash or "")[-16:]})


def _load_token(purpose: str, token: str, max_age: timedelta, expired_message: str) -> dict:
    try:
        data = _serializer(purpose).loads(token, max_age=int(max_age.total_seconds()))
    except SignatureExpired:
        raise errors.Invalid(expired_message) from None
    except BadSignature:
        raise errors.NotFound("That link isn't valid. Check that you copied all of it.") from None
    if not isinstance(data, dict):
        raise errors.NotFound("That link isn't valid. Check that you copied all of it.")
    return data


# --- Invitations ----------------------------------------------------------------------------

def invite(inviter: User, *, email: str, name: str, organization: Organization,
           community: Community | None = None, role: CommunityRole | None = None,
           message: str = "") -> Invitation | Membership:
    """Invite an address into an organization (and a community); email them a signed link.

    Someone who already has an account is added to the community straight away instead.
    """
    if not policy.may_invite(inviter, community):
        raise errors.Forbidden("Only network staff and the community's facilitators can invite.")
    address = normalize_email(email)
    if community is not None and role is None:
        raise errors.Invalid("Choose the role they will have in the community.", field="role")
    existing = user_by_email(address)
    if existing is not None:
        if community is None:
            raise errors.Invalid("That person already has an account.", field="email")
        return add_member(inviter, community, existing, role=role or CommunityRole.MEMBER)
    if community is not None and role is not None:
        check_role_fits_organization(community, organization, role)
    pending = db.session.scalar(select(Invitation).where(
        Invitation.email == address, Invitation.accepted_at.is_(None),
        Invitation.revoked_at.is_(None)))
    if pending is not None:
        pending.revoked_at = utcnow()  # the newest invitation is the one that counts
    invitation = Invitation(email=address, name=(name or "").strip()[:120],
                            organization=organization, community=community,
                            community_role=role.value if role else None, invited_by=inviter,
                            message=(message or "").strip()[:2000])
    db.session.add(invitation)
    db.session.flush()
    queue_email(address, f"You're invited to {current_app.config['SITE_NAME']}",
                _invitation_text(invitation))
    db.session.commit()
    return invitation


def _invitation_text(invitation: Invitation) -> str:
    link = url_for("auth.accept_invitation", token=invitation_token(invitation), _external=True)
    days = current_app.config["INVITATION_MAX_AGE"].days
    site = current_app.config["SITE_NAME"]
    joining = (f"to join {invitation.community.title} {invitation.role.as_phrase}"
               if invitation.community and invitation.role else f"to {site}")
    note = f"\n\nTheir note:\n{invitation.message}\n" if invitation.message else ""
    return (f"Hello{(' ' + invitation.name) if invitation.name else ''},\n\n"
            f"{invitation.invited_by.name} has invited you {joining} on {site}, "
            f"as part of {invitation.organization.name}.{note}\n"
            f"Set your password and profile here (the link works for {days} days, once):\n"
            f"{link}\n\nIf you weren't expecting this, you can ignore this email.\n")


def invitation_from_token(token: str) -> Invitation:
    """The open invitation a link names, or a clear reason it can't be used."""
    data = _load_token("invitation", token, current_app.config["INVITATION_MAX_AGE"],
                       "This invitation has expired. Ask the person who invited you to send "
                       "a new one.")
    invitation = db.session.get(Invitation, data.get("invitation"))
    if invitation is None or invitation.revoked_at is not None:
        raise errors.Invalid("This invitation was replaced or withdrawn. Use the newest "
                             "invitation email, or ask for a new one.")
    if invitation.accepted_at is not None:
        raise errors.Conflict("This invitation has already been used. Sign in with the email "
                              "address and password you chose.")
    return invitation


def accept_invitation(token: str, *, name: str, title: str, phone: str, time_zone: str,
                      password: str, confirm: str, zone_chosen: bool = True) -> User:
    """Create the invited person's account (and membership) from a valid link.

    `zone_chosen=False` (the demo's people) leaves the time zone for them to confirm.
    """
    invitation = invitation_from_token(token)
    if user_by_email(invitation.email) is not None:
        raise errors.Conflict("An account with this email address already exists. Sign in.")
    check_new_password(password, confirm, email=invitation.email)
    user = User(email=invitation.email, organization=invitation.organization,
                password_hash=generate_password_hash(password), name="")
    _apply_profile(user, name=name, title=title, phone=phone, time_zone=time_zone,
                   zone_chosen=zone_chosen)
    user.handle = suggest_handle(user.name, user.email)  # theirs to change in their profile
    db.session.add(user)
    invitation.accepted_at = utcnow()
    if invitation.community is not None and invitation.role is not None:
        db.session.add(Membership(community=invitation.community, user=user,
                                  role=invitation.role, added_by_id=invitation.invited_by_id))
    user.last_signed_in_at = utcnow()
    db.session.commit()
    return user


def pending_invitations(*, page: int) -> Pagination:
    stmt = (select(Invitation).where(Invitation.accepted_at.is_(None),
                                     Invitation.revoked_at.is_(None))
            .options(joinedload(Invitation.organization), joinedload(Invitation.community),
                     joinedload(Invitation.invited_by))
            .order_by(Invitation.id.desc()))
    return db.paginate(stmt, page=page, per_page=25, error_out=False)


def invitation_for(actor: User, invitation_id: int) -> Invitation:
    invitation = db.session.get(Invitation, invitation_id)
    if invitation is None or not policy.may_invite(actor, invitation.community):
        raise errors.NotFound()
    return invitation


def revoke_invitation(actor: User, invitation: Invitation) -> None:
    """Withdraw an invitation that has not been used yet."""
    if not policy.may_invite(actor, invitation.community):
        raise errors.Forbidden()
    if invitation.accepted_at is not None:
        raise errors.Conflict("That invitation has already been used.")
    invitation.revoked_at = utcnow()
    db.session.commit()


# --- Password reset -------------------------------------------------------------------------

def request_password_reset(email: str) -> None:
    """Email a reset link if the address has an active account; say nothing either way."""
    user = user_by_email(normalize_email(email))
    if user is None or user.is_deactivated or user.password_hash is None:
        return
    hours = int(current_app.config["PASSWORD_RESET_MAX_AGE"].total_seconds() // 3600)
    link = url_for("auth.reset_password", token=reset_token(user), _external=True)
    queue_email(user.email, "Reset your CoP Workspace password",
                f"Hello {user.first_name},\n\nSomeone (we hope you) asked to reset the "
                f"password for {user.email}. Choose a new one here (the link works for "
                f"{hours} hours, once):\n{link}\n\nIf you didn't ask, ignore this email;"
                " your password stays as it is.\n", user_id=user.id)
    db.session.commit()


def user_from_reset_token(token: str) -> User:
    data = _load_token("password-reset", token, current_app.config["PASSWORD_RESET_MAX_AGE"],
                       "This reset link has expired. Ask for a new one below.")
    user = db.session.get(User, data.get("user"))
    if user is None or user.is_deactivated:
        raise errors.NotFound("That link isn't valid. Check that you copied all of it.")
    if (user.password_hash or "")[-16:] != data.get("stamp"):
        raise errors.Conflict("This reset link has already been used. Ask for a new one if you "
                              "still need it.")
    return user


def reset_password(token: str, *, password: str, confirm: str) -> User:
    """Set a new password from a valid reset link; every old session ends."""
    user = user_from_reset_token(token)
    check_new_password(password, confirm, email=user.email)
    user.password_hash = generate_password_hash(password)
    _end_sessions(user)
    user.last_signed_in_at = utcnow()
    db.session.commit()
    return user


# --- People (network staff) ------------------------------------------------------------------

def create_first_staff(*, email: str, name: str, title: str, time_zone: str, password: str,
                       organization_name: str, organization_short_name: str,
                       partner_type: str = "network", zone_chosen: bool = True) -> User:
    """Open an empty workspace: the network's own organization and its first staff account.

    Every other account is invited by someone, and every organization is added by staff, so the
    first staff member is the one person nobody could have invited.
    """
    if db.session.scalar(select(User.id).where(User.is_network_staff.is_(True)).limit(1)):
        raise errors.Conflict("The workspace already has network staff; they invite everyone else.")
    address = normalize_email(email)
    if user_by_email(address) is not None:
        raise errors.Conflict("An account with this email address already exists.")
    check_new_password(password, password, email=address)
    organization = db.session.scalar(select(Organization).where(
        Organization.name == organization_name.strip()))
    if organization is None:
        organization = Organization(kind=OrganizationKind.PARTNER, name=organization_name.strip(),
                                    short_name=organization_short_name.strip(),
                                    partner_type=partner_type)
        db.session.add(organization)
    user = User(email=address, organization=organization, is_network_staff=True,
                password_hash=generate_password_hash(password), name="")
    _apply_profile(user, name=name, title=title, phone="", time_zone=time_zone,
                   zone_chosen=zone_chosen)
    user.handle = suggest_handle(user.name, user.email)
    db.session.add(user)
    db.session.commit()
    return user


def people_page(*, page: int, query: str = "",
                organization_id: int | None = None) -> Pagination:
    stmt = select(User).join(User.organization).order_by(User.name)
    if query.strip():
        like = f"%{query.strip().lower()}%"
        stmt = stmt.where(or_(func.lower(User.name).like(like), func.lower(User.email).like(like)))
    if organization_id:
        stmt = stmt.where(User.organization_id == organization_id)
    stmt = stmt.options(contains_eager(User.organization))
    return db.paginate(stmt, page=page, per_page=50, error_out=False)


def person(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        raise errors.NotFound()
    return user


def update_person(actor: User, user: User, *, name: str, title: str, phone: str,
                  time_zone: str, organization: Organization, is_network_staff: bool) -> None:
    """Staff edit someone's profile, organization and staff role."""
    policy.require_staff(actor)
    if user.id == actor.id and not is_network_staff:
        raise errors.Invalid("You can't remove your own staff role.", field="is_network_staff")
    # Staff choosing another zone for someone settles it; saving other details doesn't.
    _apply_profile(user, name=name, title=title, phone=phone, time_zone=time_zone,
                   zone_chosen=time_zone != user.time_zone)
    if user.organization_id != organization.id or (user.is_network_staff
                                                   and not is_network_staff):
        # They may lose communities: their pages reconnect and rejoin only what they still may.
        realtime.disconnect([user.id])
    if user.organization_id != organization.id:
        user.organization = organization
        policy.forget_standings()
    user.is_network_staff = is_network_staff
    db.session.commit()


def set_deactivated(actor: User, user: User, deactivated: bool) -> None:
    """Deactivate (ending every session) or reactivate an account."""
    policy.require_staff(actor)
    if user.id == actor.id:
        raise errors.Invalid("You can't deactivate your own account.")
    user.is_deactivated = deactivated
    if deactivated:
        _end_sessions(user)
    db.session.commit()
