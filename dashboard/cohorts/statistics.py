"""The statistics of cohort comparisons: intervals, differences, effect sizes, spread and
the p-chart's limits, as plain functions over numbers (no database, no privacy: a page
draws the counts they take from its privacy release).

Every figure is a 95% interval. Every function fails closed: with too few values it
returns a result whose ``missing`` says what is lacking and whose numbers are None,
never a number. The baseline-adjusted comparison (ANCOVA) is in
:mod:`dashboard.cohorts.ancova`.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import polars as pl

from dashboard.cohorts.outcomes import Z95, wilson_interval

#: The two-sided confidence level of every interval here.
CONFIDENCE = 0.95


@dataclass(frozen=True)
class Estimate:
    """A figure with its 95% interval, or why there is none.

    ``estimate``, ``low`` and ``high`` are None exactly when ``missing`` says what is
    lacking. ``n`` is the number of values (or pairs, or episodes) it rests on; ``df``
    the degrees of freedom of a t-based interval.
    """

    estimate: float | None
    low: float | None
    high: float | None
    n: int
    missing: str | None = None
    df: float | None = None

    @property
    def available(self) -> bool:
        """Whether there is a figure to show."""
        return self.missing is None

    @classmethod
    def lacking(cls, reason: str, *, n: int) -> Estimate:
        """No figure: ``reason`` says what is missing."""
        return cls(estimate=None, low=None, high=None, n=n, missing=reason)


@dataclass(frozen=True)
class Spread:
    """Median and interquartile range (``q1`` to ``q3``), or why there are none."""

    median: float | None
    q1: float | None
    q3: float | None
    n: int
    missing: str | None = None


def _numbers(values: Iterable[float | None] | pl.Series) -> npt.NDArray[np.float64]:
    """The values as floats, null as NaN (a whole column at once, not value by value)."""
    if isinstance(values, pl.Series):
        return values.cast(pl.Float64).fill_null(math.nan).to_numpy()
    return np.array([math.nan if v is None else float(v) for v in values], dtype=np.float64)


def _clean(values: Iterable[float | None] | pl.Series) -> npt.NDArray[np.float64]:
    """The values that are numbers (nulls and NaN left out)."""
    numbers = _numbers(values)
    kept: npt.NDArray[np.float64] = numbers[~np.isnan(numbers)]
    return kept


def _mean_sd(values: npt.NDArray[np.float64]) -> tuple[float, float]:
    return float(values.mean()), float(values.std(ddof=1))


def _t_quantile(df: float) -> float:
    """The two-sided 95% quantile of Student's t with ``df`` degrees of freedom."""
    from scipy.special import stdtrit  # 0.2 s to import: only when an interval is drawn

    return float(stdtrit(df, 1 - (1 - CONFIDENCE) / 2))


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def proportion(successes: int, n: int) -> Estimate:
    """A share with its Wilson score interval (:func:`~dashboard.cohorts.outcomes.wilson_interval`).

    Examples
    --------
    >>> p = proportion(8, 10)
    >>> p.estimate, round(p.low, 3), round(p.high, 3)
    (0.8, 0.49, 0.943)
    >>> proportion(0, 0).missing
    'no episodes in the denominator'
    """
    if n <= 0:
        return Estimate.lacking("no episodes in the denominator", n=0)
    if not 0 <= successes <= n:
        msg = f"successes ({successes}) must be between 0 and n ({n})"
        raise ValueError(msg)
    low, high = wilson_interval(successes, n)
    return Estimate(estimate=successes / n, low=low, high=high, n=n)


def mean_interval(values: Iterable[float | None] | pl.Series) -> Estimate:
    """The mean with its t-based 95% interval (mean ± t(0.975, n-1) · SD / √n).

    Nulls and NaN are left out; at least two values are needed.

    Examples
    --------
    >>> m = mean_interval([4.0, 6.0, 8.0])
    >>> m.estimate, round(m.low, 3), round(m.high, 3), m.df
    (6.0, 1.032, 10.968, 2.0)
    >>> mean_interval([5.0, None]).missing
    'needs at least 2 values, has 1 value'
    """
    clean = _clean(values)
    n = len(clean)
    if n < 2:
        return Estimate.lacking(f"needs at least 2 values, has {_plural(n, 'value')}", n=n)
    mean, sd = _mean_sd(clean)
    half = _t_quantile(n - 1) * sd / math.sqrt(n)
    return Estimate(estimate=mean, low=mean - half, high=mean + half, n=n, df=float(n - 1))


