"""The cohort statistics against scipy, numpy and published worked examples, and what each
says when there is too little to compute."""

from __future__ import annotations

import math

import numpy as np
import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import stats

from dashboard.cohorts.statistics import (
    mean_interval,
    median_iqr,
    newcombe_difference,
    p_chart,
    pre_post_effect_size,
    proportion,
    welch_difference,
)

SAMPLE = [12.0, 15.5, 9.0, 20.0, 17.0, 11.0, 14.0, 13.5]
OTHER = [8.0, 10.0, 7.5, 12.0, 6.0, 9.5, 30.0]


def test_mean_interval_is_scipys_t_interval() -> None:
    ours = mean_interval(SAMPLE)
    low, high = stats.t.interval(0.95, len(SAMPLE) - 1, np.mean(SAMPLE), stats.sem(SAMPLE))
    assert ours.estimate == pytest.approx(np.mean(SAMPLE))
    assert (ours.low, ours.high) == pytest.approx((low, high), rel=1e-12)
    assert (ours.n, ours.df) == (8, 7.0)


def test_mean_interval_leaves_out_nulls_and_nan_and_fails_closed() -> None:
    assert mean_interval([*SAMPLE, None, math.nan]) == mean_interval(SAMPLE)
    for values in ([], [3.0], [None, 3.0]):
        result = mean_interval(values)
        assert not result.available
        assert (result.estimate, result.low, result.high) == (None, None, None)
    assert mean_interval([]).missing == "needs at least 2 values, has 0 values"
    assert mean_interval(pl.Series([1.0, 2.0, None])).n == 2


def test_welch_difference_is_scipys_welch_test() -> None:
    ours = welch_difference(SAMPLE, OTHER)
    theirs = stats.ttest_ind(SAMPLE, OTHER, equal_var=False)
    interval = theirs.confidence_interval(0.95)
    assert ours.estimate == pytest.approx(np.mean(SAMPLE) - np.mean(OTHER))
    assert (ours.low, ours.high) == pytest.approx((interval.low, interval.high), rel=1e-10)
    assert ours.df == pytest.approx(theirs.df, rel=1e-12)
    assert ours.n == 15


def test_welch_difference_fails_closed() -> None:
    assert welch_difference([1.0], OTHER).missing == (
        "the first group needs at least 2 values, has 1 value"
    )
    assert welch_difference(SAMPLE, [None]).missing == (
        "the second group needs at least 2 values, has 0 values"
    )
    assert welch_difference([2.0, 2.0], [3.0, 3.0]).missing == "the values vary in neither group"


@pytest.mark.parametrize(
    ("counts", "low", "high"),
    [
        ((56, 70, 48, 80), 0.0524, 0.3339),
        ((9, 10, 3, 10), 0.1705, 0.8090),
        ((6, 7, 2, 7), 0.0582, 0.8062),
        ((5, 56, 0, 29), -0.0381, 0.1926),
        ((0, 10, 0, 20), -0.1611, 0.2775),
        ((0, 10, 0, 10), -0.2775, 0.2775),
        ((10, 10, 0, 20), 0.6791, 1.0000),
        ((10, 10, 0, 10), 0.6075, 1.0000),
    ],
)
def test_newcombe_difference_reproduces_newcombes_worked_examples(
    counts: tuple[int, int, int, int], low: float, high: float
) -> None:
    """Newcombe 1998, Table II, method 10 (the hybrid score interval), examples (a)-(h)."""
    result = newcombe_difference(*counts)
    assert result.estimate == pytest.approx(counts[0] / counts[1] - counts[2] / counts[3])
    assert (round(result.low, 4), round(result.high, 4)) == (low, high)
    assert result.n == counts[1] + counts[3]


@given(
    st.integers(1, 200).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n))),
    st.integers(1, 200).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n))),
)
def test_newcombe_interval_holds_its_estimate_within_minus_one_and_one(
    first: tuple[int, int], second: tuple[int, int]
) -> None:
    result = newcombe_difference(*first, *second)
    assert result.low is not None
    assert result.high is not None
    assert result.estimate is not None
    assert -1 - 1e-12 <= result.low <= result.estimate <= result.high <= 1 + 1e-12


