"""The baseline-adjusted comparison of change between cohorts (ANCOVA), shown beside the
raw difference so that a cohort that started more severe is not read as doing better or
worse only for that.

statsmodels is imported inside :func:`adjusted_change` only: it takes about a second to
import and only this comparison needs it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import polars as pl

from dashboard.cohorts.statistics import CONFIDENCE, Estimate


@dataclass(frozen=True)
class AdjustedComparison:
    """Each cohort's baseline-adjusted difference in change against ``reference``.

    ``differences`` maps every other cohort to an :class:`Estimate` (its mean change
    minus the reference's, at the same baseline score, with the 95% interval of the
    OLS coefficient). ``baseline_slope`` is the change per point of baseline.
    ``n`` counts the episodes with both scores; ``missing`` says why there is no
    comparison (then ``differences`` is empty).
    """

    reference: str | None
    differences: dict[str, Estimate]
    baseline_slope: float | None
    n: int
    missing: str | None = None


def adjusted_change(
    scores: pl.DataFrame,
    *,
    cohort: str = "cohort",
    baseline: str = "baseline",
    follow_up: str = "follow_up",
    reference: str | None = None,
    minimum_per_cohort: int = 2,
) -> AdjustedComparison:
    """ANCOVA: change ~ cohort + baseline, by ordinary least squares (statsmodels OLS).

    ``scores`` has one row per episode: its cohort's name, its baseline score and its
    follow-up (latest) score; rows missing either score are left out. The cohorts are
    compared with ``reference`` (default: the first cohort in the order of the rows).
    Modelling the follow-up score instead of the change gives the same cohort
    differences and intervals (only the baseline slope moves by one), so one model
    serves both. Each cohort needs ``minimum_per_cohort`` episodes with both scores,
    the baseline scores must vary, and the model must keep a residual degree of freedom.

    Examples
    --------
    >>> scores = pl.DataFrame({
    ...     "cohort": ["A"] * 4 + ["B"] * 4,
    ...     "baseline": [20, 15, 18, 12, 19, 14, 17, 13],
    ...     "follow_up": [12, 9, 10, 8, 15, 11, 13, 10],
    ... })
    >>> result = adjusted_change(scores, reference="A")
    >>> b = result.differences["B"]
    >>> round(b.estimate, 3), round(b.low, 3), round(b.high, 3), result.n
    (2.798, 1.555, 4.041, 8)
    >>> adjusted_change(scores.filter(pl.col("cohort") == "A")).missing
    'needs at least 2 cohorts with scores, has 1'
    """
    frame = scores.select(
        pl.col(cohort).cast(pl.String).alias("cohort"),
        pl.col(baseline).cast(pl.Float64).alias("baseline"),
        pl.col(follow_up).cast(pl.Float64).alias("follow_up"),
    ).filter(
        pl.col("cohort").is_not_null()
        & pl.col("baseline").is_not_nan()
        & pl.col("follow_up").is_not_nan()
        & pl.col("baseline").is_not_null()
        & pl.col("follow_up").is_not_null()
    )
    n = frame.height
    names = frame["cohort"].unique(maintain_order=True).to_list()
    reference = reference if reference is not None else (names[0] if names else None)

    def lacking(reason: str) -> AdjustedComparison:
        return AdjustedComparison(
            reference=reference, differences={}, baseline_slope=None, n=n, missing=reason
        )

    if len(names) < 2:
        return lacking(f"needs at least 2 cohorts with scores, has {len(names)}")
    if reference not in names:
        return lacking(f"the reference cohort {reference} has no episodes with both scores")
    sizes = dict(frame.group_by("cohort").len().iter_rows())
    small = [name for name in names if sizes[name] < minimum_per_cohort]
    if small:
        return lacking(
            f"needs at least {minimum_per_cohort} episodes with both scores in each cohort: "
            + ", ".join(f"{name} has {sizes[name]}" for name in small)
        )
    if frame["baseline"].n_unique() < 2:
        return lacking("the baseline scores do not vary")
    others = [name for name in names if name != reference]
    if n - (len(others) + 2) < 1:
        return lacking("too few episodes for the model (no residual degree of freedom)")

    columns = [np.ones(n)]
    columns += [(frame["cohort"] == name).cast(pl.Float64).to_numpy() for name in others]
    columns.append(frame["baseline"].to_numpy())
    design = np.column_stack(columns)
    if np.linalg.matrix_rank(design) < design.shape[1]:
        return lacking(
            "the baseline scores do not vary within any cohort: cohort and baseline "
            "cannot be told apart"
        )

    from statsmodels.regression.linear_model import OLS

    change = (frame["follow_up"] - frame["baseline"]).to_numpy()
    fit = OLS(change, design).fit()
    bounds = np.asarray(fit.conf_int(alpha=1 - CONFIDENCE))
    params = np.asarray(fit.params)
    df = float(fit.df_resid)
    differences: dict[str, Estimate] = {}
    for i, name in enumerate(others, start=1):
        low, high = float(bounds[i, 0]), float(bounds[i, 1])
        if not (math.isfinite(low) and math.isfinite(high)):
            return lacking("the model could not be estimated (the cohorts' scores coincide)")
        differences[name] = Estimate(
            estimate=float(params[i]),
            low=low,
            high=high,
            n=sizes[name] + sizes[reference],
            df=df,
        )
    return AdjustedComparison(
        reference=reference,
        differences=differences,
        baseline_slope=float(params[-1]),
        n=n,
    )
