"""The demo's files, made when the demo is loaded from what library.yaml and blog.yaml say of
them: slides and briefs as PDFs (fpdf2), templates as Word documents (python-docx), a chart or a
blog post's cover banner as a PNG (Pillow) and a table as CSV. Small, but real: they open,
download and get previews like any upload.
"""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, time
from typing import Any

from docx import Document
from fpdf import FPDF
from PIL import Image, ImageDraw, ImageFont

from workspace.resources import documents

# Slides: US Letter turned sideways, in millimetres.
SLIDE_FORMAT = (215.9, 279.4)
TEAL = (0, 104, 125)
INK = (27, 27, 27)
CHART_SIZE = (960, 600)
CHART_BAR = (0, 94, 162)
BANNER_SIZE = (1200, 600)
BANNER_BOX = (255, 190, 46)


def make_file(spec: dict[str, Any], *, title: str, made_on: date, network_name: str) -> bytes:
    """The bytes of the file a library.yaml entry describes (its kind read from its name)."""
    name = str(spec["name"])
    extension = name.rsplit(".", 1)[-1].lower()
    if extension == "pdf" and "slides" in spec:
        return slides_pdf(title, spec["slides"], made_on=made_on, network_name=network_name)
    if extension == "pdf":
        return documents.summary_pdf(title, spec["document"], network_name=network_name,
                                     generated_on=made_on)
    if extension == "docx":
        return word_document(title, spec, made_on=made_on, network_name=network_name)
    if extension == "png" and "banner" in spec:
        return banner(spec["banner"])
    if extension == "png":
        return bar_chart(spec["chart"])
    if extension == "csv":
        return csv_table(spec["rows"])
    raise ValueError(f"library.yaml describes {name!r}, a kind of file the demo can't make")


def _plain(text: str) -> str:
    """Text for fpdf2's built-in Helvetica, which knows only Latin-1."""
    return (text.replace("\u2019", "'").replace("\u201c", '"').replace("\u201d", '"')
            .replace("\u2013", "-").replace("\u2014", "-")
            .encode("latin-1", "replace").decode("latin-1"))


def slides_pdf(title: str, slides: list[dict[str, Any]], *, made_on: date,
               network_name: str) -> bytes:
    """A deck: one landscape page per slide, a heading on a band of colour, then its points."""
    pdf = FPDF(orientation="landscape", unit="mm", format=SLIDE_FORMAT)
    pdf.set_title(_plain(title))
    pdf.set_author(_plain(network_name))
    pdf.set_lang(documents.LANGUAGE)
    pdf.set_creation_date(datetime.combine(made_on, time(), tzinfo=UTC))
    pdf.set_auto_page_break(auto=False)
    width = pdf.w - 40
    for number, slide in enumerate(slides, start=1):
        pdf.add_page()
        pdf.set_fill_color(*TEAL)
        pdf.rect(0, 0, pdf.w, 42, style="F")
        pdf.set_text_color(255, 255, 255)
        pdf.set_font("helvetica", "B", 26)
        pdf.set_xy(20, 12)
        pdf.multi_cell(width, 11, _plain(slide["heading"]))
        pdf.set_text_color(*INK)
        pdf.set_font("helvetica", "", 17)
        pdf.set_y(56)
        for point in slide.get("points") or []:
            pdf.set_x(20)
            pdf.multi_cell(width, 9, _plain(f"-  {point}"))
            pdf.ln(4)
        pdf.set_font("helvetica", "", 10)
        pdf.set_xy(20, pdf.h - 14)
        pdf.cell(width, 6, _plain(f"{network_name} · {title} · {number}/{len(slides)}"))
    return bytes(pdf.output())


