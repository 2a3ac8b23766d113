from __future__ import annotations

from enum import StrEnum
from typing import TypeVar

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required

from workspace import errors, policy
from workspace.auth.service import person as person_by_id
from workspace.communities import (
    notices,  # noqa: F401 - what its notices are about
    service,
)
from workspace.communities.forms import (
    AddMemberForm,
    AddOrganizationForm,
    CommunityForm,
    DecisionForm,
    InterestForm,
)
from workspace.communities.hooks import catalogue_notes, community_panels
from workspace.communities.models import (
    CommunityKind,
    CommunityRole,
    CommunityStatus,
    InterestStatus,
    OrganizationRole,
)
from workspace.forms import options
from workspace.organizations.models import OrganizationKind
from workspace.organizations.service import (
    organization_choices,
    organization_or_404,
    state_agencies,
)
from workspace.policy import Action

bp = Blueprint("communities", __name__, url_prefix="/communities")
E = TypeVar("E", bound=StrEnum)


def _enum_arg(enum_class: type[E], name: str) -> E | None:
    value = request.args.get(name) or None
    try:
        return enum_class(value) if value else None
    except ValueError:
        return None


def _state_arg(name: str) -> str | None:
    return (request.args.get(name) or "").strip().upper()[:2] or None


def _my_state(viewer: policy.Person) -> str | None:
    """The state whose education agency the person works for, if they do."""
    if not viewer.is_authenticated:
        return None
    organization = viewer.organization
    return organization.state_code if organization.kind is OrganizationKind.SEA else None


@bp.route("/")
def catalogue() -> ResponseReturnValue:
    filters = service.CatalogueFilters(
        kind=_enum_arg(CommunityKind, "kind"), status=_enum_arg(CommunityStatus, "status"),
        state_code=_state_arg("state"), open_to=_state_arg("open_to"),
        topic=request.args.get("topic") or None, words=(request.args.get("q") or "")[:200])
    pagination = service.catalogue_page(current_user, filters,
                                        page=request.args.get("page", 1, type=int) or 1)
    states = state_agencies()
    return render_template("communities/catalogue.html", communities=pagination.items,
                           notes=catalogue_notes(current_user, list(pagination.items)),
                           pagination=pagination, endpoint_args=filters.query_args(),
                           filters=filters, states=states, topics=service.all_topics(),
                           state_names={a.state_code: a.state_name for a in states},
                           my_state=_my_state(current_user),
                           kinds=list(CommunityKind), statuses=list(CommunityStatus))


@bp.route("/<slug>")
def show(slug: str) -> ResponseReturnValue:
    community = policy.community_for(current_user, slug)
    return render_template("communities/show.html", community=community,
                           overview=service.overview(current_user, community),
                           panels=community_panels(current_user, community),
                           role=policy.role_in(current_user, community),
                           can=lambda action: policy.can(current_user, action, community),
                           Action=Action, interest_form=InterestForm())


@bp.route("/<slug>/members")
@login_required
def members(slug: str) -> ResponseReturnValue:
    community = policy.community_for(current_user, slug, Action.READ)
    memberships = service.member_directory(current_user, community)
    may_manage = policy.can(current_user, Action.MANAGE, community)
    standing = policy.standing_in(current_user, community)
    add_form = None
    if may_manage or standing.is_state_contact:
        add_form = AddMemberForm()
        add_form.user_id.choices = options(
            (person.id, f"{person.name} ({person.organization.short_name})")
            for person in service.people_to_add(current_user, community))
        if not may_manage:
            add_form.role.choices = options([(CommunityRole.MEMBER.value,
                                              CommunityRole.MEMBER.label)])
    return render_template("communities/members.html", community=community,
                           memberships=memberships, may_manage=may_manage, add_form=add_form,
                           may_invite=policy.may_invite(current_user, community),
                           may_moderate=policy.can(current_user, Action.MODERATE, community))


