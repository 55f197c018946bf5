"""Expected response from the program's own completed episodes, and who is not on track."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import polars as pl

from measures.catalog import Catalog, load_catalog
from measures.config import updated
from measures.formatting import num

#: The baseline group of a measure without severity bands.
ALL_BASELINES = "all"


@dataclass(frozen=True, kw_only=True)
class ExpectedConfig:
    """The ``[expected_response]`` table.

    - ``min_reference_episodes`` (20): with fewer episodes the 10th and 90th
      percentiles rest on the one or two most extreme episodes, so the band
      says more about them than about the program.
    - ``percentile_for_off_track`` (90): the worse edge of the 10-90 band the
      page shows (the 90th percentile where higher is worse, the 10th where
      higher is better).
    - ``consecutive_weeks`` (2): "worse than the configured percentile for two
      consecutive weeks" (issue text).
    - ``completed_reasons`` (completed, stepped_down): the discharge reasons of
      an episode that finished its course (not left early or stepped up).
    """

    min_reference_episodes: int = 20
    percentile_for_off_track: float = 90.0
    consecutive_weeks: int = 2
    completed_reasons: tuple[str, ...] = ("completed", "stepped_down")

    def __post_init__(self) -> None:
        if self.min_reference_episodes < 1:
            msg = f"min_reference_episodes should be at least 1, not {self.min_reference_episodes}"
            raise ValueError(msg)
        if not 50 < self.percentile_for_off_track < 100:
            msg = (
                "percentile_for_off_track should be above 50 and below 100, "
                f"not {self.percentile_for_off_track}"
            )
            raise ValueError(msg)
        if self.consecutive_weeks < 1:
            msg = f"consecutive_weeks should be at least 1, not {self.consecutive_weeks}"
            raise ValueError(msg)

    @classmethod
    def from_mapping(
        cls, data: Mapping[str, object], *, base: ExpectedConfig | None = None
    ) -> ExpectedConfig:
        """``base`` (default: the defaults) updated with an ``[expected_response]`` table."""
        return updated(base or cls(), data, "expected_response")


def weekly_scores(
    scored: pl.DataFrame, *, catalog: Catalog | None = None, episode: str = "episode_id"
) -> pl.DataFrame:
    """Weekly mean primary score per episode, measure and program week, with the baseline.

    ``scored`` has ``episode`` (the episode key column), ``measure``,
    ``administered_at`` (Datetime), ``score`` and the episode's ``admitted_on``
    (Date); ``client_id``, ``discharge_reason`` and ``track`` are carried along
    where present. Program week = floor(days since admission / 7) + 1; scores
    before admission and empty scores are left out. ``baseline`` is the first
    score of the episode and ``baseline_band`` its severity band from the
    catalog ("all" for a measure without bands).

    Examples
    --------
    >>> import datetime as dt
    >>> scored = pl.DataFrame({
    ...     "episode_id": ["E1"] * 3, "measure": ["phq9"] * 3,
    ...     "administered_at": [dt.datetime(2026, 1, d) for d in (5, 9, 12)],
    ...     "score": [16.0, 14.0, 11.0], "admitted_on": [dt.date(2026, 1, 5)] * 3,
    ... })
    >>> weekly_scores(scored).select("week", "value", "baseline_band").rows()
    [(1, 15.0, 'Moderately severe'), (2, 11.0, 'Moderately severe')]
    """
    catalog = catalog or load_catalog()
    extra = [c for c in ("client_id", "discharge_reason", "track") if c in scored.columns]
    keys = [*extra, episode, "measure"]
    days = (
        pl.col("administered_at").cast(pl.Datetime("us")).dt.date() - pl.col("admitted_on")
    ).dt.total_days()
    rows = (
        scored.filter(pl.col("score").is_not_null())
        .with_columns((days // 7 + 1).cast(pl.Int64).alias("week"))
        .filter(pl.col("week") >= 1)
        .sort("administered_at")
        .with_columns(pl.col("score").first().over(episode, "measure").alias("baseline"))
    )
    return (
        rows.group_by([*keys, "week"])
        .agg(
            pl.col("score").mean().alias("value"),
            pl.len().alias("n_scores"),
            pl.col("baseline").first(),
        )
        .with_columns(_band(pl.col("baseline"), catalog).alias("baseline_band"))
        .select(*keys, "week", "value", "n_scores", "baseline", "baseline_band")
        .sort(*keys, "week")
    )


def reference_ranges(
    weekly: pl.DataFrame,
    *,
    catalog: Catalog | None = None,
    config: ExpectedConfig | None = None,
    episode: str = "episode_id",
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """:func:`expected_ranges` and :func:`range_gaps` of ``weekly``, grouped once."""
    config = config or ExpectedConfig()
    catalog = catalog or load_catalog()
    table = _all_ranges(weekly, catalog, config, episode)
    enough = pl.col("n_episodes") >= config.min_reference_episodes
    return table.filter(enough), _gaps(table.filter(~enough), catalog, config)


def expected_ranges(
    weekly: pl.DataFrame,
    *,
    catalog: Catalog | None = None,
    config: ExpectedConfig | None = None,
    episode: str = "episode_id",
) -> pl.DataFrame:
    """Percentiles per measure, baseline band and week, from enough reference episodes.

    ``weekly`` is :func:`weekly_scores` of the reference episodes; where it has
    ``discharge_reason``, only ``completed_reasons`` count (otherwise the caller
    chose completed episodes already). Columns: ``measure``, ``baseline_band``,
    ``week``, ``n_episodes``, ``p10``, ``p50``, ``p90``, ``worse_than`` (the
    configured percentile on the worse side), ``higher_is_better``. Groups with
    fewer than ``min_reference_episodes`` are left out: see :func:`range_gaps`.
    Percentiles interpolate linearly between the ordered values (Hyndman & Fan
    type 7, the numpy and R default).
    """
    return reference_ranges(weekly, catalog=catalog, config=config, episode=episode)[0]


def range_gaps(
    weekly: pl.DataFrame,
    *,
    catalog: Catalog | None = None,
    config: ExpectedConfig | None = None,
    episode: str = "episode_id",
) -> pl.DataFrame:
    """The groups :func:`expected_ranges` leaves out, each with the reason in plain words.

    Columns: ``measure``, ``baseline_band``, ``week``, ``n_episodes``, ``reason``
    ("only 12 completed episodes with a Moderate PHQ-9 baseline have a score in
    week 3; at least 20 needed").
    """
    return reference_ranges(weekly, catalog=catalog, config=config, episode=episode)[1]


def _gaps(gaps: pl.DataFrame, catalog: Catalog, config: ExpectedConfig) -> pl.DataFrame:
    reasons = [
        _gap_reason(
            row["measure"], row["baseline_band"], row["week"], row["n_episodes"], catalog, config
        )
        for row in gaps.iter_rows(named=True)
    ]
    return gaps.select("measure", "baseline_band", "week", "n_episodes").with_columns(
        pl.Series("reason", reasons, dtype=pl.String)
    )


def _all_ranges(
    weekly: pl.DataFrame, catalog: Catalog, config: ExpectedConfig, episode: str
) -> pl.DataFrame:
    if "discharge_reason" in weekly.columns:
        weekly = weekly.filter(pl.col("discharge_reason").is_in(config.completed_reasons))
    upper = config.percentile_for_off_track / 100

    def q(p: float) -> pl.Expr:
        return pl.col("value").quantile(p, "linear")

    return (
        weekly.group_by("measure", "baseline_band", "week")
        .agg(
            pl.col(episode).n_unique().alias("n_episodes"),
            q(0.10).alias("p10"),
            q(0.50).alias("p50"),
            q(0.90).alias("p90"),
            q(1 - upper).alias("_lower"),
            q(upper).alias("_upper"),
        )
        .join(_directions(catalog), on="measure", how="left")
        .with_columns(
            pl.when(pl.col("higher_is_better"))
            .then(pl.col("_lower"))
            .otherwise(pl.col("_upper"))
            .alias("worse_than")
        )
        .drop("_lower", "_upper")
        .sort("measure", "baseline_band", "week")
    )


def not_on_track(
    weekly: pl.DataFrame,
    ranges: pl.DataFrame,
    *,
    config: ExpectedConfig | None = None,
    catalog: Catalog | None = None,
    gaps: pl.DataFrame | None = None,
    episode: str = "episode_id",
) -> pl.DataFrame:
    """Per client (episode) and measure: not on track now, the weeks behind it, evidence.

    ``weekly`` is :func:`weekly_scores` of the clients; ``ranges`` is
    :func:`expected_ranges`. A client is not on track when the latest
    ``consecutive_weeks`` program weeks (consecutive week numbers, ending at the
    latest week with a score) are all worse than ``worse_than``. Columns: the
    keys (``client_id`` and/or the episode column), ``measure``,
    ``baseline_band``, ``week`` (latest), ``value``, ``not_on_track`` (null
    where the latest week has no range), ``weeks`` (the run of worse weeks
    ending at the latest week) and ``evidence``. ``gaps`` (from
    :func:`range_gaps`) makes the reason for a missing range exact.
    """
    config = config or ExpectedConfig()
    catalog = catalog or load_catalog()
    group = [c for c in ("client_id", episode) if c in weekly.columns]
    keys = [*group, "measure", "baseline_band"]
    joined = weekly.join(
        ranges.drop("higher_is_better"), on=["measure", "baseline_band", "week"], how="left"
    ).join(_directions(catalog), on="measure", how="left")
    limit = pl.col("worse_than")
    worse = (
        pl.when(limit.is_null())
        .then(None)
        .when(pl.col("higher_is_better"))
        .then(pl.col("value") < limit)
        .otherwise(pl.col("value") > limit)
    )
    is_worse = pl.col("worse").fill_null(False)
    starts = ~is_worse | (pl.col("week").diff() != 1).fill_null(True)
    in_run = is_worse & (starts.cum_sum() == starts.cum_sum().max())
    summary = (
        joined.with_columns(worse.alias("worse"))
        .sort("week")
        .group_by(keys, maintain_order=True)
        .agg(
            pl.col("week", "value", "n_episodes", "p50", "worse_than", "higher_is_better").last(),
            pl.col("week").filter(in_run).alias("weeks"),
            pl.col("value").filter(in_run).alias("run_values"),
            pl.col("worse_than").filter(in_run).alias("run_limits"),
        )
        .with_columns(
            pl.when(pl.col("worse_than").is_null())
            .then(None)
            .otherwise(pl.col("weeks").list.len() >= config.consecutive_weeks)
            .alias("not_on_track")
        )
    )
    gap_reasons = _gap_lookup(gaps)
    evidence = [
        _evidence(row, catalog, config, gap_reasons) for row in summary.iter_rows(named=True)
    ]
    return summary.select(*keys, "week", "value", "not_on_track", "weeks").with_columns(
        pl.Series("evidence", evidence, dtype=pl.String)
    )


def _band(value: pl.Expr, catalog: Catalog) -> pl.Expr:
    """The baseline's severity band label from the catalog; "all" for measures without bands."""
    band: pl.Expr = pl.lit(None, pl.String)
    banded = []
    for instrument in catalog:
        primary = instrument.primary
        if primary is None or not primary.bands:
            continue
        banded.append(instrument.id)
        for b in primary.bands:
            hit = (pl.col("measure") == instrument.id) & value.is_between(b.min, b.max)
            band = pl.when(hit).then(pl.lit(b.label)).otherwise(band)
    return pl.when(pl.col("measure").is_in(banded)).then(band).otherwise(pl.lit(ALL_BASELINES))


def _directions(catalog: Catalog) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "measure": [i.id for i in catalog],
            "higher_is_better": [i.higher_is_better for i in catalog],
        }
    )


