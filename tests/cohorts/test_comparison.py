"""Cohorts side by side: differences from the reference, and notes on thin figures."""

from __future__ import annotations

import pytest
from scipy import stats

from dashboard.cohorts.comparison import compare_means, compare_rates


def test_every_later_cohort_is_compared_with_the_first() -> None:
    compared = compare_rates([(30, 60), (20, 60), (45, 60)], minimum=50)
    assert compared.differences[0] is None
    assert [round(d.estimate, 4) for d in compared.differences[1:]] == [-0.1667, 0.25]
    assert all(d.low < d.estimate < d.high for d in compared.differences[1:])
    assert compared.notes == (None, None, None)


def test_a_thin_cohort_is_noted_and_an_empty_one_has_no_figure() -> None:
    compared = compare_rates([(12, 40), (0, 0)], minimum=20)
    assert compared.notes[1] == "rests on 0 episodes, fewer than the minimum of 20"
    assert compared.figures[1].missing == "no episodes in the denominator"
    assert compared.differences[1].estimate is None


def test_mean_differences_are_welchs() -> None:
    first, second = [-5.0, -7.0, -2.0, -6.0, -4.0], [-1.0, -3.0, 0.0, -2.0]
    compared = compare_means([first, [*second, None]], minimum=5)
    welch = stats.ttest_ind(second, first, equal_var=False)
    interval = welch.confidence_interval(0.95)
    difference = compared.differences[1]
    assert difference.estimate == pytest.approx(sum(second) / 4 - sum(first) / 5)
    assert (difference.low, difference.high) == pytest.approx((interval.low, interval.high))
    assert compared.notes == (None, "rests on 4 paired scores, fewer than the minimum of 5")


@pytest.mark.parametrize("cohorts", [1, 5])
def test_two_to_four_cohorts(cohorts: int) -> None:
    with pytest.raises(ValueError, match=f"2 to 4 cohorts, not {cohorts}"):
        compare_rates([(1, 2)] * cohorts, minimum=1)