@bp.route("/<slug>/members", methods=["POST"])
@login_required
def add_member(slug: str) -> ResponseReturnValue:
    community = policy.community_for(current_user, slug, Action.READ)
    person = person_by_id(request.form.get("user_id", type=int) or 0)
    try:
        role = CommunityRole(request.form.get("role") or "member")
    except ValueError:
        role = CommunityRole.MEMBER
    try:
        service.add_member(current_user, community, person, role=role)
    except errors.WorkspaceError as exc:
        flash(exc.message, "error")
    else:
        flash(f"{person.name} is now in the community as {role.label.lower()}.", "success")
    return redirect(url_for(".members", slug=slug))


@bp.route("/<slug>/members/<int:membership_id>/removal", methods=["POST"])
@login_required
def remove_member(slug: str, membership_id: int) -> ResponseReturnValue:
    community = policy.community_for(current_user, slug, Action.READ)
    membership = service.membership_in(community, membership_id)
    leaving = membership.user_id == current_user.id
    name = membership.user.name
    service.remove_member(current_user, community, membership)
    if leaving:
        flash(f"You have left {community.title}.", "success")
        return redirect(url_for(".show", slug=slug))
    flash(f"{name} is no longer in the community.", "success")
    return redirect(url_for(".members", slug=slug))


@bp.route("/<slug>/membership", methods=["POST"])
@login_required
def join(slug: str) -> ResponseReturnValue:
    community = policy.community_for(current_user, slug)
    service.join(current_user, community)
    flash(f"Welcome to {community.title}.", "success")
    return redirect(url_for(".show", slug=slug))


@bp.route("/<slug>/interest", methods=["POST"])
@login_required
def express_interest(slug: str) -> ResponseReturnValue:
    community = policy.community_for(current_user, slug)
    form = InterestForm()
    if form.validate_on_submit():
        try:
            service.express_interest(current_user, community,
                                     problem_of_practice=form.problem_of_practice.data)
        except (errors.Invalid, errors.Conflict) as exc:
            form.add_error(exc)
        else:
            flash("Thank you. The facilitators have your state's interest and will reply by "
                  "email.", "success")
            return redirect(url_for(".show", slug=slug))
    return render_template("communities/show.html", community=community,
                           overview=service.overview(current_user, community),
                           role=policy.role_in(current_user, community),
                           can=lambda action: policy.can(current_user, action, community),
                           Action=Action, interest_form=form), 422


@bp.route("/<slug>/interests")
@login_required
def interests(slug: str) -> ResponseReturnValue:
    community = policy.community_for(current_user, slug, Action.MANAGE)
    return render_template("communities/interests.html", community=community,
                           interests=service.interest_queue(current_user, community),
                           seats=service.seats_taken(community), form=DecisionForm())


@bp.route("/<slug>/interests/<int:interest_id>", methods=["POST"])
@login_required
def decide_interest(slug: str, interest_id: int) -> ResponseReturnValue:
    community = policy.community_for(current_user, slug, Action.MANAGE)
    interest = service.interest_in(community, interest_id)
    form = DecisionForm()
    if form.validate_on_submit():
        try:
            service.decide_interest(current_user, interest, InterestStatus(form.decision.data),
                                    message=form.message.data)
        except (errors.Invalid, errors.Conflict) as exc:
            flash(exc.message, "error")
        else:
            flash(f"{interest.organization.name}: {interest.status.label.lower()}. Their contact "
                  "has been told by email and in the app.", "success")
    else:
        flash("Choose accept, waitlist or decline.", "error")
    return redirect(url_for(".interests", slug=slug))


# --- Staff screens ---------------------------------------------------------------------------

@bp.route("/manage")
@login_required
def admin_index() -> ResponseReturnValue:
    return render_template("communities/admin_index.html",
                           communities=service.all_communities_for_admin(current_user))


def _lines(value: str | list[str] | None) -> list[str]:
    # A field left out of the request keeps the model's list; a sent one is text, a line each.
    return list(value) if isinstance(value, list) else (value or "").splitlines()


