"""A cohort's figures from the release: its counts (summed over the release's cells,
withheld where any cell is), its rates with intervals, and the means of its paired scores
(shown only beside a released count); and two to four cohorts compared."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import polars as pl

from dashboard.cohorts.ancova import adjusted_change
from dashboard.cohorts.cohort_release import (
    ENDINGS,
    USE_ABSTINENT,
    USE_PAIRED,
    CohortData,
    ScoreKey,
    ending,
)
from dashboard.cohorts.comparison import FEWEST, MOST, compare_means, compare_rates
from dashboard.cohorts.definition import Cohort
from dashboard.cohorts.overview import overview_spec
from dashboard.cohorts.statistics import (
    Estimate,
    PChart,
    mean_interval,
    median_iqr,
    pre_post_effect_size,
    proportion,
)
from dashboard.cohorts.trend import control_chart
from dashboard.privacy import TOTAL, Release
from dashboard.privacy.periods import Granularity
from measures import Catalog
from measures.substance_use import USE_MEASURE

#: The categories a cohort on this page may narrow by: the release's dimensions.
PAGE_CATEGORIES = ("site", "track")
#: The blocks the release counts.
PAGE_BLOCKS = (Granularity.QUARTER, Granularity.YEAR)
WITHHELD = "withheld"


@dataclass(frozen=True)
class Figure:
    """One rate of a cohort: ``label``, the populations it divides, what it counts, and
    the benchmark metric it is compared with (if any)."""

    label: str
    numerator: str
    denominator: str
    definition: str
    benchmark: str | None = None


def unusable(cohort: Cohort) -> str | None:
    """Why the page cannot draw ``cohort`` from its release, or None.

    Examples
    --------
    >>> c = Cohort(name="Medicaid", granularity=Granularity.YEAR, block="2026",
    ...            categories={"payer": ("medicaid",)})
    >>> unusable(c)
    'narrowed by payer: this page compares cohorts by site and track only (see the note)'
    """
    if cohort.period_of != "discharged":
        return "counted by admission: this page counts episodes by the block of their discharge"
    if Granularity(cohort.granularity) not in PAGE_BLOCKS:
        return "a monthly block: this page counts by quarter or by year"
    other = [name.replace("_", " ") for name in cohort.categories if name not in PAGE_CATEGORIES]
    if other:
        return (
            f"narrowed by {', '.join(other)}: this page compares cohorts by site and track only"
            " (see the note)"
        )
    return None


def figures(catalog: Catalog, scores: tuple[ScoreKey, ...]) -> tuple[Figure, ...]:
    """Every rate the page shows, in order: endings, the overview's rates, and per score
    the share with paired scores (completeness) and the shares reliably improved and
    deteriorated."""
    _spec, rates = overview_spec(catalog)
    metric = {
        "completed": "completed",
        "improved": "reliable_improvement",
        "recovered": "recovered",
        "reliably recovered": "reliable_recovery",
    }
    shown = [
        Figure(label, ending(reason), "episodes", f"discharged as {label.lower()}")
        for reason, label in ENDINGS.items()
    ]
    shown += [
        Figure(r.label, r.numerator, r.denominator, r.definition, metric.get(r.numerator))
        for r in rates
    ]
    for score in scores:
        shown.append(
            Figure(
                f"{score.label}: paired scores",
                score.paired,
                "episodes",
                f"episodes with a first and a later {score.label}, of the cohort's episodes "
                "(paired-data completeness: every change figure rests on these)",
            )
        )
        if score.reliable:
            shown += [
                Figure(
                    f"{score.label}: reliably improved",
                    score.improved,
                    score.paired,
                    f"a change beyond the {score.label}'s reliable change index in the better "
                    "direction, of the episodes with paired scores",
                ),
                Figure(
                    f"{score.label}: reliably deteriorated",
                    score.deteriorated,
                    score.paired,
                    "the same in the worse direction",
                ),
            ]
    return (*shown, *_use_figures(catalog))


def _use_figures(catalog: Catalog) -> tuple[Figure, ...]:
    if USE_MEASURE not in catalog:
        return ()
    label = catalog[USE_MEASURE].abbreviation
    return (
        Figure(
            f"{label}: days of use, first and later",
            USE_PAIRED,
            "episodes",
            f"episodes with days of alcohol or drug use from a first and a later {label}, of "
            "the cohort's episodes (completeness: the substance-use figures rest on these)",
        ),
        Figure(
            f"{label}: abstinent at the last",
            USE_ABSTINENT,
            USE_PAIRED,
            f"no alcohol and no drug use in the 30 days before the last {label}, of the "
            "episodes with a first and a later one",
        ),
    )


def cohort_counts(data: CohortData, cohort: Cohort) -> dict[str, int | None]:
    """Every printed population of the cohort, from the base release and each score's:
    the sum of its cells, None (withheld) where any of them is withheld, 0 where the
    release has no such cell (nobody)."""
    problem = unusable(cohort)
    if problem:
        raise ValueError(problem)
    counts: dict[str, int | None] = {}
    for release in (data.release, *data.score_releases.values()):
        counts |= _counts_in(release, data, cohort)
    for score in data.scores:  # a score nobody has paired values of: nobody
        if score.key not in data.score_releases:
            counts |= dict.fromkeys((score.paired, score.improved, score.deteriorated), 0)
    if USE_PAIRED not in data.score_releases:
        counts |= dict.fromkeys((USE_PAIRED, USE_ABSTINENT), 0)
    return counts


def _counts_in(release: Release, data: CohortData, cohort: Cohort) -> dict[str, int | None]:
    levels = {"period": Granularity(cohort.granularity).value}
    kept = pl.col("period") == cohort.block
    for name in PAGE_CATEGORIES:
        values = _release_values(data, cohort, name)
        levels[name] = name if values is not None else TOTAL
        if values is not None:
            kept = kept & pl.col(name).is_in(values)
    summaries = {s.name for s in release.spec.summaries}
    table = release.table(levels).filter(kept)
    populations = [
        c for c in table.columns if c not in ("period", *PAGE_CATEGORIES) and c not in summaries
    ]
    return {
        name: None if table[name].null_count() else int(table[name].sum()) for name in populations
    }


def _release_values(data: CohortData, cohort: Cohort, name: str) -> list[str] | None:
    values = cohort.categories.get(name)
    if values is None:
        return None
    if name == "track":
        return [data.track_names.get(code, code) for code in values]
    return list(values)


def cohort_rows(data: CohortData, cohort: Cohort) -> pl.DataFrame:
    """The cohort's episode rows, for means only (never shown)."""
    categories = dict(cohort.categories)
    if "track" in categories:
        categories["track"] = tuple(_release_values(data, cohort, "track") or ())
    return data.rows.filter(dataclasses.replace(cohort, categories=categories).episode_filter())


