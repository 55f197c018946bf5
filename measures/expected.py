"""Expected response from every episode with a score that week, and who is not on track."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import polars as pl

from measures.catalog import Catalog, load_catalog
from measures.config import ConfigError, updated
from measures.expected_words import ALL_BASELINES as ALL_BASELINES
from measures.expected_words import ALL_TRACKS as ALL_TRACKS
from measures.expected_words import gap_table, with_evidence

#: What a range says about the episode it describes, per week.
RANGE_COLUMNS = ("n_episodes", "n_clients", "p10", "p50", "p90", "worse_than")
_KEYS = ["measure", "baseline_band", "week"]
#: A range group's statistics before ``worse_than`` is chosen from its two edges.
_STATISTICS = ("n_episodes", "n_clients", "p10", "p50", "p90", "_lower", "_upper")


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

    The reference group of a week is every episode of the program with a score
    that week, whatever its outcome: completed, stepped down, left early or
    stepped up, active or discharged (IOP Outcomes issue 10: completers alone
    made the ranges optimistic). The former ``completed_reasons`` key is
    refused with that reason, so a program that set it learns its ranges changed.
    """

    min_reference_episodes: int = 20
    percentile_for_off_track: float = 90.0
    consecutive_weeks: int = 2

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
        if "completed_reasons" in data:
            msg = (
                "[expected_response] completed_reasons is no longer used: the expected ranges "
                "are built from every episode with a score that week, whatever its outcome "
                "(completers alone made them optimistic); remove the key"
            )
            raise ConfigError(msg)
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
    program_wide = pl.col("track") == ALL_TRACKS
    return table.filter(enough), gap_table(table.filter(~enough & program_wide), catalog, config)


def expected_ranges(
    weekly: pl.DataFrame,
    *,
    catalog: Catalog | None = None,
    config: ExpectedConfig | None = None,
    episode: str = "episode_id",
) -> pl.DataFrame:
    """Percentiles per measure, baseline band, track and week, from enough reference episodes.

    ``weekly`` is :func:`weekly_scores` of every episode of the program: the
    reference group of a week is every episode with a score that week, whatever
    its outcome. Columns: ``measure``, ``baseline_band``, ``track`` (the
    episodes' track, or ``"all"`` for every track together), ``week``,
    ``n_episodes``, ``n_clients`` (null without ``client_id``), ``p10``,
    ``p50``, ``p90``, ``worse_than`` (the configured percentile on the worse
    side), ``higher_is_better``. A track gets groups of its own only where
    ``weekly`` has ``track``. Groups with fewer than ``min_reference_episodes``
    are left out (see :func:`range_gaps`); :func:`ranges_for` picks a client's.
    Percentiles interpolate linearly between the ordered values (Hyndman & Fan
    type 7, the numpy and R default).

    Examples
    --------
    >>> import datetime as dt
    >>> rows = [
    ...     {"episode_id": f"E{n}", "measure": "phq9", "track": "co_occurring",
    ...      "administered_at": dt.datetime(2026, 1, 5 + 7 * w), "score": 12.0 - w + n % 3,
    ...      "admitted_on": dt.date(2026, 1, 5)}
    ...     for n in range(20) for w in range(2)
    ... ]
    >>> ranges = expected_ranges(weekly_scores(pl.DataFrame(rows)))
    >>> for row in ranges.select("track", "week", "n_episodes", "p50").rows():
    ...     print(row)
    ('all', 1, 20, 13.0)
    ('all', 2, 20, 12.0)
    ('co_occurring', 1, 20, 13.0)
    ('co_occurring', 2, 20, 12.0)
    """
    return reference_ranges(weekly, catalog=catalog, config=config, episode=episode)[0]


def range_gaps(
    weekly: pl.DataFrame,
    *,
    catalog: Catalog | None = None,
    config: ExpectedConfig | None = None,
    episode: str = "episode_id",
) -> pl.DataFrame:
    """The program-wide groups :func:`expected_ranges` leaves out, with the reason in words.

    Columns: ``measure``, ``baseline_band``, ``week``, ``n_episodes``, ``reason``
    ("only 12 episodes with a Moderate PHQ-9 baseline have a score in week 3;
    at least 20 needed"). A track's own group with too few episodes is no gap:
    its clients are compared with every track together.
    """
    return reference_ranges(weekly, catalog=catalog, config=config, episode=episode)[1]


def ranges_for(frame: pl.DataFrame, ranges: pl.DataFrame) -> pl.DataFrame:
    """Each row of ``frame`` with its expected range: its track's own, else every track's.

    ``frame`` has ``measure``, ``baseline_band``, ``week`` and optionally
    ``track``; ``ranges`` is :func:`expected_ranges`. Adds :data:`RANGE_COLUMNS`
    and ``reference_track`` (the row's track where its own group had enough
    episodes, ``"all"`` where every track together is used, null where no
    range exists).

    Examples
    --------
    >>> ranges = pl.DataFrame({
    ...     "measure": ["phq9"] * 2, "baseline_band": ["Moderate"] * 2,
    ...     "track": ["all", "co_occurring"], "week": [2, 2], "n_episodes": [40, 21],
    ...     "n_clients": [39, 21], "p10": [6.0, 7.0], "p50": [10.0, 11.0],
    ...     "p90": [14.0, 15.0], "worse_than": [14.0, 15.0]})
    >>> clients = pl.DataFrame({"measure": ["phq9"] * 2, "baseline_band": ["Moderate"] * 2,
    ...                         "week": [2, 2], "track": ["co_occurring", "mental_health"]})
    >>> ranges_for(clients, ranges).select("track", "reference_track", "n_episodes").rows()
    [('co_occurring', 'co_occurring', 21), ('mental_health', 'all', 40)]
    """
    columns = list(RANGE_COLUMNS)
    program = ranges.filter(pl.col("track") == ALL_TRACKS).select(*_KEYS, *columns)
    frame = frame.drop(*columns, "reference_track", strict=False)
    if "track" not in frame.columns:
        return frame.join(program, on=_KEYS, how="left").with_columns(
            pl.when(pl.col("n_episodes").is_not_null())
            .then(pl.lit(ALL_TRACKS))
            .alias("reference_track")
        )
    own = ranges.filter(pl.col("track") != ALL_TRACKS).select(*_KEYS, "track", *columns)
    joined = frame.join(
        own.rename({c: f"_own_{c}" for c in columns}), on=[*_KEYS, "track"], how="left"
    ).join(program, on=_KEYS, how="left")
    has_own = pl.col("_own_n_episodes").is_not_null()
    return joined.with_columns(
        *[pl.when(has_own).then(pl.col(f"_own_{c}")).otherwise(c).alias(c) for c in columns],
        pl.when(has_own)
        .then(pl.col("track"))
        .when(pl.col("n_episodes").is_not_null())
        .then(pl.lit(ALL_TRACKS))
        .alias("reference_track"),
    ).drop([f"_own_{c}" for c in columns])


