"""One row of outcomes per episode (and one per episode and score), computed from what is
stored against the episode with the rules of ``measures``: never a second implementation.

The rows are what ``episode_outcomes`` and ``episode_scores`` keep
(:mod:`dashboard.review.outcome_queue` writes them); the directors' figures aggregate
them. An episode's data are the rows the store matched to it: its administrations,
sessions and safety answers (``episode_id``), its level-of-care changes, and the
follow-ups of its client's flags. Nothing here depends on the day it runs: the active
episodes' outcomes are so far, and readiness is assessed for discharged episodes only.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import polars as pl
import sqlalchemy as sa

from dashboard import access
from dashboard.access import outcomes as inputs
from dashboard.review.flags import readiness_frames, safety_flags
from dashboard.review.readiness_weeks import first_ready
from measures import Catalog
from measures.change import (
    RESPONSE_COLUMNS,
    RESPONSE_MEASURE,
    TALKING_THERAPIES_COLUMNS,
    TALKING_THERAPIES_MEASURES,
    TALKING_THERAPIES_OUTCOMES,
    TalkingTherapiesRule,
    episode_change,
    long_scores,
    response_remission,
    talking_therapies_outcome,
)
from measures.program import ProgramConfig
from measures.substance_use import USE_MEASURE, use_days

#: The columns of an ``episode_scores`` row, in order.
SCORE_COLUMNS = (
    "episode_id",
    "measure",
    "score_id",
    "n",
    "baseline",
    "baseline_at",
    "latest",
    "latest_at",
    "change",
    "change_class",
    "baseline_case",
    "latest_case",
    "recovered",
    "reliably_recovered",
)
#: The substance-use columns, at the episode's first and last BAM-R.
USE_SCHEMA: dict[str, pl.DataType] = {"episode_id": pl.Int64()} | {
    name: dtype
    for end in ("first", "last")
    for name, dtype in (
        (f"use_{end}_on", pl.Date()),
        (f"use_{end}_low", pl.Int64()),
        (f"use_{end}_high", pl.Int64()),
        (f"abstinent_{end}", pl.Boolean()),
    )
}
#: A closing follow-up recorded within this long of its flag counts as timely.
FOLLOW_UP_WITHIN = dt.timedelta(days=1)
#: What a primary score is called among an instrument's scores (measures/change.py).
PRIMARY = "score"


@dataclass(frozen=True)
class EpisodeData:
    """Everything stored against some episodes that their outcomes are computed from."""

    episodes: pl.DataFrame
    care_levels: pl.DataFrame
    scored: pl.DataFrame
    attendance: pl.DataFrame
    safety_answers: pl.DataFrame
    follow_ups: pl.DataFrame


def read_episode_data(
    connection: sa.Connection, catalog: Catalog, episode_pks: list[int]
) -> EpisodeData:
    """Read (and score) what these episodes' outcomes are computed from, in one snapshot
    when ``connection`` is in a :func:`~dashboard.store.engine.read` transaction."""
    episodes = inputs.outcome_episodes(connection, episode_pks)
    return EpisodeData(
        episodes=episodes,
        care_levels=inputs.outcome_care_levels(connection, episode_pks),
        scored=access.episode_administrations(connection, catalog, episode_pks=episode_pks),
        attendance=inputs.outcome_attendance(connection, episode_pks),
        safety_answers=inputs.outcome_safety_answers(connection, episode_pks),
        follow_ups=inputs.outcome_follow_ups(connection, episodes["client_pk"].unique().to_list()),
    )


def episode_outcomes(
    data: EpisodeData, catalog: Catalog, program: ProgramConfig
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The ``episode_outcomes`` rows (one per episode of ``data``) and the
    ``episode_scores`` rows (one per episode and score with a value)."""
    episodes = data.episodes
    scored = data.scored.filter(pl.col("episode_pk").is_in(episodes["episode_pk"].implode()))
    change = _change(scored, catalog)
    key = _keys(episodes)
    flags, follow_ups = _flags(scored, data, key, catalog)
    outcomes = (
        episodes.select(
            pl.col("episode_pk").alias("episode_id"),
            pl.col("client_pk").alias("client_id"),
            "site_id",
            "track_id",
            "clinician_id",
            "admitted_on",
            "discharged_on",
            "discharge_reason",
            (pl.col("discharged_on") - pl.col("admitted_on")).dt.total_days().alias("length_days"),
        )
        .join(_level_at_admission(data.care_levels, episodes), on="episode_id", how="left")
        .join(_attendance_days(data.attendance), on="episode_id", how="left")
        .join(_talking_therapies(change, catalog), on="episode_id", how="left")
        .join(_response(change), on="episode_id", how="left")
        .join(_substance_use(scored, catalog), on="episode_id", how="left")
        .join(
            first_ready(
                _keyed(scored, key),
                episodes.join(key, on="episode_pk"),
                _keyed(data.attendance, key),
                flags,
                follow_ups,
                config=program.readiness,
                catalog=catalog,
            ),
            on="episode_id",
            how="left",
        )
        .join(_safety(flags, follow_ups, key), on="episode_id", how="left")
        .with_columns(
            pl.col("days_scheduled", "days_attended", "safety_flags", "safety_flags_closed_in_day")
            .fill_null(0)
            .cast(pl.Int64),
            pl.col("readiness_weeks").fill_null(0).cast(pl.Int64),
        )
        .sort("episode_id")
    )
    scores = change.select(SCORE_COLUMNS).sort("episode_id", "measure", "score_id")
    return outcomes, scores


