"""Episode outcomes for cohorts: one row per discharged episode, never shown as such
(``dashboard.cohorts.overview`` turns them into a privacy release)."""

from __future__ import annotations

import datetime as dt
import math

import polars as pl
import sqlalchemy as sa

from dashboard import access
from dashboard.auth.viewer import Viewer
from measures import Catalog
from measures.change import (
    RESPONSE_COLUMNS,
    RESPONSE_MEASURE,
    TALKING_THERAPIES_COLUMNS,
    TALKING_THERAPIES_MEASURES,
    response_remission,
    talking_therapies_outcome,
)

#: The columns of :func:`episode_outcomes`.
OUTCOME_SCHEMA: dict[str, pl.DataType] = {
    "discharged_on": pl.Date(),
    "site": pl.String(),
    "track_name": pl.String(),
    "discharge_reason": pl.String(),
    "length_weeks": pl.Float64(),
    **{column: pl.Float64() for column in TALKING_THERAPIES_COLUMNS},
    **{
        column: pl.Boolean()
        for column in (
            "case_at_start",
            "recovered",
            "reliable_improvement",
            "reliable_deterioration",
            "reliable_recovery",
            *RESPONSE_COLUMNS,
        )
    },
}
#: z for a 95% confidence interval.
Z95 = 1.959964


def episode_outcomes(
    connection: sa.Connection,
    viewer: Viewer,
    catalog: Catalog,
    *,
    discharged_from: dt.date | None = None,
    discharged_to: dt.date,
) -> pl.DataFrame:
    """One row per episode at the viewer's sites discharged in the period (from the first
    when ``discharged_from`` is None): no names, no client ids.

    Columns: discharged_on, site, track_name, discharge_reason, length_weeks, the first and last
    PHQ-9 and GAD-7 of the episode, the NHS Talking Therapies paired outcome
    (case at start, recovered, reliable improvement/deterioration/recovery) and
    the PHQ-9 response and remission so far (``index_elevated``, ``response``,
    ``remission``: the episode's last PHQ-9 against its first, as
    :class:`measures.change.ResponseRemissionRule` defines them, not the
    HEDIS/MNCM 4-12 month window; response and remission null unless the first
    PHQ-9 is above 9, all three null without two PHQ-9 scores in the episode).
    """
    paired_measures = tuple(dict.fromkeys((*TALKING_THERAPIES_MEASURES, RESPONSE_MEASURE)))
    episodes = access.discharged_episodes(
        connection, viewer, discharged_from=discharged_from, discharged_to=discharged_to
    )
    if episodes.is_empty():
        return pl.DataFrame(schema=OUTCOME_SCHEMA)
    scored = access.episode_administrations(
        connection, catalog, episode_pks=episodes["episode_pk"].to_list()
    )
    firsts_lasts = (
        scored.filter(
            pl.col("measure").is_in(list(paired_measures)) & pl.col("score").is_not_null()
        )
        .sort("administered_at")
        .group_by("episode_id", "measure")
        .agg(
            pl.col("score").first().alias("first"),
            pl.col("score").last().alias("last"),
            pl.len().alias("n"),
        )
        .filter(pl.col("n") >= 2)
        .pivot(on="measure", index="episode_id", values=["first", "last"])
    )
    # the pivot names its columns first_<measure>; the outcome reads <measure>_first
    pivoted = {
        f"{end}_{measure}": f"{measure}_{end}"
        for measure in paired_measures
        for end in ("first", "last")
    }
    for column in pivoted:
        if column not in firsts_lasts.columns:
            firsts_lasts = firsts_lasts.with_columns(pl.lit(None, pl.Float64).alias(column))
    paired = firsts_lasts.rename(pivoted)
    outcomes = talking_therapies_outcome(paired.drop_nulls(list(TALKING_THERAPIES_COLUMNS)))
    response = response_remission(
        paired.drop_nulls([f"{RESPONSE_MEASURE}_first", f"{RESPONSE_MEASURE}_last"]),
        first=f"{RESPONSE_MEASURE}_first",
        last=f"{RESPONSE_MEASURE}_last",
        count=None,
    ).select("episode_id", *RESPONSE_COLUMNS)
    return (
        episodes.join(outcomes, on="episode_id", how="left")
        .join(response, on="episode_id", how="left")
        .select(
            "discharged_on",
            "site",
            "track_name",
            "discharge_reason",
            ((pl.col("discharged_on") - pl.col("admitted_on")).dt.total_days() / 7).alias(
                "length_weeks"
            ),
            *TALKING_THERAPIES_COLUMNS,
            "case_at_start",
            "recovered",
            "reliable_improvement",
            "reliable_deterioration",
            "reliable_recovery",
            *RESPONSE_COLUMNS,
        )
        .cast(OUTCOME_SCHEMA)  # type: ignore[arg-type]
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
