"""Session pages: a community's series, one session, scheduling and changing it, answering
"are you coming?", the roster, and "My sessions" across communities."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required

from workspace import errors, policy, writing
from workspace.communities.models import Community
from workspace.database import utcnow
from workspace.forums.forms import BODY_HINT
from workspace.policy import Action
from workspace.policy import sessions as session_policy
from workspace.sessions import (
    actions,
    notes,
    notices,  # noqa: F401 - the .ics session emails carry, which subjects people may see
    pages,
    polls,
    record,
    reminders,  # noqa: F401 - the reminder job must be known everywhere
    room,
    service,
)
from workspace.sessions.forms import (
    CancelForm,
    EditSessionForm,
    NewSessionForm,
    SessionForm,
    SummaryForm,
)
from workspace.sessions.models import LiveSession, RsvpAnswer
from workspace.timezones import zone
from workspace.writing import signed_in

bp = Blueprint("sessions", __name__, url_prefix="/communities/<slug>/sessions")
mine_bp = Blueprint("my_sessions", __name__, url_prefix="/sessions")
writing.keep_text_on(bp)


def me() -> policy.Person:
    return current_user._get_current_object()


def _page_arg() -> int:
    return max(1, request.args.get("page", 1, type=int) or 1)


def _session(slug: str, session_id: int) -> tuple[Community, LiveSession]:
    community = policy.community_for(me(), slug, Action.READ)
    return community, pages.session_in(me(), community, session_id)


def _render(template: str, community: Community, status: int = 200,
            **context: Any) -> ResponseReturnValue:
    standing = policy.standing_in(me(), community)
    return render_template(
        template, community=community, standing=standing,
        may_schedule=session_policy.may_schedule(me(), community, standing),
        may_manage=standing.manages, may_moderate=standing.moderates,
        body_hint=BODY_HINT, answers=list(RsvpAnswer), **context), status


def _address(session: LiveSession, **args: Any) -> str:
    return url_for("sessions.show", slug=session.community.slug, session_id=session.id, **args)


def _fill(form: SessionForm, session: LiveSession) -> None:
    """The form as the session stands, times in its own zone."""
    local_start = session.starts_at.astimezone(zone(session.time_zone))
    local_end = session.ends_at.astimezone(zone(session.time_zone))
    form.number.data = str(session.number) if session.number else ""
    form.title.data = session.title
    form.day.data = local_start.date().isoformat()
    form.starts.data = local_start.strftime("%H:%M")
    form.ends.data = local_end.strftime("%H:%M")
    form.time_zone.data = session.time_zone
    form.agenda.data = session.agenda
    form.prework.data = session.prework
    form.objectives.data = "\n".join(session.objectives)
    form.materials.data = "\n".join(f"{item['label']} {item['url']}"
                                    if item["label"] != item["url"] else item["url"]
                                    for item in session.materials)
    form.call_url.data = session.call_url


@bp.route("")
@login_required
def index(slug: str) -> ResponseReturnValue:
    community = policy.community_for(me(), slug, Action.READ)
    listing = pages.community_sessions(me(), community, now=utcnow(), page=_page_arg())
    return _render("sessions/index.html", community, listing=listing, now=utcnow())


@bp.route("/new", methods=["GET", "POST"])
@signed_in
def new(slug: str) -> ResponseReturnValue:
    community = policy.community_for(me(), slug, Action.READ)
    policy.require(me(), session_policy.may_schedule, community)
    form = NewSessionForm()
    agenda_draft = prework_draft = None
    if request.method == "GET":
        form.number.data = str(service.next_number(community))
        form.time_zone.data = me().time_zone
        agenda_draft = writing.draft_for(me(), service.AGENDA_DRAFT, community.id)
        prework_draft = writing.draft_for(me(), service.PREWORK_DRAFT, community.id)
        if agenda_draft is not None:
            form.title.data, form.agenda.data = agenda_draft.title, agenda_draft.body
        if prework_draft is not None:
            form.prework.data = prework_draft.body
    previews = _previews(community, form)
    if previews is None and form.validate_on_submit():
        try:
            session = service.schedule(me(), community, form.plan(), repeat=form.repeat_plan(),
                                       nonce=form.nonce.data)
        except errors.Invalid as exc:
            form.add_error(exc)
        else:
            if session.repeat is not None:
                flash(f"{len(session.repeat.sessions)} sessions are scheduled: "
                      f"{session.repeat.description.lower()}.", "success")
            else:
                flash("The session is scheduled.", "success")
            return redirect(_address(session))
    return _render("sessions/new.html", community, 422 if form.errors else 200, form=form,
                   previews=previews or {}, restored_agenda=agenda_draft,
                   restored_prework=prework_draft)


def _previews(community: Community, form: SessionForm) -> dict[str, str] | None:
    """The agenda and pre-work rendered, when the form asked for a preview (no JavaScript)."""
    if request.method != "POST" or not request.form.get("preview"):
        return None
    return {"agenda": writing.preview(me(), community, form.agenda.data or ""),
            "prework": writing.preview(me(), community, form.prework.data or "")}


@bp.route("/<int:session_id>")
@login_required
def show(slug: str, session_id: int) -> ResponseReturnValue:
    community, session = _session(slug, session_id)
    standing = policy.standing_in(me(), community)
    now = utcnow()
    return _render("sessions/show.html", community, session=session, now=now,
                   may_attend=session_policy.may_attend(me(), session, standing),
                   may_rsvp=session_policy.may_rsvp(me(), session, standing),
                   may_change=session_policy.may_change_session(me(), session, standing),
                   may_see_summary=session_policy.may_see_summary(me(), session, standing),
                   mine=pages.answer_of(me(), session), counts=pages.answer_counts(session),
                   room_state=session.room_state(now),
                   may_run=session_policy.may_run_room(me(), session, standing),
                   may_enter=session_policy.may_enter_room(me(), session, standing),
                   attendance=pages.attendance_record(session),
                   transcript=record.transcript(session),
                   poll_record=polls.record_of(me(), session),
                   action_items=actions.items_of(session),
                   notes_record=notes.notes_record(session, now))


@bp.route("/<int:session_id>/edit", methods=["GET", "POST"])
@signed_in
def edit(slug: str, session_id: int) -> ResponseReturnValue:
    community, session = _session(slug, session_id)
    policy.require(me(), session_policy.may_change_session, session)
    form = EditSessionForm()
    if request.method == "GET":
        _fill(form, session)
    previews = _previews(community, form)
    if previews is None and form.validate_on_submit():
        try:
            service.change(me(), session, form.plan(), reason=form.reason.data or "")
        except errors.Invalid as exc:
            form.add_error(exc)
        else:
            flash("The session is updated.", "success")
            return redirect(_address(session))
    return _render("sessions/edit.html", community, 422 if form.errors else 200, form=form,
                   session=session, previews=previews or {})


@bp.route("/<int:session_id>/cancel", methods=["GET", "POST"])
@signed_in
def cancel(slug: str, session_id: int) -> ResponseReturnValue:
    community, session = _session(slug, session_id)
    policy.require(me(), session_policy.may_change_session, session)
    form = CancelForm()
    if form.validate_on_submit():
        try:
            cancelled = service.cancel(me(), session, reason=form.reason.data or "",
                                       following=bool(form.following.data))
        except errors.Invalid as exc:
            form.add_error(exc)
        else:
            flash("The session is cancelled." if len(cancelled) == 1 else
                  f"{len(cancelled)} sessions are cancelled.", "success")
            return redirect(_address(session))
    return _render("sessions/cancel.html", community, 422 if form.errors else 200, form=form,
                   session=session)


@bp.route("/<int:session_id>/rsvp", methods=["POST"])
@login_required
def rsvp(slug: str, session_id: int) -> ResponseReturnValue:
    _community, session = _session(slug, session_id)
    try:
        answer = service.answer(me(), session, request.form.get("answer", ""))
    except errors.Invalid as exc:
        flash(exc.message, "error")
    else:
        flash({RsvpAnswer.GOING: "You're going. See you there.",
               RsvpAnswer.MAYBE: "You might come: we've noted it.",
               RsvpAnswer.NOT_GOING: "You're not going: thanks for letting the facilitators "
                                     "know."}[answer.answer], "success")
    return redirect(_address(session, _anchor="rsvp"))


@bp.route("/<int:session_id>/room")
@login_required
def room_page(slug: str, session_id: int) -> ResponseReturnValue:
    community, session = _session(slug, session_id)
    policy.require(me(), session_policy.may_attend, session)
    now = utcnow()
    return _render("sessions/room.html", community, session=session, now=now,
                   state=session.room_state(now),
                   may_run=session_policy.may_run_room(me(), session),
                   may_enter=session_policy.may_enter_room(me(), session),
                   why_not=session_policy.may_enter_room.refusal(session))


@bp.route("/<int:session_id>/room/open", methods=["POST"])
@login_required
def open_room(slug: str, session_id: int) -> ResponseReturnValue:
    """A facilitator opens the room early, for hosts only, and goes in."""
    _community, session = _session(slug, session_id)
    try:
        room.open_for_hosts(me(), session)
    except errors.Invalid as exc:
        flash(exc.message, "error")
        return redirect(_address(session))
    return redirect(url_for(".room_page", slug=slug, session_id=session.id))


@bp.route("/<int:session_id>/summary", methods=["GET", "POST"])
@signed_in
def summary(slug: str, session_id: int) -> ResponseReturnValue:
    """The facilitators' summary: saved as they go, published with a follow-up topic."""
    community, session = _session(slug, session_id)
    policy.require(me(), session_policy.may_change_session, session)
    form = SummaryForm()
    if request.method == "GET":
        form.summary.data = session.summary
    previews = None
    if request.method == "POST" and request.form.get("preview"):
        previews = writing.preview(me(), community, form.summary.data or "")
    elif form.validate_on_submit():
        publish = bool(request.form.get("publish"))
        try:
            topic = record.save_summary(me(), session, form.summary.data or "",
                                        publish=publish)
        except errors.Invalid as exc:
            form.add_error(exc)
        else:
            flash("The summary is published and a follow-up topic is open in the forum."
                  if topic is not None else "The summary is saved.", "success")
            return redirect(_address(session, _anchor="summary"))
    return _render("sessions/summary.html", community, 422 if form.errors else 200, form=form,
                   session=session, preview_html=previews)


@bp.route("/<int:session_id>/attendance.csv")
@login_required
def attendance_csv(slug: str, session_id: int) -> ResponseReturnValue:
    _community, session = _session(slug, session_id)
    body = record.attendance_csv(me(), session)
    name = f"attendance-{slug}-session-{session.id}.csv"
    return Response(body, mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


@bp.route("/<int:session_id>/roster")
@login_required
def roster(slug: str, session_id: int) -> ResponseReturnValue:
    community, session = _session(slug, session_id)
    policy.require(me(), session_policy.may_see_roster, session)
    return _render("sessions/roster.html", community, session=session,
                   roster=pages.roster(session, now=utcnow()), now=utcnow())


@mine_bp.route("")
@login_required
def index_mine() -> ResponseReturnValue:
    listing = pages.my_sessions(me(), now=utcnow(), page=_page_arg())
    return render_template("sessions/mine.html", listing=listing, now=utcnow(),
                           answers=list(RsvpAnswer))