def track_ranges(ranges: pl.DataFrame, track: str | None) -> pl.DataFrame:
    """Every week's range for a client of ``track`` (None: unknown), by :func:`ranges_for`.

    One row per measure, baseline band and week that has a range (``track`` is
    the client's, ``reference_track`` the group used).
    """
    weeks = ranges.filter(pl.col("track") == ALL_TRACKS).select(*_KEYS)
    return ranges_for(weeks.with_columns(pl.lit(track, pl.String).alias("track")), ranges)


def _all_ranges(
    weekly: pl.DataFrame, catalog: Catalog, config: ExpectedConfig, episode: str
) -> pl.DataFrame:
    upper = config.percentile_for_off_track / 100

    def q(p: float) -> pl.Expr:
        return pl.col("value").quantile(p, "linear")

    clients = (
        pl.col("client_id").n_unique().cast(pl.Int64)
        if "client_id" in weekly.columns
        else pl.lit(None, pl.Int64)
    )
    statistics = [
        pl.col(episode).n_unique().cast(pl.Int64).alias("n_episodes"),
        clients.alias("n_clients"),
        q(0.10).alias("p10"),
        q(0.50).alias("p50"),
        q(0.90).alias("p90"),
        q(1 - upper).alias("_lower"),
        q(upper).alias("_upper"),
    ]
    groups = [
        weekly.group_by(_KEYS).agg(*statistics).with_columns(pl.lit(ALL_TRACKS).alias("track"))
    ]
    if "track" in weekly.columns:
        tracked = weekly.filter(pl.col("track").is_not_null() & (pl.col("track") != ALL_TRACKS))
        groups.append(tracked.group_by([*_KEYS, "track"]).agg(*statistics))
    return (
        pl.concat(groups, how="diagonal_relaxed")
        .select("measure", "baseline_band", "track", "week", *_STATISTICS)
        .join(_directions(catalog), on="measure", how="left")
        .with_columns(
            pl.when(pl.col("higher_is_better"))
            .then(pl.col("_lower"))
            .otherwise(pl.col("_upper"))
            .alias("worse_than")
        )
        .drop("_lower", "_upper")
        .sort("measure", "baseline_band", "track", "week")
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

    ``weekly`` is :func:`weekly_scores` of the clients (with ``track``, each is
    compared with its own track where that group has enough episodes: see
    :func:`ranges_for`); ``ranges`` is :func:`expected_ranges`. A client is not
    on track when the latest ``consecutive_weeks`` program weeks (consecutive
    week numbers, ending at the latest week with a score) are all worse than
    ``worse_than``. Columns: the keys (``client_id`` and/or the episode
    column), ``measure``, ``baseline_band``, ``week`` (latest), ``value``,
    ``not_on_track`` (null where the latest week has no range), ``weeks`` (the
    run of worse weeks ending at the latest week) and ``evidence``. ``gaps``
    (from :func:`range_gaps`) makes the reason for a missing range exact.
    """
    config = config or ExpectedConfig()
    catalog = catalog or load_catalog()
    group = [c for c in ("client_id", episode) if c in weekly.columns]
    keys = [*group, "measure", "baseline_band"]
    joined = ranges_for(weekly, ranges).join(_directions(catalog), on="measure", how="left")
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
    run = starts.cum_sum()
    # each row in the run of worse weeks ending at its episode's latest week (window
    # functions over the week-ordered rows: evaluated per group inside the aggregation,
    # the same expression cost a slow path per episode)
    in_run = pl.col("_in_run")
    summary = (
        joined.with_columns(worse.alias("worse"))
        .sort("week", maintain_order=True)
        .with_columns((is_worse & (run == run.max())).over(keys).alias("_in_run"))
        .group_by(keys, maintain_order=True)
        .agg(
            pl.col(
                "week",
                "value",
                "n_episodes",
                "p50",
                "worse_than",
                "higher_is_better",
                "reference_track",
            ).last(),
            pl.col("week").filter(in_run).alias("weeks"),
            pl.col("value").filter(in_run).alias("run_values"),
            pl.col("worse_than").filter(in_run).alias("run_limits"),
            pl.col("n_episodes").filter(in_run).alias("run_sizes"),
        )
        .with_columns(
            pl.when(pl.col("worse_than").is_null())
            .then(None)
            .otherwise(pl.col("weeks").list.len() >= config.consecutive_weeks)
            .alias("not_on_track")
        )
    )
    return with_evidence(summary, catalog, config, gaps).select(
        *keys, "week", "value", "not_on_track", "weeks", "evidence"
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
