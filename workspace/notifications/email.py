"""Email to one person about their communities: rendered in text and HTML, with unsubscribe links.

Every email a person gets because of their notices or digests goes through `email_person`. It
renders `templates/email/<template>.txt` and `.html` (tables and inline styles, for Outlook),
gives both the links back and a signed one-click unsubscribe address (RFC 8058:
`List-Unsubscribe` and `List-Unsubscribe-Post`), and queues it in the outbox.

Jobs and the digest command run outside any request, so links are built as a request to
BASE_URL would build them (`links_context`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from flask import current_app, has_request_context, render_template, request, url_for
from itsdangerous import BadSignature, URLSafeSerializer, URLSafeTimedSerializer

from workspace.auth.models import User
from workspace.mail.models import OutboxMessage
from workspace.mail.service import Email, queue
from workspace.notifications.kinds import CATEGORIES
from workspace.notifications.models import Cadence, Category, Notification, NotificationKind

UNSUBSCRIBE_SALT = "email-unsubscribe"
UNDO_SALT = "email-unsubscribe-undo"
UNDO_MAX_AGE = 7 * 24 * 3600  # seconds: an undo is offered right after; a week is plenty


# --- What an unsubscribe link stops --------------------------------------------------------
# "category:<category>" stops that category's email; "digest:<daily|weekly>" stops that
# digest. The token names the person and the scope and never expires: an unsubscribe link in an
# old email must still work (RFC 8058), and it can do nothing but turn email off.

def category_scope(category: Category) -> str:
    return f"category:{category.value}"


def digest_scope(cadence: Cadence) -> str:
    return f"digest:{cadence.value}"


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=UNSUBSCRIBE_SALT)


def unsubscribe_token(user_id: int, scope: str) -> str:
    return _serializer().dumps([user_id, scope])


def read_unsubscribe_token(token: str) -> tuple[int, str] | None:
    """The person and scope a token names, or None for a token this workspace didn't sign."""
    try:
        user_id, scope = _serializer().loads(token)
    except (BadSignature, ValueError, TypeError):
        return None
    if not isinstance(user_id, int) or not isinstance(scope, str):
        return None
    return user_id, scope


def undo_token(user_id: int, previous: Mapping[str, str | None]) -> str:
    """Signs what an unsubscribe turned off (category -> the person's choice before, None: the
    defaults), so the page after it can offer "Undo" to someone who isn't signed in."""
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=UNDO_SALT).dumps(
        [user_id, dict(previous)])


def read_undo_token(token: str) -> tuple[int, dict[str, str | None]] | None:
    try:
        user_id, previous = URLSafeTimedSerializer(
            current_app.config["SECRET_KEY"], salt=UNDO_SALT).loads(token, max_age=UNDO_MAX_AGE)
    except (BadSignature, ValueError, TypeError):  # SignatureExpired is a BadSignature
        return None
    if not isinstance(user_id, int) or not isinstance(previous, dict) or not all(
            isinstance(key, str) and (value is None or isinstance(value, str))
            for key, value in previous.items()):
        return None
    return user_id, previous


@contextmanager
def links_context() -> Iterator[None]:
    """Inside it, url_for(..., _external=True) builds addresses people can follow from email."""
    if has_request_context():
        yield
        return
    with current_app.test_request_context("/", base_url=current_app.config["BASE_URL"]):
        yield


def external(path: str) -> str:
    """A path in the app as an address to follow from an email (inside links_context)."""
    return request.host_url.rstrip("/") + path


# --- Attachments some kinds of notice carry (a session's .ics) ------------------------------

Attacher = Callable[[User, Notification], list[dict[str, Any]]]
_ATTACHERS: dict[NotificationKind, Attacher] = {}


def register_attachments(kind: NotificationKind, attacher: Attacher) -> None:
    """Give a kind's emails attachments: `attacher(person, notice)` returns
    [{filename, media_type, content}] (content: str or bytes), or [] for none this time."""
    _ATTACHERS[kind] = attacher


def attachments_for(user: User, notification: Notification) -> list[dict[str, Any]]:
    attacher = _ATTACHERS.get(notification.kind)
    return attacher(user, notification) if attacher is not None else []


def email_person(user: User, scope: str, *, subject: str, template: str, key: str,
                 attachments: Iterable[Mapping[str, Any]] = (),
                 **context: Any) -> OutboxMessage:
    """Queue one email to the person (in the caller's unit of work); `key` sends it once."""
    return queue(render_email(user, scope, subject=subject, template=template, key=key,
                              attachments=attachments, **context))


def render_email(user: User, scope: str, *, subject: str, template: str, key: str,
                 attachments: Iterable[Mapping[str, Any]] = (), **context: Any) -> Email:
    """The email as email_person queues it, for callers that queue many at once (digests).

    `templates/email/<template>.txt` and `.html` get the context, the person, and the links
    every email carries: back to the workspace, to the settings, and to unsubscribe from
    `scope` (also as List-Unsubscribe headers, RFC 8058 one-click)."""
    with links_context():
        unsubscribe_url = url_for("email_settings.unsubscribe",
                                  token=unsubscribe_token(user.id, scope), _external=True)
        values = {**context, "person": user, "subject": subject, "scope": scope,
                  "scope_label": scope_label(scope), "unsubscribe_url": unsubscribe_url,
                  "settings_url": url_for("email_settings.settings", _external=True),
                  "home_url": url_for("home.index", _external=True),
                  "site_name": current_app.config["SITE_NAME"],
                  "network_name": current_app.config["NETWORK_NAME"]}
        text = render_template(f"email/{template}.txt", **values)
        html = render_template(f"email/{template}.html", **values)
    return Email(user.email, subject, text, html,
                 {"List-Unsubscribe": f"<{unsubscribe_url}>",
                  "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"},
                 tuple(attachments), key, user.id)


def is_known_scope(scope: str) -> bool:
    """Whether an unsubscribe scope names something this workspace sends."""
    kind, _, value = scope.partition(":")
    return ((kind == "category" and value in {category.value for category in Category})
            or (kind == "digest" and value in (Cadence.DAILY.value, Cadence.WEEKLY.value)))


def scope_label(scope: str) -> str:
    """'Mentions of you', 'the daily digest': what an unsubscribe link stops, in words."""
    kind, _, value = scope.partition(":")
    if kind == "category" and value in {category.value for category in Category}:
        return CATEGORIES[Category(value)].label
    if kind == "digest" and value in (Cadence.DAILY.value, Cadence.WEEKLY.value):
        return f"the {value} digest"
    return "these emails"
