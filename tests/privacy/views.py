"""What an attacker collects: every table the program overview can show, read back from
its CSV download; and, for comparison, per-cell suppression over free day ranges (the
page before issue 11)."""

from __future__ import annotations

import csv
import datetime as dt
import io

import polars as pl

from dashboard.cohorts.overview import (
    EPISODES,
    GROUPINGS,
    PERIODS,
    TITLES,
    WITHHELD,
    Overview,
    overview_table,
    table_csv,
)
from dashboard.privacy import CubeSpec, Release
from dashboard.privacy.periods import Granularity, block_span
from tests.privacy.attacker import Cell, Observation, Split

ALL = "All"


def splits_of(spec: CubeSpec) -> list[Split]:
    """The additive relations the attacker knows from the page's documentation."""
    return [
        Split(s.parent, tuple(name for _, name in s.children), s.protected) for s in spec.splits
    ]


def observe_overview(overview: Overview) -> Observation:
    """Every block of every granularity by every grouping, read from the CSV download."""
    observation = Observation()
    rates = {r.label: (r.numerator, r.denominator) for r in overview.rates}
    for granularity in PERIODS:
        for block in overview.blocks(granularity):
            period = _period(block, granularity, overview.until)
            for grouping in GROUPINGS:
                table = overview_table(
                    overview, granularity=granularity, block=block, grouping=grouping
                )
                text = table_csv(table, period=block).decode()
                for row in csv.DictReader(io.StringIO(text)):
                    assert row["Period"] == block
                    groups = tuple(
                        None if row.get(TITLES[d], ALL) == ALL else row[TITLES[d]]
                        for d in ("site", "track")
                    )
                    _count(observation, Cell(period, groups, "episodes"), row[EPISODES])
                    for label, (numerator, denominator) in rates.items():
                        k, n = row[f"{label}: count"], row[f"{label}: of"]
                        k_cell = Cell(period, groups, numerator)
                        n_cell = Cell(period, groups, denominator)
                        if WITHHELD in (k, n):
                            assert k == n == WITHHELD, "a withheld rate shows neither count"
                            observation.withhold_rate(k_cell, n_cell)
                        else:
                            observation.show(k_cell, int(k))
                            observation.show(n_cell, int(n))
    return observation


def observe_release(
    release: Release,
    granularities: dict[str, Granularity] | None = None,
    until: dt.date | None = None,
) -> Observation:
    """Every table of a release (every level of every dimension), every printed count.

    With ``granularities`` the first dimension is a period (its levels' blocks, up to
    ``until``); without, every dimension is a grouping and all cells share one period.
    """
    observation = Observation()
    names = [a.name for a in release.dimensions]
    period_dimension = names[0] if granularities is not None else None
    groupings = [n for n in names if n != period_dimension]
    summaries = {s.name for s in release.spec.summaries}
    for levels, table in release.tables():
        populations = [c for c in table.columns if c not in {*names, *summaries}]
        for row in table.iter_rows(named=True):
            if period_dimension is None or granularities is None or until is None:
                period = (dt.date.min, dt.date.min)
            else:
                granularity = granularities[levels[period_dimension]]
                period = _period(row[period_dimension], granularity, until)
            groups = tuple(None if levels[d] == "all" else row[d] for d in groupings)
            for population in populations:
                _count(observation, Cell(period, groups, population), row[population])
    return observation


def _count(observation: Observation, cell: Cell, value: object) -> None:
    if value is None or value == WITHHELD:
        observation.withhold(cell)
    else:
        observation.show(cell, int(str(value)))


def _period(block: str, granularity: Granularity, until: dt.date) -> tuple[dt.date, dt.date]:
    first, last = block_span(block, granularity)
    return first, min(last, until)


def per_cell_suppression(
    outcomes: pl.DataFrame, start: dt.date, end: dt.date, *, threshold: int = 11
) -> Observation:
    """The page before issue 11: a free range of discharge days, by site, track and both,
    each count under the threshold hidden on its own, the n printed beside a hidden rate."""
    observation = Observation()
    chosen = outcomes.filter(pl.col("discharged_on").is_between(start, end)).with_columns(
        pl.col("track_name").alias("track"),
        pl.col("discharge_reason").is_in(["completed", "stepped_down"]).alias("completed"),
        pl.col("reliable_improvement").is_not_null().alias("paired"),
    )
    rates = [("completed", "episodes", "completed"), ("improved", "paired", "reliable_improvement")]
    for by in (["site"], ["track"], ["site", "track"]):
        grouped = chosen.group_by(by).agg(
            pl.len().alias("episodes"),
            pl.col("completed").sum(),
            pl.col("paired").sum(),
            pl.col("reliable_improvement").sum().alias("improved"),
        )
        for row in grouped.iter_rows(named=True):
            groups = (row.get("site"), row.get("track"))
            cell = Cell((start, end), groups, "episodes")
            small = 0 < row["episodes"] < threshold
            if small:
                observation.withhold(cell, (1, threshold - 1))
            else:
                observation.show(cell, row["episodes"])
            for numerator, denominator, _ in rates:
                k, n = row[numerator], row[denominator]
                n_cell = Cell((start, end), groups, denominator)
                k_cell = Cell((start, end), groups, numerator)
                if 0 < n < threshold:
                    observation.withhold(n_cell, (1, threshold - 1))
                else:
                    observation.show(n_cell, n)
                if n < threshold or 0 < k < threshold or 0 < n - k < threshold:
                    observation.withhold_rate(k_cell, n_cell)
                else:
                    observation.show(k_cell, k)
    return observation


#: The relations behind :func:`per_cell_suppression`.
PER_CELL_SPLITS = [
    Split("episodes", ("completed", "not completed")),
    Split("episodes", ("paired", "not paired"), protected=False),
    Split("paired", ("improved", "not improved")),
]
