"""Downloadable documents made from a resource's Markdown: a PDF (fpdf2) and a Word document
(python-docx), with real headings, lists, links, page numbers and metadata.

The Markdown goes through the same renderer as the page (workspace.text), so the documents say
what the page says, then its HTML is read into a few kinds of block that both writers share.
Nothing here fetches anything: images are left out and only absolute web and mail links become
links.
"""

from __future__ import annotations

import enum
import io
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time
from html.parser import HTMLParser
from pathlib import Path

from docx import Document
from docx.document import Document as WordDocument
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.opc.constants import RELATIONSHIP_TYPE
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Pt, RGBColor
from docx.text.paragraph import Paragraph
from fpdf import FPDF, ViewerPreferences
from fpdf.enums import XPos, YPos
from fpdf.fonts import TTFFont

from workspace.text import render_markdown
from workspace.timezones import strftime

LANGUAGE = "en-US"
CREATOR = "CoP Workspace"
LINK_SCHEMES = ("http://", "https://", "mailto:")


# --- Markdown as blocks ----------------------------------------------------------------------

class BlockKind(enum.StrEnum):
    HEADING = "heading"
    PARAGRAPH = "paragraph"
    BULLET = "bullet"
    NUMBERED = "numbered"
    QUOTE = "quote"
    CODE = "code"


@dataclass(frozen=True)
class Run:
    """Text in one style; a link when it has an address."""

    text: str
    bold: bool = False
    italic: bool = False
    code: bool = False
    href: str | None = None

    def same_style(self, other: Run) -> bool:
        return replace(self, text="") == replace(other, text="")


@dataclass
class Block:
    kind: BlockKind
    runs: list[Run] = field(default_factory=list)
    # A heading's level (2 for "##"); for the rest, how deep in lists it sits (0: not in one).
    level: int = 0
    # The items of one numbered list share an id (Word restarts numbering at each new one).
    list_id: int = 0
    number: int = 0

    @property
    def text(self) -> str:
        return "".join(run.text for run in self.runs)


@dataclass
class _OpenList:
    ordered: bool
    id: int
    count: int = 0


