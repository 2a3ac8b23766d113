"""Tags as people type them ("assessment, SDI , Assessment"): one tidy list for every feature
that tags what is written (library resources, blog posts)."""

from __future__ import annotations

import re

from workspace import errors

TAG_MAX = 40


def tags_from(text: str, *, most: int, longest: int = TAG_MAX, field: str = "tags") -> list[str]:
    """The tags in the order typed, each once whatever its case; too long or too many is the
    person's to fix (Invalid on `field`), not ours to cut."""
    tags: list[str] = []
    seen: set[str] = set()
    for raw in (text or "").split(","):
        tag = re.sub(r"\s+", " ", raw).strip().strip("#").strip()
        if not tag:
            continue
        if len(tag) > longest:
            raise errors.Invalid(f"Keep each tag under {longest} characters: “{tag[:20]}…” is "
                                 "longer.", field=field)
        if tag.lower() not in seen:
            seen.add(tag.lower())
            tags.append(tag)
    if len(tags) > most:
        raise errors.Invalid(f"Use at most {most} tags.", field=field)
    return tags
