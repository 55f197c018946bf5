"""The expected ranges in words: who the reference group is, why a range is missing."""

from __future__ import annotations

from typing import Any, Protocol

import polars as pl

from measures.catalog import Catalog
from measures.formatting import num, track_words


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
