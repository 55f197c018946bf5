"""The facts a readiness review reads, gathered for many clients and review dates at once."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import polars as pl

from measures.catalog import Catalog
from measures.readiness_config import ReadinessConfig

_KEYS = ["client_id", "review"]
_WEEK_SECONDS = 7 * 86400


@dataclass(frozen=True)
class Point:
    """One score and the day it was given."""

    value: float
    on: dt.date


@dataclass(frozen=True)
class Series:
    """A client's first and latest value of one score within the episode, up to the review."""

    first: Point
    last: Point
    n: int


@dataclass(frozen=True)
class Ratings:
    """The most recent daily ratings inside the look-back window: count, mean and trend."""

    n: int
    mean: float
    slope_per_week: float | None
    since: dt.date


@dataclass
class Facts:
    """What one client's data say at one review date (only data up to that date)."""

    client_id: str
    review_on: dt.date
    admitted_on: dt.date
    track: str | None
    series: dict[tuple[str, str], Series] = field(default_factory=dict)
    ratings: dict[str, Ratings] = field(default_factory=dict)
    flags: int = 0
    last_flag_on: dt.date | None = None
    safety_unknown: int = 0
    safety_elevated: int = 0
    safety_raised: int = 0
    safety_measures: tuple[str, ...] = ()
    scheduled_days: int = 0
    attended_days: int = 0


def gather_facts(
    scored: pl.DataFrame,
    episodes: pl.DataFrame,
    attendance: pl.DataFrame,
    safety_flags: pl.DataFrame,
    *,
    follow_ups: pl.DataFrame | None = None,
    review_dates: tuple[dt.date, ...],
    config: ReadinessConfig,
    catalog: Catalog,
) -> dict[tuple[str, int], Facts]:
    """Facts per (client_id, index of the review date) for every client in ``episodes``.

    Computed with polars group-bys over all clients at once (one ``collect_all``);
    the rules then read one small :class:`Facts` per client and review.

    Column contracts are those of :func:`measures.readiness.assess_caseload`.
    """
    reviews = episodes.select(
        pl.col("client_id").cast(pl.String),
        pl.col("admitted_on").cast(pl.Date),
        (pl.col("track") if "track" in episodes.columns else pl.lit(None))
        .cast(pl.String)
        .alias("track"),
    ).join(
        pl.DataFrame(
            {"review": range(len(review_dates)), "review_on": review_dates},
            schema={"review": pl.Int64, "review_on": pl.Date},
        ),
        how="cross",
    )
    facts = {
        (client, review): Facts(client, review_on, admitted_on, track)
        for client, review, review_on, admitted_on, track in _rows(
            reviews, "client_id", "review", "review_on", "admitted_on", "track"
        )
    }
    plan = reviews.lazy()
    long = _in_episode(_long(scored, config, catalog), plan, "at")
    series, ratings, flags, days = pl.collect_all(
        [
            _series(long),
            _ratings(long, config),
            _flags(scored, safety_flags, follow_ups, plan, config, catalog),
            _attendance(attendance, plan, config),
        ]
    )
    for client, review, measure, score_id, n, v0, on0, v1, on1 in _rows(
        series,
        *_KEYS,
        "measure",
        "score_id",
        "n",
        "first_value",
        "first_on",
        "last_value",
        "last_on",
    ):
        facts[client, review].series[measure, score_id] = Series(Point(v0, on0), Point(v1, on1), n)
    for client, review, measure, n, mean, slope, since in _rows(
        ratings, *_KEYS, "measure", "n", "mean", "slope_per_week", "since"
    ):
        facts[client, review].ratings[measure] = Ratings(n, mean, slope, since)
    for client, review, count, last, unknown, elevated, raised, measures in _rows(
        flags, *_KEYS, "flags", "last", "unknown", "elevated", "raised", "measures"
    ):
        fact = facts[client, review]
        fact.flags, fact.last_flag_on, fact.safety_unknown = count, last, unknown
        fact.safety_elevated, fact.safety_raised = elevated, raised
        fact.safety_measures = tuple(measures)
    for client, review, scheduled, attended in _rows(days, *_KEYS, "scheduled", "attended"):
        fact = facts[client, review]
        fact.scheduled_days, fact.attended_days = scheduled, attended
    return facts


def _rows(frame: pl.DataFrame, *columns: str) -> Iterator[tuple[Any, ...]]:
    """The rows of ``columns`` as tuples (much faster than named rows)."""
    return zip(*(frame[c].to_list() for c in columns), strict=True)