class _BlockReader(HTMLParser):
    """Reads the sanitized HTML of workspace.text into blocks. Tags it doesn't know are
    transparent: their text is kept in the block around them."""

    HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.blocks: list[Block] = []
        self.current: Block | None = None
        self.lists: list[_OpenList] = []
        self.lists_made = 0
        self.bold = self.italic = self.code = self.quote = 0
        self.links: list[str | None] = []
        self.in_pre = False

    # Blocks

    def _start(self, kind: BlockKind, level: int = 0, list_id: int = 0,
               number: int = 0) -> None:
        self._finish()
        self.current = Block(kind, level=level, list_id=list_id, number=number)

    def _start_text(self) -> None:
        """A paragraph, in a quote or under the list item it continues."""
        kind = BlockKind.QUOTE if self.quote else BlockKind.PARAGRAPH
        self._start(kind, level=len(self.lists))

    def _finish(self) -> None:
        block, self.current = self.current, None
        if block is None:
            return
        runs: list[Run] = []
        for run in block.runs:
            if runs and runs[-1].same_style(run):
                runs[-1] = replace(runs[-1], text=runs[-1].text + run.text)
            elif run.text:
                runs.append(run)
        if runs:
            runs[0] = replace(runs[0], text=runs[0].text.lstrip(" "))
            runs[-1] = replace(runs[-1], text=runs[-1].text.rstrip())
        block.runs = [run for run in runs if run.text]
        if block.runs:
            self.blocks.append(block)

    # Text

    def _add(self, text: str) -> None:
        if self.current is None:
            if not text.strip():
                return
            self._start_text()
        assert self.current is not None
        if not self.current.runs or self.current.runs[-1].text.endswith((" ", "\n")):
            text = text.lstrip(" ")
        if text:
            href = self.links[-1] if self.links else None
            self.current.runs.append(Run(text, bold=self.bold > 0, italic=self.italic > 0,
                                         code=self.code > 0, href=href))

    def handle_data(self, data: str) -> None:
        if self.in_pre:
            if self.current is not None:
                self.current.runs.append(Run(data, code=True))
            return
        self._add(re.sub(r"\s+", " ", data))

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.HEADINGS:
            self._start(BlockKind.HEADING, level=int(tag[1]))
        elif tag in ("p", "tr"):
            item = self.current
            # The first paragraph of a list item (a "loose" list) is the item's own text.
            if not (item and item.kind in (BlockKind.BULLET, BlockKind.NUMBERED)
                    and not item.runs):
                self._start_text()
        elif tag in ("ul", "ol"):
            self._finish()
            self.lists_made += 1
            self.lists.append(_OpenList(ordered=tag == "ol", id=self.lists_made))
        elif tag == "li" and self.lists:
            opened = self.lists[-1]
            opened.count += 1
            self._start(BlockKind.NUMBERED if opened.ordered else BlockKind.BULLET,
                        level=len(self.lists) - 1, list_id=opened.id, number=opened.count)
        elif tag == "pre":
            self._start(BlockKind.CODE, level=len(self.lists))
            self.in_pre = True
        elif tag == "blockquote":
            self._finish()
            self.quote += 1
        elif tag in ("td", "th"):
            if self.current is not None and self.current.runs:
                self._add(" | ")
            if tag == "th":
                self.bold += 1
        elif tag in ("strong", "b"):
            self.bold += 1
        elif tag in ("em", "i"):
            self.italic += 1
        elif tag == "code" and not self.in_pre:
            self.code += 1
        elif tag == "a":
            href = dict(attrs).get("href") or ""
            self.links.append(href if href.lower().startswith(LINK_SCHEMES) else None)
        elif tag == "br":
            self._add("\n")
        elif tag == "hr":
            self._finish()

    def handle_endtag(self, tag: str) -> None:
        if tag in self.HEADINGS or tag in ("p", "li", "tr", "table"):
            self._finish()
        elif tag == "pre":
            self._finish()
            self.in_pre = False
        elif tag in ("ul", "ol"):
            self._finish()
            if self.lists:
                self.lists.pop()
        elif tag == "blockquote":
            self._finish()
            self.quote = max(0, self.quote - 1)
        elif tag in ("strong", "b", "th"):
            self.bold = max(0, self.bold - 1)
        elif tag in ("em", "i"):
            self.italic = max(0, self.italic - 1)
        elif tag == "code" and not self.in_pre:
            self.code = max(0, self.code - 1)
        elif tag == "a" and self.links:
            self.links.pop()


def blocks_of(markdown: str) -> list[Block]:
    """The Markdown as the page shows it, as headings, paragraphs, list items, quotes and code."""
    reader = _BlockReader()
    reader.feed(render_markdown(markdown))
    reader.close()
    reader._finish()
    return reader.blocks


def _generated_line(network_name: str, generated_on: date) -> str:
    return f"{network_name} · Generated on {strftime(generated_on, '%B %-d, %Y')}"


# --- PDF -------------------------------------------------------------------------------------

# Where DejaVu is on common systems (Debian and Ubuntu, Fedora, Arch, a hand install). fpdf2's
# built-in fonts know only Latin-1: without DejaVu, text is brought down to it (see _latin1).
FONT_FOLDERS: tuple[Path, ...] = (
    Path("/usr/share/fonts/truetype/dejavu"), Path("/usr/share/fonts/dejavu-sans-fonts"),
    Path("/usr/share/fonts/dejavu-sans-mono-fonts"), Path("/usr/share/fonts/dejavu"),
    Path("/usr/share/fonts/TTF"), Path("/usr/local/share/fonts"),
)
DEJAVU_FILES = {"": "DejaVuSans.ttf", "B": "DejaVuSans-Bold.ttf", "I": "DejaVuSans-Oblique.ttf",
                "BI": "DejaVuSans-BoldOblique.ttf"}
