"""The weekly review agenda as a spreadsheet: one row per client in agenda order."""

from __future__ import annotations

import polars as pl

from dashboard.reports.spreadsheet import xlsx_bytes
from dashboard.review.agenda import Agenda

#: The agenda's columns in the sheet, in order, with their headings (measures go
#: between "Attendance rate" and "Flags").
BEFORE_MEASURES = {
    "client_id": "Id",
    "display_name": "Client",
    "priority_label": "Group",
    "why_now": "Why now",
    "program_week": "Program week",
    "site": "Site",
    "track": "Track",
    "clinician": "Clinician",
    "attendance_2w": "Attendance, 2 weeks",
    "attendance_rate": "Attendance rate",
}
AFTER_MEASURES = {
    "flags": "Flags",
    "other_concerns": "Other concerns",
    "readiness": "Step-down readiness",
    "decision": "Decision this week",
    "plan": "Relapse-prevention plan",
}


def agenda_table(agenda: Agenda) -> pl.DataFrame:
    """The agenda's rows as the sheet shows them: its place, the list's columns (each
    measure's latest score with its change mark, as in the list) and the details.

    Examples
    --------
    >>> import datetime as dt
    >>> rows = pl.DataFrame({"client_id": ["C1"], "display_name": ["Ash"], "program_week": [3]})
    >>> agenda_table(Agenda(as_of=dt.date(2026, 11, 26), rows=rows)).rows()
    [(1, 'C1', 'Ash', 3)]
    """
    rows = agenda.rows
    measures = [h for h in rows.columns if h in set(agenda.cells["heading"].to_list())]
    named = {**BEFORE_MEASURES, **dict.fromkeys(measures, None), **AFTER_MEASURES}
    return rows.select(
        pl.int_range(1, pl.len() + 1, dtype=pl.Int64).alias("Place"),
        *(pl.col(c).alias(h or c) for c, h in named.items() if c in rows.columns),
    )


def agenda_xlsx(agenda: Agenda) -> bytes:
    """The agenda as an XLSX workbook (:func:`agenda_table`), the header row and the
    place and id columns frozen."""
    return xlsx_bytes({"Weekly review": agenda_table(agenda)}, frozen_columns=2)
