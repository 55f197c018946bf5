"""The program overview's figures: what is counted, every table a director can choose
(a calendar block, a grouping) and its CSV, all drawn from one privacy release."""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass

import polars as pl

from dashboard.cohorts.outcomes import wilson_interval
from dashboard.privacy import SMALL_CELL, TOTAL, CubeSpec, Dimension, Release, Split, Summary
from dashboard.privacy import release_of as privacy_release
from dashboard.privacy.periods import Granularity, block_columns, block_span, block_title
from measures import Catalog
from measures.change import (
    RESPONSE_MEASURE,
    TALKING_THERAPIES_MEASURES,
    ResponseRemissionRule,
    TalkingTherapiesRule,
)
from measures.csv_safety import neutralise_text_columns

#: The blocks a director can pick, finest first (months are left out: in a program of a
#: few hundred episodes a year almost every monthly cell is under 11, and months would
#: force more complements into the quarters).
PERIODS = (Granularity.QUARTER, Granularity.YEAR)
#: The groupings a director can pick: the dimensions each table shows.
GROUPINGS: dict[str, tuple[str, ...]] = {
    "Site": ("site",),
    "Track": ("track",),
    "Site and track": ("site", "track"),
}
#: Column titles of the dimensions.
TITLES = {"site": "Site", "track": "Track"}
#: What a withheld figure reads as.
WITHHELD = "withheld"
EPISODES = "Episodes"
MEDIAN_WEEKS = "Median weeks"


@dataclass(frozen=True)
class Rate:
    """A share shown with its 95% Wilson interval: ``numerator`` of ``denominator``;
    ``definition`` says in words which episodes count, of which."""

    label: str
    numerator: str
    denominator: str
    definition: str = ""


@dataclass(frozen=True, eq=False)
class Overview:
    """The release behind every table of the page, its rates and its last day."""

    release: Release
    rates: tuple[Rate, ...]
    until: dt.date

    def blocks(self, granularity: Granularity) -> list[str]:
        """The blocks with discharges, latest first."""
        return sorted(self.release.values("period", granularity.value), reverse=True)

    def title(self, block: str, granularity: Granularity) -> str:
        """The block's name above its table ("to date" where it is not over)."""
        return block_title(block, granularity, until=self.until)

    def option(self, block: str, granularity: Granularity) -> str:
        """The block's name in a list: ``2026 Q4 (to date)`` where it is not over."""
        return block if block_span(block, granularity)[1] <= self.until else f"{block} (to date)"


def overview_spec(
    catalog: Catalog, *, threshold: int = SMALL_CELL
) -> tuple[CubeSpec, tuple[Rate, ...]]:
    """The populations and splits the page counts, and the rates it shows.

    Completion is over every discharged episode. The NHS Talking Therapies rates are over
    the episodes with a first and last score of both measures ("paired"), recovery and
    reliable recovery over those that were a case at the start; response and remission
    over the episodes with two scores of the response measure whose first is above 9.
    Whether an episode has paired scores is not a secret (it is how complete the data
    is, not how the client is), so those splits are not protected; every outcome is.
    """
    splits = [Split.binary("completed", parent="episodes", column="completed")]
    rates = [
        Rate(
            "Completed or stepped down",
            "completed",
            "episodes",
            "discharged as completed or stepped down, of the episodes",
        )
    ]
    tt = TalkingTherapiesRule.from_catalog(catalog)
    if tt is not None:
        depression, anxiety = (catalog[m].abbreviation for m in TALKING_THERAPIES_MEASURES)
        splits += [
            Split.binary("paired", parent="episodes", column="paired", protected=False),
            Split.binary("improved", parent="paired", column="reliable_improvement"),
            Split.binary("case at start", parent="paired", column="case_at_start"),
            Split.binary("recovered", parent="case at start", column="recovered"),
            Split.binary("reliably recovered", parent="case at start", column="reliable_recovery"),
        ]
        rates += [
            Rate(
                "Reliable improvement",
                "improved",
                "paired",
                f"a fall of {tt.phq9_reliable:g} or more on the {depression} or "
                f"{tt.gad7_reliable:g} or more on the {anxiety} from the first score to the last, "
                f"and no rise that large on either, of the episodes with at least two "
                f"{depression} and two {anxiety} scores (NHS Talking Therapies)",
            ),
            Rate(
                "Recovery",
                "recovered",
                "case at start",
                "no longer a case at the last scores, of those episodes that were a case at the "
                f"first ({depression} {tt.phq9_caseness:g} or more, or {anxiety} "
                f"{tt.gad7_caseness:g} or more)",
            ),
            Rate(
                "Reliable recovery",
                "reliably recovered",
                "case at start",
                "recovered and reliably improved, of the same episodes as recovery",
            ),
        ]
    if RESPONSE_MEASURE in catalog:
        name = catalog[RESPONSE_MEASURE].abbreviation
        rule = ResponseRemissionRule()
        splits += [
            Split(  # never printed: neither side can be subtracted from
                "episodes",
                "index_scored",
                ((True, "index scored"), (False, "not index scored")),
                protected=False,
                hidden=("index scored", "not index scored"),
            ),
            Split.binary("index elevated", parent="index scored", column="index_elevated"),
            Split.binary("response", parent="index elevated", column="response"),
            Split.binary("remission", parent="index elevated", column="remission"),
        ]
        rates += [
            Rate(
                f"{name} response",
                "response",
                "index elevated",
                f"the latest {name} at least {rule.response_fraction:.0%} lower than the first, "
                f"of the episodes whose first {name} was above {rule.index_above:g} and that "
                "have a later one (so far: not the 4-12 month window of HEDIS and MN Community "
                "Measurement)",
            ),
            Rate(
                f"{name} remission",
                "remission",
                "index elevated",
                f"the latest {name} below {rule.remission_below:g}, of the same episodes as "
                "response",
            ),
        ]
    spec = CubeSpec(
        root="episodes",
        dimensions=(
            Dimension("period", tuple(g.value for g in PERIODS), total=None),
            Dimension("site", ("site",), total="All"),
            Dimension("track", ("track",), total="All"),
        ),
        splits=tuple(splits),
        summaries=(Summary(MEDIAN_WEEKS, "episodes", pl.col("length_weeks").median()),),
        threshold=threshold,
    )
    return spec, tuple(rates)