def _change(scored: pl.DataFrame, catalog: Catalog) -> pl.DataFrame:
    """Baseline-to-latest change of every score of every episode (measures/change.py)."""
    by_episode = scored.with_columns(pl.col("episode_pk").alias("episode_id")).sort(
        "administered_at", "administration_id"
    )
    return episode_change(
        long_scores(by_episode, catalog), catalog, by=("episode_id", "measure", "score_id")
    ).with_columns(pl.col("episode_id").cast(pl.Int64))


def _paired(change: pl.DataFrame, measure: str) -> pl.DataFrame:
    """The first and last primary score of the episodes with at least two of ``measure``."""
    return change.filter(
        (pl.col("measure") == measure) & (pl.col("score_id") == PRIMARY) & (pl.col("n") >= 2)
    ).select(
        "episode_id",
        pl.col("baseline").alias(f"{measure}_first"),
        pl.col("latest").alias(f"{measure}_last"),
    )


def _talking_therapies(change: pl.DataFrame, catalog: Catalog) -> pl.DataFrame:
    """The NHS Talking Therapies paired outcome of the episodes paired on both measures
    (none where the catalog's definitions do not define it)."""
    rule = TalkingTherapiesRule.from_catalog(catalog)
    if rule is None:
        schema = {"episode_id": pl.Int64} | dict.fromkeys(TALKING_THERAPIES_OUTCOMES, pl.Boolean)
        return pl.DataFrame(schema=schema)
    first, *others = (_paired(change, m) for m in TALKING_THERAPIES_MEASURES)
    paired = first
    for other in others:
        paired = paired.join(other, on="episode_id", how="inner")
    outcome = talking_therapies_outcome(
        paired.drop_nulls(list(TALKING_THERAPIES_COLUMNS)), rule=rule
    )
    return outcome.select("episode_id", *TALKING_THERAPIES_OUTCOMES)


def _response(change: pl.DataFrame) -> pl.DataFrame:
    """Response and remission so far of the episodes with two scores of the measure."""
    paired = _paired(change, RESPONSE_MEASURE)
    return response_remission(
        paired, first=f"{RESPONSE_MEASURE}_first", last=f"{RESPONSE_MEASURE}_last", count=None
    ).select("episode_id", *RESPONSE_COLUMNS)


def _substance_use(scored: pl.DataFrame, catalog: Catalog) -> pl.DataFrame:
    """Days of any use (bounds) and abstinence at the episode's first and last BAM-R."""
    empty = pl.DataFrame(schema=USE_SCHEMA)
    if USE_MEASURE not in catalog or scored.is_empty():
        return empty
    days = (
        use_days(scored, catalog)
        .filter(pl.col("abstinent").is_not_null())
        .sort("administered_at", "administration_id")
    )
    if days.is_empty():
        return empty
    ends = [
        expression
        for end, pick in (("first", pl.Expr.first), ("last", pl.Expr.last))
        for expression in (
            pick(pl.col("administered_at").dt.date()).alias(f"use_{end}_on"),
            pick(pl.col("use_days_low")).alias(f"use_{end}_low"),
            pick(pl.col("use_days_high")).alias(f"use_{end}_high"),
            pick(pl.col("abstinent")).alias(f"abstinent_{end}"),
        )
    ]
    return (
        days.group_by(pl.col("episode_pk").alias("episode_id"), maintain_order=True)
        .agg(ends)
        .select(empty.columns)
    )


