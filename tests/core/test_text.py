"""User text: Markdown rendered once, then sanitized by an allow-list."""

from __future__ import annotations

import pytest

from workspace.text import render_markdown

XSS_VECTORS = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "<svg onload=alert(1)>",
    "<iframe src=javascript:alert(1)></iframe>",
    "[click](javascript:alert(1))",
    "[click](JaVaScRiPt:alert(1))",
    "[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "[click](vbscript:msgbox(1))",
    "<a href=\"javascript:alert(1)\">x</a>",
    "<a href=\"jav&#x09;ascript:alert(1)\">x</a>",
    "<a href=\"&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;alert(1)\">x</a>",
    "<p style=\"background:url(javascript:alert(1))\">x</p>",
    "<div onmouseover=\"alert(1)\">hover</div>",
    "<body onload=alert(1)>",
    "<object data=\"javascript:alert(1)\"></object>",
    "<embed src=\"javascript:alert(1)\">",
    "<form action=\"javascript:alert(1)\"><button>x</button></form>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    "<noscript><p title=\"</noscript><img src=x onerror=alert(1)>\">",
    "![x](x\" onerror=\"alert(1))",
    "<details open ontoggle=alert(1)>",
    "<input autofocus onfocus=alert(1)>",
    "<meta http-equiv=\"refresh\" content=\"0;url=javascript:alert(1)\">",
    "<base href=\"javascript:alert(1)//\">",
    "<link rel=stylesheet href=\"javascript:alert(1)\">",
    "`<script>alert(1)</script>`",
    "<scr<script>ipt>alert(1)</script>",
    "<<script>script>alert(1)<</script>/script>",
    "<a href=\"  javascript:alert(1)\">x</a>",
    "<IMG SRC=\"jav\tascript:alert('XSS');\">",
]


@pytest.mark.parametrize("vector", XSS_VECTORS)
def test_no_vector_leaves_script_behind(vector):
    html = render_markdown(vector).lower()
    for danger in ("<script", "javascript:", "vbscript:", "data:text", " on", "<iframe",
                   "<img", "<svg", "<object", "<embed", "<style", "<meta", "<base", "<form",
                   "<input", "<link", "style="):
        if danger == " on":
            import re

            assert not re.search(r"<[^>]+\son\w+\s*=", html), html
        else:
            assert danger not in html.replace("&lt;", "").replace("&gt;", ""), (danger, html)


def test_markdown_formatting_survives():
    html = render_markdown("**Bold** and _em_\n\n- one\n- two\n\n[CCSSO](https://ccsso.org)")
    assert "<strong>Bold</strong>" in html
    assert "<li>one</li>" in html
    assert 'href="https://ccsso.org"' in html
    assert 'rel="nofollow noopener noreferrer"' in html


def test_bare_links_become_links_but_not_in_code():
    html = render_markdown("See https://example.org\n\n    https://inside.example")
    assert '<a href="https://example.org"' in html
    assert '<a href="https://inside.example"' not in html


def test_raw_html_text_is_escaped_not_dropped_when_harmless():
    assert "&lt;3" in render_markdown("I <3 peer learning")


def test_mentions_of_known_handles_are_marked_outside_links_and_code():
    html = render_markdown("Hi @ga.member and @nobody. `@ga.member` [@ga.member](https://x.org) "
                           "**@GA.Member.** jo@ga.member", mentions={"ga.member"})
    assert html.count('<span class="workspace-mention">') == 2, html
    assert '<span class="workspace-mention">@ga.member</span> and @nobody' in html
    assert '<strong><span class="workspace-mention">@GA.Member</span>.</strong>' in html
    assert "<code>@ga.member</code>" in html
    assert ">@ga.member</a>" in html
    assert html.endswith("jo@ga.member</p>")


def test_a_mention_cannot_smuggle_markup():
    html = render_markdown('@ga.member<script>alert(1)</script> <span class="workspace-mention">'
                           "@x</span> @ga.member&lt;b&gt;", mentions={"ga.member"})
    assert "<script" not in html and "@x</span>" not in html
    assert '<span class="workspace-mention">@ga.member</span>&lt;b&gt;' in html


@pytest.mark.parametrize("vector", XSS_VECTORS)
def test_no_vector_leaves_script_behind_with_mentions_marked(vector):
    html = render_markdown(f"@ga.member {vector} @ga.member", mentions={"ga.member"})
    assert html == render_markdown(f"@ga.member {vector} @ga.member").replace(
        "@ga.member", '<span class="workspace-mention">@ga.member</span>'), html
