"""Sending a stored file to someone already allowed to have it: ranges for large files, 304s for
repeat visits, and headers that keep a hostile file from acting as a page of this site.

Behind nginx with ACCEL_REDIRECT_PREFIX set, a local file is not sent by the app at all: the
answer is its headers and `X-Accel-Redirect`, and nginx sends the bytes from its internal location
(deploy/nginx.conf). nginx then handles Range and If-Range (against the ETag, still the digest);
the app answers If-None-Match itself with a 304, as nginx's own check runs before it knows the
ETag. nginx keeps the app's Content-Type, Content-Disposition and Cache-Control on that redirect
and adds the file policy below itself.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator
from urllib.parse import quote

from flask import Response, current_app, request, send_file
from werkzeug.exceptions import RequestedRangeNotSatisfiable

from workspace import errors
from workspace.files.storage import LocalStorage, Storage, storage

# Even a file a browser renders can't run script, load anything or reach this site's cookies.
FILE_CONTENT_SECURITY_POLICY = ("sandbox; default-src 'none'; img-src 'self'; "
                                "style-src 'unsafe-inline'")
INLINE_MEDIA_TYPES = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp"})


def send_stored(digest: str, *, media_type: str, download_name: str, inline: bool,
                max_age: int = 0) -> Response:
    """The stored file as a response; the caller has already checked the person may have it."""
    store = storage()
    show_inline = inline and media_type in INLINE_MEDIA_TYPES
    try:
        path = store.local_path(digest)
    except ValueError:
        raise errors.NotFound() from None
    prefix = current_app.config.get("ACCEL_REDIRECT_PREFIX")
    try:
        if path is None:
            response = _streamed(store, digest, media_type)
        elif not path.is_file():
            raise errors.NotFound()
        elif prefix and isinstance(store, LocalStorage):
            response = _redirected_to_nginx(prefix, store, digest, media_type)
        else:
            # The WSGI file wrapper (sendfile where the server has it) and werkzeug's own
            # Range, If-Range and If-None-Match handling. Content-Disposition is ours, below.
            response = send_file(path, mimetype=media_type, conditional=True, etag=digest)
    except RequestedRangeNotSatisfiable as exc:
        response = Response(status=416)
        if exc.length is not None:
            response.headers["Content-Range"] = f"bytes */{exc.length}"
    return _protected(response, media_type=media_type, download_name=download_name,
                      inline=show_inline, max_age=max_age)


def _redirected_to_nginx(prefix: str, store: LocalStorage, digest: str,
                         media_type: str) -> Response:
    """No body: nginx sends the file from <prefix>/ab/cd/<digest>, with these headers."""
    response = Response(mimetype=media_type)
    response.set_etag(digest)
    if request.if_none_match.contains_weak(digest):
        response.status_code = 304
        return response
    response.headers["X-Accel-Redirect"] = f"{prefix.rstrip('/')}/{store.relative_path(digest)}"
    return response


def _streamed(store: Storage, digest: str, media_type: str) -> Response:
    """The same behaviour as send_file, for a store with no local file: chunks from read_range."""
    try:
        size = store.size(digest)
    except FileNotFoundError:
        raise errors.NotFound() from None
    response = Response(mimetype=media_type)
    response.set_etag(digest)
    response.accept_ranges = "bytes"
    if request.method not in {"GET", "HEAD"}:
        return response
    if request.if_none_match.contains_weak(digest):
        response.status_code = 304
        return response
    start, stop = 0, size
    if _range_applies(digest) and size:
        wanted = request.range
        span = wanted.range_for_length(size) if wanted is not None else None
        content_range = wanted.to_content_range_header(size) if wanted is not None else None
        if span is None or content_range is None:
            raise RequestedRangeNotSatisfiable(length=size)
        start, stop = span
        response.status_code = 206
        response.headers["Content-Range"] = content_range
    response.content_length = stop - start
    if stop > start:
        response.response = _chunks(store, digest, start, stop - 1)
    return response


def _range_applies(digest: str) -> bool:
    if "Range" not in request.headers:
        return False
    if "If-Range" not in request.headers:
        return True
    # A Range with If-Range is for the copy the client has: the same digest, or send it all.
    return request.if_range.etag == digest


def _chunks(store: Storage, digest: str, start: int, end_inclusive: int) -> Iterator[bytes]:
    # Nothing is fetched until the server starts sending (never, for a HEAD request).
    yield from store.read_range(digest, start, end_inclusive)


def _protected(response: Response, *, media_type: str, download_name: str, inline: bool,
               max_age: int) -> Response:
    if media_type.startswith("text/"):
        response.headers["Content-Type"] = f"{media_type}; charset=utf-8"
    else:
        response.headers["Content-Type"] = media_type
    response.headers["Content-Disposition"] = content_disposition(download_name, inline=inline)
    response.headers["X-Content-Type-Options"] = "nosniff"
    # security.py only adds its page policy where a response has none, so this one stays.
    response.headers["Content-Security-Policy"] = FILE_CONTENT_SECURITY_POLICY
    response.headers["Cross-Origin-Resource-Policy"] = "same-origin"
    # Files are behind permissions: a shared cache must never keep one.
    response.headers["Cache-Control"] = (f"private, max-age={max_age}" if max_age > 0
                                         else "private, no-cache")
    response.headers.pop("Expires", None)
    return response


def content_disposition(download_name: str, *, inline: bool) -> str:
    """RFC 6266: an ASCII `filename` for old clients and the exact name as UTF-8 `filename*`."""
    disposition = "inline" if inline else "attachment"
    name = "".join(char for char in download_name
                   if unicodedata.category(char) not in {"Cc", "Cf"}).strip() or "download"
    fallback = _ascii_fallback(name)
    quoted = quote(name, safe="!#$&+-.^_`|~")
    return f"{disposition}; filename=\"{fallback}\"; filename*=UTF-8''{quoted}"


def _ascii_fallback(name: str) -> str:
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    ascii_name = "".join(char if char.isprintable() and char not in '"\\' else "_"
                         for char in ascii_name).strip()
    stem, dot, extension = ascii_name.rpartition(".")
    if dot and not stem.strip(" ._"):
        return f"download.{extension}"
    return ascii_name if ascii_name.strip(" ._") else "download"
