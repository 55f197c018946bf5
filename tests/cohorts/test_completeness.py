"""Paired-data completeness over a cohort's episodes."""

from __future__ import annotations

import polars as pl

from dashboard.cohorts.completeness import completeness

SCORES = pl.DataFrame(
    {"episode_id": [1, 2, 3, 4, 7], "n": [2, 1, 6, 1, 3]},
    schema={"episode_id": pl.Int64, "n": pl.Int64},
)


def test_only_the_cohorts_episodes_count_and_one_value_is_no_pair() -> None:
    result = completeness(pl.Series([1, 2, 3, 4, 5, 6, 1]), SCORES)  # 7 is another cohort's
    assert (result.episodes, result.with_baseline, result.paired) == (6, 4, 2)
    assert result.share.estimate == 2 / 6
    assert result.share.n == 6
    assert round(result.share.low, 4) == 0.0968  # Wilson, 2 of 6
    assert result.share_of_started.estimate == 0.5


def test_a_cohort_where_nobody_started_the_measure_says_so_instead_of_zero() -> None:
    result = completeness(pl.Series([5, 6]), SCORES)
    assert (result.episodes, result.with_baseline, result.paired) == (2, 0, 0)
    assert result.share.estimate == 0
    assert result.share_of_started.estimate is None
    assert result.share_of_started.missing == "no episodes in the denominator"