def overview_rows(outcomes: pl.DataFrame) -> pl.DataFrame:
    """One row per episode with its blocks and the indicators the splits read.

    Examples
    --------
    >>> outcomes = pl.DataFrame({
    ...     "discharged_on": [dt.date(2026, 2, 3)], "site": ["A"], "track_name": ["T"],
    ...     "discharge_reason": ["stepped_down"], "length_weeks": [8.0],
    ...     "reliable_improvement": [None], "index_elevated": [True]})
    >>> overview_rows(outcomes).select("quarter", "year", "completed", "paired",
    ...                                "index_scored").row(0)
    ('2026 Q1', '2026', True, False, True)
    """
    return outcomes.with_columns(
        *block_columns("discharged_on", PERIODS),
        pl.col("track_name").alias("track"),
        pl.col("discharge_reason").is_in(["completed", "stepped_down"]).alias("completed"),
        pl.col("reliable_improvement").is_not_null().alias("paired"),
        pl.col("index_elevated").is_not_null().alias("index_scored"),
    )


def build_overview(
    outcomes: pl.DataFrame, catalog: Catalog, *, until: dt.date, threshold: int = SMALL_CELL
) -> Overview:
    """The release of every table of the page from the episodes discharged up to ``until``."""
    spec, rates = overview_spec(catalog, threshold=threshold)
    late = outcomes.filter(pl.col("discharged_on") > until).height
    if late:
        msg = f"{late} episode(s) discharged after the last day counted ({until})"
        raise ValueError(msg)
    return Overview(privacy_release(overview_rows(outcomes), spec), rates, until)


def overview_of(release: Release, catalog: Catalog, *, until: dt.date) -> Overview:
    """The overview drawn from a release that counts at least its populations (the cohort
    page's: one release for both pages, so that neither can be subtracted from the other)."""
    _spec, rates = overview_spec(catalog, threshold=release.spec.threshold)
    return Overview(release, rates, until)


def overview_table(
    overview: Overview, *, granularity: Granularity, block: str, grouping: str
) -> pl.DataFrame:
    """The figures of one block by one grouping, and the total: numbers, null where withheld.

    A rate is withheld, with its count, its n and its interval, unless both counts it is
    built on are released; its n is 0 where nobody is in the denominator (no data).
    """
    shown = GROUPINGS[grouping]
    release = overview.release
    by_group = release.table(
        {"period": granularity.value, **{d: d if d in shown else TOTAL for d in ("site", "track")}}
    )
    total = release.table({"period": granularity.value, "site": TOTAL, "track": TOTAL})
    frame = pl.concat([by_group, total]).filter(pl.col("period") == block)
    columns: list[pl.Series] = [frame[d].alias(TITLES[d]) for d in shown]
    columns.append(frame["episodes"].alias(EPISODES))
    for rate in overview.rates:
        columns.extend(_rate_columns(frame, rate))
    columns.append(frame[MEDIAN_WEEKS].round(1).alias(MEDIAN_WEEKS))
    return pl.DataFrame(columns)