@dataclass(frozen=True)
class Means:
    """One score's means in a cohort: baseline, latest, change with 95% intervals, the
    pre-post effect size, or why each is missing (withheld or too few)."""

    baseline: Estimate
    latest: Estimate
    change: Estimate
    effect: Estimate


def score_means(data: CohortData, cohort: Cohort, score: ScoreKey) -> Means:
    """The score's means over the cohort's paired episodes: withheld unless the cohort's
    count of paired episodes is released."""
    paired = cohort_counts(data, cohort).get(score.paired)
    if paired is None:
        lacking = Estimate.lacking(WITHHELD, n=0)
        return Means(lacking, lacking, lacking, lacking)
    rows = cohort_rows(data, cohort).filter(pl.col(score.paired))
    first, last = rows[f"baseline {score.key}"], rows[f"latest {score.key}"]
    return Means(
        mean_interval(first),
        mean_interval(last),
        mean_interval(rows[f"delta {score.key}"]),
        pre_post_effect_size(first, last),
    )


@dataclass(frozen=True)
class Row:
    """One line of the comparison: per cohort its figure, and each later cohort's
    difference from the first, with a note where it rests on fewer than the minimum."""

    label: str
    definition: str
    figures: tuple[Estimate, ...]
    differences: tuple[Estimate | None, ...]
    notes: tuple[str | None, ...]
    benchmark: str | None = None
    rate: bool = True


