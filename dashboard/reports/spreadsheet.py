"""Tables as XLSX workbooks: typed cells, a frozen header row with filters, no formulas."""

from __future__ import annotations

import io
from collections.abc import Mapping
from typing import Any

import polars as pl

from measures.csv_safety import neutralise_text_columns

#: Rows a worksheet holds under its header row (Excel's limit is 1,048,576 rows).
MAX_ROWS = 1_048_575
#: The media type of an XLSX file (for a download).
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
#: How dates and times read in the cells (ISO 8601, as in the CSV files).
DATE_FORMATS: dict[Any, str] = {
    pl.Date: "yyyy-mm-dd",
    pl.Datetime: "yyyy-mm-dd hh:mm",
}
#: Workbook options: text that looks like a formula, a link or a number stays text.
_TEXT_STAYS_TEXT = {
    "strings_to_formulas": False,
    "strings_to_urls": False,
    "strings_to_numbers": False,
}


class TooManyRowsError(ValueError):
    """A table has more rows than a worksheet holds."""


def xlsx_bytes(sheets: Mapping[str, pl.DataFrame], *, frozen_columns: int = 0) -> bytes:
    """An XLSX workbook with one worksheet per table, as bytes.

    Numbers are written as numbers and dates as dates (the cells' types, not text);
    each sheet has a header row with a filter, frozen with the first ``frozen_columns``
    columns. No cell is a formula: text that a spreadsheet would run (``=``, ``+``,
    ``-``, ``@``...) is written as text and gets the leading quote the CSV files give it
    (:mod:`measures.csv_safety`), so it stays inert when the sheet is saved as CSV.
    Lists become text joined by "; "; control characters are shown as escapes.

    Raises :class:`TooManyRowsError` when a table does not fit in a worksheet (nothing is
    written).

    Examples
    --------
    >>> import datetime as dt
    >>> table = pl.DataFrame({"client_id": ["=1+1"], "on": [dt.date(2026, 11, 2)], "total": [14]})
    >>> xlsx_bytes({"Scores": table})[:2]
    b'PK'
    """
    import xlsxwriter  # a dependency; imported here so pages that never export skip it

    for name, frame in sheets.items():
        if frame.height > MAX_ROWS:
            msg = (
                f"the {name} table has {frame.height:,} rows and a worksheet holds "
                f"{MAX_ROWS:,}: export it as CSV instead"
            )
            raise TooManyRowsError(msg)
    buffer = io.BytesIO()
    with xlsxwriter.Workbook(buffer, _TEXT_STAYS_TEXT) as workbook:
        for name, frame in sheets.items():
            cells(frame).write_excel(
                workbook,
                worksheet=name,
                table_name="".join(c for c in name if c.isalnum()) or None,
                table_style=None,
                dtype_formats=DATE_FORMATS,
                autofilter=True,
                autofit=True,
                freeze_panes=(1, frozen_columns),
                float_precision=2,
            )
    return buffer.getvalue()


def cells(frame: pl.DataFrame) -> pl.DataFrame:
    """``frame`` as worksheet cells: lists joined, labels as text, text neutralised,
    times without a time zone (a cell holds none).

    Examples
    --------
    >>> cells(pl.DataFrame({"problems": [["a", "=b"]], "n": [-1]})).rows()
    [('a; =b', -1)]
    >>> cells(pl.DataFrame({"id": ["@x"]})).rows()
    [("'@x",)]
    """
    columns = []
    for name, dtype in frame.schema.items():
        column = pl.col(name)
        if isinstance(dtype, pl.List):
            column = column.cast(pl.List(pl.String)).list.join("; ")
        elif isinstance(dtype, pl.Enum | pl.Categorical):
            column = column.cast(pl.String)
        elif isinstance(dtype, pl.Datetime) and dtype.time_zone is not None:
            column = column.dt.replace_time_zone(None)
        columns.append(column)
    return neutralise_text_columns(frame.select(columns), escape_controls=True)
