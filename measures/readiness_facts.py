"""The facts a readiness review reads, gathered for many clients and review dates at once."""

from __future__ import annotations

import datetime as dt

import polars as pl

from measures.catalog import Catalog
from measures.readiness_config import ReadinessConfig

#: A client (its place in the caseload: integers group faster than ids) and a review.
_KEYS = ["_position", "review"]
_WEEK_SECONDS = 7 * 86400


#: The facts of one score read per review, as columns ``<measure>.<score column>.<field>``.
SERIES_FIELDS = ("n", "first_value", "first_on", "last_value", "last_on")
#: The facts of one daily rating read per review, as columns ``<measure>.ratings.<field>``.
RATING_FIELDS = ("n", "mean", "slope_per_week", "since")
#: The daily ratings whose recent mean and trend the criteria read.
RATED = ("craving_nrs", "confidence_nrs")


def series(measure: str, column: str, field: str) -> pl.Expr:
    """A fact of a client's first and latest ``measure`` score (``column``) up to the review.

    ``field`` is one of :data:`SERIES_FIELDS`; all are null where the episode has
    no such score by the review.
    """
    return pl.col(f"{measure}.{column}.{field}")


def ratings(measure: str, field: str) -> pl.Expr:
    """A fact of a client's most recent daily ``measure`` ratings inside the look-back window.

    ``field`` is one of :data:`RATING_FIELDS` (count, mean, least-squares slope per
    week where the ratings span time, first day); all are null without a rating.
    """
    return pl.col(f"{measure}.ratings.{field}")


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
) -> pl.DataFrame:
    """One row per client of ``episodes`` and review date: what its data say by then.

    Computed with polars group-bys over all clients at once (one ``collect_all``),
    in the order of ``episodes``, each client's reviews in the order of
    ``review_dates`` (``review`` is the index). Columns: ``client_id``,
    ``review``, ``review_on``, ``admitted_on``, ``track``; ``given`` (the
    measures with a score by the review); the :func:`series` of every score the
    criteria read and the :func:`ratings` of :data:`RATED`; the safety flags and
    unknown answers of the window not closed by the review (``flags``,
    ``last_flag_on``, ``safety_unknown``), those followed up with elevated risk
    (``safety_elevated``), all raised (``safety_raised``) and their instruments
    (``safety_measures``); program days scheduled and attended in the attendance
    window (``scheduled_days``, ``attended_days``).

    Column contracts are those of :func:`measures.readiness.assess_caseload`.
    """
    reviews = (
        episodes.select(
            pl.col("client_id").cast(pl.String),
            pl.col("admitted_on").cast(pl.Date),
            (pl.col("track") if "track" in episodes.columns else pl.lit(None))
            .cast(pl.String)
            .alias("track"),
        )
        .with_row_index("_position")
        .join(
            pl.DataFrame(
                {"review": range(len(review_dates)), "review_on": review_dates},
                schema={"review": pl.Int64, "review_on": pl.Date},
            ),
            how="cross",
        )
    )
    plan = reviews.lazy()
    # sorted by time once, before the join doubles the rows; every step after keeps the order
    long = _in_episode(_long(scored, config, catalog).sort("at"), plan, "at")
    frames = pl.collect_all(
        [
            _series(long),
            _ratings(long, config),
            _flags(scored, safety_flags, follow_ups, plan, config, catalog),
            _attendance(attendance, plan, config),
        ]
    )
    return _widened(reviews, *frames, keys=_series_keys(config, catalog))


