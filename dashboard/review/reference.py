"""Expected-response ranges from the program's own completed episodes."""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl
import sqlalchemy as sa

from dashboard.review import data
from measures import Catalog
from measures.expected import ExpectedConfig, expected_ranges, range_gaps, weekly_scores


@dataclass(frozen=True)
class Reference:
    """Percentile ranges per measure, baseline band and week, and why some are missing."""

    ranges: pl.DataFrame
    gaps: pl.DataFrame


def program_reference(
    connection: sa.Connection, catalog: Catalog, config: ExpectedConfig
) -> Reference:
    """Ranges from every completed (or stepped-down) episode of the program.

    Program-wide aggregates: they carry no identity and are only shown where
    at least ``config.min_reference_episodes`` episodes stand behind a range.
    """
    scored = data.reference_administrations(connection, catalog)
    starts = data.reference_episodes(connection)
    if scored.is_empty():
        empty = weekly_scores(
            scored.head(0).with_columns(pl.lit(None, pl.Date).alias("admitted_on")),
            catalog=catalog,
        )
        return Reference(
            expected_ranges(empty, catalog=catalog, config=config),
            range_gaps(empty, catalog=catalog, config=config),
        )
    with_start = scored.join(starts, on="episode_pk")
    weekly = weekly_scores(with_start, catalog=catalog, episode="episode_pk")
    return Reference(
        expected_ranges(weekly, catalog=catalog, config=config, episode="episode_pk"),
        range_gaps(weekly, catalog=catalog, config=config, episode="episode_pk"),
    )
