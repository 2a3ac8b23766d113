"""User text: Markdown in, sanitized HTML out, rendered once when saved."""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Iterator
from functools import partial
from typing import Any

import bleach
import markdown
from bleach.html5lib_shim import Filter, convert_entities
from markupsafe import Markup, escape

ALLOWED_TAGS = frozenset({
    "a", "abbr", "b", "blockquote", "br", "code", "del", "em", "h2", "h3", "h4", "hr", "i",
    "img", "li", "ol", "p", "pre", "strong", "table", "tbody", "td", "th", "thead", "tr", "ul",
})
ALLOWED_PROTOCOLS = frozenset({"http", "https", "mailto"})

# Images only from where this app serves them, each behind its own permission check: an image
# uploaded into a community's blog, and a library resource shown inline. Any other source is
# dropped with its tag: another site would learn who reads what (and when), and data: or
# javascript: addresses are how markup smuggles script. The same rule holds wherever people
# write (blog posts, forum posts, descriptions): one sanitizer.
LOCAL_IMAGE = re.compile(r"/communities/[A-Za-z0-9][A-Za-z0-9_-]{0,79}/blog/images/[0-9]{1,12}"
                         r"|/library/[0-9]{1,12}/view")
_IMAGE_SIZE = re.compile(r"[0-9]{1,4}")


def is_local_image(src: str) -> bool:
    """Whether the sanitizer keeps an image with this address."""
    return LOCAL_IMAGE.fullmatch(src) is not None


def _image_attribute(tag: str, name: str, value: str) -> bool:
    if name == "src":
        return is_local_image(value)
    if name in ("width", "height"):
        return _IMAGE_SIZE.fullmatch(value) is not None
    return name in ("alt", "title")


ALLOWED_ATTRIBUTES: dict[str, list[str] | Callable[[str, str, str], bool]] = {
    "a": ["href", "title"], "abbr": ["title"], "th": ["scope"], "img": _image_attribute,
}


def _nofollow_external(attrs: dict, new: bool = False) -> dict:
    attrs[(None, "rel")] = "nofollow noopener noreferrer"
    return attrs


# "@handle" where a handle is the one a person chose (letters, digits, ".", "-", "_") or a form
# written before handles: an address's local part ("+" too) or a whole address; not inside a
# word or an email address ("jo@ga.member" mentions no one).
MENTION = re.compile(r"(?<![\w@.])@([A-Za-z0-9][A-Za-z0-9._+-]*"
                     r"(?:@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)?)")


def mention_handle(written: str) -> str:
    """The handle a written mention names: "@GA.Member." is ga.member at the end of a sentence."""
    return written.rstrip(".-_").lower()


class _MentionFilter(Filter):
    """Wraps mentions of known handles in a span, outside links and code. It runs after the
    sanitizer, on text the sanitizer has already escaped into tokens, so it adds markup of its
    own making only."""

    SKIP = frozenset({"a", "code", "pre"})

    def __init__(self, source: Any, handles: Collection[str]) -> None:
        super().__init__(source)
        self.handles = handles

    def __iter__(self) -> Iterator[dict[str, Any]]:
        inside = 0
        for token in super().__iter__():
            kind = token["type"]
            if kind == "StartTag" and token["name"] in self.SKIP:
                inside += 1
            elif kind == "EndTag" and token["name"] in self.SKIP:
                inside = max(0, inside - 1)
            if kind == "Characters" and not inside:
                yield from self._split(token["data"])
            else:
                yield token

    def _split(self, text: str) -> Iterator[dict[str, Any]]:
        position = 0
        for match in MENTION.finditer(text):
            handle = mention_handle(match.group(1))
            if handle not in self.handles:
                continue
            end = match.start() + 1 + len(match.group(1).rstrip(".-_"))
            if match.start() > position:
                yield {"type": "Characters", "data": text[position:match.start()]}
            yield {"type": "StartTag", "name": "span", "namespace": None,
                   "data": {(None, "class"): "workspace-mention"}}
            yield {"type": "Characters", "data": text[match.start():end]}
            yield {"type": "EndTag", "name": "span", "namespace": None}
            position = end
        if position < len(text):
            yield {"type": "Characters", "data": text[position:]}


class _OnlyImagesFromHere(Filter):
    """An image whose source the sanitizer refused (an <img> left without one) gives way to its
    description, so readers still get what the writer said it shows."""

    def __iter__(self) -> Iterator[dict[str, Any]]:
        for token in super().__iter__():
            if token.get("name") != "img":
                yield token
            elif token["type"] != "EndTag":
                attributes = token.get("data") or {}
                if (None, "src") in attributes:
                    yield token
                elif description := (attributes.get((None, "alt")) or "").strip():
                    # Attribute values keep their entities here; text is escaped on the way out.
                    yield {"type": "Characters", "data": convert_entities(description)}


def render_markdown(source: str, *, mentions: Collection[str] = ()) -> str:
    """Markdown to HTML that templates may mark safe. `mentions`: the handles of people who may
    be mentioned here; "@handle" for each of them is marked up so readers see who was named."""
    html = markdown.markdown(source or "", extensions=["fenced_code", "sane_lists", "tables"],
                             output_format="html")
    filters: list[Any] = [_OnlyImagesFromHere]
    if mentions:
        filters.append(partial(_MentionFilter, handles=frozenset(mentions)))
    cleaner = bleach.Cleaner(tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES,
                             protocols=ALLOWED_PROTOCOLS, strip=True, strip_comments=True,
                             filters=filters)
    return bleach.linkify(cleaner.clean(html), callbacks=[_nofollow_external],
                          skip_tags={"pre", "code"})


def plain_paragraphs(source: str) -> Markup:
    """Plain text with its paragraphs kept, for fields that take no formatting."""
    paragraphs = [part.strip() for part in (source or "").split("\n\n") if part.strip()]
    return Markup("".join(f"<p>{escape(part)}</p>" for part in paragraphs))


# Where rendered Markdown ends a block, its plain-text excerpt needs a space, or list items and
# paragraphs run together ("…reporting questionsRead the purpose first").
_BLOCK_END = re.compile(r"</(p|li|h[1-6]|blockquote|pre|tr|td|th|dd|dt)>|<br\s*/?>", re.I)


def excerpt(html: str | None, length: int = 280) -> str:
    """Rendered HTML as one line of plain text, cut at a word boundary with an ellipsis."""
    text = Markup(_BLOCK_END.sub(" ", html or "")).striptags()
    if len(text) <= length:
        return text
    cut = text[:length - 1]
    if not text[length - 1].isspace():  # don't end on half a word
        cut = cut.rsplit(" ", 1)[0]
    return cut.rstrip(" ,;:.") + "…"
