"""Text is never lost in the sending: a form sent after the session ended, or with a CSRF token
that no longer matches, comes back with what was written, ready to send again or to copy."""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import Blueprint, current_app, render_template, request
from flask.typing import ResponseReturnValue
from flask_login import current_user
from flask_wtf.csrf import CSRFError

from workspace.errors import MESSAGES, error_response, wants_json

# The editor macro names its text field in this hidden input; forms without it write in "body".
EDITOR_FIELD = "editor_field"
_FIELD_NAME = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
# Never sent again: a stale token, and the button that asked for a preview instead of posting.
_NOT_RESENT = frozenset({"csrf_token", "preview"})


def _text_field() -> str:
    name = request.form.get(EDITOR_FIELD, "")
    if not _FIELD_NAME.match(name) or name in _NOT_RESENT or name == "title":
        return "body"
    return name


def written_text() -> str:
    """The text the request carries from an editor ("" if none)."""
    return request.form.get(_text_field(), "")


def resend(status: int, problem: str, *, can_resend: bool = True) -> ResponseReturnValue:
    """The text a person just sent, back in a form they can send again (or copy)."""
    form = request.form
    text_field = _text_field()
    shown = {text_field, "title"} | _NOT_RESENT
    # Everything else the form carried (its one-time value, a quoted post, a category...) goes
    # back as it came, so sending again does what the first sending meant to.
    hidden = [(name, value) for name, values in form.lists() if name not in shown
              for value in values]
    return render_template("writing/resend.html", problem=problem, can_resend=can_resend,
                           has_title="title" in form, title=form.get("title", ""),
                           text_field=text_field, text=form.get(text_field, ""),
                           hidden=hidden, action=request.path), status


def signed_in(view: Callable[..., ResponseReturnValue]) -> Callable[..., ResponseReturnValue]:
    """login_required, except that text sent after the session ended comes back to the person."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> ResponseReturnValue:
        if current_user.is_authenticated:
            return view(*args, **kwargs)
        if request.method == "POST" and written_text() and not wants_json():
            return resend(401, "You were signed out before your text was sent.")
        # Flask-Login sets login_manager on the app at run time; Flask's type doesn't declare it.
        return current_app.login_manager.unauthorized()  # type: ignore[attr-defined]

    return wrapper


def _csrf_failed(exc: CSRFError) -> ResponseReturnValue:
    # The form's token no longer matches the session (it expired, or the person signed out in
    # another tab). Whatever they wrote comes back with a fresh token instead of being lost.
    if written_text() and not wants_json():
        return resend(400, "Your session may have expired before your text was sent.")
    return error_response(400, MESSAGES[400])


def keep_text_on(blueprint: Blueprint) -> None:
    """Give the text of this blueprint's forms back when their CSRF check fails."""
    blueprint.register_error_handler(CSRFError, _csrf_failed)
