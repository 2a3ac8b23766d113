"""The summary's PDF and Word documents: they open, carry their headings, lists, links and
metadata, and survive whatever a facilitator types."""

from __future__ import annotations

import io
from datetime import date, timedelta

import docx
import pypdfium2
import pytest

from tests import factories
from workspace.database import utcnow
from workspace.extensions import db
from workspace.resources import documents
from workspace.resources.documents import BlockKind, blocks_of, summary_docx, summary_pdf
from workspace.resources.series_summary import gather, summary_title, to_markdown

TITLE = "P2P Exchange Series Summary: School Improvement"
NETWORK = "State Support Network"
GENERATED = date(2026, 5, 4)
MARKDOWN = """## P2P description

The exchange brings **state teams** together with *peers*; see [the toolkit](https://example.org/toolkit).

## P2P objectives

- Build a shared understanding.
- Identify promising practices
    - from peer states

## Session 1: Frameworks

### Agenda

1. Welcome
2. State spotlights

### Action items

1. Share the rubric
2. Send the slides
"""
# What people paste: curly quotes, dashes, accents, emoji with skin tones and joiners, a script
# DejaVu lacks, and control characters from other programs.
UNRULY = ("## “Lecciones” — año niño ¿qué? 🎉👍🏽👩‍👩‍👧\n\nCafé “quoted” ‘single’ – — … "
          "€5 ™ 中文 ő ﬁ\x00\x07\x0b\tend 🚀\n\n- 😀 bullet “one”\n")


def _pdf_text(pdf: bytes) -> str:
    document = pypdfium2.PdfDocument(pdf)
    return "\n".join(document[i].get_textpage().get_text_range() for i in range(len(document)))


def _outline(pdf: bytes) -> list[tuple[int, str]]:
    return [(item.level, item.get_title()) for item in pypdfium2.PdfDocument(pdf).get_toc()]


def _pdf(markdown: str = MARKDOWN, title: str = TITLE) -> bytes:
    return summary_pdf(title, markdown, network_name=NETWORK, generated_on=GENERATED)


def _docx(markdown: str = MARKDOWN, title: str = TITLE) -> docx.document.Document:
    made = summary_docx(title, markdown, network_name=NETWORK, generated_on=GENERATED)
    return docx.Document(io.BytesIO(made))


def test_markdown_is_read_into_headings_paragraphs_and_lists():
    blocks = blocks_of(MARKDOWN)
    assert [(b.kind, b.level, b.text) for b in blocks[:6]] == [
        (BlockKind.HEADING, 2, "P2P description"),
        (BlockKind.PARAGRAPH, 0, "The exchange brings state teams together with peers; see "
                                 "the toolkit."),
        (BlockKind.HEADING, 2, "P2P objectives"),
        (BlockKind.BULLET, 0, "Build a shared understanding."),
        (BlockKind.BULLET, 0, "Identify promising practices"),
        (BlockKind.BULLET, 1, "from peer states")]
    runs = blocks[1].runs
    assert [(r.text, r.bold, r.italic, r.href) for r in runs if r.bold or r.italic or r.href] == [
        ("state teams", True, False, None), ("peers", False, True, None),
        ("the toolkit", False, False, "https://example.org/toolkit")]
    numbered = [b for b in blocks if b.kind is BlockKind.NUMBERED]
    assert [(b.number, b.text) for b in numbered] == [
        (1, "Welcome"), (2, "State spotlights"), (1, "Share the rubric"), (2, "Send the slides")]
    assert numbered[0].list_id == numbered[1].list_id != numbered[2].list_id


def test_only_web_and_mail_links_are_links_and_markup_is_text():
    # As on the page: the sanitizer keeps a script's words as text, and an image from another
    # site gives way to its description.
    blocks = blocks_of("[page](/communities/x/resources) [mail](mailto:a@example.org) "
                       "[bad](javascript:alert(1)) <script>alert(2)</script> "
                       "![A chart](https://example.org/i.png)")
    assert [run.href for run in blocks[0].runs if run.href] == ["mailto:a@example.org"]
    assert blocks[0].text == "page mail bad alert(2) A chart"


def test_the_pdf_opens_with_its_title_headings_lists_and_page_numbers():
    pdf = _pdf()
    text = _pdf_text(pdf)
    for shown in (TITLE, "State Support Network · Generated on May 4, 2026", "P2P description",
                  "P2P objectives", "• Build a shared understanding.", "◦ from peer states",
                  "Session 1: Frameworks", "1. Welcome", "2. State spotlights",
                  "1. Share the rubric", "Page 1 of 1"):
        assert shown in text, shown
    metadata = pypdfium2.PdfDocument(pdf).get_metadata_dict()
    assert metadata["Title"] == TITLE and metadata["Author"] == NETWORK
    assert _outline(pdf) == [(0, TITLE), (1, "P2P description"), (1, "P2P objectives"),
                             (1, "Session 1: Frameworks"), (2, "Agenda"), (2, "Action items")]
    assert b"/Lang (en-US)" in pdf and b"/DisplayDocTitle true" in pdf
    assert b"/URI (https://example.org/toolkit)" in pdf


def test_a_long_summary_runs_over_pages_each_numbered():
    pdf = _pdf(MARKDOWN + "\n".join(f"\n## Session {n}\n\nWhat was said. " * 3
                                    for n in range(2, 40)))
    pages = pypdfium2.PdfDocument(pdf)
    count = len(pages)
    assert count > 2
    assert f"Page {count} of {count}" in pages[count - 1].get_textpage().get_text_range()


