"""The weekly review packet: the caseload's agenda as a printable landscape table."""

from __future__ import annotations

import datetime as dt
import statistics

import polars as pl

from dashboard.reports.document import Document

#: Font size of the table, the widest a column is made for its text (mm, it wraps
#: beyond), the room for a column left empty to write in, and cell padding (mm).
FONT_SIZE = 8
MAX_WIDTH = 60.0
WRITE_IN = 30.0
#: Longer words than this (mm) may break across lines.
MAX_WORD = 30.0
PADDING = 3.0
HEADERS = {
    "client_id": "Client",
    "display_name": "Name",
    "program_week": "Week",
    "track": "Track",
    "clinician": "Clinician",
    "attendance_2w": "Attendance (2 weeks)",
    "flags": "Safety flags",
    "readiness": "Readiness",
    "decision": "Decision",
}


def review_packet_pdf(rows: pl.DataFrame, *, generated_by: str, week_of: dt.date) -> bytes:
    """The agenda rows, in the order given, as a landscape A4 table with the footer."""
    pdf = Document(generated_by=generated_by, orientation="landscape")
    pdf.set_title(f"Weekly review packet {week_of:%Y-%m-%d}")
    pdf.title_line(f"Weekly review packet: week of {week_of:%d %b %Y}")
    count = rows.height
    pdf.paragraph(f"{count} client{'s' if count != 1 else ''} on the agenda, in agenda order.")
    if rows.is_empty() or not rows.columns:
        pdf.paragraph("No clients on this week's agenda.")
        return bytes(pdf.output())
    text = as_text(rows)
    header = [HEADERS.get(column, column) for column in text.columns]
    pdf.grid(header, text.rows(), widths=column_widths(pdf, text, header), size=FONT_SIZE)
    return bytes(pdf.output())


def as_text(rows: pl.DataFrame) -> pl.DataFrame:
    """Every column as text; nulls as empty cells, lists joined."""
    columns = []
    for name, dtype in rows.schema.items():
        column = pl.col(name)
        if isinstance(dtype, pl.List):
            column = column.list.eval(pl.element().cast(pl.String)).list.join("; ")
        columns.append(column.cast(pl.String).fill_null("").alias(name))
    return rows.select(columns)


def column_widths(pdf: Document, text: pl.DataFrame, header: list[str]) -> list[float]:
    """Column widths in mm: each header's longest word fits; long text wraps; the page is full.

    A column with no text at all (a decision to write in by hand) gets room to write.
    """
    floor, wanted = [], []
    for name, title in zip(text.columns, header, strict=True):
        pdf.set_font(pdf.family, "B", FONT_SIZE)
        heading = _longest_word(pdf, [title])
        pdf.set_font(pdf.family, "", FONT_SIZE)
        values = [v for v in text[name] if v]
        lengths = [pdf.get_string_width(pdf.safe(v)) for v in values]
        typical = max(statistics.median(lengths), 0.7 * max(lengths)) if lengths else WRITE_IN
        word = max(heading, min(MAX_WORD, _longest_word(pdf, values)))
        floor.append(word + PADDING)
        wanted.append(max(word, min(MAX_WIDTH, typical)) + PADDING)
    return fit(floor, wanted, pdf.epw)


def _longest_word(pdf: Document, texts: list[str]) -> float:
    """The width of the longest word in ``texts`` in the current font (mm)."""
    words = {word for text in texts for word in text.split()}
    return max((pdf.get_string_width(pdf.safe(word)) for word in words), default=0.0)


def fit(floor: list[float], wanted: list[float], total: float) -> list[float]:
    """Widths that add up to ``total``: ``wanted`` stretched, or squeezed towards ``floor``."""
    if sum(wanted) <= total or sum(floor) >= total:
        return [w * total / sum(wanted) for w in wanted]
    spare = (total - sum(floor)) / (sum(wanted) - sum(floor))
    return [low + (want - low) * spare for low, want in zip(floor, wanted, strict=True)]
