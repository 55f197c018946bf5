"""The baseline-adjusted comparison of change against statsmodels' formula interface and
an independent least-squares fit, and what it says when it cannot be computed."""

from __future__ import annotations

import numpy as np
import pandas as pd
import polars as pl
import pytest
import statsmodels.formula.api as smf
from scipy import stats

from dashboard.cohorts.ancova import adjusted_change


def _cohorts() -> pl.DataFrame:
    rng = np.random.default_rng(14)
    names = ["Co-occurring", "Mental health", "Substance use"]
    rows = []
    for shift, name in zip((0.0, 2.5, -1.0), names, strict=True):
        baseline = rng.integers(8, 27, size=30).astype(float)
        follow_up = np.clip(baseline * 0.6 + shift + rng.normal(0, 3, size=30), 0, 27)
        rows += [(name, b, f) for b, f in zip(baseline, follow_up, strict=True)]
    frame = pl.DataFrame(rows, schema=["cohort", "baseline", "follow_up"], orient="row")
    # an episode without a follow-up score is left out, not counted as no change
    return pl.concat(
        [
            frame,
            pl.DataFrame({"cohort": ["Mental health"], "baseline": [20.0], "follow_up": [None]}),
        ],
        how="vertical_relaxed",
    )


def test_adjusted_differences_are_statsmodels_formula_ancova() -> None:
    frame = _cohorts()
    result = adjusted_change(frame, reference="Co-occurring")
    complete = frame.drop_nulls().to_pandas()
    complete["change"] = complete["follow_up"] - complete["baseline"]
    fit = smf.ols("change ~ C(cohort, Treatment('Co-occurring')) + baseline", complete).fit()
    intervals = fit.conf_int(0.05)
    assert result.missing is None
    assert result.n == 90
    assert set(result.differences) == {"Mental health", "Substance use"}
    for name, estimate in result.differences.items():
        term = f"C(cohort, Treatment('Co-occurring'))[T.{name}]"
        assert estimate.estimate == pytest.approx(fit.params[term], rel=1e-10)
        assert (estimate.low, estimate.high) == pytest.approx(tuple(intervals.loc[term]), rel=1e-10)
        assert estimate.n == 60
    assert result.baseline_slope == pytest.approx(fit.params["baseline"])


def test_adjusted_difference_by_independent_least_squares() -> None:
    """The same coefficients and interval from numpy's least squares and scipy's t."""
    frame = _cohorts().drop_nulls()
    y = (frame["follow_up"] - frame["baseline"]).to_numpy()
    x = np.column_stack(
        [
            np.ones(frame.height),
            (frame["cohort"] == "Mental health").cast(pl.Float64).to_numpy(),
            (frame["cohort"] == "Substance use").cast(pl.Float64).to_numpy(),
            frame["baseline"].to_numpy(),
        ]
    )
    beta, residuals, *_ = np.linalg.lstsq(x, y, rcond=None)
    df = frame.height - 4
    sigma2 = residuals[0] / df
    se = np.sqrt(np.diag(sigma2 * np.linalg.inv(x.T @ x)))
    t = stats.t.ppf(0.975, df)
    result = adjusted_change(frame, reference="Co-occurring")
    mh = result.differences["Mental health"]
    assert mh.estimate == pytest.approx(beta[1], rel=1e-9)
    assert (mh.low, mh.high) == pytest.approx((beta[1] - t * se[1], beta[1] + t * se[1]), rel=1e-9)
    assert mh.df == df


def test_follow_up_or_change_give_the_same_cohort_difference() -> None:
    complete = _cohorts().drop_nulls().to_pandas()
    fit = smf.ols(
        "follow_up ~ C(cohort, Treatment('Co-occurring')) + baseline", pd.DataFrame(complete)
    ).fit()
    result = adjusted_change(_cohorts(), reference="Co-occurring")
    term = "C(cohort, Treatment('Co-occurring'))[T.Substance use]"
    assert result.differences["Substance use"].estimate == pytest.approx(fit.params[term])


def test_the_reference_defaults_to_the_first_cohort() -> None:
    result = adjusted_change(_cohorts())
    assert result.reference == "Co-occurring"


def test_adjusted_change_fails_closed() -> None:
    frame = _cohorts()
    one = adjusted_change(frame.filter(pl.col("cohort") == "Co-occurring"))
    assert one.missing == "needs at least 2 cohorts with scores, has 1"
    assert one.differences == {}
    assert one.baseline_slope is None
    assert adjusted_change(frame, reference="Nobody").missing == (
        "the reference cohort Nobody has no episodes with both scores"
    )
    thin = pl.concat(
        [
            frame.filter(pl.col("cohort") != "Substance use"),
            frame.filter(pl.col("cohort") == "Substance use").head(1),
        ]
    )
    assert adjusted_change(thin).missing == (
        "needs at least 2 episodes with both scores in each cohort: Substance use has 1"
    )
    flat = frame.with_columns(pl.lit(15.0).alias("baseline"))
    assert adjusted_change(flat).missing == "the baseline scores do not vary"
    confounded = pl.DataFrame(
        {
            "cohort": ["A"] * 3 + ["B"] * 3,
            "baseline": [10.0] * 3 + [15.0] * 3,
            "follow_up": [5.0, 6, 7, 9, 8, 7],
        }
    )
    assert adjusted_change(confounded).missing == (
        "the baseline scores do not vary within any cohort: cohort and baseline "
        "cannot be told apart"
    )
    tiny = pl.DataFrame(
        {"cohort": ["A", "A", "B"], "baseline": [10.0, 12, 14], "follow_up": [5.0, 6, 7]}
    )
    assert adjusted_change(tiny, minimum_per_cohort=1).missing == (
        "too few episodes for the model (no residual degree of freedom)"
    )