def word_document(title: str, spec: dict[str, Any], *, made_on: date,
                  network_name: str) -> bytes:
    """A Word template: its title, what it is for, a table to fill in, and notes on using it."""
    document = Document()
    properties = document.core_properties
    properties.title = title
    properties.author = network_name
    properties.language = documents.LANGUAGE
    properties.created = properties.modified = datetime.combine(made_on, time(), tzinfo=UTC)
    document.add_heading(title, level=0)
    for paragraph in spec.get("intro") or []:
        document.add_paragraph(paragraph)
    rows = spec.get("table") or []
    if rows:
        table = document.add_table(rows=len(rows), cols=len(rows[0]))
        table.style = "Table Grid"
        for cells, values in zip(table.rows, rows, strict=True):
            for cell, value in zip(cells.cells, values, strict=True):
                cell.text = str(value)
        for cell in table.rows[0].cells:  # the header row, in bold
            for run in cell.paragraphs[0].runs:
                run.bold = True
    notes = spec.get("notes") or []
    if notes:
        document.add_heading("Using it", level=1)
        for note in notes:
            document.add_paragraph(note, style="List Bullet")
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def bar_chart(chart: dict[str, Any]) -> bytes:
    """A labelled bar chart: a title, one bar per value with the value above it."""
    image = Image.new("RGB", CHART_SIZE, "white")
    draw = ImageDraw.Draw(image)
    title = str(chart["title"])
    label_font = ImageFont.load_default(size=24)
    draw.text((40, 30), title, fill=INK,
              font=_fitted_font(draw, title, largest=34, width=CHART_SIZE[0] - 80))
    bars: dict[str, int] = {str(k): int(v) for k, v in chart["bars"].items()}
    tallest = max(bars.values()) or 1
    left, right, top, bottom = 60, CHART_SIZE[0] - 40, 130, CHART_SIZE[1] - 70
    slot = (right - left) / len(bars)
    draw.line((left, bottom, right, bottom), fill=INK, width=2)
    for index, (label, value) in enumerate(bars.items()):
        x0 = left + index * slot + slot * 0.2
        x1 = left + (index + 1) * slot - slot * 0.2
        y0 = bottom - (bottom - top) * value / tallest
        draw.rectangle((x0, y0, x1, bottom), fill=CHART_BAR)
        draw.text(((x0 + x1) / 2, y0 - 8), str(value), fill=INK, font=label_font, anchor="md")
        draw.text(((x0 + x1) / 2, bottom + 14), label, fill=INK, font=label_font, anchor="ma")
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


def _fitted_font(draw: ImageDraw.ImageDraw, text: str, *, largest: int,
                 width: float) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    size = largest
    while size > 16 and draw.textlength(text, font=ImageFont.load_default(size=size)) > width:
        size -= 2
    return ImageFont.load_default(size=size)


def banner(spec: dict[str, Any]) -> bytes:
    """A blog post's cover: its headline on a band of colour over a row of labelled boxes (the
    post's alt text, in blog.yaml, says the same in words)."""
    image = Image.new("RGB", BANNER_SIZE, TEAL)
    draw = ImageDraw.Draw(image)
    width, height = BANNER_SIZE
    headline = str(spec["headline"])
    draw.text((60, 70), headline, fill="white",
              font=_fitted_font(draw, headline, largest=56, width=width - 120))
    boxes = [str(label) for label in spec.get("boxes") or []]
    if boxes:
        gap = 40
        box_width = (width - 120 - gap * (len(boxes) - 1)) / len(boxes)
        top, bottom = 240, height - 90
        label_font = ImageFont.load_default(size=30)
        for index, label in enumerate(boxes):
            left = 60 + index * (box_width + gap)
            draw.rounded_rectangle((left, top, left + box_width, bottom), radius=24,
                                   fill=BANNER_BOX)
            draw.multiline_text((left + box_width / 2, (top + bottom) / 2), label.replace(
                " / ", "\n"), fill=INK, font=label_font, anchor="mm", align="center")
    note = str(spec.get("note") or "")
    if note:
        draw.text((60, height - 60), note, fill="white", font=ImageFont.load_default(size=24))
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


def csv_table(rows: list[list[Any]]) -> bytes:
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows(rows)
    return out.getvalue().encode("utf-8")
