"""Episode outcomes for cohorts (site, track, period), aggregated and suppressed."""

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

#: Counts from 1 to 10 are never shown: the CMS cell size suppression policy
#: (https://resdac.org/articles/cms-cell-size-suppression-policy).
SMALL_CELL = 11
#: z for a 95% confidence interval.
Z95 = 1.959964


def episode_outcomes(
    connection: sa.Connection,
    viewer: Viewer,
    catalog: Catalog,
    *,
    discharged_from: dt.date,
    discharged_to: dt.date,
) -> pl.DataFrame:
    """One row per discharged episode at the viewer's sites: no names, no client ids.

    Columns: site, track, discharge_reason, length_weeks, the first and last
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
        return episodes
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


def summarise(outcomes: pl.DataFrame, by: list[str]) -> pl.DataFrame:
    """Per cohort: episodes, completion, reliable improvement and recovery with 95% CIs.

    Any count of 1-10 is suppressed (shown as "<11") and so is every rate built on
    fewer than 11 episodes, so no person can be singled out.
    """
    paired = pl.col("reliable_improvement").is_not_null()
    grouped = (
        outcomes.group_by(by, maintain_order=True)
        .agg(
            pl.len().alias("episodes"),
            pl.col("discharge_reason")
            .is_in(["completed", "stepped_down"])
            .sum()
            .alias("completed"),
            paired.sum().alias("paired"),
            pl.col("reliable_improvement").sum().alias("improved"),
            pl.col("case_at_start").sum().alias("cases"),
            pl.col("recovered").sum().alias("recovered"),
            pl.col("length_weeks").median().alias("median_weeks"),
        )
        .sort(by)
    )
    rows = []
    for row in grouped.iter_rows(named=True):
        rows.append(
            {
                **{k: row[k] for k in by},
                "Episodes": _count(row["episodes"]),
                "Completed or stepped down": _rate(row["completed"], row["episodes"]),
                "Reliable improvement (PHQ-9/GAD-7)": _rate(row["improved"], row["paired"]),
                "Recovery (cases at start)": _rate(row["recovered"], row["cases"]),
                "Median weeks in program": (
                    f"{row['median_weeks']:.1f}" if row["episodes"] >= SMALL_CELL else "suppressed"
                ),
            }
        )
    return pl.DataFrame(rows)


def _count(n: int) -> str:
    return f"{n:,}" if n == 0 or n >= SMALL_CELL else "<11"


def _rate(k: int, n: int) -> str:
    if n == 0:
        return "no data"
    if n < SMALL_CELL or 0 < k < SMALL_CELL or 0 < n - k < SMALL_CELL:
        return f"suppressed (n {_count(n)})"
    low, high = wilson_interval(k, n)
    return f"{k / n:.0%} (95% CI {low:.0%}-{high:.0%}; n={n:,})"
