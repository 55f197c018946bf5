"""Dates and times as the pages, the PDFs and the charts write them.

A moment recorded with a date only (an import without a time) is stored at
midnight: it is written as its date alone, never with "00:00".
"""

from __future__ import annotations

import datetime as dt

import polars as pl

#: A day in a table on a page: sorts as text in date order.
TABLE_DAY = "%Y-%m-%d"
#: A day in a PDF, a chart's tooltip or an axis: "16 Nov 2026".
DAY = "%d %b %Y"
TIME = "%H:%M"


def when(moment: dt.datetime | dt.date | None, *, day: str = DAY) -> str:
    """A moment as a day, with its time unless it was recorded without one; "" for None.

    Examples
    --------
    >>> when(dt.datetime(2026, 11, 16, 14, 5)), when(dt.datetime(2026, 11, 16))
    ('16 Nov 2026 14:05', '16 Nov 2026')
    >>> when(dt.date(2026, 11, 16), day=TABLE_DAY), when(None)
    ('2026-11-16', '')
    """
    if moment is None:
        return ""
    if not isinstance(moment, dt.datetime) or moment.time() == dt.time():
        return f"{moment:{day}}"
    return f"{moment:{day} {TIME}}"


def when_expr(column: str, *, day: str = TABLE_DAY) -> pl.Expr:
    """:func:`when` of a datetime column, as a polars expression ("" for null).

    Examples
    --------
    >>> frame = pl.DataFrame({"at": [dt.datetime(2026, 11, 16, 14, 5), dt.datetime(2026, 11, 16),
    ...                              None]})
    >>> frame.select(when_expr("at"))["at"].to_list()
    ['2026-11-16 14:05', '2026-11-16', '']
    """
    moment = pl.col(column)
    return (
        pl.when(moment.dt.time() == dt.time())
        .then(moment.dt.strftime(day))
        .otherwise(moment.dt.strftime(f"{day} {TIME}"))
        .fill_null("")
        .alias(column)
    )
