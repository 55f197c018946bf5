"""A rate by calendar block for the control chart: every block from the first to the last,
empty ones included, so that a quarter without episodes is shown as such, not skipped."""

from __future__ import annotations

import datetime as dt

import polars as pl

from dashboard.cohorts.statistics import PChart, p_chart
from dashboard.privacy.periods import Granularity, block_columns, blocks_until


def block_counts(
    frame: pl.DataFrame,
    *,
    on: str,
    event: pl.Expr,
    granularity: Granularity = Granularity.QUARTER,
    until: dt.date,
) -> pl.DataFrame:
    """Episodes and events per block of ``on`` (a date column), oldest first: columns
    ``block, events, n``. Rows whose ``event`` is null (not evaluable) are left out of
    both counts; rows after ``until`` are left out.

    Examples
    --------
    >>> frame = pl.DataFrame({
    ...     "discharged_on": [dt.date(2026, 1, 5), dt.date(2026, 2, 1), dt.date(2026, 7, 9)],
    ...     "completed": [True, False, True],
    ... })
    >>> block_counts(frame, on="discharged_on", event=pl.col("completed"),
    ...              until=dt.date(2026, 9, 30)).rows()
    [('2026 Q1', 1, 2), ('2026 Q2', 0, 0), ('2026 Q3', 1, 1)]
    """
    dated = frame.filter(pl.col(on).is_not_null() & (pl.col(on) <= until))
    kept = dated.select(*block_columns(on, (granularity,)), event.alias("event")).filter(
        pl.col("event").is_not_null()
    )
    schema = {"block": pl.String, "events": pl.Int64, "n": pl.Int64}
    if kept.is_empty():
        return pl.DataFrame(schema=schema)
    counts = kept.group_by(pl.col(granularity.value).alias("block")).agg(
        pl.col("event").cast(pl.Int64).sum().alias("events"), pl.len().cast(pl.Int64).alias("n")
    )
    first: dt.date = dated[on].min()  # type: ignore[assignment]
    blocks = pl.DataFrame({"block": sorted(blocks_until(first, until, granularity))})
    return (
        blocks.join(counts, on="block", how="left")
        .with_columns(pl.col("events", "n").fill_null(0))
        .select(pl.col(name).cast(dtype) for name, dtype in schema.items())
    )


def control_chart(counts: pl.DataFrame) -> PChart:
    """The p-chart of :func:`block_counts` (centre line and 3-sigma limits per block)."""
    return p_chart(counts, subgroup="block", events="events", total="n")