def _long(scored: pl.DataFrame, config: ReadinessConfig, catalog: Catalog) -> pl.LazyFrame:
    """One row per administration and score the criteria read."""
    bam = catalog["bam_r"]
    wanted = [
        f"{config.mood.measure}|score",
        f"{config.anxiety.measure}|score",
        "pacs|score",
        "craving_nrs|score",
        "confidence_nrs|score",
        f"bam_r|{bam.score(config.use.score).column}",
        f"bam_r|{bam.score(config.recovery_environment.score).column}",
    ]
    columns = [c for c in dict.fromkeys(w.split("|")[1] for w in wanted) if c in scored.columns]
    index = ["client_id", "measure", "at"]
    if not columns:
        schema: dict[str, pl.DataType] = {
            "client_id": pl.String(),
            "measure": pl.String(),
            "at": pl.Datetime("us"),
            "score_id": pl.String(),
            "value": pl.Float64(),
            "on": pl.Date(),
        }
        return pl.LazyFrame(schema=schema)
    return (
        scored.lazy()
        .select(
            pl.col("client_id").cast(pl.String),
            pl.col("measure").cast(pl.String),
            pl.col("administered_at").cast(pl.Datetime("us")).alias("at"),
            *[pl.col(c).cast(pl.Float64) for c in columns],
        )
        .unpivot(index=index, on=columns, variable_name="score_id", value_name="value")
        .filter(
            pl.col("value").is_not_null()
            & pl.concat_str("measure", "score_id", separator="|").is_in(wanted)
        )
        .with_columns(pl.col("at").dt.date().alias("on"))
    )


def _in_episode(frame: pl.LazyFrame, reviews: pl.LazyFrame, column: str) -> pl.LazyFrame:
    """Rows joined to each review of their client: in the episode and up to the review."""
    day = pl.col(column).cast(pl.Date)
    return frame.join(reviews, on="client_id").filter(
        (day >= pl.col("admitted_on")) & (day <= pl.col("review_on"))
    )


def _series(long: pl.LazyFrame) -> pl.LazyFrame:
    return (
        long.sort("at")
        .group_by([*_KEYS, "measure", "score_id"])
        .agg(
            pl.len().alias("n"),
            pl.col("value").first().alias("first_value"),
            pl.col("on").first().alias("first_on"),
            pl.col("value").last().alias("last_value"),
            pl.col("on").last().alias("last_on"),
        )
    )


def _ratings(long: pl.LazyFrame, config: ReadinessConfig) -> pl.LazyFrame:
    """Mean and least-squares slope (per week) of the last ``trend_points`` recent ratings."""
    settings = pl.LazyFrame(
        {
            "measure": ["craving_nrs", "confidence_nrs"],
            "window": [config.craving.window_days, config.self_efficacy.window_days],
            "points": [config.craving.trend_points, config.self_efficacy.trend_points],
        }
    )
    keys = [*_KEYS, "measure"]
    age = (pl.col("review_on") - pl.col("on")).dt.total_days()
    from_end = pl.len().over(keys) - pl.int_range(pl.len()).over(keys)
    recent = (
        long.join(settings, on="measure")
        .filter(age < pl.col("window"))
        .sort("at")
        .filter(from_end <= pl.col("points"))
    )
    weeks = (pl.col("at") - pl.col("at").min()).dt.total_seconds() / _WEEK_SECONDS
    slope = pl.cov(weeks, pl.col("value")) / weeks.var()
    return recent.group_by(keys).agg(
        pl.len().alias("n"),
        pl.col("value").mean().alias("mean"),
        pl.when(weeks.var() > 0).then(slope).alias("slope_per_week"),
        pl.col("on").min().alias("since"),
    )


#: What identifies a safety flag: a client's endorsed (or unknown) answer on one
#: instrument on one day.
FLAG_KEY = ["client_id", "measure", "kind", "on"]