def _level_at_admission(care_levels: pl.DataFrame, episodes: pl.DataFrame) -> pl.DataFrame:
    """The level of care an episode was admitted to: the latest change recorded on or
    before the admission day (a file's level on that day over the default the episode's
    import recorded), else its first change."""
    levels = care_levels.join(
        episodes.select("episode_pk", "admitted_on"), on="episode_pk"
    ).with_columns((pl.col("changed_on") <= pl.col("admitted_on")).alias("by_admission"))
    return (
        levels.sort("episode_pk", "changed_on", "care_level_id")
        .group_by("episode_pk")
        .agg(
            pl.when(pl.col("by_admission").any())
            .then(pl.col("level_of_care").filter(pl.col("by_admission")).last())
            .otherwise(pl.col("level_of_care").first())
            .alias("level_of_care")
        )
        .rename({"episode_pk": "episode_id"})
    )


def _attendance_days(attendance: pl.DataFrame) -> pl.DataFrame:
    """Program days scheduled and attended: a day with several sessions is one day,
    attended if any of them was (as the readiness attendance criterion counts them)."""
    return (
        attendance.group_by("episode_pk", "session_on")
        .agg(pl.col("attended").any())
        .group_by(pl.col("episode_pk").alias("episode_id"))
        .agg(
            pl.len().alias("days_scheduled"),
            pl.col("attended").sum().alias("days_attended"),
        )
    )


def _keys(episodes: pl.DataFrame) -> pl.DataFrame:
    """Each episode's key in the frames readiness and the flags read: the episode stands
    where they expect a client (one episode each)."""
    return episodes.select(
        "episode_pk", "client_pk", pl.col("episode_pk").cast(pl.String).alias("client_id")
    )


def _keyed(frame: pl.DataFrame, key: pl.DataFrame) -> pl.DataFrame:
    """``frame`` (with ``episode_pk``) with the episode's key as ``client_id``."""
    return frame.drop("client_id", "client_pk", strict=False).join(
        key.drop("client_pk"), on="episode_pk"
    )


def _flags(
    scored: pl.DataFrame, data: EpisodeData, key: pl.DataFrame, catalog: Catalog
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The episodes' safety flags (review/flags.py) and their follow-ups, by episode key."""
    follow_ups = data.follow_ups.join(key, on="client_pk")
    no_acknowledgements = pl.DataFrame(
        schema={
            "administration_id": pl.Int64,
            "acknowledged_by": pl.String,
            "acknowledged_at": pl.Datetime("us"),
        }
    )
    flags = safety_flags(
        _keyed(scored, key),
        catalog,
        pending=_keyed(data.safety_answers, key),
        follow_ups=follow_ups,
        acknowledgements=no_acknowledgements,
    )
    return readiness_frames(flags, follow_ups)


def _safety(flags: pl.DataFrame, follow_ups: pl.DataFrame, key: pl.DataFrame) -> pl.DataFrame:
    """Per episode: safety flags raised, and those closed by a follow-up recorded within a
    day of the flag (:data:`FOLLOW_UP_WITHIN`)."""
    flag_key = ["client_id", "measure", "kind", "flagged_on"]
    first_close = (
        follow_ups.filter(pl.col("closes"))
        .group_by(flag_key)
        .agg(pl.col("recorded_at").min().alias("closed_at"))
    )
    timely = pl.col("closed_at") - pl.col("administered_at") <= FOLLOW_UP_WITHIN
    return (
        flags.with_columns(pl.col("administered_at").dt.date().alias("flagged_on"))
        .join(first_close, on=flag_key, how="left")
        .group_by("client_id")
        .agg(
            pl.len().alias("safety_flags"),
            timely.fill_null(False).sum().alias("safety_flags_closed_in_day"),
        )
        .join(key.select("client_id", pl.col("episode_pk").alias("episode_id")), on="client_id")
        .drop("client_id")
    )