def _rate_columns(frame: pl.DataFrame, rate: Rate) -> list[pl.Series]:
    counts, of = frame[rate.numerator], frame[rate.denominator]
    released = counts.is_not_null() & of.is_not_null()
    k = pl.Series([c if r else None for c, r in zip(counts, released, strict=True)], dtype=pl.Int64)
    n = pl.Series([o if r else None for o, r in zip(of, released, strict=True)], dtype=pl.Int64)
    shares: list[float | None] = []
    lows: list[float | None] = []
    highs: list[float | None] = []
    for successes, total in zip(k, n, strict=True):
        if successes is None or total is None or total == 0:
            shares.append(None)
            lows.append(None)
            highs.append(None)
            continue
        low, high = wilson_interval(successes, total)
        shares.append(successes / total)
        lows.append(low)
        highs.append(high)
    return [
        k.alias(f"{rate.label}: count"),
        n.alias(f"{rate.label}: of"),
        pl.Series(f"{rate.label}: share", shares, dtype=pl.Float64),
        pl.Series(f"{rate.label}: 95% CI low", lows, dtype=pl.Float64),
        pl.Series(f"{rate.label}: 95% CI high", highs, dtype=pl.Float64),
    ]


def displayed(table: pl.DataFrame, rates: tuple[Rate, ...]) -> pl.DataFrame:
    """The table as the page shows it: one column per figure, a word where withheld and no
    n beside a withheld rate.

    Examples
    --------
    >>> table = pl.DataFrame({"Site": ["A", "All"], "Episodes": [None, 40],
    ...     "Done: count": [None, 30], "Done: of": [None, 40], "Done: share": [None, 0.75],
    ...     "Done: 95% CI low": [None, 0.6], "Done: 95% CI high": [None, 0.86],
    ...     "Median weeks": [None, 7.5]},
    ...     schema_overrides={"Episodes": pl.Int64, "Done: count": pl.Int64, "Done: of": pl.Int64})
    >>> displayed(table, (Rate("Done", "done", "episodes"),)).rows()
    [('A', 'withheld', 'withheld', 'withheld'), ('All', '40', '75% (60%-86%) n=40', '7.5')]
    """
    groups = [c for c in TITLES.values() if c in table.columns]
    rows = []
    for row in table.iter_rows(named=True):
        shown = {g: row[g] for g in groups}
        episodes = row[EPISODES]
        shown[EPISODES] = WITHHELD if episodes is None else f"{episodes:,}"
        for rate in rates:
            shown[rate.label] = _rate_text(row, rate.label)
        median = row[MEDIAN_WEEKS]
        if episodes is None:
            shown[MEDIAN_WEEKS] = WITHHELD
        else:
            shown[MEDIAN_WEEKS] = "no data" if median is None else f"{median:.1f}"
        rows.append(shown)
    return pl.DataFrame(rows, schema=[*groups, EPISODES, *(r.label for r in rates), MEDIAN_WEEKS])


def _rate_text(row: dict[str, object], label: str) -> str:
    n = row[f"{label}: of"]
    if n is None:
        return WITHHELD
    if n == 0:
        return "no data"
    share, low, high = (row[f"{label}: {p}"] for p in ("share", "95% CI low", "95% CI high"))
    return f"{share:.0%} ({low:.0%}-{high:.0%}) n={n:,}"


def table_csv(table: pl.DataFrame, *, period: str) -> bytes:
    """The table exactly as shown, as CSV: the period, the group names, numbers, and the
    word "withheld" wherever the page says it. A group name a spreadsheet would run as a
    formula gets a leading single quote (:mod:`measures.csv_safety`).

    Examples
    --------
    >>> table = pl.DataFrame(
    ...     {"Site": ["A"], "Episodes": [None], "Median weeks": [None]},
    ...     schema_overrides={"Episodes": pl.Int64, "Median weeks": pl.Float64})
    >>> table_csv(table, period="2026 Q1").decode()
    'Period,Site,Episodes,Median weeks\\n2026 Q1,A,withheld,withheld\\n'
    """
    withheld_when = {
        column: _withheld_when(table, column)
        for column in table.columns
        if column not in TITLES.values()
    }
    frame = table.select(
        pl.lit(period).alias("Period"),
        *[pl.col(c) for c in table.columns if c in TITLES.values()],
        *[
            pl.when(condition).then(pl.lit(WITHHELD)).otherwise(pl.col(c).cast(pl.String)).alias(c)
            for c, condition in withheld_when.items()
        ],
    )
    names = ["Period", *[c for c in table.columns if c in TITLES.values()]]
    buffer = io.BytesIO()
    neutralise_text_columns(frame, columns=names).write_csv(buffer)
    return buffer.getvalue()


def _withheld_when(table: pl.DataFrame, column: str) -> pl.Expr:
    """Where a figure of the table is withheld (not merely empty for want of data)."""
    if column in (EPISODES, MEDIAN_WEEKS):
        return pl.col(EPISODES).is_null()
    label = column.rsplit(": ", 1)[0]
    return pl.col(f"{label}: of").is_null()
