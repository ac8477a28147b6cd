"""A printed A4 document in Arabic, French or English: heading with a QR code, labelled fields, tables.

fpdf2 draws the page; HarfBuzz (uharfbuzz) shapes the text, so Arabic letters join, and fpdf2's
bidirectional algorithm orders each line. In Arabic the whole layout is mirrored: labels, columns and the
title start at the right, and the QR code sits at the left. Noto Sans covers Latin, Noto Sans Arabic covers
Arabic; each stands in for the other's missing letters (a French trade name in an Arabic receipt, an Arabic
name in a French one).
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

import segno
from fpdf import FPDF
from fpdf.enums import Align, TableBordersLayout, XPos, YPos
from fpdf.fonts import FontFace

from douane.i18n import is_rtl, translate
from douane.printing import formatting

FONT_DIR = Path(__file__).parent / "fonts"
LATIN, ARABIC = "noto-sans", "noto-sans-arabic"
_FONT_FILES = {
    (LATIN, ""): "NotoSans-Regular.ttf",
    (LATIN, "B"): "NotoSans-Bold.ttf",
    (ARABIC, ""): "NotoSansArabic-Regular.ttf",
    (ARABIC, "B"): "NotoSansArabic-Bold.ttf",
}
RIGHT_TO_LEFT_MARK = "\u200f"
INK, MUTED, RULE, BAND = (20, 20, 20), (90, 90, 90), (170, 170, 170), (236, 239, 243)
QR_SIZE_MM = 34.0


class Side(StrEnum):
    """Alignment relative to the reading direction: START is left in French, right in Arabic."""

    START = "start"
    END = "end"
    CENTER = "center"


@dataclass(frozen=True)
class Column:
    heading: str
    width: float  # relative
    align: Side = Side.START


class _Pages(FPDF):
    def __init__(self, footer_text: str) -> None:
        super().__init__(orientation="portrait", unit="mm", format="A4")
        self.footer_text = footer_text

    def _render_styled_text_line(self, text_line: Any, *args: Any, **kwargs: Any) -> bool:
        """A line drawn partly in the fallback font leaves that font set in the page's text state, while
        fpdf2 (2.8.9) takes the current font to be set: a wrapped line that then starts in the current font
        was drawn with the fallback font's glyphs (an Arabic word of a French address came out as other
        letters). The current font is set again after such a line."""
        broke_page = bool(super()._render_styled_text_line(text_line, *args, **kwargs))
        current = self.current_font
        if current is not None and any(f.font is not current for f in text_line.get_ordered_fragments()):
            self._out(self._set_font_for_page(current, self.font_size_pt))
        return broke_page

    def footer(self) -> None:
        self.set_y(-13)
        self.set_font(size=7.5)
        self.set_text_color(*MUTED)
        self.cell(0, 5, f"{self.footer_text}   {self.page_no()}/{{nb}}", align=Align.C)


class Document:
    """One document being drawn. Texts given to it are already translated; `label=True` texts are the
    document's own words (forced to the document's direction), other texts are data (direction detected)."""

    def __init__(self, language: str, *, footer: str, title: str) -> None:
        self.language = language
        self.rtl = is_rtl(language)
        self.pdf = _Pages(footer)
        self._load_fonts()
        self.pdf.set_title(title)
        self.pdf.set_lang(language)
        self.pdf.set_creator("douane")
        self.pdf.set_margins(15, 14, 15)
        self.pdf.set_auto_page_break(auto=True, margin=18)
        self.pdf.add_page()
        self.pdf.set_text_color(*INK)

    def _load_fonts(self) -> None:
        for (family, style), filename in _FONT_FILES.items():
            self.pdf.add_font(family, style, FONT_DIR / filename)
        main, other = (ARABIC, LATIN) if self.rtl else (LATIN, ARABIC)
        self.pdf.set_font(main, size=10)
        self.pdf.set_fallback_fonts([other])
        self.pdf.set_text_shaping(use_shaping_engine=True)

    # --- helpers ---------------------------------------------------------------------------------

    def own(self, text: str) -> str:
        """The document's own words: a leading right-to-left mark keeps an Arabic label right to left even
        when it starts with a Latin abbreviation (NIF, DZD)."""
        return RIGHT_TO_LEFT_MARK + text if self.rtl and text else text

    def _align(self, align: Side) -> Align:
        if align is Side.CENTER:
            return Align.C
        starts_left = align is Side.START
        return Align.L if starts_left != self.rtl else Align.R

    @property
    def width(self) -> float:
        return float(self.pdf.epw)

    def _line(self, text: str, *, size: float, bold: bool = False, color: tuple[int, int, int] = INK,
              width: float = 0, x: float | None = None, align: Side = Side.START) -> None:  # fmt: skip
        self.pdf.set_font(style="B" if bold else "", size=size)
        self.pdf.set_text_color(*color)
        if x is not None:
            self.pdf.set_x(x)
        self.pdf.multi_cell(
            width or self.width, size * 0.5, text, align=self._align(align),
            new_x=XPos.LMARGIN, new_y=YPos.NEXT,
        )  # fmt: skip
        self.pdf.set_text_color(*INK)

    # --- blocks ----------------------------------------------------------------------------------

    def heading(
        self, *, issuer: Sequence[str], title: str, reference: str, qr_url: str, qr_caption: str
    ) -> None:
        """Issuer lines, title and number on the start side; the QR code on the end side."""
        pdf = self.pdf
        top = pdf.get_y()
        text_width = self.width - QR_SIZE_MM - 6
        text_x = pdf.l_margin + (QR_SIZE_MM + 6 if self.rtl else 0)
        qr_x = pdf.l_margin if self.rtl else pdf.l_margin + self.width - QR_SIZE_MM
        pdf.set_xy(text_x, top)
        for line in issuer:
            self._line(self.own(line), size=8.5, color=MUTED, width=text_width, x=text_x)
        pdf.ln(4)
        self._line(self.own(title), size=16, bold=True, width=text_width, x=text_x)
        pdf.ln(1)
        self._line(reference, size=12, bold=True, width=text_width, x=text_x)
        text_bottom = pdf.get_y()
        pdf.image(qr_png(qr_url), x=qr_x, y=top, w=QR_SIZE_MM, h=QR_SIZE_MM)
        pdf.set_xy(qr_x - 4, top + QR_SIZE_MM)
        pdf.set_font(style="", size=7)
        pdf.set_text_color(*MUTED)
        pdf.multi_cell(QR_SIZE_MM + 8, 3.2, self.own(qr_caption), align=Align.C)
        pdf.set_text_color(*INK)
        pdf.set_y(max(text_bottom, pdf.get_y()) + 3)
        self.rule()

    def rule(self) -> None:
        pdf = self.pdf
        pdf.set_draw_color(*RULE)
        pdf.line(pdf.l_margin, pdf.get_y(), pdf.l_margin + self.width, pdf.get_y())
        pdf.ln(3)

    def section(self, title: str) -> None:
        if self.pdf.will_page_break(20):
            self.pdf.add_page()
        self.pdf.ln(2)
        self._line(self.own(title), size=11.5, bold=True)
        self.pdf.ln(1)

    def note(self, text: str, *, bold: bool = False) -> None:
        self._line(self.own(text), size=9, bold=bold, color=INK if bold else MUTED)

    def fields(self, pairs: Sequence[tuple[str, str]], *, label_width: float = 0.32) -> None:
        """Label / value lines; a value too long for its line wraps under itself."""
        columns = (Column("", label_width), Column("", 1 - label_width))
        rows = [(self.own(label), value or "-") for label, value in pairs]
        self._table(columns, rows, headings=False, label_column=True)

    def table(self, columns: Sequence[Column], rows: Sequence[Sequence[str]],
              *, totals: Sequence[str] | None = None) -> None:  # fmt: skip
        """A table with a heading row repeated on each page and an optional bold totals row."""
        body = [[*row] for row in rows]
        if totals is not None:
            body.append([*totals])
        self._table(columns, body, headings=True, bold_last=totals is not None)

    def _table(self, columns: Sequence[Column], rows: Sequence[Sequence[str]], *, headings: bool,
               label_column: bool = False, bold_last: bool = False) -> None:  # fmt: skip
        order = list(reversed(range(len(columns)))) if self.rtl else list(range(len(columns)))
        pdf = self.pdf
        pdf.set_font(style="", size=9)
        pdf.set_draw_color(*RULE)
        layout = TableBordersLayout.HORIZONTAL_LINES if headings else TableBordersLayout.NONE
        with pdf.table(
            col_widths=[columns[i].width for i in order],
            text_align=[self._align(columns[i].align) for i in order],
            borders_layout=layout, first_row_as_headings=headings, line_height=4.4,
            padding=(1.2, 1.5) if headings else (0.6, 1.5),
            headings_style=FontFace(emphasis="BOLD", fill_color=BAND), repeat_headings=1,
        ) as table:  # fmt: skip
            if headings:
                heading = table.row()
                for i in order:
                    heading.cell(self.own(columns[i].heading))
            for index, values in enumerate(rows):
                bold = bold_last and index == len(rows) - 1
                row = table.row()
                for i in order:
                    emphasis = "BOLD" if bold or (label_column and i == 0) else None
                    color = MUTED if label_column and i == 0 else INK
                    row.cell(values[i], style=FontFace(emphasis=emphasis, color=color))
        pdf.ln(2)

    def to_bytes(self) -> bytes:
        return bytes(self.pdf.output())


def qr_png(url: str) -> io.BytesIO:
    """The URL as a QR code (error correction M), a crisp black-and-white PNG with its quiet zone."""
    buffer = io.BytesIO()
    segno.make(url, error="m", micro=False).save(buffer, kind="png", scale=8, border=4)
    buffer.seek(0)
    return buffer


ISSUER = ("People's Democratic Republic of Algeria", "Directorate General of Customs")


def official_document(
    language: str, *, title: str, number: str, verify_url: str, printed_at: datetime
) -> Document:
    """A document with the customs heading: issuer, title, number, the QR code of its verification page,
    and a footer saying when it was printed (Algiers time)."""

    def t(msgid: str, **params: str) -> str:
        return translate(msgid, language, **params)

    footer = t("Printed on {moment} (Algiers time)", moment=formatting.moment(printed_at, language))
    document = Document(language, footer=f"{footer}  ·  {number}", title=f"{t(title)} {number}")
    document.heading(
        issuer=[t(line) for line in ISSUER], title=t(title), reference=number, qr_url=verify_url,
        qr_caption=t("Scan to check this document"),
    )  # fmt: skip
    return document