def _flags(
    scored: pl.DataFrame,
    flags: pl.DataFrame,
    follow_ups: pl.DataFrame | None,
    reviews: pl.LazyFrame,
    config: ReadinessConfig,
    catalog: Catalog,
) -> pl.LazyFrame:
    """Per review: the safety flags and unknown safety answers raised in the window
    that no closing follow-up had closed by the review, and those a follow-up
    recorded by then found elevated risk."""
    window = config.safety.window_days
    age = (pl.col("review_on") - pl.col("on")).dt.total_days()
    raised = pl.concat([_given_flags(flags), _scored_flags(scored, catalog)]).unique(FLAG_KEY)
    in_time = pl.col("done_on") <= pl.col("review_on")
    per_flag = (
        raised.join(reviews, on="client_id")
        .filter((age >= 0) & (age < window))
        .join(_follow_ups(follow_ups), on=FLAG_KEY, how="left")
        .sort("recorded_at", nulls_last=False)
        .group_by([*_KEYS, *FLAG_KEY[1:]])
        .agg(
            pl.col("closes").filter(in_time).last().fill_null(False).alias("closed"),
            pl.col("elevated").filter(in_time).any().alias("elevated"),
        )
    )
    open_flag = ~pl.col("closed")
    endorsed = pl.col("kind") == "endorsed"
    return per_flag.group_by(_KEYS).agg(
        (open_flag & endorsed).sum().alias("flags"),
        pl.col("on").filter(open_flag & endorsed).max().alias("last"),
        (open_flag & ~endorsed).sum().alias("unknown"),
        pl.col("elevated").sum().alias("elevated"),
        pl.len().alias("raised"),
        pl.col("measure").drop_nulls().unique().sort().alias("measures"),
    )


def _given_flags(flags: pl.DataFrame) -> pl.LazyFrame:
    """The caller's flags (e.g. safety answers of a check-in not yet finished)."""
    schema = {"client_id": pl.String, "measure": pl.String, "kind": pl.String, "on": pl.Date}
    if "administered_at" not in flags.columns or flags.is_empty():
        return pl.LazyFrame(schema=schema)
    return flags.lazy().select(
        pl.col("client_id").cast(pl.String),
        (pl.col("measure") if "measure" in flags.columns else pl.lit(None))
        .cast(pl.String)
        .alias("measure"),
        (pl.col("kind") if "kind" in flags.columns else pl.lit("endorsed"))
        .cast(pl.String)
        .alias("kind"),
        pl.col("administered_at").cast(pl.Datetime("us")).dt.date().alias("on"),
    )


def _scored_flags(scored: pl.DataFrame, catalog: Catalog) -> pl.LazyFrame:
    """Administrations of an instrument with safety items: endorsed, or unknown where
    ``critical`` is null (an item unanswered, a total only). An instrument without
    safety items never asked: its null is not unknown."""
    checked = [i.id for i in catalog if i.critical_items]
    if "critical" not in scored.columns or not checked:
        return _given_flags(pl.DataFrame())
    critical = pl.col("critical")
    return (
        scored.lazy()
        .filter(pl.col("measure").is_in(checked) & (critical | critical.is_null()))
        .select(
            pl.col("client_id").cast(pl.String),
            pl.col("measure").cast(pl.String),
            pl.when(critical.is_null())
            .then(pl.lit("unknown"))
            .otherwise(pl.lit("endorsed"))
            .alias("kind"),
            pl.col("administered_at").cast(pl.Datetime("us")).dt.date().alias("on"),
        )
    )


def _follow_ups(follow_ups: pl.DataFrame | None) -> pl.LazyFrame:
    """Follow-ups by flag: when recorded, whether their outcome closes it, elevated risk."""
    schema: dict[str, pl.DataType] = {
        "client_id": pl.String(),
        "measure": pl.String(),
        "kind": pl.String(),
        "on": pl.Date(),
        "recorded_at": pl.Datetime("us"),
        "done_on": pl.Date(),
        "closes": pl.Boolean(),
        "elevated": pl.Boolean(),
    }
    if follow_ups is None or follow_ups.is_empty():
        return pl.LazyFrame(schema=schema)
    at = pl.col("recorded_at").cast(pl.Datetime("us"))
    return follow_ups.lazy().select(
        pl.col("client_id").cast(pl.String),
        pl.col("measure").cast(pl.String),
        pl.col("kind").cast(pl.String),
        pl.col("flagged_on").cast(pl.Date).alias("on"),
        at.alias("recorded_at"),
        at.dt.date().alias("done_on"),
        pl.col("closes").cast(pl.Boolean),
        pl.col("elevated").cast(pl.Boolean),
    )


def _attendance(
    attendance: pl.DataFrame, reviews: pl.LazyFrame, config: ReadinessConfig
) -> pl.LazyFrame:
    window = config.attendance.window_days
    days = attendance.lazy().select(
        pl.col("client_id").cast(pl.String),
        pl.col("session_on").cast(pl.Date),
        pl.col("attended").cast(pl.Boolean),
    )
    age = (pl.col("review_on") - pl.col("session_on")).dt.total_days()
    by_day = (
        _in_episode(days, reviews, "session_on")
        .filter(age < window)
        .group_by([*_KEYS, "session_on"])
        .agg(pl.col("attended").any())
    )
    return by_day.group_by(_KEYS).agg(
        pl.len().alias("scheduled"), pl.col("attended").sum().alias("attended")
    )
