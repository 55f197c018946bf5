"""Today's not-on-track evidence and range gaps, row by row: the oracle of the vectorised ones.

A copy of ``measures.expected.not_on_track`` and the words it wrote with
``measures.expected_words`` (``evidence_text`` and ``gap_table``, per row in Python) as
of main 40de92a.
Not to be edited but to follow a deliberate change of the rules.
"""

from __future__ import annotations

from typing import Any

import polars as pl

from measures.catalog import Catalog, load_catalog
from measures.expected import ExpectedConfig, ranges_for
from measures.expected_words import ALL_BASELINES, ALL_TRACKS, RangeSettings
from measures.formatting import num, track_words


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
    in_run = is_worse & (starts.cum_sum() == starts.cum_sum().max())
    summary = (
        joined.with_columns(worse.alias("worse"))
        .sort("week")
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
    gap_reasons = gap_lookup(gaps)
    evidence = [
        evidence_text(row, catalog, config, gap_reasons) for row in summary.iter_rows(named=True)
    ]
    return summary.select(*keys, "week", "value", "not_on_track", "weeks").with_columns(
        pl.Series("evidence", evidence, dtype=pl.String)
    )


def _directions(catalog: Catalog) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "measure": [i.id for i in catalog],
            "higher_is_better": [i.higher_is_better for i in catalog],
        }
    )


def who(
    band: str, measure: str, catalog: Catalog, track: str = ALL_TRACKS, *, having: str = ""
) -> str:
    """The reference group in words; ``having`` adds what else they have in common.

    Examples
    --------
    >>> from measures import load_catalog
    >>> who("Moderate", "phq9", load_catalog(), "co_occurring", having="a score in week 3")
    'co-occurring-track episodes with a Moderate PHQ-9 baseline and a score in week 3'
    >>> who("all", "pacs", load_catalog(), having="a score in week 3")
    'episodes (all tracks) with a score in week 3'
    """
    whose = (
        "episodes (all tracks)" if track == ALL_TRACKS else f"{track_words(track)}-track episodes"
    )
    if band == ALL_BASELINES:
        return f"{whose} with {having}" if having else whose
    baseline = f"{whose} with a {band} {_name(measure, catalog)} baseline"
    return f"{baseline} and {having}" if having else baseline


def _name(measure: str, catalog: Catalog) -> str:
    return catalog[measure].abbreviation if measure in catalog else measure


def gap_table(gaps: pl.DataFrame, catalog: Catalog, config: RangeSettings) -> pl.DataFrame:
    """The groups with too few episodes, each with the reason in words (``reason``)."""
    reasons = [
        _gap_reason(
            row["measure"], row["baseline_band"], row["week"], row["n_episodes"], catalog, config
        )
        for row in gaps.iter_rows(named=True)
    ]
    return gaps.select("measure", "baseline_band", "week", "n_episodes").with_columns(
        pl.Series("reason", reasons, dtype=pl.String)
    )


def _gap_reason(
    measure: str, band: str, week: int, n: int, catalog: Catalog, config: RangeSettings
) -> str:
    return (
        f"only {n} {who(band, measure, catalog)} have a score in week {week}; "
        f"at least {config.min_reference_episodes} needed"
    )


def gap_lookup(gaps: pl.DataFrame | None) -> dict[tuple[str, str, int], str]:
    """The reason of each gap by measure, baseline band and week."""
    if gaps is None:
        return {}
    return {
        (r["measure"], r["baseline_band"], r["week"]): r["reason"]
        for r in gaps.iter_rows(named=True)
    }


def _percentile(config: RangeSettings, higher_is_better: bool) -> str:
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


def evidence_text(
    row: dict[str, Any],
    catalog: Catalog,
    config: RangeSettings,
    gaps: dict[tuple[str, str, int], str],
) -> str:
    """A client's not-on-track verdict in words, with the reference group and its size."""
    measure, band, week = str(row["measure"]), str(row["baseline_band"]), row["week"]
    name = _name(measure, catalog)
    value = num(row["value"])
    if row["not_on_track"] is None:
        reason = gaps.get((measure, band, week)) or (
            f"fewer than {config.min_reference_episodes} {who(band, measure, catalog)} "
            f"have a score in week {week}"
        )
        return f"{name} {value} in week {week}: no expected range ({reason})"
    edge = _percentile(config, bool(row["higher_is_better"]))
    track = str(row["reference_track"])
    weeks = row["weeks"]
    if row["not_on_track"]:
        pairs = "; ".join(
            f"week {w}: {num(v)} vs {num(lim)}, n = {n}"
            for w, v, lim, n in zip(
                weeks, row["run_values"], row["run_limits"], row["run_sizes"], strict=True
            )
        )
        group = who(band, measure, catalog, track, having="a score that week")
        return (
            f"not on track: {name} {edge} of the {group} for {len(weeks)} weeks in a row ({pairs})"
        )
    group = who(band, measure, catalog, track, having=f"a score in week {week}")
    whom = f"the {row['n_episodes']} {group}"
    if weeks:
        return (
            f"{name} {value} in week {week} is {edge} ({num(row['worse_than'])}) of {whom}; "
            f"{len(weeks)} of {config.consecutive_weeks} weeks in a row so far"
        )
    return (
        f"{name} {value} in week {week} is not {edge} ({num(row['worse_than'])}) of {whom}; "
        f"their median is {num(row['p50'])}"
    )
