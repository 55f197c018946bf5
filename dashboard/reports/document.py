"""The PDF document every report shares: fonts, confidential footer, headings and tables."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path

from fpdf import FPDF, FontFace
from fpdf.enums import XPos, YPos

from dashboard import clock

#: Where the Unicode font is looked for: bundled with the package, then Debian's
#: fonts-dejavu-core. Without it the core Helvetica font is used (latin-1 text only).
FONT_DIRS = (
    Path(__file__).resolve().parents[1] / "fonts",
    Path("/usr/share/fonts/truetype/dejavu"),
)
FONT_FILES = {"": "DejaVuSans.ttf", "B": "DejaVuSans-Bold.ttf"}
FAMILY = "DejaVu"
GREY = (90, 90, 90)
HEADING_FILL = (232, 238, 244)
_LATIN1 = str.maketrans(
    {
        "–": "-",
        "—": "-",
        "‘": "'",
        "’": "'",
        "“": '"',
        "”": '"',
        "≥": ">=",
        "≤": "<=",
        "…": "...",
        "•": "-",
        "−": "-",
        "✓": "+",
        "✗": "x",
        "○": "o",
    }
)


def font_path(style: str = "") -> Path | None:
    """The DejaVu Sans file for a style ("" or "B"), or None where it is not installed."""
    for folder in FONT_DIRS:
        path = folder / FONT_FILES[style]
        if path.is_file():
            return path
    return None


class Document(FPDF):
    """An A4 report with the confidential footer on every page: "Page n of N"."""

    def __init__(
        self,
        *,
        generated_by: str,
        orientation: str = "portrait",
        generated_at: dt.datetime | None = None,
    ) -> None:
        super().__init__(orientation=orientation, unit="mm", format="A4")
        self.generated_by = generated_by
        self.generated_at = generated_at or clock.now()
        self.set_margins(14, 12, 14)
        self.set_auto_page_break(auto=True, margin=16)
        self.unicode_font = self._add_fonts()
        self.set_creator("IOP Outcomes")
        self.add_page()

    def _add_fonts(self) -> bool:
        regular = font_path("")
        if regular is None:
            return False
        self.add_font(FAMILY, "", str(regular))
        self.add_font(FAMILY, "B", str(font_path("B") or regular))
        return True

    @property
    def family(self) -> str:
        """The font family in use: DejaVu where installed, else the core Helvetica."""
        return FAMILY if self.unicode_font else "Helvetica"

    def safe(self, text: object) -> str:
        """Text the font can show: as is with DejaVu, made latin-1 safe with Helvetica."""
        value = "" if text is None else str(text)
        if self.unicode_font:
            return value
        return value.translate(_LATIN1).encode("latin-1", "replace").decode("latin-1")

    def footer(self) -> None:
        """The confidentiality notice, who generated the document and when, and the page;
        on two lines where one would run past the margins."""
        self.set_font(self.family, "", 7.5)
        self.set_text_color(*GREY)
        stamp = f"{self.generated_at:%d %b %Y %H:%M}"
        text = self.safe(
            f"Confidential: contains health information. Generated {stamp} by "
            f"{self.generated_by}. Page {self.page_no()} of {{nb}}."
        )
        if self.get_string_width(text) <= self.epw:
            self.set_y(-12)
            self.cell(0, 5, text, align="C")
        else:
            self.set_y(-14)
            self.multi_cell(0, 3.5, text, align="C")
        self.set_text_color(0, 0, 0)

    def title_line(self, text: str) -> None:
        """The document's title."""
        self.set_font(self.family, "B", 15)
        self.multi_cell(0, 8, self.safe(text), new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def heading(self, text: str, *, room: float = 30) -> None:
        """A section heading; starts a new page when less than ``room`` mm are left."""
        if self.get_y() + room > self.page_break_trigger:
            self.add_page()
        self.ln(2.5)
        self.set_font(self.family, "B", 11.5)
        self.cell(0, 7, self.safe(text), new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def paragraph(self, text: str, *, size: float = 9.5, bold: bool = False) -> None:
        """A wrapped paragraph."""
        self.set_font(self.family, "B" if bold else "", size)
        self.multi_cell(0, size * 0.5, self.safe(text), new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def reference(self, label: str, text: str, *, size: float = 7.5) -> None:
        """One entry of a list of sources: the short label in bold, then the full text."""
        self.set_x(self.l_margin)
        self.set_font(self.family, "B", size)
        self.write(size * 0.45, self.safe(f"{label}. "))
        self.set_font(self.family, "", size)
        self.write(size * 0.45, self.safe(text))
        self.ln(size * 0.45 + 1)

    def grid(
        self,
        header: Sequence[str],
        rows: Sequence[Sequence[object]],
        *,
        widths: Sequence[float],
        size: float = 8.5,
    ) -> None:
        """A table with a shaded header row (repeated on every page) and wrapped cells."""
        self.set_font(self.family, "", size)
        self.set_draw_color(170, 170, 170)
        self.set_line_width(0.2)
        style = FontFace(emphasis="BOLD", fill_color=HEADING_FILL)
        with self.table(
            col_widths=tuple(widths),
            text_align="LEFT",
            headings_style=style,
            line_height=size * 0.48,
            padding=(0.8, 1.2),
            borders_layout="HORIZONTAL_LINES",
            width=self.epw,
            align="LEFT",
        ) as table:
            table.row([self.safe(h) for h in header])
            for values in rows:
                table.row([self.safe(v) for v in values])
        self.ln(1)