def _fields_from(form: CommunityForm) -> service.CommunityFields:
    return service.CommunityFields(
        title=form.title.data or "", slug=form.slug.data or "",
        kind=CommunityKind(form.kind.data), status=CommunityStatus(form.status.data),
        timeframe=form.timeframe.data or "", starts_on=form.starts_on.data,
        ends_on=form.ends_on.data, summary=form.summary.data or "",
        description=form.description.data or "",
        objectives=_lines(form.objectives.data),
        intended_outcomes=_lines(form.intended_outcomes.data),
        session_topics=_lines(form.session_topics.data),
        topics=form.topics.data if isinstance(form.topics.data, list) else (
            (form.topics.data or "").split(",")),
        subject_matter_experts=_lines(form.subject_matter_experts.data),
        recruiting_note=form.recruiting_note.data or "",
        capacity=form.capacity.data, is_public=form.is_public.data)


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new() -> ResponseReturnValue:
    policy.require_staff(current_user)
    form = CommunityForm()
    if form.validate_on_submit():
        try:
            community = service.save_community(current_user, None, _fields_from(form))
        except errors.Invalid as exc:
            form.add_error(exc)
        else:
            flash(f"{community.title} is created.", "success")
            return redirect(url_for(".show", slug=community.slug))
    return render_template("communities/edit.html", form=form, community=None), (
        422 if form.errors else 200)


@bp.route("/<slug>/edit", methods=["GET", "POST"])
@login_required
def edit(slug: str) -> ResponseReturnValue:
    community = policy.community_for(current_user, slug, Action.MANAGE)
    form = CommunityForm(obj=community)
    if request.method == "GET":
        form.objectives.data = "\n".join(community.objectives)
        form.intended_outcomes.data = "\n".join(community.intended_outcomes)
        form.session_topics.data = "\n".join(community.session_topics)
        form.subject_matter_experts.data = "\n".join(community.subject_matter_experts)
        form.topics.data = ", ".join(community.topics)
        form.kind.data = community.kind.value
        form.status.data = community.status.value
    if form.validate_on_submit():
        try:
            community = service.save_community(current_user, community, _fields_from(form))
        except errors.Invalid as exc:
            form.add_error(exc)
        else:
            flash("The community is saved.", "success")
            return redirect(url_for(".show", slug=community.slug))
    organization_form = AddOrganizationForm()
    organization_form.organization_id.choices = options(organization_choices())
    return render_template("communities/edit.html", form=form, community=community,
                           overview=service.overview(current_user, community),
                           organization_form=organization_form), 422 if form.errors else 200


@bp.route("/<slug>/organizations", methods=["POST"])
@login_required
def add_organization(slug: str) -> ResponseReturnValue:
    community = policy.community_for(current_user, slug, Action.MANAGE)
    organization = organization_or_404(request.form.get("organization_id", type=int))
    try:
        role = OrganizationRole(request.form.get("role") or "participant")
        service.add_organization(current_user, community, organization, role=role)
    except (ValueError, errors.Invalid) as exc:
        flash(getattr(exc, "message", "Choose participant or partner."), "error")
    else:
        flash(f"{organization.name} now takes part as {role.value}.", "success")
    return redirect(url_for(".edit", slug=slug) + "#organizations")


@bp.route("/<slug>/organizations/<int:organization_id>/withdrawal", methods=["POST"])
@login_required
def withdraw_organization(slug: str, organization_id: int) -> ResponseReturnValue:
    community = policy.community_for(current_user, slug, Action.MANAGE)
    organization = organization_or_404(organization_id)
    try:
        service.withdraw_organization(current_user, community, organization)
    except errors.Invalid as exc:
        flash(exc.message, "error")
    else:
        flash(f"{organization.name} is withdrawn. Its people no longer see members-only content; "
              "what they wrote stays.", "success")
    return redirect(url_for(".edit", slug=slug) + "#organizations")
