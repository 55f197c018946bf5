"""The expected ranges in words: who the reference group is, why a range is missing."""

from __future__ import annotations

from typing import Protocol

import polars as pl

from measures.catalog import Catalog
from measures.formatting import num_text, track_words_text


class RangeSettings(Protocol):
    """What the words read of :class:`measures.expected.ExpectedConfig`."""

    @property
    def min_reference_episodes(self) -> int: ...
    @property
    def percentile_for_off_track(self) -> float: ...
    @property
    def consecutive_weeks(self) -> int: ...


#: The baseline group of a measure without severity bands.
ALL_BASELINES = "all"
#: The reference group of a range built from every track together.
ALL_TRACKS = "all"


def who(
    band: str, measure: str, catalog: Catalog, track: str = ALL_TRACKS, *, having: str = ""
) -> str:
    """The reference group in words; ``having`` adds what else they have in common.

    One row of :func:`who_text`.

    Examples
    --------
    >>> from measures import load_catalog
    >>> who("Moderate", "phq9", load_catalog(), "co_occurring", having="a score in week 3")
    'co-occurring-track episodes with a Moderate PHQ-9 baseline and a score in week 3'
    >>> who("all", "pacs", load_catalog(), having="a score in week 3")
    'episodes (all tracks) with a score in week 3'
    """
    row = pl.DataFrame({"baseline_band": [band], "measure": [measure], "track": [track]})
    words = who_text(catalog, pl.col("track"), having=pl.lit(having) if having else None)
    return str(row.select(words).item())


def who_text(catalog: Catalog, track: pl.Expr, *, having: pl.Expr | None = None) -> pl.Expr:
    """The reference group of each row (``baseline_band``, ``measure``) in words.

    ``track`` is the group's track (``"all"``: every track together); ``having``
    adds what else they have in common.
    """
    whose = (
        pl.when(track == ALL_TRACKS)
        .then(pl.lit("episodes (all tracks)"))
        .otherwise(pl.concat_str(track_words_text(track), pl.lit("-track episodes")))
    )
    band = pl.col("baseline_band")
    baseline = pl.concat_str(whose, pl.lit(" with a "), band, pl.lit(" "), _name(catalog))
    baseline = pl.concat_str(baseline, pl.lit(" baseline"))
    if having is None:
        return pl.when(band == ALL_BASELINES).then(whose).otherwise(baseline)
    return (
        pl.when(band == ALL_BASELINES)
        .then(pl.concat_str(whose, pl.lit(" with "), having))
        .otherwise(pl.concat_str(baseline, pl.lit(" and "), having))
    )


def _name(catalog: Catalog) -> pl.Expr:
    """The abbreviation of each row's ``measure`` (the id where the catalog lacks it)."""
    return pl.col("measure").replace({i.id: i.abbreviation for i in catalog})


def gap_table(gaps: pl.DataFrame, catalog: Catalog, config: RangeSettings) -> pl.DataFrame:
    """The groups with too few episodes, each with the reason in words (``reason``)."""
    return gaps.select("measure", "baseline_band", "week", "n_episodes").with_columns(
        pl.format(
            "only {} {} have a score in week {}; at least {} needed",
            "n_episodes",
            who_text(catalog, pl.lit(ALL_TRACKS)),
            "week",
            pl.lit(config.min_reference_episodes),
        ).alias("reason")
    )


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


