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
    # Images are kept only from this app's own addresses (blog images, library images):
    "<img src=x onerror=alert(1)>",
    "<img src=\"/library/1/view?\" onerror=alert(1)>",
    "<img src=javascript:alert(1)>",
    "![x](javascript:alert(1))",
    "![x](JaVaScRiPt:alert(1))",
    "![x](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)",
    "<img src=\"data:image/png;base64,iVBORw0KGgo=\">",
    "![x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "![x](//evil.example/pixel.png)",
    "<img src=\"//evil.example/pixel.png\">",
    "<img src=\"\\\\evil.example/pixel.png\">",
    "![x](https://evil.example/pixel.png)",
    "![x](/communities/p2p/blog/images/1/../../../../evil)",
    "<img src=\"/library/1/view\" srcset=\"//evil.example/pixel.png 2x\" hidden>",
    "<img src=\"/communities/p2p/blog/images/1#\" onload=alert(1)>",
]


# One vector above keeps a library image, stripped of everything else.
KEPT_IMAGE = '<img src="/library/1/view">'


@pytest.mark.parametrize("vector", XSS_VECTORS)
def test_no_vector_leaves_script_behind(vector):
    html = render_markdown(vector).replace(KEPT_IMAGE, "").lower()
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


# --- Images ----------------------------------------------------------------------------------

def test_images_from_this_apps_own_addresses_are_kept():
    html = render_markdown('![Our plan "v2" [draft]](/communities/sdi-p2p/blog/images/12)\n\n'
                           '![Rubric](/library/7/view "The rubric")')
    assert html == ('<p><img alt="Our plan &quot;v2&quot; [draft]" '
                    'src="/communities/sdi-p2p/blog/images/12"></p>\n'
                    '<p><img alt="Rubric" src="/library/7/view" title="The rubric"></p>')


def test_a_kept_image_keeps_nothing_that_acts():
    html = render_markdown('<img src="/library/7/view" alt="Rubric" width="300" height="x" '
                           'onerror="alert(1)" onload=alert(1) style="position:fixed" '
                           'srcset="//evil.example/a.png 2x" loading=eager class=big id=top>')
    assert html == '<p><img src="/library/7/view" alt="Rubric" width="300"></p>'


@pytest.mark.parametrize("source", [
    "https://evil.example/chart.png", "http://evil.example/chart.png", "//evil.example/chart.png",
    "data:image/png;base64,iVBORw0KGgo=", "javascript:alert(1)", "/library/7/download",
    "/library/7/view?track=1", "/communities/sdi-p2p/blog/images/x", "/LIBRARY/7/VIEW",
    " /library/7/view", "/library/7/view/../../../admin",
])
def test_an_image_from_anywhere_else_leaves_only_its_description(source):
    assert render_markdown(f'<img src="{source}" alt="Our plan">') == "<p>Our plan</p>"
    if source.strip() == source:  # Markdown trims the address
        assert render_markdown(f"![Our <b>plan</b>]({source})") == (
            "<p>Our &lt;b&gt;plan&lt;/b&gt;</p>")
        assert "<img" not in render_markdown(f"![]({source})")


def test_forum_posts_and_other_texts_show_images_by_the_same_rule():
    """One sanitizer for every field: a forum post may show a blog or library image too."""
    from workspace.writing.rendering import render_body

    class Community:
        id = 1

    assert render_body(Community(), "![Chart](/library/7/view)") == (  # type: ignore[arg-type]
        '<p><img alt="Chart" src="/library/7/view"></p>')