def compare(
    data: CohortData,
    cohorts: list[Cohort],
    catalog: Catalog,
    *,
    minimum: int,
) -> list[Row]:
    """Two to four cohorts: episodes, every rate and every score's mean change, each
    against the first. A withheld count withholds its rate and its difference."""
    if not FEWEST <= len(cohorts) <= MOST:
        msg = f"compare {FEWEST} to {MOST} cohorts, not {len(cohorts)}"
        raise ValueError(msg)
    counts = [cohort_counts(data, c) for c in cohorts]
    withheld = Estimate.lacking(WITHHELD, n=0)
    rows = [
        Row(
            "Episodes",
            "episodes discharged in the cohort's block",
            tuple(
                withheld
                if c["episodes"] is None
                else Estimate(float(c["episodes"]), None, None, c["episodes"])
                for c in counts
            ),
            tuple(None for _ in counts),
            tuple(None for _ in counts),
            rate=False,
        )
    ]
    for figure in figures(catalog, data.scores):
        pairs = [(c.get(figure.numerator), c.get(figure.denominator)) for c in counts]
        released = [(k, n) for k, n in pairs if k is not None and n is not None]
        if len(released) == len(pairs):
            compared = compare_rates([(k, n) for k, n in released], minimum=minimum)
            rows.append(
                Row(
                    figure.label,
                    figure.definition,
                    compared.figures,
                    compared.differences,
                    compared.notes,
                    figure.benchmark,
                )
            )
            continue
        shown = [withheld if k is None or n is None else proportion(k, n) for k, n in pairs]
        rows.append(
            Row(
                figure.label,
                figure.definition,
                tuple(shown),
                (None, *(withheld for _ in pairs[1:])),
                tuple(None for _ in pairs),
                figure.benchmark,
            )
        )
    frames = [cohort_rows(data, c) for c in cohorts]
    rows += _stay_and_attendance(frames, counts, minimum=minimum)
    for score in data.scores:
        means = [score_means(data, c, score) for c in cohorts]
        samples = [f.filter(pl.col(score.paired))[f"delta {score.key}"].to_list() for f in frames]
        label = f"{score.label}: mean change"
        direction = "higher is better" if score.higher_is_better else "lower is better"
        definition = f"last minus first {score.label} of the paired episodes ({direction})"
        rows.append(
            Row(
                f"{score.label}: mean at start",
                f"the first {score.label} of the paired episodes (case mix)",
                tuple(m.baseline for m in means),
                tuple(None for _ in means),
                tuple(None for _ in means),
                rate=False,
            )
        )
        if all(m.change.missing != WITHHELD for m in means):
            compared = compare_means(samples, minimum=minimum)
            rows.append(
                Row(
                    label,
                    definition,
                    compared.figures,
                    compared.differences,
                    compared.notes,
                    rate=False,
                )
            )
            rows.append(_adjusted(frames, score, definition))
        else:
            rows.append(
                Row(
                    label,
                    definition,
                    tuple(m.change for m in means),
                    (None, *(withheld for _ in means[1:])),
                    tuple(None for _ in means),
                    rate=False,
                )
            )
        rows.append(
            Row(
                f"{score.label}: effect size (d)",
                "mean change over the SD of the first scores (Becker 1988)",
                tuple(m.effect for m in means),
                tuple(None for _ in means),
                tuple(None for _ in means),
                rate=False,
            )
        )
    return [*rows, *_use_days(frames, counts, catalog)]