def _who(band: str, measure: str, catalog: Catalog) -> str:
    if band == ALL_BASELINES:
        return "completed episodes"
    return f"completed episodes with a {band} {_name(measure, catalog)} baseline"


def _name(measure: str, catalog: Catalog) -> str:
    return catalog[measure].abbreviation if measure in catalog else measure


def _gap_reason(
    measure: str, band: str, week: int, n: int, catalog: Catalog, config: ExpectedConfig
) -> str:
    return (
        f"only {n} {_who(band, measure, catalog)} have a score in week {week}; "
        f"at least {config.min_reference_episodes} needed"
    )


def _gap_lookup(gaps: pl.DataFrame | None) -> dict[tuple[str, str, int], str]:
    if gaps is None:
        return {}
    return {
        (r["measure"], r["baseline_band"], r["week"]): r["reason"]
        for r in gaps.iter_rows(named=True)
    }


def _percentile(config: ExpectedConfig, higher_is_better: bool) -> str:
    value = (
        100 - config.percentile_for_off_track
        if higher_is_better
        else (config.percentile_for_off_track)
    )
    text = f"{value:g}"
    suffix = (
        "th"
        if text.endswith(("11", "12", "13"))
        else {"1": "st", "2": "nd", "3": "rd"}.get(text[-1], "th")
    )
    side = "below" if higher_is_better else "above"
    return f"{side} the {text}{suffix} percentile"


