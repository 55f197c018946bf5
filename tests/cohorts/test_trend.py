"""Rates by quarter for the control chart."""

from __future__ import annotations

import datetime as dt

import polars as pl

from dashboard.cohorts.trend import block_counts, control_chart
from dashboard.privacy.periods import Granularity

FRAME = pl.DataFrame(
    {
        "discharged_on": [
            dt.date(2025, 11, 3),
            dt.date(2025, 12, 1),
            dt.date(2026, 5, 2),
            dt.date(2026, 5, 9),
            None,
            dt.date(2026, 10, 2),
        ],
        "recovered": [True, None, False, True, True, True],
    }
)


def test_every_quarter_is_counted_empty_ones_too_and_unknowns_left_out() -> None:
    counts = block_counts(
        FRAME, on="discharged_on", event=pl.col("recovered"), until=dt.date(2026, 9, 30)
    )
    assert counts.rows() == [
        ("2025 Q4", 1, 1),  # the second is not evaluable: in neither count
        ("2026 Q1", 0, 0),
        ("2026 Q2", 1, 2),
        ("2026 Q3", 0, 0),
    ]
    chart = control_chart(counts)
    assert chart.centre == 2 / 3
    assert chart.points.filter(pl.col("n") == 0)["proportion"].is_null().all()


def test_by_month_and_nothing_to_count() -> None:
    months = block_counts(
        FRAME,
        on="discharged_on",
        event=pl.col("recovered"),
        granularity=Granularity.MONTH,
        until=dt.date(2026, 1, 31),
    )
    assert months.rows() == [("2025-11", 1, 1), ("2025-12", 0, 0), ("2026-01", 0, 0)]
    nothing = block_counts(
        FRAME.head(0), on="discharged_on", event=pl.col("recovered"), until=dt.date(2026, 1, 31)
    )
    assert nothing.is_empty()
    assert control_chart(nothing).missing == "no episodes in any subgroup"