def test_the_pdf_takes_any_text_a_facilitator_types():
    pdf = _pdf(UNRULY, title="Summary “2026” — año 🎉")
    text = _pdf_text(pdf)
    assert "“Lecciones” — año niño ¿qué?" in text
    assert "Café “quoted” ‘single’ – — … €5 ™" in text
    # DejaVu draws a few emoji (😀) in black and white; those it lacks are left out.
    assert "😀 bullet “one”" in text and "🎉" not in text and "🚀" not in text
    assert "\ufffd\ufffd" in text  # a script it lacks shows as missing, not silently gone
    assert pypdfium2.PdfDocument(pdf).get_metadata_dict()["Title"] == "Summary “2026” — año 🎉"


def test_without_dejavu_the_pdf_falls_back_to_latin_1(monkeypatch):
    monkeypatch.setattr(documents, "FONT_FOLDERS", ())
    text = _pdf_text(_pdf(UNRULY + MARKDOWN, title="Summary “2026” — año 🎉"))
    assert "Summary \"2026\" - año" in text
    assert "\"Lecciones\" - año niño ¿qué?" in text
    assert "Café \"quoted\" 'single' - - ... EUR5 (TM) ?? o fi" in text
    assert "- Build a shared understanding." in text and "1. Welcome" in text


def test_the_word_document_has_real_headings_lists_and_properties():
    document = _docx()
    styled = [(p.style.name, p.text) for p in document.paragraphs]
    assert styled[:2] == [("Heading 1", TITLE),
                          ("Subtitle", "State Support Network · Generated on May 4, 2026")]
    headings = [(style, text) for style, text in styled if style.startswith("Heading")]
    assert headings == [("Heading 1", TITLE), ("Heading 2", "P2P description"),
                        ("Heading 2", "P2P objectives"), ("Heading 2", "Session 1: Frameworks"),
                        ("Heading 3", "Agenda"), ("Heading 3", "Action items")]
    assert ("List Bullet", "Build a shared understanding.") in styled
    assert ("List Bullet 2", "from peer states") in styled
    numbered = [p for p in document.paragraphs if p.style.name == "List Number"]
    assert [p.text for p in numbered] == ["Welcome", "State spotlights", "Share the rubric",
                                          "Send the slides"]
    # Each list starts again at 1: the two lists are numbered separately.
    ids = [p._p.pPr.numPr.numId.val for p in numbered]
    assert ids[0] == ids[1] != ids[2] == ids[3]
    properties = document.core_properties
    assert (properties.title, properties.author, properties.language) == (
        TITLE, NETWORK, "en-US")
    assert properties.comments == ""
    links = [r.target_ref for r in document.part.rels.values() if r.is_external]
    assert links == ["https://example.org/toolkit"]
    description = document.paragraphs[3]
    assert [run.text for run in description.runs if run.bold] == ["state teams"]
    assert [run.text for run in description.runs if run.italic] == ["peers"]
    footer = document.sections[0].footer.paragraphs[0]
    assert footer.text.startswith(f"{TITLE} · Page") and b'w:instr="PAGE"' in (
        footer._p.xml.encode())


def test_the_word_document_takes_any_text_a_facilitator_types():
    document = _docx(UNRULY, title="Summary “2026” — año 🎉\x0b")
    texts = [p.text for p in document.paragraphs]
    assert texts[0] == "Summary “2026” — año 🎉"
    assert texts[2] == "“Lecciones” — año niño ¿qué? 🎉👍🏽👩‍👩‍👧"
    assert texts[3].startswith("Café “quoted” ‘single’ – — … €5 ™ 中文 ő ﬁ")


def test_quotes_code_and_list_paragraphs_keep_their_shape():
    markdown = ("> What a state said\n\n```\nline one\n  indented\n```\n\n"
                "- item\n\n    more about the item\n")
    styled = [(p.style.name, p.text) for p in _docx(markdown).paragraphs[2:]]
    assert styled == [("Quote", "What a state said"), ("Normal", "line one\n  indented"),
                      ("List Bullet", "item"), ("List Continue", "more about the item")]
    text = _pdf_text(_pdf(markdown))
    assert "What a state said" in text and "line one" in text and "more about the item" in text


@pytest.fixture
def held_series(community, facilitator, member):
    factories.make_session(community, facilitator, number=1, title="Frameworks",
                           starts_at=utcnow() - timedelta(days=7), agenda="1. Welcome",
                           summary="It went “well” 👍", summary_published_at=utcnow())
    community.objectives = ["Build a shared understanding."]
    db.session.commit()
    return community


def test_a_gathered_summary_becomes_both_documents(held_series):
    summary = gather(held_series)
    markdown = to_markdown(summary)
    title = summary_title(held_series)
    text = _pdf_text(_pdf(markdown, title=title))
    for heading in ("P2P description", "P2P objectives", "Participating states",
                    "Session 1: Frameworks", "Agenda", "Summary and takeaways",
                    "Facilitators and subject matter experts"):
        assert heading in text
    assert "It went “well”" in text
    headings = [(p.style.name, p.text) for p in _docx(markdown, title=title).paragraphs
                if p.style.name.startswith("Heading")]
    assert headings[:3] == [("Heading 1", title), ("Heading 2", "P2P description"),
                            ("Heading 2", "P2P objectives")]
    assert ("Heading 3", "Summary and takeaways") in headings
