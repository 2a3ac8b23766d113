"""A fake feature for the tests, written the way a real one would be: session agendas that
facilitators write with the shared editor. It only calls workspace.writing; nothing in writing
knows it exists. Its table lives in its own metadata, so it never joins the app's schema."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint, Flask, flash, redirect, render_template_string, request
from flask.typing import ResponseReturnValue
from flask_login import current_user
from sqlalchemy import String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from wtforms import HiddenField, TextAreaField
from wtforms.validators import DataRequired

from workspace import errors, policy, writing
from workspace.auth.models import User
from workspace.communities.models import Community
from workspace.extensions import db
from workspace.forms import Form
from workspace.notifications.service import Subject
from workspace.policy import Action

AGENDA = "test_session_agenda"
SESSIONS = (1, 2, 3)  # every community has these three sessions, in this fake


class AgendaBase(DeclarativeBase):
    pass


class AgendaItem(AgendaBase):
    __tablename__ = "test_agenda_items"
    __table_args__ = (UniqueConstraint("author_id", "client_nonce"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int]
    session_id: Mapped[int]
    author_id: Mapped[int]
    notes: Mapped[str] = mapped_column(Text)
    notes_html: Mapped[str] = mapped_column(Text)
    client_nonce: Mapped[str | None] = mapped_column(String(64))


@dataclass(frozen=True)
class Session:
    community: Community
    id: int


def session_in(user: User, community: Community, session_id: int) -> Session:
    if session_id not in SESSIONS:
        raise errors.NotFound()
    return Session(community, session_id)


@policy.rule("Only the facilitators write the agenda.")
def may_write_agenda(user: User, session: Session,
                     standing: policy.Standing | None = None) -> bool:
    return policy.can(user, Action.MODERATE, session.community)


def add_to_agenda(author: User, community: Community, session_id: int, *, notes: str,
                  nonce: str | None = None) -> AgendaItem:
    policy.authorize(author, Action.CONTRIBUTE, community)
    session = session_in(author, community, session_id)
    policy.require(author, may_write_agenda, session)

    def write(nonce: str | None) -> AgendaItem:
        item = AgendaItem(community_id=community.id, session_id=session_id, author_id=author.id,
                          notes=notes, notes_html=writing.render_body(community, notes),
                          client_nonce=nonce)
        db.session.add(item)
        db.session.flush()
        writing.discard_draft(author, AGENDA, session_id)
        writing.tell_mentioned(author, community, notes, link=f"/agenda/{item.id}",
                               title="the session agenda", subject=Subject("agenda", item.id))
        db.session.commit()
        return item

    return writing.once(AgendaItem, author, nonce, write)


class AgendaForm(Form):
    notes = TextAreaField("Agenda notes", validators=[DataRequired("Write the agenda.")])
    nonce = HiddenField(default=writing.new_nonce)


PAGE = """{% extends "base.html" %}
{% from "_macros/forms.html" import csrf_field %}
{% from "_macros/editor.html" import editor, editor_buttons %}
{% block content %}
<h1>Session {{ session_id }} agenda</h1>
<form method="post" data-post-form novalidate>
  {{ csrf_field() }}
  {{ editor(form.notes, community, nonce_field=form.nonce, draft_kind=kind,
            draft_target=session_id, restored=draft, restored_what='agenda',
            preview_html=preview_html) }}
  {{ editor_buttons('Save the agenda') }}
</form>
{% endblock %}"""

bp = Blueprint("test_agendas", __name__, url_prefix="/communities/<slug>/test-sessions")
writing.keep_text_on(bp)


@bp.route("/<int:session_id>/agenda", methods=["GET", "POST"])
@writing.signed_in
def agenda(slug: str, session_id: int) -> ResponseReturnValue:
    community = policy.community_for(current_user, slug, Action.CONTRIBUTE)
    form = AgendaForm()
    draft = None
    if request.method == "GET":
        draft = writing.draft_for(current_user, AGENDA, session_id)
        if draft is not None:
            form.notes.data = draft.body
    preview_html = None
    if request.method == "POST" and request.form.get("preview"):
        preview_html = writing.preview(current_user, community, form.notes.data or "")
    elif form.validate_on_submit():
        try:
            item = add_to_agenda(current_user, community, session_id, notes=form.notes.data,
                                 nonce=form.nonce.data)
        except errors.Forbidden as exc:
            return writing.resend(403, exc.message, can_resend=False)
        flash("The agenda is saved.", "success")
        return redirect(f"/agenda/{item.id}")
    return render_template_string(PAGE, community=community, form=form, kind=AGENDA,
                                  session_id=session_id, draft=draft,
                                  preview_html=preview_html), 422 if form.errors else 200


def set_up(app: Flask) -> None:
    """What the fake feature's package would do at app setup."""
    writing.register_draft_kind(app, AGENDA, target=session_in, may_write=may_write_agenda)
    app.register_blueprint(bp)
    AgendaBase.metadata.create_all(db.engine)


def tear_down() -> None:
    db.session.remove()
    AgendaBase.metadata.drop_all(db.engine)