def _evidence(
    row: dict[str, Any],
    catalog: Catalog,
    config: ExpectedConfig,
    gaps: dict[tuple[str, str, int], str],
) -> str:
    measure, band, week = str(row["measure"]), str(row["baseline_band"]), row["week"]
    name = _name(measure, catalog)
    value = num(row["value"])
    if row["not_on_track"] is None:
        reason = gaps.get((measure, band, week)) or (
            f"fewer than {config.min_reference_episodes} {_who(band, measure, catalog)} "
            f"have a score in week {week}"
        )
        return f"{name} {value} in week {week}: no expected range ({reason})"
    edge = _percentile(config, bool(row["higher_is_better"]))
    who = f"{row['n_episodes']} {_who(band, measure, catalog)}"
    weeks = row["weeks"]
    if row["not_on_track"]:
        pairs = ", ".join(
            f"week {w}: {num(v)} vs {num(lim)}"
            for w, v, lim in zip(weeks, row["run_values"], row["run_limits"], strict=True)
        )
        return f"not on track: {name} {edge} of {who} for {len(weeks)} weeks in a row ({pairs})"
    if weeks:
        return (
            f"{name} {value} in week {week} is {edge} ({num(row['worse_than'])}) of {who}; "
            f"{len(weeks)} of {config.consecutive_weeks} weeks in a row so far"
        )
    return (
        f"{name} {value} in week {week} is not {edge} ({num(row['worse_than'])}) of {who}; "
        f"their median is {num(row['p50'])}"
    )