def welch_difference(
    first: Iterable[float | None] | pl.Series, second: Iterable[float | None] | pl.Series
) -> Estimate:
    """The difference of two means (``first`` minus ``second``) with Welch's 95% interval.

    The standard error is √(s₁²/n₁ + s₂²/n₂) and the degrees of freedom those of
    Welch (1947) and Satterthwaite (1946); it does not assume equal variances.
    ``n`` is n₁ + n₂. Each group needs at least two values, and the values must vary
    in at least one of them.

    Examples
    --------
    >>> d = welch_difference([1.0, 2.0, 3.0, 4.0], [2.0, 4.0, 6.0])
    >>> d.estimate, round(d.low, 3), round(d.high, 3), round(d.df, 3)
    (-1.5, -5.542, 2.542, 3.235)
    >>> welch_difference([1.0, 2.0], [3.0]).missing
    'the second group needs at least 2 values, has 1 value'
    """
    groups = (_clean(first), _clean(second))
    n1, n2 = len(groups[0]), len(groups[1])
    for name, group in zip(("first", "second"), groups, strict=True):
        if len(group) < 2:
            return Estimate.lacking(
                f"the {name} group needs at least 2 values, has {_plural(len(group), 'value')}",
                n=n1 + n2,
            )
    (m1, s1), (m2, s2) = _mean_sd(groups[0]), _mean_sd(groups[1])
    v1, v2 = s1**2 / n1, s2**2 / n2
    if v1 + v2 == 0:
        return Estimate.lacking("the values vary in neither group", n=n1 + n2)
    df = (v1 + v2) ** 2 / (v1**2 / (n1 - 1) + v2**2 / (n2 - 1))
    half = _t_quantile(df) * math.sqrt(v1 + v2)
    diff = m1 - m2
    return Estimate(estimate=diff, low=diff - half, high=diff + half, n=n1 + n2, df=df)


def newcombe_difference(successes1: int, n1: int, successes2: int, n2: int) -> Estimate:
    """The difference of two independent proportions (p₁ − p₂) with Newcombe's hybrid
    score 95% interval (Newcombe 1998, method 10), built on each share's Wilson interval.

    With (l₁, u₁) and (l₂, u₂) the Wilson intervals, the interval is
    d − √((p₁ − l₁)² + (u₂ − p₂)²) to d + √((u₁ − p₁)² + (p₂ − l₂)²). It stays within
    [−1, 1] and behaves at 0 and 100%. Newcombe RG. Interval estimation for the
    difference between independent proportions: comparison of eleven methods.
    Stat Med 1998;17:873-890.

    Examples
    --------
    Newcombe's worked example (a), 56/70 against 48/80:

    >>> d = newcombe_difference(56, 70, 48, 80)
    >>> round(d.estimate, 4), round(d.low, 4), round(d.high, 4)
    (0.2, 0.0524, 0.3339)
    >>> newcombe_difference(3, 10, 0, 0).missing
    'no episodes in the second denominator'
    """
    for name, successes, n in (("first", successes1, n1), ("second", successes2, n2)):
        if n <= 0:
            return Estimate.lacking(
                f"no episodes in the {name} denominator", n=max(n1, 0) + max(n2, 0)
            )
        if not 0 <= successes <= n:
            msg = f"successes ({successes}) must be between 0 and n ({n})"
            raise ValueError(msg)
    p1, p2 = successes1 / n1, successes2 / n2
    l1, u1 = wilson_interval(successes1, n1)
    l2, u2 = wilson_interval(successes2, n2)
    diff = p1 - p2
    low = diff - math.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2)
    high = diff + math.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2)
    return Estimate(estimate=diff, low=low, high=high, n=n1 + n2)


def pre_post_effect_size(
    baseline: Iterable[float | None] | pl.Series, follow_up: Iterable[float | None] | pl.Series
) -> Estimate:
    """Cohen's d for paired scores: the mean change over the SD of the baseline scores.

    d = mean(follow-up − baseline) / SD(baseline): the standardised mean change with
    raw-score (pre-test) standardisation of Becker (1988), so d is on the scale of the
    baseline spread and negative when scores fall. Its 95% interval is d ± 1.96 · √v
    with the large-sample variance v = 2(1 − r)/n + d²/(2n), r the baseline/follow-up
    correlation (Becker BJ. Synthesizing standardized mean-change measures. Br J Math
    Stat Psychol 1988;41:257-278; the same variance as metafor's ``SMCR``, Morris SB,
    DeShon RP. Psychol Methods 2002;7:105-125). No small-sample (Hedges) correction.

    ``baseline`` and ``follow_up`` are paired by position; a pair with either value
    missing is left out. At least three pairs are needed, and both the baseline and
    the follow-up scores must vary (r is undefined otherwise).

    Examples
    --------
    >>> d = pre_post_effect_size([20, 18, 15, 22, 25], [12, 14, 10, 15, 20])
    >>> round(d.estimate, 3), round(d.low, 3), round(d.high, 3), d.n
    (-1.523, -2.541, -0.505, 5)
    >>> pre_post_effect_size([10, 10, 10], [5, 6, 7]).missing
    'the baseline scores do not vary'
    """
    first, later = _numbers(baseline), _numbers(follow_up)
    if len(first) != len(later):
        msg = f"baseline and follow-up differ in length ({len(first)} and {len(later)})"
        raise ValueError(msg)
    paired = ~(np.isnan(first) | np.isnan(later))
    before, after = first[paired], later[paired]
    n = len(before)
    if n < 3:
        return Estimate.lacking(f"needs at least 3 paired scores, has {_plural(n, 'pair')}", n=n)
    m0, s0 = _mean_sd(before)
    m1, s1 = _mean_sd(after)
    if s0 == 0:
        return Estimate.lacking("the baseline scores do not vary", n=n)
    if s1 == 0:
        return Estimate.lacking("the follow-up scores do not vary", n=n)
    covariance = float(((before - m0) * (after - m1)).sum()) / (n - 1)
    r = covariance / (s0 * s1)
    d = (m1 - m0) / s0
    half = Z95 * math.sqrt(2 * (1 - r) / n + d**2 / (2 * n))
    return Estimate(estimate=d, low=d - half, high=d + half, n=n)


