"""Checks the writing tests share with other features' tests."""

from __future__ import annotations

import re


def assert_no_inline_code(html: str) -> None:
    """What the Content-Security-Policy (script-src and style-src 'self') would block."""
    assert not re.search(r"<script(?![^>]*\ssrc=)[^>]*>", html), "an inline script"
    assert not re.search(r"<[^>]+\son[a-z]+\s*=", html), "an inline event handler"
    assert not re.search(r"<[^>]+\sstyle\s*=", html), "an inline style"
