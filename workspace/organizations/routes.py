from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required

from workspace import errors, policy
from workspace.extensions import db
from workspace.organizations import service
from workspace.organizations.forms import OrganizationForm
from workspace.organizations.models import Organization, OrganizationKind

bp = Blueprint("organizations", __name__, url_prefix="/organizations")


@bp.route("/")
@login_required
def index() -> ResponseReturnValue:
    policy.require_staff(current_user)
    asked = request.args.get("kind")
    try:
        kind = OrganizationKind(asked) if asked else None
    except ValueError:
        kind = None
    query = request.args.get("q", "")[:100]
    pagination = service.directory(kind=kind, query=query,
                                   page=max(1, request.args.get("page", 1, type=int) or 1))
    organizations = list(pagination.items)
    return render_template("organizations/index.html", pagination=pagination,
                           organizations=organizations,
                           people=service.people_counts([o.id for o in organizations]),
                           kind=kind, query=query, kinds=list(OrganizationKind),
                           endpoint_args={"kind": kind.value if kind else None,
                                          "q": query or None})


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new() -> ResponseReturnValue:
    policy.require_staff(current_user)
    return _edit_form(None)


@bp.route("/<int:organization_id>/edit", methods=["GET", "POST"])
@login_required
def edit(organization_id: int) -> ResponseReturnValue:
    policy.require_staff(current_user)
    organization = db.session.get(Organization, organization_id)
    if organization is None:
        raise errors.NotFound()
    return _edit_form(organization)


def _edit_form(organization: Organization | None) -> ResponseReturnValue:
    form = OrganizationForm(obj=organization)
    if request.method == "GET" and organization is not None:
        form.kind.data = organization.kind.value
        form.partner_type.data = organization.partner_type or ""
    if form.validate_on_submit():
        try:
            saved = service.save_organization(
                current_user, organization, kind=OrganizationKind(form.kind.data),
                name=form.name.data, short_name=form.short_name.data,
                state_code=form.state_code.data or "", partner_type=form.partner_type.data,
                website=form.website.data or "", state_name=form.state_name.data or "")
        except errors.Invalid as exc:
            form.add_error(exc)
        else:
            flash(f"{saved.name} is saved.", "success")
            return redirect(url_for(".index"))
    return render_template("organizations/edit.html", form=form, organization=organization), (
        422 if form.errors else 200)