def median_iqr(values: Iterable[float | None] | pl.Series) -> Spread:
    """Median and interquartile range (quartiles by linear interpolation, numpy's default
    and Hyndman & Fan's type 7). Nulls and NaN are left out.

    Examples
    --------
    >>> s = median_iqr([2.0, 4.0, 4.0, 5.0, 9.0, 12.0])
    >>> s.median, s.q1, s.q3
    (4.5, 4.0, 8.0)
    >>> median_iqr([]).missing
    'no values'
    """
    clean = pl.Series(_clean(values), dtype=pl.Float64)
    n = clean.len()
    if n == 0:
        return Spread(median=None, q1=None, q3=None, n=0, missing="no values")
    quartiles = [clean.quantile(q, interpolation="linear") for q in (0.25, 0.5, 0.75)]
    q1, median, q3 = (float(q) for q in quartiles if q is not None)
    return Spread(median=median, q1=q1, q3=q3, n=n)


@dataclass(frozen=True)
class PChart:
    """A p-chart: the centre line (the pooled share) and, per subgroup, its share and its
    3-sigma limits; ``points`` has columns ``subgroup, events, n, proportion, lower, upper,
    outside`` (``outside``: the share is beyond a limit, a signal rather than noise).
    ``centre`` is None exactly when ``missing`` says why."""

    centre: float | None
    points: pl.DataFrame
    missing: str | None = None


def p_chart(subgroups: pl.DataFrame, *, subgroup: str, events: str, total: str) -> PChart:
    """The p-chart of a rate per subgroup (e.g. per quarter) with 3-sigma control limits.

    Centre line p̄ = Σ events / Σ n over all subgroups; each subgroup's limits are
    p̄ ± 3 · √(p̄(1 − p̄) / nᵢ), clipped to [0, 1] (Montgomery DC. Introduction to
    Statistical Quality Control, the control chart for fraction nonconforming, with
    variable sample size). A subgroup with no episodes has no share and no limits.

    Examples
    --------
    >>> quarters = pl.DataFrame({"quarter": ["Q1", "Q2", "Q3"], "done": [10, 20, 6],
    ...                          "episodes": [25, 50, 25]})
    >>> chart = p_chart(quarters, subgroup="quarter", events="done", total="episodes")
    >>> chart.centre
    0.36
    >>> chart.points.select("subgroup", "lower", "upper").with_columns(
    ...     pl.col("lower", "upper").round(4)).rows()
    [('Q1', 0.072, 0.648), ('Q2', 0.1564, 0.5636), ('Q3', 0.072, 0.648)]
    """
    frame = subgroups.select(
        pl.col(subgroup).alias("subgroup"),
        pl.col(events).cast(pl.Int64).alias("events"),
        pl.col(total).cast(pl.Int64).alias("n"),
    )
    if frame.filter(pl.col("events").is_null() | pl.col("n").is_null()).height:
        msg = "every subgroup needs its count of events and of episodes"
        raise ValueError(msg)
    if frame.filter((pl.col("events") < 0) | (pl.col("events") > pl.col("n"))).height:
        msg = "every subgroup's events must be between 0 and its episodes"
        raise ValueError(msg)
    n_all = int(frame["n"].sum())
    if n_all == 0:
        empty = frame.with_columns(
            pl.lit(None, pl.Float64).alias(c) for c in ("proportion", "lower", "upper")
        ).with_columns(pl.lit(None, pl.Boolean).alias("outside"))
        return PChart(centre=None, points=empty, missing="no episodes in any subgroup")
    centre = int(frame["events"].sum()) / n_all
    has_n = pl.col("n") > 0
    proportion_ = pl.when(has_n).then(pl.col("events") / pl.col("n"))
    sigma = pl.when(has_n).then((centre * (1 - centre) / pl.col("n")).sqrt())
    points = frame.with_columns(
        proportion_.alias("proportion"),
        (centre - 3 * sigma).clip(0.0, 1.0).alias("lower"),
        (centre + 3 * sigma).clip(0.0, 1.0).alias("upper"),
    ).with_columns(
        ((pl.col("proportion") < pl.col("lower")) | (pl.col("proportion") > pl.col("upper"))).alias(
            "outside"
        )
    )
    return PChart(centre=centre, points=points)
