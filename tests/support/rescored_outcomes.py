"""The oracle: the directors' per-episode outcomes as main computed them before they were
stored (commit 48405da, dashboard/cohorts/outcomes.py), rescoring every administration of
the discharged episodes on each read. The stored outcomes must give the same frame."""

from __future__ import annotations

import datetime as dt

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


def rescored_outcomes(
    connection: sa.Connection,
    viewer: Viewer,
    catalog: Catalog,
    *,
    discharged_from: dt.date | None = None,
    discharged_to: dt.date,
) -> pl.DataFrame:
    """main's ``episode_outcomes``, unchanged but for its name."""
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