def test_newcombe_difference_and_proportion_fail_closed() -> None:
    assert newcombe_difference(0, 0, 3, 10).missing == "no episodes in the first denominator"
    assert newcombe_difference(3, 10, 0, 0).estimate is None
    assert proportion(0, 0).missing == "no episodes in the denominator"
    with pytest.raises(ValueError, match="between 0 and n"):
        newcombe_difference(11, 10, 3, 10)


def test_pre_post_effect_size_by_its_published_formula() -> None:
    """d = mean change / SD(baseline); v = 2(1 - r)/n + d²/(2n) (Becker 1988)."""
    baseline = np.array([18.0, 22, 15, 19, 25, 12, 20, 17, 14, 21])
    follow_up = np.array([10.0, 15, 12, 9, 20, 11, 14, 8, 13, 12])
    n = len(baseline)
    d = (follow_up - baseline).mean() / baseline.std(ddof=1)
    r = stats.pearsonr(baseline, follow_up).statistic
    half = stats.norm.ppf(0.975) * math.sqrt(2 * (1 - r) / n + d**2 / (2 * n))
    result = pre_post_effect_size(baseline.tolist(), follow_up.tolist())
    assert result.estimate == pytest.approx(d, rel=1e-12)
    assert (result.low, result.high) == pytest.approx((d - half, d + half), rel=1e-6)
    assert result.n == n
    assert result.estimate < 0  # scores fell


def test_pre_post_effect_size_pairs_by_position_and_fails_closed() -> None:
    result = pre_post_effect_size([20, None, 18, 15], [12, 11, None, 10])
    assert result.missing == "needs at least 3 paired scores, has 2 pairs"
    assert pre_post_effect_size([10, 10, 10], [5, 6, 7]).missing == (
        "the baseline scores do not vary"
    )
    assert pre_post_effect_size([10, 12, 14], [5, 5, 5]).missing == (
        "the follow-up scores do not vary"
    )


def test_median_iqr_is_numpys_linear_quartiles() -> None:
    result = median_iqr([*OTHER, None])
    q1, median, q3 = np.percentile(OTHER, [25, 50, 75])
    assert (result.q1, result.median, result.q3) == pytest.approx((q1, median, q3))
    assert result.n == len(OTHER)
    single = median_iqr([4.0])
    assert (single.median, single.q1, single.q3) == (4.0, 4.0, 4.0)
    assert median_iqr([None]).missing == "no values"


def test_p_chart_limits_by_hand_clipped_to_zero_and_one() -> None:
    quarters = pl.DataFrame(
        {
            "quarter": ["2025 Q4", "2026 Q1", "2026 Q2", "2026 Q3"],
            "done": [2, 1, 9, 0],
            "episodes": [10, 40, 10, 0],
        }
    )
    chart = p_chart(quarters, subgroup="quarter", events="done", total="episodes")
    centre = 12 / 60
    assert chart.centre == pytest.approx(centre)
    rows = {row["subgroup"]: row for row in chart.points.iter_rows(named=True)}
    sigma10 = math.sqrt(centre * (1 - centre) / 10)
    sigma40 = math.sqrt(centre * (1 - centre) / 40)
    assert rows["2025 Q4"]["lower"] == 0.0  # 0.2 - 3 x 0.126 is below zero: clipped
    assert rows["2025 Q4"]["upper"] == pytest.approx(centre + 3 * sigma10)
    assert rows["2026 Q1"]["lower"] == pytest.approx(centre - 3 * sigma40)
    assert rows["2026 Q2"]["outside"] is True  # 9 of 10 is beyond 0.58: a signal
    assert rows["2025 Q4"]["outside"] is False
    empty = rows["2026 Q3"]
    assert (empty["proportion"], empty["lower"], empty["upper"], empty["outside"]) == (
        None,
        None,
        None,
        None,
    )
    high = p_chart(
        pl.DataFrame({"q": ["a", "b"], "e": [19, 5], "n": [20, 5]}),
        subgroup="q",
        events="e",
        total="n",
    )
    assert high.points["upper"].to_list() == [1.0, 1.0]


def test_p_chart_fails_closed() -> None:
    none = p_chart(
        pl.DataFrame({"q": ["a"], "e": [0], "n": [0]}), subgroup="q", events="e", total="n"
    )
    assert (none.centre, none.missing) == (None, "no episodes in any subgroup")
    with pytest.raises(ValueError, match="between 0 and its episodes"):
        p_chart(pl.DataFrame({"q": ["a"], "e": [3], "n": [2]}), subgroup="q", events="e", total="n")
