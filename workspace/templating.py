"""Jinja filters: times shown in the reader's own time zone, dates as people say them."""

from __future__ import annotations

import functools
import re
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask import Flask, has_request_context, request, url_for
from flask_login import current_user
from markupsafe import Markup, escape

from workspace import errors
from workspace.files.intake import human_size
from workspace.security import safe_next
from workspace.text import excerpt
from workspace.timezones import (
    DEFAULT_TIME_ZONE,
    TIME_ZONES,
    describe_span,
    strftime,
    zone,
    zone_phrase,
)

LOCAL_TIME_FORMAT = "%B %-d, %Y %-I:%M %p %Z"


def reader_time_zone() -> ZoneInfo:
    user = current_user._get_current_object()  # None outside a request
    name = DEFAULT_TIME_ZONE
    if user is not None and user.is_authenticated:
        name = getattr(user, "time_zone", None) or DEFAULT_TIME_ZONE
    try:
        return zone(name)
    except errors.Invalid:
        return zone(DEFAULT_TIME_ZONE)


def local_time(moment: datetime | None, fmt: str = LOCAL_TIME_FORMAT) -> str:
    """An aware UTC datetime as the reader's wall-clock time, e.g. "May 3, 2019 2:30 PM EDT"."""
    if moment is None:
        return ""
    if moment.tzinfo is None:  # stored times are UTC; never guess another zone
        moment = moment.replace(tzinfo=UTC)
    return strftime(moment.astimezone(reader_time_zone()), fmt)


def machine_time(moment: date | None) -> str:
    """A time for a `<time datetime>` attribute: HTML allows at most three fractional digits."""
    if moment is None:
        return ""
    if isinstance(moment, datetime):
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
    return moment.isoformat()


def session_when(starts_at: datetime, ends_at: datetime, zone_name: str,
                 short: bool = False) -> Markup:
    """A session's time in its own zone, then in the reader's when their clock reads otherwise."""
    span = describe_span(starts_at, ends_at, zone_name, reader_time_zone(), short=short)
    html = Markup('<time datetime="{}">{}</time>').format(machine_time(starts_at),
                                                          span.session_text)
    if span.reader_text is not None:
        html += Markup(' <span class="workspace-reader-time">({})</span>').format(
            span.reader_text)
    return html


def time_zone_phrases() -> list[tuple[str, str]]:
    """Each listed zone with its phrase ("Eastern time"), for the page's script to offer."""
    return [(name, zone_phrase(name)) for name, _ in TIME_ZONES]


def date_label(day: date | None, fmt: str = "%B %Y") -> str:
    """A date as a month and year, e.g. "May 2019"."""
    if day is None:
        return ""
    return strftime(day, fmt)


# Web addresses in plain text (emails in the outbox). Quotes and angle brackets end a link, and
# trailing punctuation belongs to the sentence, not the address.
_PLAIN_URL = re.compile(r"https?://[^\s<>\"']+")
_TRAILING_PUNCTUATION = ".,;:!?)]}"


def linkify_plain(text: str | None) -> Markup:
    """Plain text, escaped, with its http(s) addresses made into links; never trusts the text."""
    if not text:
        return Markup("")
    pieces: list[str] = []
    position = 0
    for match in _PLAIN_URL.finditer(text):
        url = match.group(0).rstrip(_TRAILING_PUNCTUATION)
        pieces.append(escape(text[position:match.start()]))
        address = escape(url)
        pieces.append(Markup('<a class="usa-link" href="{0}">{0}</a>').format(address))
        position = match.start() + len(url)
    pieces.append(escape(text[position:]))
    return Markup("").join(pieces)


def local_path(link: str | None) -> bool:
    """Whether a stored link is a path of this app (never javascript:, never another site)."""
    return bool(link) and safe_next(link, "") == link


def _remembered_addresses(size: int = 4096) -> Any:
    """Templates' url_for, remembering the addresses it built: a page's header alone asks for
    some thirty, the same on every page, and building one costs more than the rest of a line.

    An address (a path, never a full URL) depends only on the endpoint, its values and where
    the app is mounted; anything else (_external, _anchor, values that are not plain text or
    numbers, no request) is built each time."""

    @functools.lru_cache(maxsize=size)
    def built(script_root: str, blueprint: str | None, endpoint: str,
              values: tuple[tuple[str, Any], ...]) -> str:
        return url_for(endpoint, **dict(values))

    def template_url_for(endpoint: str, **values: Any) -> str:
        if not has_request_context() or any(
                name.startswith("_") or not (value is None or isinstance(value, str | int))
                for name, value in values.items()):
            return url_for(endpoint, **values)
        blueprint = request.blueprint if endpoint.startswith(".") else None
        return built(request.script_root, blueprint, endpoint, tuple(values.items()))

    return template_url_for


def register(app: Flask) -> None:
    app.jinja_env.globals["url_for"] = _remembered_addresses()
    app.add_template_filter(local_time, "local_time")
    app.add_template_filter(date_label, "date_label")
    app.add_template_filter(machine_time, "machine_time")
    app.add_template_filter(excerpt, "excerpt")
    app.add_template_filter(local_path, "local_path")
    app.add_template_filter(linkify_plain, "linkify_plain")
    app.add_template_filter(human_size, "filesize")
    app.add_template_global(session_when, "session_when")
    app.add_template_global(zone_phrase, "zone_phrase")
    app.add_template_global(time_zone_phrases, "time_zone_phrases")