def _stay_and_attendance(
    frames: list[pl.DataFrame], counts: list[dict[str, int | None]], *, minimum: int
) -> list[Row]:
    """Length of stay (median; mean with Welch's difference) and attendance (the mean of
    each episode's share of its scheduled days attended) of the cohorts' discharged
    episodes: withheld where the cohort's count of episodes is, and where a figure would
    rest on fewer episodes than that count (its n would tell how many lack it)."""
    episodes = [c["episodes"] for c in counts]
    withheld = Estimate.lacking(WITHHELD, n=0)
    stays = [f["length_days"].drop_nulls().to_list() for f in frames]
    released = [n is not None and len(s) == n for s, n in zip(stays, episodes, strict=True)]
    medians = [median_iqr(stay) for stay in stays]
    rows = [
        Row(
            "Length of stay (days): median",
            "days from admission to discharge, the middle episode's",
            tuple(
                Estimate(m.median, None, None, m.n) if shown and m.median is not None else withheld
                for m, shown in zip(medians, released, strict=True)
            ),
            tuple(None for _ in frames),
            tuple(None for _ in frames),
            rate=False,
        ),
        _means_row(
            "Length of stay (days): mean",
            "days from admission to discharge",
            stays,
            released,
            minimum=minimum,
            rate=False,
        ),
    ]
    if "days_scheduled" in frames[0].columns:
        shares = [
            f.filter(pl.col("days_scheduled") > 0)
            .select(pl.col("days_attended") / pl.col("days_scheduled"))
            .to_series()
            .to_list()
            for f in frames
        ]
        rows.append(
            _means_row(
                "Attendance",
                "the mean of each episode's share of its scheduled program days attended",
                shares,
                [n is not None and len(s) == n for s, n in zip(shares, episodes, strict=True)],
                minimum=minimum,
                rate=True,
            )
        )
    return rows


def _means_row(
    label: str,
    definition: str,
    samples: list[list[float]],
    released: list[bool],
    *,
    minimum: int,
    rate: bool,
) -> Row:
    """Means with t intervals and Welch's differences from the first, all withheld where
    any cohort's count is (a difference would show what the withheld one is)."""
    if all(released):
        compared = compare_means(samples, minimum=minimum)
        return Row(
            label, definition, compared.figures, compared.differences, compared.notes, rate=rate
        )
    withheld = Estimate.lacking(WITHHELD, n=0)
    return Row(
        label,
        definition,
        tuple(
            mean_interval(sample) if shown else withheld
            for sample, shown in zip(samples, released, strict=True)
        ),
        (None, *(withheld for _ in samples[1:])),
        tuple(None for _ in samples),
        rate=rate,
    )


def _use_days(
    frames: list[pl.DataFrame], counts: list[dict[str, int | None]], catalog: Catalog
) -> list[Row]:
    """Mean days of use before the first and the last administration, as bounds (the
    form's items are bins of days): withheld unless the cohort's paired count is released."""
    if USE_MEASURE not in catalog:
        return []
    label = catalog[USE_MEASURE].abbreviation
    released = [c.get(USE_PAIRED) is not None for c in counts]
    frames = [f.filter(pl.col(USE_PAIRED)) for f in frames]
    rows = []
    for end, when in (("first", "the first"), ("last", "the last")):
        for bound, word in (("low", "fewest"), ("high", "most")):
            rows.append(
                Row(
                    f"{label}: days of use before {when}, {word} possible",
                    f"mean days with any alcohol or drug use in the 30 days before {when} "
                    f"{label} of the episodes with a first and a later one; the form asks in "
                    "bins of days, so the mean lies between the fewest and the most possible",
                    tuple(
                        mean_interval(frame[f"use_{end}_{bound}"])
                        if shown
                        else Estimate.lacking(WITHHELD, n=0)
                        for frame, shown in zip(frames, released, strict=True)
                    ),
                    tuple(None for _ in frames),
                    tuple(None for _ in frames),
                    rate=False,
                )
            )
    return rows


