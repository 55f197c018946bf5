"""The weekly review packet: the caseload's agenda as a printable landscape table."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence

import polars as pl

from dashboard.reports.document import Document

#: Font sizes tried, largest first, until every column's longest word fits on the page.
FONT_SIZES = (8.0, 7.5, 7.0, 6.5, 6.0)
#: The room for a column left empty to write in, and cell padding (mm).
WRITE_IN = 30.0
#: Longer words than this (mm) may break across lines.
MAX_WORD = 30.0
PADDING = 3.0
#: The packet's columns before the measures and after them, with their headings.
LEADING = {
    "client": "Client",
    "program_week": "Week",
    "why_now": "Why now",
    "clinician": "Clinician",
    "attendance_2w": "Attendance (2 weeks)",
}
TRAILING = {"readiness": "Readiness", "decision": "Decision"}
SCORES = "Scores (latest, band, change)"


def review_packet_pdf(
    rows: pl.DataFrame,
    *,
    measures: Sequence[str],
    generated_by: str,
    week_of: dt.date,
) -> bytes:
    """The agenda rows, in the order given, as a landscape A4 table with the footer.

    ``rows`` are the weekly review agenda's (:mod:`dashboard.review.agenda_table`);
    ``measures`` the headings of its measure columns, in display order (those the
    rows lack are left out); ``generated_by`` the person who drew it.
    """
    pdf = Document(generated_by=generated_by, orientation="landscape")
    pdf.set_title(f"Weekly review packet {week_of:%Y-%m-%d}")
    pdf.title_line(f"Weekly review packet: week of {week_of:%d %b %Y}")
    count = rows.height
    pdf.paragraph(
        f"{count} client{'s' if count != 1 else ''} on the agenda, in agenda order (most "
        "urgent first); why now: the group that puts each client there, then every reason "
        "for concern."
    )
    if rows.is_empty() or not rows.columns:
        pdf.paragraph("No clients on this week's agenda.")
        return bytes(pdf.output())
    text = packet_table(rows, measures=measures)
    header = [LEADING.get(c) or TRAILING.get(c) or SCORES for c in text.columns]
    size, widths = column_widths(pdf, text, header)
    pdf.grid(header, text.rows(), widths=widths, size=size)
    return bytes(pdf.output())


def packet_table(rows: pl.DataFrame, *, measures: Sequence[str]) -> pl.DataFrame:
    """The packet's columns as text: the client (name and id), the program week, why now
    (the agenda group and the reasons for concern), clinician, attendance, the scores
    (a line per measure given), readiness and this week's decision (empty: a space to
    write it in).

    Examples
    --------
    >>> row = pl.DataFrame({"client_id": ["C0230"], "display_name": ["Cypress Meerkat"],
    ...     "program_week": [3], "priority_label": ["Safety answer to follow up"],
    ...     "flags": ["PHQ-9 item 9 answered 1 on 23 Nov: no follow-up yet"],
    ...     "clinician": [None], "attendance_2w": ["7/8 days (88%)"], "PHQ-9": ["18"],
    ...     "readiness": ["not ready"], "decision": [""]})
    >>> table = packet_table(row, measures=["PHQ-9", "GAD-7"])
    >>> " | ".join(table.columns)
    'client | program_week | why_now | clinician | attendance_2w | scores | readiness | decision'
    >>> for cell in table.row(0)[:3] + table.row(0)[5:6]:
    ...     print(cell)
    Cypress Meerkat (C0230)
    3
    Safety answer to follow up: PHQ-9 item 9 answered 1 on 23 Nov: no follow-up yet
    PHQ-9: 18
    """
    reasons = rows["flags"].fill_null("") if "flags" in rows.columns else [""] * rows.height
    shown = rows.with_columns(
        pl.format("{} ({})", pl.col("display_name").fill_null("name not recorded"), "client_id")
        .fill_null(pl.col("client_id"))
        .alias("client"),
        pl.Series(
            "why_now",
            [
                why_now(group or "", reason)
                for group, reason in zip(rows["priority_label"], reasons, strict=True)
            ],
            dtype=pl.String,
        ),
    )
    scored = [m for m in measures if m in shown.columns]
    scores = pl.concat_list(
        [
            pl.when(pl.col(m).cast(pl.String).str.strip_chars() != "").then(
                pl.format("{}: {}", pl.lit(m), pl.col(m).cast(pl.String))
            )
            for m in scored
        ]
    ).list.drop_nulls()
    shown = shown.with_columns((scores.list.join("\n") if scored else pl.lit("")).alias("scores"))
    columns = [
        *(c for c in LEADING if c in shown.columns),
        "scores",
        *(c for c in TRAILING if c in shown.columns),
    ]
    return as_text(shown.select(columns))


def why_now(group: str, reasons: str) -> str:
    """The agenda group, then every reason for concern, the group's word not repeated.

    Examples
    --------
    >>> why_now("Overdue measures", "overdue: PHQ-9 3 d; attendance 38% (below 75%)")
    'Overdue measures: PHQ-9 3 d; attendance 38% (below 75%)'
    >>> why_now("Step-down candidate", "")
    'Step-down candidate'
    """
    if not reasons:
        return group
    head, _, rest = reasons.partition(": ")
    if rest and group.lower().startswith(head.lower()):
        reasons = rest
    return f"{group}: {reasons}"


def as_text(rows: pl.DataFrame) -> pl.DataFrame:
    """Every column as text; nulls as empty cells, lists joined."""
    columns = []
    for name, dtype in rows.schema.items():
        column = pl.col(name)
        if isinstance(dtype, pl.List):
            column = column.list.eval(pl.element().cast(pl.String)).list.join("; ")
        columns.append(column.cast(pl.String).fill_null("").alias(name))
    return rows.select(columns)


def column_widths(
    pdf: Document, text: pl.DataFrame, header: list[str]
) -> tuple[float, list[float]]:
    """The font size and column widths in mm: no word (an id, a week, a name) breaks
    letter by letter, the rows are as short as the page allows, the page is full.

    The largest of :data:`FONT_SIZES` at which every column's longest word fits is
    used. A column with no text at all (a decision to write in by hand) gets room
    to write. The rest of the page goes, a millimetre at a time, to the column that
    shortens the table most.
    """
    for size in FONT_SIZES:
        floor = _floors(pdf, text, header, size)
        if sum(floor) <= pdf.epw:
            break
    if sum(floor) >= pdf.epw:
        return size, [low * pdf.epw / sum(floor) for low in floor]
    pdf.set_font(pdf.family, "", size)
    lines = [
        [[pdf.get_string_width(pdf.safe(line)) for line in value.split("\n")] for value in text[c]]
        for c in text.columns
    ]
    return size, _spread(floor, lines, pdf.epw)


def _floors(pdf: Document, text: pl.DataFrame, header: list[str], size: float) -> list[float]:
    """Each column's narrowest width: its longest word (heading included), or room to
    write in where it has no text."""
    floor = []
    for name, title in zip(text.columns, header, strict=True):
        pdf.set_font(pdf.family, "B", size)
        heading = _longest_word(pdf, [title])
        pdf.set_font(pdf.family, "", size)
        values = [v for v in text[name] if v]
        word = max(heading, min(MAX_WORD, _longest_word(pdf, values)))
        floor.append((max(word, WRITE_IN) if not values else word) + PADDING)
    return floor


def _spread(floor: list[float], lines: list[list[list[float]]], total: float) -> list[float]:
    """``floor`` widened to ``total``: each millimetre to the column that shortens the
    table most (rows as tall as their longest cell), then, where none would, in
    proportion to the widths."""
    widths = list(floor)

    def cells(column: int, width: float) -> list[float]:
        usable = 0.9 * (width - PADDING)  # words do not fill a line to the end
        return [sum(max(1.0, w / usable) for w in value) for value in lines[column]]

    def height(counts: list[list[float]]) -> tuple[int, float]:
        """Lines of the table, then the same unrounded (which every millimetre moves)."""
        tallest = [max(row) for row in zip(*counts, strict=True)]
        return sum(math.ceil(t - 1e-9) for t in tallest), sum(tallest)

    counts = [cells(i, w) for i, w in enumerate(widths)]
    current = height(counts)
    while total - sum(widths) >= 1:
        best, column, wider = current, -1, counts
        for i in range(len(widths)):
            trial = [*counts[:i], cells(i, widths[i] + 1), *counts[i + 1 :]]
            tried = height(trial)
            if tried < best:
                best, column, wider = tried, i, trial
        if column < 0:
            break
        widths[column] += 1
        counts, current = wider, best
    return [w * total / sum(widths) for w in widths]


def _longest_word(pdf: Document, texts: list[str]) -> float:
    """The width of the longest word in ``texts`` in the current font (mm)."""
    words = {word for text in texts for word in text.split()}
    return max((pdf.get_string_width(pdf.safe(word)) for word in words), default=0.0)