def _widened(
    reviews: pl.DataFrame,
    series_rows: pl.DataFrame,
    rating_rows: pl.DataFrame,
    flags: pl.DataFrame,
    days: pl.DataFrame,
    *,
    keys: list[tuple[str, str]],
) -> pl.DataFrame:
    """The facts side by side, one row per client and review; counts 0 where none."""
    given = series_rows.group_by(_KEYS).agg(pl.col("measure").unique().alias("given"))
    wide = reviews.lazy().join(given.lazy(), on=_KEYS, how="left")
    for measure, column in keys:
        one = series_rows.filter(
            (pl.col("measure") == measure) & (pl.col("score_id") == column)
        ).select(*_KEYS, *[pl.col(f).alias(f"{measure}.{column}.{f}") for f in SERIES_FIELDS])
        wide = wide.join(one.lazy(), on=_KEYS, how="left")
    for measure in RATED:
        one = rating_rows.filter(pl.col("measure") == measure).select(
            *_KEYS, *[pl.col(f).alias(f"{measure}.ratings.{f}") for f in RATING_FIELDS]
        )
        wide = wide.join(one.lazy(), on=_KEYS, how="left")
    safety = flags.select(
        *_KEYS,
        pl.col("flags"),
        pl.col("last").alias("last_flag_on"),
        pl.col("unknown").alias("safety_unknown"),
        pl.col("elevated").alias("safety_elevated"),
        pl.col("raised").alias("safety_raised"),
        pl.col("measures").alias("safety_measures"),
    )
    attended = days.select(
        *_KEYS,
        pl.col("scheduled").alias("scheduled_days"),
        pl.col("attended").alias("attended_days"),
    )
    no_measures = pl.lit([], dtype=pl.List(pl.String))
    counts = ["flags", "safety_unknown", "safety_elevated", "safety_raised"]
    return (
        wide.join(safety.lazy(), on=_KEYS, how="left")
        .join(attended.lazy(), on=_KEYS, how="left")
        .with_columns(
            pl.col("given").fill_null(no_measures),
            pl.col("safety_measures").fill_null(no_measures),
            *[pl.col(c).fill_null(0).cast(pl.Int64) for c in counts],
            *[pl.col(c).fill_null(0).cast(pl.Int64) for c in ("scheduled_days", "attended_days")],
        )
        .sort("_position", "review")
        .drop("_position")
        .collect()
    )


def _series_keys(config: ReadinessConfig, catalog: Catalog) -> list[tuple[str, str]]:
    """The (measure, score column) pairs the criteria read, each once."""
    bam = catalog["bam_r"]
    wanted = [
        (config.mood.measure, "score"),
        (config.anxiety.measure, "score"),
        ("pacs", "score"),
        ("craving_nrs", "score"),
        ("confidence_nrs", "score"),
        ("bam_r", bam.score(config.use.score).column),
        ("bam_r", bam.score(config.recovery_environment.score).column),
    ]
    return list(dict.fromkeys(wanted))


def _long(scored: pl.DataFrame, config: ReadinessConfig, catalog: Catalog) -> pl.LazyFrame:
    """One row per administration and score the criteria read."""
    keys = [(m, c) for m, c in _series_keys(config, catalog) if c in scored.columns]
    if not keys:
        schema: dict[str, pl.DataType] = {
            "client_id": pl.String(),
            "measure": pl.String(),
            "at": pl.Datetime("us"),
            "score_id": pl.String(),
            "value": pl.Float64(),
            "on": pl.Date(),
        }
        return pl.LazyFrame(schema=schema)
    rows = scored.lazy().select(
        pl.col("client_id").cast(pl.String),
        pl.col("measure").cast(pl.String),
        pl.col("administered_at").cast(pl.Datetime("us")).alias("at"),
        *[pl.col(c).cast(pl.Float64) for c in dict.fromkeys(c for _, c in keys)],
    )
    scores = [
        rows.filter((pl.col("measure") == measure) & pl.col(column).is_not_null()).select(
            "client_id",
            "measure",
            "at",
            pl.lit(column).alias("score_id"),
            pl.col(column).alias("value"),
        )
        for measure, column in keys
    ]
    return pl.concat(scores).with_columns(pl.col("at").dt.date().alias("on"))


def _in_episode(frame: pl.LazyFrame, reviews: pl.LazyFrame, column: str) -> pl.LazyFrame:
    """Rows joined to each review of their client: in the episode and up to the review."""
    day = pl.col(column).cast(pl.Date)
    return frame.join(reviews, on="client_id", maintain_order="left").filter(
        (day >= pl.col("admitted_on")) & (day <= pl.col("review_on"))
    )


def _series(long: pl.LazyFrame) -> pl.LazyFrame:
    """First and latest value of each score per client and review (``long`` in time order)."""
    return long.group_by([*_KEYS, "measure", "score_id"]).agg(
        pl.len().alias("n"),
        pl.col("value").first().alias("first_value"),
        pl.col("on").first().alias("first_on"),
        pl.col("value").last().alias("last_value"),
        pl.col("on").last().alias("last_on"),
    )


def _ratings(long: pl.LazyFrame, config: ReadinessConfig) -> pl.LazyFrame:
    """Mean and least-squares slope (per week) of the last ``trend_points`` recent ratings
    (``long`` in time order)."""
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
        long.join(settings, on="measure", maintain_order="left")
        .filter(age < pl.col("window"))
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
