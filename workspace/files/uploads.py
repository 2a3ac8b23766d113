"""Taking uploads in a request, for every feature alike.

Two ways in: the browser script sends each file alone as the raw request body (progress bar,
hashed as it arrives) and gets a signed token naming the stored file, which the form then sends;
without the script, the form posts the files themselves (multipart). Routes that accept files
are marked `accepts_uploads`, which lifts the request size limit for them only, to the upload
limit; a body over it gets a clear 413 page or JSON error, not a reset connection.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar, cast

from flask import Flask, Request, current_app, request
from flask_limiter.util import get_remote_address
from flask_login import current_user
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from werkzeug.exceptions import RequestEntityTooLarge

from workspace import errors
from workspace.auth.models import User
from workspace.extensions import db, limiter
from workspace.files.catalog import remember
from workspace.files.intake import Received, UploadTooLarge, human_size, receive
from workspace.files.models import StoredFile
from workspace.files.storage import storage

F = TypeVar("F", bound=Callable[..., Any])

TOKEN_MAX_AGE = 24 * 3600  # an upload waits a day for its form
MULTIPART_SLACK = 1024 * 1024  # the form's other fields and the parts' headers
# A body this much over the limit is read and dropped so the browser gets the 413 page rather
# than a reset connection; beyond it the connection is closed.
DRAIN_FACTOR = 4


def _uploader_key() -> str:
    # Per person where signed in (a state office shares one address), else per address.
    return f"user:{current_user.id}" if current_user.is_authenticated else get_remote_address()


def accepts_uploads(view: F) -> F:
    """Mark a view that takes files: its requests may be as large as UPLOAD_MAX_BYTES, and each
    person may send UPLOAD_RATE_LIMIT of them (a script gone wrong can't fill the disk)."""
    view.accepts_uploads = True  # type: ignore[attr-defined]
    limited = limiter.limit(lambda: str(current_app.config["UPLOAD_RATE_LIMIT"]),
                            key_func=_uploader_key, methods=["POST"])(view)
    limited.accepts_uploads = True  # type: ignore[attr-defined]
    return cast(F, limited)


def upload_limit() -> int:
    return int(current_app.config["UPLOAD_MAX_BYTES"])


class WorkspaceRequest(Request):
    """Flask's request, with the size limit lifted for views marked accepts_uploads."""

    @property
    def max_content_length(self) -> int | None:
        if self._max_content_length is None and self.url_rule is not None:
            view = current_app.view_functions.get(self.url_rule.endpoint)
            if getattr(view, "accepts_uploads", False):
                return upload_limit() + MULTIPART_SLACK
        return super().max_content_length

    @max_content_length.setter
    def max_content_length(self, value: int | None) -> None:
        self._max_content_length = value


def drain_oversized_body() -> None:
    """Read and drop what is left of an oversized body, within reason, so the client reads the
    413 response instead of a reset."""
    length = request.content_length or 0
    if not length or length > DRAIN_FACTOR * upload_limit() + MULTIPART_SLACK:
        return
    stream = request.environ.get("wsgi.input")
    if stream is None:
        return
    remaining = length
    try:
        while remaining > 0:
            chunk = stream.read(min(remaining, 256 * 1024))
            if not chunk:
                break
            remaining -= len(chunk)
    except OSError:
        return


def too_large_message() -> str:
    return f"That upload is larger than the workspace accepts: files can be up to " \
           f"{human_size(upload_limit())}."


@dataclass(frozen=True)
class Accepted:
    file: StoredFile
    filename: str


def take_raw(filename: str) -> Received:
    """The request's raw body as one file (the script's way), received and checked."""
    if request.content_length is not None and request.content_length > upload_limit():
        drain_oversized_body()
        raise UploadTooLarge(f"“{filename or 'That file'}” is "
                             f"{human_size(request.content_length)}; the limit is "
                             f"{human_size(upload_limit())}.")
    # The body may take minutes to arrive from a slow network, and a POST's transaction holds
    # SQLite's one write lock from its first query (database_setup.py): end it before reading,
    # so no other writer waits for this transfer (and fails after the busy timeout). Nothing is
    # staged by then; what the view loaded is read again when next used.
    db.session.commit()
    return receive(request.stream, filename, max_bytes=upload_limit(), storage=storage(),
                   max_unpacked_bytes=current_app.config["UPLOAD_MAX_UNPACKED_BYTES"])


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="workspace-upload")


def token_for(user: User, received: Received) -> str:
    """A signed note that this person uploaded this file, for the form to send back."""
    return _serializer().dumps({"d": received.digest, "n": received.filename, "u": user.id})


def accepted_from_token(user: User, token: str) -> Accepted:
    try:
        data = _serializer().loads(token, max_age=TOKEN_MAX_AGE)
    except SignatureExpired:
        raise errors.Invalid("An upload waited more than a day: choose the file again.",
                             field="files") from None
    except BadSignature:
        raise errors.Invalid("An upload could not be found: choose the file again.",
                             field="files") from None
    stored = db.session.get(StoredFile, str(data.get("d")))
    if data.get("u") != user.id or stored is None:
        raise errors.Invalid("An upload could not be found: choose the file again.",
                             field="files")
    return Accepted(file=stored, filename=str(data.get("n") or "file"))


def accept(received: Received) -> Accepted:
    """A received file remembered in the caller's unit of work (its preview queued)."""
    return Accepted(file=remember(received), filename=received.filename)


def register(app: Flask) -> None:
    app.request_class = WorkspaceRequest

    @app.errorhandler(RequestEntityTooLarge)
    def too_large(exc: RequestEntityTooLarge) -> tuple[Any, int]:
        drain_oversized_body()
        return errors.error_response(413, too_large_message())