DEJAVU_MONO_FILE = "DejaVuSansMono.ttf"

HEADING_SIZES = {1: 17.0, 2: 15.0, 3: 12.5}
BODY_SIZE = 10.5
CODE_SIZE = 9.0
LINE_SPACING = 1.3  # times the font size
INDENT = 7.0  # mm per level of list
LINK_BLUE = (0, 80, 160)
GRAY = (90, 90, 90)


def _find_font(name: str) -> Path | None:
    return next((folder / name for folder in FONT_FOLDERS if (folder / name).is_file()), None)


# Punctuation people type (or their editors put in) that Latin-1 lacks, as it is written in it.
_LATIN1_PUNCTUATION = str.maketrans({
    "‘": "'", "’": "'", "‚": ",", "‛": "'", "“": '"', "”": '"', "„": '"', "‟": '"',
    "′": "'", "″": '"', "‐": "-", "‑": "-", "‒": "-", "–": "-", "—": "-", "―": "-", "−": "-",
    "…": "...", "•": "-", "◦": "-", "€": "EUR", "™": "(TM)", "\u2009": " ", "\u202f": " ",
    "\u200b": "",
})
# Emoji, their skin tones and joiners, and other symbols: decoration a font without them drops.
_DECORATION = frozenset({"So", "Sk", "Mn", "Me", "Cf", "Co", "Cn", "Cs"})


def _without_controls(text: str) -> str:
    text = unicodedata.normalize("NFC", text).replace("\t", " ").replace("\r", "")
    return "".join(ch for ch in text
                   if ch == "\n" or unicodedata.category(ch) not in ("Cc", "Cs"))


def _latin1(text: str) -> str:
    out = []
    for ch in _without_controls(text).translate(_LATIN1_PUNCTUATION):
        if ord(ch) < 256:
            out.append(ch)
            continue
        # "ő" becomes "o", "ﬁ" becomes "fi": the letters without what Latin-1 can't show.
        simpler = "".join(c for c in unicodedata.normalize("NFKD", ch)
                          if ord(c) < 256 and not unicodedata.combining(c))
        if simpler:
            out.append(simpler)
        elif unicodedata.category(ch) not in _DECORATION:
            out.append("?")
    return "".join(out)


@dataclass(frozen=True)
class _Typeface:
    family: str
    mono: str
    printable: Callable[[str], str]


def _typeface(pdf: FPDF) -> _Typeface:
    """DejaVu when the system has it (every character it has glyphs for, accents, curly quotes
    and dashes); otherwise fpdf2's built-in Helvetica and Courier, in Latin-1."""
    regular = {style: _find_font(name) for style, name in DEJAVU_FILES.items()}
    if not all(regular.values()):
        return _Typeface("helvetica", "courier", _latin1)
    for style, path in regular.items():
        pdf.add_font("dejavu", style, str(path))
    mono = _find_font(DEJAVU_MONO_FILE)
    if mono is not None:
        pdf.add_font("dejavumono", "", str(mono))
    font = pdf.fonts["dejavu"]
    glyphs = frozenset(font.cmap if isinstance(font, TTFFont) else ())
    replacement = "\ufffd" if 0xFFFD in glyphs else "?"

    def printable(text: str) -> str:
        # fpdf2 would silently skip characters the font has no glyph for: emoji and symbols may
        # go, but a letter from a script DejaVu lacks leaves a visible mark.
        return "".join(ch if ch == "\n" or ord(ch) in glyphs
                       else "" if unicodedata.category(ch) in _DECORATION else replacement
                       for ch in _without_controls(text))

    return _Typeface("dejavu", "dejavumono" if mono else "dejavu", printable)


