"""Rendered pieces of pages kept in memory, keyed by everything that decides how they read.

A topic page shows 25 posts, and rendering them is most of its cost; yet a post reads the same
for everyone who sees it the same way (the same version of it, the same rights over it, the same
time zone). So a template renders such a piece once and keeps it:

    {% call cached_fragment(key, fill={FRAGMENT_CSRF: csrf}) %}...{% endcall %}

`key` must name everything the piece shows: the content's version (its text itself, not only
an id), and what the viewer sees of it. What the page never caches is the page itself, or
anything decided by who is looking beyond what the key says: a viewer who may no longer see a
post never gets to the fragment, because the query that lists posts asks the policy first.

The one per-person value inside pieces, the CSRF token of their forms, is not in the key: the
piece is rendered with FRAGMENT_CSRF in its place, and `fill` puts the viewer's token in.

Each process keeps its own cache (least recently used out first): the keys hold the content,
so processes never need to agree, and nothing has to be cleared when content changes.
"""

from __future__ import annotations

import secrets
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Mapping

from flask import Flask, current_app
from markupsafe import Markup

# Stands for the viewer's CSRF token inside a cached piece; random per process, so no text a
# person writes can contain it.
FRAGMENT_CSRF = "csrf-" + secrets.token_hex(16)


class FragmentCache:
    """At most `size` rendered pieces; the least recently used go first. Thread-safe."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._pieces: OrderedDict[Hashable, str] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get_or_render(self, key: Hashable, render: Callable[[], str]) -> str:
        if self.size <= 0:
            return render()
        with self._lock:
            piece = self._pieces.get(key)
            if piece is not None:
                self._pieces.move_to_end(key)
                self.hits += 1
                return piece
        piece = str(render())  # outside the lock: two threads may both render a new piece
        with self._lock:
            self.misses += 1
            self._pieces[key] = piece
            while len(self._pieces) > self.size:
                self._pieces.popitem(last=False)
        return piece

    def clear(self) -> None:
        with self._lock:
            self._pieces.clear()

    def __len__(self) -> int:
        return len(self._pieces)


def cache() -> FragmentCache:
    fragments: FragmentCache = current_app.extensions["fragments"]
    return fragments


def cached_fragment(key: Hashable, fill: Mapping[str, str] | None = None,
                    caller: Callable[[], str] | None = None) -> Markup:
    """The piece the call block renders, from the cache when it has it (see the module)."""
    if caller is None:
        raise TypeError("cached_fragment is used with {% call %}")
    piece = cache().get_or_render(key, caller)
    for placeholder, value in (fill or {}).items():
        piece = piece.replace(placeholder, str(Markup.escape(value)))
    return Markup(piece)  # noqa: S704 - rendered by the template, escaped there


def init_app(app: Flask) -> None:
    # Off while templates reload on every change (development): a kept piece would hide an edit.
    size = 0 if app.debug or app.config.get("TEMPLATES_AUTO_RELOAD") else int(
        app.config["FRAGMENT_CACHE_SIZE"])
    app.extensions["fragments"] = FragmentCache(size)
    app.add_template_global(cached_fragment, "cached_fragment")
    app.jinja_env.globals["FRAGMENT_CSRF"] = FRAGMENT_CSRF
