"""Episode outcomes for cohorts: one row per discharged episode, read from the stored
``episode_outcomes`` (never rescored here), never shown as such
(``dashboard.cohorts.overview`` turns them into a privacy release)."""

from __future__ import annotations

import datetime as dt
import math

import polars as pl
import sqlalchemy as sa

from dashboard.access.outcomes import stored_outcomes
from dashboard.auth.viewer import Viewer
from measures.change import RESPONSE_COLUMNS, TALKING_THERAPIES_OUTCOMES

#: The columns of :func:`episode_outcomes`.
OUTCOME_SCHEMA: dict[str, pl.DataType] = {
    "discharged_on": pl.Date(),
    "site": pl.String(),
    "track_name": pl.String(),
    "discharge_reason": pl.String(),
    "length_weeks": pl.Float64(),
    **{column: pl.Boolean() for column in (*TALKING_THERAPIES_OUTCOMES, *RESPONSE_COLUMNS)},
}
#: z for a 95% confidence interval.
Z95 = 1.959964


def episode_outcomes(
    connection: sa.Connection,
    viewer: Viewer,
    *,
    discharged_from: dt.date | None = None,
    discharged_to: dt.date,
) -> pl.DataFrame:
    """One row per episode at the viewer's sites discharged in the period (from the first
    when ``discharged_from`` is None): no names, no client ids.

    Columns (:data:`OUTCOME_SCHEMA`): discharged_on, site, track_name, discharge_reason,
    length_weeks, the NHS Talking Therapies paired outcome (case at start, recovered,
    reliable improvement/deterioration/recovery; null unless the episode has at least
    two scores of both measures) and the PHQ-9 response and remission so far
    (``index_elevated``, ``response``, ``remission``: the episode's last PHQ-9 against
    its first, as :class:`measures.change.ResponseRemissionRule` defines them, not the
    HEDIS/MNCM 4-12 month window; response and remission null unless the first PHQ-9 is
    above 9, all three null without two PHQ-9 scores in the episode). Read from the
    stored outcomes (``dashboard.review.outcomes`` computes them): drain their queue
    first (``dashboard.review.outcome_queue.refresh``).
    """
    wanted = [c for c in OUTCOME_SCHEMA if c != "length_weeks"] + ["length_days"]
    stored = stored_outcomes(
        connection,
        viewer,
        columns=wanted,
        discharged_from=discharged_from,
        discharged_to=discharged_to,
    )
    return stored.with_columns((pl.col("length_days") / 7).alias("length_weeks")).select(
        list(OUTCOME_SCHEMA)
    )


def wilson_interval(successes: int, n: int) -> tuple[float, float]:
    """Wilson score 95% interval for a proportion (Wilson 1927), honest for small n.

    Examples
    --------
    >>> [round(x, 3) for x in wilson_interval(8, 10)]
    [0.49, 0.943]
    """
    if n == 0:
        return (math.nan, math.nan)
    p = successes / n
    denominator = 1 + Z95**2 / n
    centre = (p + Z95**2 / (2 * n)) / denominator
    half = Z95 * math.sqrt(p * (1 - p) / n + Z95**2 / (4 * n * n)) / denominator
    return (centre - half, centre + half)