class _SummaryPDF(FPDF):
    def __init__(self, footer_text: str) -> None:
        super().__init__(format="letter", unit="mm")
        self.footer_text = footer_text
        self.typeface = _typeface(self)
        self.set_margins(left=25, top=20, right=25)
        self.set_auto_page_break(auto=True, margin=20)
        self.outline_level = 0

    def text_of(self, text: str) -> str:
        return self.typeface.printable(text)

    def line_of(self, text: str) -> str:
        """Text for one line (a title, the footer), its spaces closed up where glyphs went."""
        return " ".join(self.text_of(text).split())

    def footer(self) -> None:
        self.set_y(-14)
        self.set_font(self.typeface.family, "", 8)
        self.set_text_color(*GRAY)
        # {nb} is fpdf2's alias for the page count, filled in when the document is done.
        self.cell(0, 5, f"{self.line_of(self.footer_text)} · Page {self.page_no()} of {{nb}}",
                  align="C")
        self.set_text_color(0, 0, 0)

    def title_block(self, title: str, generated: str) -> None:
        self.start_section(_without_controls(title) or "Summary", level=0)
        self.set_font(self.typeface.family, "B", 20)
        self.multi_cell(0, 9, self.line_of(title), align="L",
                        new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.ln(1)
        self.set_font(self.typeface.family, "", 9)
        self.set_text_color(*GRAY)
        self.multi_cell(0, 5, self.line_of(generated), align="L",
                        new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.ln(2)
        self.set_draw_color(*GRAY)
        self.line(self.l_margin, self.get_y(), self.w - self.r_margin, self.get_y())
        self.set_text_color(0, 0, 0)
        self.ln(4)

    def heading(self, block: Block) -> None:
        size = HEADING_SIZES.get(block.level, BODY_SIZE + 0.5)
        # A heading at the foot of a page would be parted from what it introduces.
        if self.get_y() > self.page_break_trigger - 30:
            self.add_page()
        else:
            self.ln(3)
        # The outline nests: the title is level 0, "##" level 1, and no level is skipped.
        self.outline_level = max(1, min(block.level - 1, self.outline_level + 1))
        self.start_section(_without_controls(block.text), level=self.outline_level)
        self.set_font(self.typeface.family, "B", size)
        self.multi_cell(0, size * 0.5, self.line_of(block.text), align="L",
                        new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.ln(1.5)

    def paragraph(self, block: Block, *, indent: float = 0, bullet: str = "",
                  color: tuple[int, int, int] = (0, 0, 0), after: float = 2.0) -> None:
        """Runs of text wrapped as one paragraph (fpdf2's text regions break lines across
        changes of font and links, where write() would split a word)."""
        with self.text_columns(line_height=LINE_SPACING) as columns:
            self.set_font(self.typeface.family, "", BODY_SIZE)
            with columns.paragraph(indent=indent, bullet_string=self.text_of(bullet),
                                   bottom_margin=after) as paragraph:
                for run in _link_spaces_apart(block.runs):
                    style = ("B" if run.bold else "") + ("I" if run.italic else "")
                    family, size = self.typeface.family, BODY_SIZE
                    if run.code:
                        family, style, size = self.typeface.mono, "", CODE_SIZE
                    self.set_text_color(*(LINK_BLUE if run.href else color))
                    self.set_font(family, style + ("U" if run.href else ""), size)
                    paragraph.write(self.text_of(run.text), link=run.href)
        self.set_text_color(0, 0, 0)

    def item(self, block: Block) -> None:
        marker = f"{block.number}." if block.kind is BlockKind.NUMBERED else (
            "•" if block.level == 0 else "◦")
        self.paragraph(block, indent=(block.level + 1) * INDENT, bullet=marker, after=1.2)

    def code(self, block: Block) -> None:
        saved = self.l_margin
        self.set_left_margin(saved + block.level * INDENT)
        self.set_font(self.typeface.mono, "", CODE_SIZE)
        self.set_fill_color(242, 242, 242)
        # multi_cell keeps the spaces that line code up.
        self.multi_cell(0, 4.6, self.text_of(block.text), align="L", fill=True,
                        new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_left_margin(saved)
        self.ln(2)

    def quote(self, block: Block) -> None:
        top = self.get_y()
        self.paragraph(block, indent=(block.level + 1) * INDENT, color=GRAY, after=0)
        if self.get_y() > top:  # a quote that ran onto the next page gets no rule
            x = self.l_margin + block.level * INDENT + 2
            self.set_draw_color(*GRAY)
            self.line(x, top, x, self.get_y())
        self.ln(2)


def _link_spaces_apart(runs: list[Run]) -> list[Run]:
    """A link's own spaces are not underlined: they move into runs of their own."""
    out: list[Run] = []
    for run in runs:
        core = run.text.strip(" ")
        if not run.href or not core or core == run.text:
            out.append(run)
            continue
        leading = run.text[:len(run.text) - len(run.text.lstrip(" "))]
        trailing = run.text[len(run.text.rstrip(" ")):]
        out += [replace(run, text=leading, href=None), replace(run, text=core),
                replace(run, text=trailing, href=None)]
    return [run for run in out if run.text]


def summary_pdf(title: str, markdown: str, *, network_name: str, generated_on: date) -> bytes:
    """The summary as a PDF: a title block, headings in the document outline, lists, links,
    page numbers, and its title, author (the network) and language set."""
    pdf = _SummaryPDF(footer_text=title if len(title) <= 90 else title[:89] + "…")
    pdf.set_title(_without_controls(title))
    pdf.set_author(_without_controls(network_name))
    pdf.set_creator(CREATOR)
    pdf.set_lang(LANGUAGE)
    pdf.set_creation_date(datetime.combine(generated_on, time(), tzinfo=UTC))
    # Readers' title bars (and screen readers) announce the title, not the file name.
    pdf.viewer_preferences = ViewerPreferences(display_doc_title=True)
    pdf.add_page()
    pdf.title_block(title, _generated_line(network_name, generated_on))
    for block in blocks_of(markdown):
        if block.kind is BlockKind.HEADING:
            pdf.heading(block)
        elif block.kind in (BlockKind.BULLET, BlockKind.NUMBERED):
            pdf.item(block)
        elif block.kind is BlockKind.QUOTE:
            pdf.quote(block)
        elif block.kind is BlockKind.CODE:
            pdf.code(block)
        else:
            pdf.paragraph(block, indent=block.level * INDENT)
    return bytes(pdf.output())


# --- Word ------------------------------------------------------------------------------------

LIST_STYLES = {BlockKind.BULLET: "List Bullet", BlockKind.NUMBERED: "List Number"}
DEEPEST_LIST_STYLE = 3  # the default template has "List Bullet 3" and no deeper
MONOSPACE = "Courier New"


def _xml_text(text: str) -> str:
    """Text Word's XML can hold: python-docx refuses control characters and lone surrogates."""
    return "".join(ch for ch in unicodedata.normalize("NFC", text)
                   if ch in "\t\n" or unicodedata.category(ch) not in ("Cc", "Cs")
                   and ch not in "\ufffe\uffff")


def _styled(base: str, level: int) -> str:
    depth = min(level, DEEPEST_LIST_STYLE - 1)
    return base if depth == 0 else f"{base} {depth + 1}"


def _link_style(document: WordDocument) -> None:
    if "Hyperlink" not in [style.name for style in document.styles]:
        style = document.styles.add_style("Hyperlink", WD_STYLE_TYPE.CHARACTER)
        style.font.color.rgb = RGBColor(0x05, 0x63, 0xC1)
        style.font.underline = True


def _add_runs(paragraph: Paragraph, runs: list[Run]) -> None:
    for run in runs:
        for index, line in enumerate(_xml_text(run.text).split("\n")):
            if index:
                paragraph.add_run().add_break()
            if not line:
                continue
            added = paragraph.add_run(line, style="Hyperlink" if run.href else None)
            added.bold = run.bold or None
            added.italic = run.italic or None
            if run.code:
                added.font.name = MONOSPACE
            if run.href:
                # python-docx has no call for a link: wrap the run in <w:hyperlink> by hand.
                relation = paragraph.part.relate_to(run.href, RELATIONSHIP_TYPE.HYPERLINK,
                                                    is_external=True)
                link = OxmlElement("w:hyperlink")
                link.set(qn("r:id"), relation)
                paragraph._p.append(link)
                link.append(added._r)


class _Numbering:
    """Each numbered list starts again at 1: Word otherwise counts on across the document."""

    def __init__(self, document: WordDocument) -> None:
        self.document = document
        self.ids: dict[tuple[int, str], int] = {}

    def apply(self, paragraph: Paragraph, block: Block, style: str) -> None:
        key = (block.list_id, style)
        if key not in self.ids:
            numbering = self.document.part.numbering_part.element
            style_numbering = self.document.styles[style].element.pPr.numPr
            abstract = numbering.num_having_numId(style_numbering.numId.val).abstractNumId.val
            num = numbering.add_num(abstract)
            num.add_lvlOverride(ilvl=0).add_startOverride(1)
            self.ids[key] = num.numId
        numbered = paragraph._p.get_or_add_pPr().get_or_add_numPr()
        numbered.get_or_add_ilvl().val = 0
        numbered.get_or_add_numId().val = self.ids[key]


def _page_footer(document: WordDocument, text: str) -> None:
    paragraph = document.sections[0].footer.paragraphs[0]
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    paragraph.add_run(f"{_xml_text(text)} · Page ").font.size = Pt(8)
    page = OxmlElement("w:fldSimple")
    page.set(qn("w:instr"), "PAGE")
    number = OxmlElement("w:r")
    shown = OxmlElement("w:t")
    shown.text = "1"
    number.append(shown)
    page.append(number)
    paragraph._p.append(page)


def summary_docx(title: str, markdown: str, *, network_name: str, generated_on: date) -> bytes:
    """The summary as a Word document: the title as Heading 1 and the Markdown's headings as
    Heading 2 and 3, Word's own list styles, page numbers, and its title and author set."""
    document = Document()
    properties = document.core_properties
    properties.title = _xml_text(title)
    properties.author = properties.last_modified_by = _xml_text(network_name)
    properties.comments = ""  # python-docx's template says "generated by python-docx"
    properties.language = LANGUAGE
    properties.created = properties.modified = datetime.combine(generated_on, time(),
                                                                tzinfo=UTC)
    properties.revision = 1
    _link_style(document)
    document.add_heading(_xml_text(title), level=1)
    document.add_paragraph(_xml_text(_generated_line(network_name, generated_on)),
                           style="Subtitle")
    numbering = _Numbering(document)
    for block in blocks_of(markdown):
        if block.kind is BlockKind.HEADING:
            paragraph = document.add_heading(level=min(block.level, 9))
        elif block.kind in LIST_STYLES:
            style = _styled(LIST_STYLES[block.kind], block.level)
            paragraph = document.add_paragraph(style=style)
            if block.kind is BlockKind.NUMBERED:
                numbering.apply(paragraph, block, style)
        elif block.kind is BlockKind.QUOTE:
            paragraph = document.add_paragraph(style="Quote")
        elif block.level:  # a paragraph continuing a list item
            paragraph = document.add_paragraph(style=_styled("List Continue", block.level - 1))
        else:
            paragraph = document.add_paragraph()
        _add_runs(paragraph, block.runs)
    _page_footer(document, title if len(title) <= 90 else title[:89] + "…")
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()