def with_evidence(
    summary: pl.DataFrame,
    catalog: Catalog,
    config: RangeSettings,
    gaps: pl.DataFrame | None,
) -> pl.DataFrame:
    """Each client's not-on-track verdict in words (``evidence``), with the reference group
    and its size, for every row of :func:`measures.expected.not_on_track`'s summary."""
    text = pl.concat_str
    week = pl.col("week").cast(pl.String)
    value = num_text(pl.col("value"))
    runs = pl.col("weeks").list.len().cast(pl.String)
    track = pl.col("reference_track").cast(pl.String).fill_null("None")
    edge = (
        pl.when(pl.col("higher_is_better").fill_null(False))
        .then(pl.lit(_percentile(config, True)))
        .otherwise(pl.lit(_percentile(config, False)))
    )
    fewer = text(
        pl.lit(f"fewer than {config.min_reference_episodes} "),
        who_text(catalog, pl.lit(ALL_TRACKS)),
        pl.lit(" have a score in week "),
        week,
    )
    gap = pl.col("_gap")
    reason = pl.when(gap.is_not_null() & (gap != "")).then(gap).otherwise(fewer)
    name = _name(catalog)
    no_range = text(name, pl.lit(" "), value, pl.lit(" in week "), week)
    no_range = text(no_range, pl.lit(": no expected range ("), reason, pl.lit(")"))
    group = who_text(catalog, track, having=pl.lit("a score that week"))
    behind = text(pl.lit("not on track: "), name, pl.lit(" "), edge, pl.lit(" of the "), group)
    behind = text(behind, pl.lit(" for "), runs, pl.lit(" weeks in a row ("), "_pairs", pl.lit(")"))
    having = text(pl.lit("a score in week "), week)
    whom = text(
        pl.lit("the "),
        pl.col("n_episodes").cast(pl.String).fill_null("None"),
        pl.lit(" "),
        who_text(catalog, track, having=having),
    )
    limit = text(pl.lit(" ("), num_text(pl.col("worse_than")), pl.lit(") of "), whom)
    said = text(name, pl.lit(" "), value, pl.lit(" in week "), week)
    so_far = text(
        said,
        pl.lit(" is "),
        edge,
        limit,
        pl.lit("; "),
        runs,
        pl.lit(f" of {config.consecutive_weeks} weeks in a row so far"),
    )
    within = text(
        said,
        pl.lit(" is not "),
        edge,
        limit,
        pl.lit("; their median is "),
        num_text(pl.col("p50")),
    )
    evidence = (
        pl.when(pl.col("not_on_track").is_null())
        .then(no_range)
        .when(pl.col("not_on_track"))
        .then(behind)
        .when(pl.col("weeks").list.len() > 0)
        .then(so_far)
        .otherwise(within)
    )
    keys = ["measure", "baseline_band", "week"]
    reasons = _gap_reasons(gaps).cast({k: summary.schema[k] for k in keys})
    return (
        _with_pairs(summary)
        .join(reasons, on=keys, how="left", maintain_order="left")
        .with_columns(evidence.alias("evidence"))
        .drop("_pairs", "_gap")
    )


def _with_pairs(summary: pl.DataFrame) -> pl.DataFrame:
    """``_pairs``: the run of worse weeks as "week 2: 15 vs 14, n = 40; week 3: ..."."""
    runs = ["weeks", "run_values", "run_limits", "run_sizes"]
    indexed = summary.with_row_index("_row")
    pairs = (
        indexed.select("_row", *runs)
        .explode(runs)
        .filter(pl.col("weeks").is_not_null())
        .group_by("_row", maintain_order=True)
        .agg(
            pl.format(
                "week {}: {} vs {}, n = {}",
                "weeks",
                num_text(pl.col("run_values")),
                num_text(pl.col("run_limits")),
                pl.col("run_sizes").cast(pl.String).fill_null("None"),
            )
            .str.join("; ")
            .alias("_pairs")
        )
    )
    return indexed.join(pairs, on="_row", how="left", maintain_order="left").drop("_row")


def _gap_reasons(gaps: pl.DataFrame | None) -> pl.DataFrame:
    """The reason of each gap by measure, baseline band and week (the last where repeated)."""
    if gaps is None or gaps.is_empty():
        return pl.DataFrame(
            schema={"measure": pl.String, "baseline_band": pl.String, "week": pl.Int64}
        ).with_columns(pl.lit(None, pl.String).alias("_gap"))
    return (
        gaps.select(
            "measure", "baseline_band", "week", pl.col("reason").cast(pl.String).alias("_gap")
        )
        .reverse()
        .unique(["measure", "baseline_band", "week"], keep="first", maintain_order=True)
    )
