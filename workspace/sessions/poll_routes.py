"""A session's polls page: the facilitators prepare polls before the session, change or drop
them until they are asked, and copy polls from the community's other sessions."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from workspace import errors, policy
from workspace.communities.models import Community
from workspace.policy import Action
from workspace.policy import polls as poll_policy
from workspace.sessions import pages, polls
from workspace.sessions.models import LiveSession
from workspace.sessions.poll_forms import PollForm
from workspace.sessions.poll_models import FEWEST_OPTIONS, MOST_OPTIONS, OPTION_MAX, Poll
from workspace.writing import signed_in

bp = Blueprint("polls", __name__, url_prefix="/communities/<slug>/sessions/<int:session_id>/polls")


def me() -> policy.Person:
    return current_user._get_current_object()


def _session(slug: str, session_id: int) -> tuple[Community, LiveSession]:
    community = policy.community_for(me(), slug, Action.READ)
    session = pages.session_in(me(), community, session_id)
    policy.require(me(), poll_policy.may_prepare_polls, session)
    return community, session


def _render(template: str, community: Community, session: LiveSession, status: int = 200,
            **context: Any) -> ResponseReturnValue:
    standing = policy.standing_in(me(), community)
    hint = (f"One a line, {FEWEST_OPTIONS} to {MOST_OPTIONS} options, each under "
            f"{OPTION_MAX} characters.")
    return render_template(template, community=community, session=session,
                           may_manage=standing.manages, may_moderate=standing.moderates,
                           options_hint=hint, **context), status


def _back(session: LiveSession) -> ResponseReturnValue:
    return redirect(url_for(".index", slug=session.community.slug, session_id=session.id))


@bp.route("", methods=["GET", "POST"])
@signed_in
def index(slug: str, session_id: int) -> ResponseReturnValue:
    community, session = _session(slug, session_id)
    form = PollForm()
    if form.validate_on_submit():
        try:
            polls.create_poll(me(), session, question=form.question.data, kind=form.kind.data,
                              options=form.option_lines(), for_series=bool(form.for_series.data))
        except errors.Invalid as exc:
            form.add_error(exc)
        else:
            flash("The poll is ready to ask in the room.", "success")
            return _back(session)
    session_polls = polls.polls_of(session)
    return _render("sessions/polls.html", community, session, 422 if form.errors else 200,
                   form=form, polls=session_polls,
                   results=polls.results_of(p for p in session_polls if not p.is_draft),
                   copyable=polls.copyable_polls(session))


def _poll(session: LiveSession, poll_id: int) -> Poll:
    return polls.poll_in(session, poll_id)


@bp.route("/<int:poll_id>/edit", methods=["GET", "POST"])
@signed_in
def edit(slug: str, session_id: int, poll_id: int) -> ResponseReturnValue:
    community, session = _session(slug, session_id)
    poll = _poll(session, poll_id)
    form = PollForm()
    if request.method == "GET":
        form.question.data, form.kind.data = poll.question, poll.kind.value
        form.options.data = "\n".join(option.label for option in poll.options)
        form.for_series.data = poll.for_series
    # An asked poll stays as it was asked: the page says so and takes nothing.
    if poll.is_draft and form.validate_on_submit():
        try:
            polls.update_poll(me(), poll, question=form.question.data, kind=form.kind.data,
                              options=form.option_lines(),
                              for_series=bool(form.for_series.data))
        except errors.Invalid as exc:
            form.add_error(exc)
        else:
            flash("The poll is saved.", "success")
            return _back(session)
    return _render("sessions/edit_poll.html", community, session, 422 if form.errors else 200,
                   form=form, poll=poll)


@bp.route("/<int:poll_id>/delete", methods=["POST"])
@signed_in
def delete(slug: str, session_id: int, poll_id: int) -> ResponseReturnValue:
    _community, session = _session(slug, session_id)
    try:
        polls.delete_poll(me(), _poll(session, poll_id))
    except errors.Invalid as exc:
        flash(exc.message, "error")
    else:
        flash("The poll is deleted.", "success")
    return _back(session)


@bp.route("/copy", methods=["POST"])
@signed_in
def copy(slug: str, session_id: int) -> ResponseReturnValue:
    _community, session = _session(slug, session_id)
    source = request.form.get("poll_id", "")
    try:
        polls.copy_poll(me(), session, int(source) if source.isdigit() else None)
    except errors.Invalid as exc:
        flash(exc.message, "error")
    else:
        flash("The poll is copied into this session, ready to change or ask.", "success")
    return _back(session)
