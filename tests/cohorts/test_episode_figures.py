"""A cohort's episode figures, from the demo's stored outcomes and from constructed rows."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from dashboard import clock
from dashboard.access.outcomes import stored_outcomes
from dashboard.cohorts.episode_figures import COLUMNS, episode_figures
from dashboard.store.engine import read
from tests.conftest import viewer_of

DAY = dt.date(2026, 9, 1)


def _rows(**columns: list) -> pl.DataFrame:
    n = len(next(iter(columns.values())))
    base = {name: [None] * n for name in COLUMNS} | {
        "episode_id": list(range(1, n + 1)),
        "days_scheduled": [0] * n,
        "days_attended": [0] * n,
        "safety_flags": [0] * n,
        "safety_flags_closed_in_day": [0] * n,
    }
    schema = {
        "episode_id": pl.Int64,
        "discharged_on": pl.Date,
        "discharge_reason": pl.String,
        "length_days": pl.Int64,
        "days_scheduled": pl.Int64,
        "days_attended": pl.Int64,
        "use_first_on": pl.Date,
        "use_first_low": pl.Int64,
        "use_first_high": pl.Int64,
        "use_last_on": pl.Date,
        "use_last_low": pl.Int64,
        "use_last_high": pl.Int64,
        "abstinent_last": pl.Boolean,
        "safety_flags": pl.Int64,
        "safety_flags_closed_in_day": pl.Int64,
    }
    return pl.DataFrame(base | columns, schema=schema)


def test_one_bam_r_is_no_change_and_an_active_episode_has_no_ending() -> None:
    rows = _rows(
        discharged_on=[DAY, DAY, None],
        discharge_reason=["completed", "stepped_down", None],
        use_first_on=[DAY, dt.date(2026, 7, 1), dt.date(2026, 7, 1)],
        use_first_low=[5, 10, 0],
        use_first_high=[9, 14, 0],
        use_last_on=[DAY, DAY, DAY],  # the first: its only BAM-R
        use_last_low=[5, 1, 0],
        use_last_high=[9, 2, 0],
        abstinent_last=[False, False, True],
    )
    figures = episode_figures(rows)
    assert (figures.admissions, figures.discharged, figures.use_paired) == (3, 2, 1)
    assert figures.use_at_start.low.missing == "needs at least 2 values, has 1 value"
    assert figures.abstinent_at_end.estimate == 0.0
    assert figures.endings["left_early"].estimate == 0.0
    assert figures.attendance.missing == "needs at least 2 values, has 0 values"
    assert figures.safety_closed_in_day.missing == "no safety flags in the cohort"


def test_nothing_discharged_gives_no_ending_and_no_length_of_stay() -> None:
    figures = episode_figures(_rows(days_scheduled=[4, 5], days_attended=[2, 5]))
    assert figures.discharged == 0
    assert figures.endings["completed"].missing == "no episodes in the denominator"
    assert figures.length_of_stay.missing == "no values"
    assert figures.attendance.estimate == 0.75


def test_the_demo_cohorts_figures_agree_with_its_stored_rows(demo_engine) -> None:
    with read(demo_engine) as connection:
        rows = stored_outcomes(
            connection,
            viewer_of(demo_engine, "director"),
            columns=list(COLUMNS),
            discharged_to=clock.today(),
        )
    figures = episode_figures(rows)
    assert figures.discharged == rows.height > 100
    assert sum(e.estimate for e in figures.endings.values()) == pytest.approx(1.0)
    assert 0 < figures.attendance.estimate < 1
    assert figures.use_paired > 10
    assert figures.use_at_end.low.estimate <= figures.use_at_end.high.estimate
