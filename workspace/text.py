"""User text: Markdown in, sanitized HTML out, rendered once when saved."""

from __future__ import annotations

import bleach
import markdown
from markupsafe import Markup, escape

ALLOWED_TAGS = frozenset({
    "a", "abbr", "b", "blockquote", "br", "code", "del", "em", "h2", "h3", "h4", "hr", "i",
    "li", "ol", "p", "pre", "strong", "table", "tbody", "td", "th", "thead", "tr", "ul",
})
ALLOWED_ATTRIBUTES = {"a": ["href", "title"], "abbr": ["title"], "th": ["scope"]}
ALLOWED_PROTOCOLS = frozenset({"http", "https", "mailto"})


def _nofollow_external(attrs: dict, new: bool = False) -> dict:
    attrs[(None, "rel")] = "nofollow noopener noreferrer"
    return attrs


def render_markdown(source: str) -> str:
    """Markdown to HTML that templates may mark safe."""
    html = markdown.markdown(source or "", extensions=["fenced_code", "sane_lists", "tables"],
                             output_format="html")
    clean = bleach.clean(html, tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES,
                         protocols=ALLOWED_PROTOCOLS, strip=True, strip_comments=True)
    return bleach.linkify(clean, callbacks=[_nofollow_external], skip_tags={"pre", "code"})


def plain_paragraphs(source: str) -> Markup:
    """Plain text with its paragraphs kept, for fields that take no formatting."""
    paragraphs = [part.strip() for part in (source or "").split("\n\n") if part.strip()]
    return Markup("".join(f"<p>{escape(part)}</p>" for part in paragraphs))
