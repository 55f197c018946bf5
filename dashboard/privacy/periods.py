"""Periods in fixed calendar blocks (months, quarters, years), never free day ranges, and
data up to the end of the last complete month only.

A free range lets two views differ by one day, and so by one person; fixed blocks nest
(months in quarters in years) and the cube protects every block at once. The current
block is shown to date, but only up to the end of the last complete month: it changes
once a month, never from one day to the next.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

import polars as pl


class Granularity(StrEnum):
    """A kind of calendar block."""

    MONTH = "month"
    QUARTER = "quarter"
    YEAR = "year"


#: Finest first: the levels of the period dimension.
GRANULARITIES = (Granularity.MONTH, Granularity.QUARTER, Granularity.YEAR)


def cut_off(today: dt.date) -> dt.date:
    """The last day whose discharges are counted: the end of the last complete month.

    Examples
    --------
    >>> cut_off(dt.date(2026, 11, 26))
    datetime.date(2026, 10, 31)
    >>> cut_off(dt.date(2026, 1, 1))
    datetime.date(2025, 12, 31)
    """
    return today.replace(day=1) - dt.timedelta(days=1)


def block_columns(date: str, granularities: tuple[Granularity, ...]) -> list[pl.Expr]:
    """Expressions naming the block of ``date`` at each granularity (one column each,
    named after it): ``2026-10``, ``2026 Q4``, ``2026``; labels sort in time order.

    Examples
    --------
    >>> frame = pl.DataFrame({"on": [dt.date(2026, 10, 5)]})
    >>> frame.select(block_columns("on", GRANULARITIES)).row(0)
    ('2026-10', '2026 Q4', '2026')
    """
    column = pl.col(date)
    expressions = {
        Granularity.MONTH: column.dt.strftime("%Y-%m"),
        Granularity.QUARTER: pl.format(
            "{} Q{}", column.dt.year().cast(pl.String), column.dt.quarter().cast(pl.String)
        ),
        Granularity.YEAR: column.dt.year().cast(pl.String),
    }
    return [expressions[g].alias(g.value) for g in granularities]


def block_span(label: str, granularity: Granularity) -> tuple[dt.date, dt.date]:
    """The first and last day of a block.

    Examples
    --------
    >>> block_span("2026 Q4", Granularity.QUARTER)
    (datetime.date(2026, 10, 1), datetime.date(2026, 12, 31))
    >>> block_span("2026-02", Granularity.MONTH)
    (datetime.date(2026, 2, 1), datetime.date(2026, 2, 28))
    """
    if granularity is Granularity.YEAR:
        year = int(label)
        return dt.date(year, 1, 1), dt.date(year, 12, 31)
    if granularity is Granularity.QUARTER:
        year_text, quarter_text = label.split(" Q")
        first = dt.date(int(year_text), 3 * int(quarter_text) - 2, 1)
        months = 3
    else:
        first = dt.date.fromisoformat(f"{label}-01")
        months = 1
    after = _add_months(first, months)
    return first, after - dt.timedelta(days=1)


def block_title(label: str, granularity: Granularity, *, until: dt.date) -> str:
    """How a block is named on a page: to date where it ends after ``until``.

    Examples
    --------
    >>> block_title("2026 Q4", Granularity.QUARTER, until=dt.date(2026, 10, 31))
    '2026 Q4 to date: discharges up to 31 Oct 2026'
    >>> block_title("2026 Q3", Granularity.QUARTER, until=dt.date(2026, 10, 31))
    '2026 Q3'
    """
    last = block_span(label, granularity)[1]
    if last <= until:
        return label
    return f"{label} to date: discharges up to {until:%d %b %Y}"


def blocks_until(first: dt.date, until: dt.date, granularity: Granularity) -> list[str]:
    """Every block from the one holding ``first`` to the one holding ``until``, latest first.

    Examples
    --------
    >>> blocks_until(dt.date(2025, 11, 3), dt.date(2026, 2, 28), Granularity.QUARTER)
    ['2026 Q1', '2025 Q4']
    """
    frame = pl.DataFrame({"on": pl.date_range(first, until, "1mo", eager=True)})
    frame = pl.concat([frame, pl.DataFrame({"on": [until]})])
    labels = frame.select(block_columns("on", (granularity,)))[granularity.value]
    return sorted(set(labels.to_list()), reverse=True)


def _add_months(day: dt.date, months: int) -> dt.date:
    month = day.month - 1 + months
    return dt.date(day.year + month // 12, month % 12 + 1, 1)