def _adjusted(frames: list[pl.DataFrame], score: ScoreKey, definition: str) -> Row:
    """The difference in mean change at the same starting score (ANCOVA), beside Welch's."""
    paired = [
        f.filter(pl.col(score.paired)).select(
            pl.lit(str(i)).alias("cohort"),
            pl.col(f"baseline {score.key}").alias("baseline"),
            pl.col(f"latest {score.key}").alias("follow_up"),
        )
        for i, f in enumerate(frames)
    ]
    result = adjusted_change(pl.concat(paired), reference="0")
    blank = Estimate.lacking("", n=0)
    lacking = Estimate.lacking(result.missing or "no paired scores in this cohort", n=result.n)
    return Row(
        f"{score.label}: mean change adjusted for the start",
        f"{definition}, each cohort against the first at the same first score (ANCOVA: "
        "change by cohort and first score, statsmodels OLS)",
        tuple(blank for _ in frames),
        (
            None,
            *(
                result.differences.get(str(i), lacking) if result.missing is None else lacking
                for i in range(1, len(frames))
            ),
        ),
        tuple(None for _ in frames),
        rate=False,
    )


def estimate_text(estimate: Estimate | None, *, rate: bool, difference: bool = False) -> str:
    """A figure as the page prints it: ``62% (51%-72%) n=80``, a mean with its interval,
    or what is missing (``withheld`` prints no n).

    Examples
    --------
    >>> estimate_text(Estimate(0.62, 0.51, 0.72, 80), rate=True)
    '62% (51%-72%) n=80'
    >>> estimate_text(Estimate(-0.08, -0.2, 0.04, 80), rate=True, difference=True)
    '-8 pts (-20 to 4)'
    >>> estimate_text(Estimate.lacking("withheld", n=0), rate=True)
    'withheld'
    """
    if estimate is None:
        return ""
    if not estimate.available or estimate.estimate is None:
        return str(estimate.missing)
    value = estimate.estimate
    if estimate.low is None or estimate.high is None:
        return f"{value:,.0f}"
    if difference:
        if rate:
            low, high = estimate.low * 100, estimate.high * 100
            return f"{value * 100:+.0f} pts ({low:.0f} to {high:.0f})"
        return f"{value:+.1f} ({estimate.low:.1f} to {estimate.high:.1f})"
    if rate:
        return f"{value:.0%} ({estimate.low:.0%}-{estimate.high:.0%}) n={estimate.n:,}"
    return f"{value:.1f} ({estimate.low:.1f} to {estimate.high:.1f}) n={estimate.n:,}"


def comparison_table(rows: list[Row], names: list[str]) -> pl.DataFrame:
    """The comparison as text: a line per figure, a column per cohort and, for each later
    cohort, its difference from the first."""
    columns: dict[str, list[str]] = {"Figure": [r.label for r in rows]}
    for i, name in enumerate(names):
        columns[name] = [estimate_text(r.figures[i], rate=r.rate) for r in rows]
        if i:
            columns[f"{name} minus {names[0]}"] = [
                estimate_text(r.differences[i], rate=r.rate, difference=True)
                + (f" ({r.notes[i]})" if r.notes[i] else "")
                for r in rows
            ]
    return pl.DataFrame(columns)


def quarter_chart(
    data: CohortData, cohort: Cohort, *, numerator: str, denominator: str
) -> tuple[PChart, list[str]]:
    """The p-chart of a rate by quarter of discharge for the cohort's sites and tracks
    (every quarter, not only the cohort's block), from the release: a quarter whose counts
    are withheld is left out and named."""
    points = []
    withheld = []
    quarters = sorted(data.release.values("period", Granularity.QUARTER.value))
    for quarter in quarters:
        counts = cohort_counts(
            data,
            dataclasses.replace(cohort, granularity=Granularity.QUARTER, block=quarter),
        )
        k, n = counts.get(numerator), counts.get(denominator)
        if k is None or n is None:
            withheld.append(quarter)
            continue
        points.append({"block": quarter, "events": k, "n": n})
    frame = pl.DataFrame(points, schema={"block": pl.String, "events": pl.Int64, "n": pl.Int64})
    return control_chart(frame), withheld
