"""The NHS Talking Therapies paired outcome per episode (caseness at baseline, recovery,
reliable improvement, reliable deterioration, reliable recovery) and its rates.

Which scores take part, their cut-offs and reliable changes come from the catalog: every
score whose definition lists a ``paired_outcome`` of the scheme ``nhs_talking_therapies``
(the PHQ-9 and the GAD-7 in the built-in definitions, with their citations), so no
threshold or instrument is written here. The definitions, as published and as read here:

- **case at baseline**: at or above the cut-off on at least one of the measures;
- **recovered** (only for a case at baseline; null otherwise): below the cut-off on
  every measure at the last score;
- **reliable improvement**: a reliable decrease on at least one measure and a reliable
  increase on none;
- **reliable deterioration**: a reliable increase on at least one measure (the
  published texts give no verbatim definition: this is the "reliable increase" the
  improvement definition excludes, so one measure improving while the other
  deteriorates counts as deteriorated, never as improved);
- **reliable recovery**: recovered and reliably improved.

An episode takes part only with a baseline and a later score on every measure; without
them each outcome is null and ``missing`` says which score is lacking.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import polars as pl

from dashboard.cohorts.statistics import Estimate, proportion
from measures import Catalog
from measures.definition import PairedOutcome

#: The scheme's name in the definitions' ``paired_outcome`` entries.
SCHEME = "nhs_talking_therapies"
#: The columns :func:`episode_outcomes` returns besides ``episode_id``.
OUTCOME_COLUMNS = (
    "case_at_baseline",
    "recovered",
    "reliable_improvement",
    "reliable_deterioration",
    "reliable_recovery",
)


@dataclass(frozen=True)
class PairedMeasure:
    """A score taking part in the paired outcome, with its rule and the rule's citation."""

    measure: str
    score_id: str
    abbreviation: str
    rule: PairedOutcome
    citation: str


@dataclass(frozen=True)
class Metric:
    """One rate of the outcome: its column, its name, and what its denominator is."""

    column: str
    label: str
    denominator: str


#: The rates, in the order a page shows them. Recovery and reliable recovery count only
#: the episodes that were a case at baseline (as NHS England reports them: referrals that
#: finished a course of treatment having started at caseness); reliable improvement and
#: deterioration count every episode with its scores.
METRICS = (
    Metric("case_at_baseline", "Case at baseline", "episodes with both scores on each measure"),
    Metric("recovered", "Recovered", "cases at baseline"),
    Metric(
        "reliable_improvement", "Reliable improvement", "episodes with both scores on each measure"
    ),
    Metric(
        "reliable_deterioration",
        "Reliable deterioration",
        "episodes with both scores on each measure",
    ),
    Metric("reliable_recovery", "Reliable recovery", "cases at baseline"),
)


def paired_measures(catalog: Catalog, *, scheme: str = SCHEME) -> tuple[PairedMeasure, ...]:
    """The catalog's scores taking part in ``scheme``, in the catalog's display order.

    Examples
    --------
    >>> from measures import load_catalog
    >>> [(m.abbreviation, m.rule.cutoff, m.rule.reliable_change)
    ...  for m in paired_measures(load_catalog())]
    [('PHQ-9', 10.0, 6.0), ('GAD-7', 8.0, 4.0)]
    """
    found = []
    for instrument in catalog.ordered():
        for score in instrument.scores:
            for rule in score.paired_outcomes:
                if rule.scheme == scheme:
                    found.append(
                        PairedMeasure(
                            measure=instrument.id,
                            score_id=score.id,
                            abbreviation=instrument.abbreviation,
                            rule=rule,
                            citation=instrument.source(rule.source).label,
                        )
                    )
    return tuple(found)


def episode_outcomes(
    scores: pl.DataFrame,
    catalog: Catalog,
    *,
    episodes: Iterable[int] | None = None,
) -> pl.DataFrame:
    """The paired outcome of each episode from its baseline and last scores.

    ``scores`` has one row per episode and score, as ``episode_scores`` stores them:
    ``episode_id, measure, score_id, baseline, latest`` and optionally ``n`` (the
    number of scores; a latest score that is the baseline itself, n < 2, is no pair).
    ``episodes`` lists the cohort's episodes (default: those in ``scores``), so an
    episode with no scores at all is counted as missing them.

    Returns one row per episode: ``episode_id``, the five :data:`OUTCOME_COLUMNS`
    (booleans, null where they cannot be judged; ``recovered`` and
    ``reliable_recovery`` also null when not a case at baseline) and ``missing``
    (null, or what is lacking, e.g. ``"no second GAD-7 score"``).

    Examples
    --------
    >>> from measures import load_catalog
    >>> scores = pl.DataFrame({
    ...     "episode_id": [1, 1, 2, 2, 3],
    ...     "measure": ["phq9", "gad7", "phq9", "gad7", "phq9"],
    ...     "score_id": ["phq9_total", "gad7_total", "phq9_total", "gad7_total", "phq9_total"],
    ...     "baseline": [15.0, 9.0, 12.0, 5.0, 18.0],
    ...     "latest": [8.0, 7.0, 4.0, 10.0, 9.0],
    ... })
    >>> out = episode_outcomes(scores, load_catalog())
    >>> out.select("recovered", "reliable_improvement", "reliable_deterioration").rows()
    [(True, True, False), (False, False, True), (None, None, None)]
    >>> out["missing"].to_list()
    [None, None, 'no GAD-7 score']
    """
    measures = paired_measures(catalog)
    ids = (
        pl.Series("episode_id", list(episodes), dtype=pl.Int64)
        if episodes is not None
        else scores["episode_id"].cast(pl.Int64).unique(maintain_order=True)
    )
    frame = ids.to_frame()
    if len(measures) < 2:
        named = ", ".join(m.abbreviation for m in measures)
        reason = (
            f"the catalog defines the {SCHEME} outcome on {named} only: it pairs at least "
            "two measures"
            if measures
            else f"the catalog defines no {SCHEME} measures"
        )
        return frame.with_columns(
            *(pl.lit(None, pl.Boolean).alias(c) for c in OUTCOME_COLUMNS),
            pl.lit(reason).alias("missing"),
        )
    has_n = "n" in scores.columns
    for i, m in enumerate(measures):
        rows = scores.filter((pl.col("measure") == m.measure) & (pl.col("score_id") == m.score_id))
        latest = pl.col("latest")
        if has_n:
            latest = pl.when(pl.col("n") >= 2).then(latest)
        frame = frame.join(
            rows.select(
                pl.col("episode_id").cast(pl.Int64),
                pl.col("baseline").cast(pl.Float64).alias(f"b{i}"),
                latest.cast(pl.Float64).alias(f"l{i}"),
            ),
            on="episode_id",
            how="left",
        )
    lacking = [
        pl.when(pl.col(f"b{i}").is_null())
        .then(pl.lit(f"no {m.abbreviation} score"))
        .when(pl.col(f"l{i}").is_null())
        .then(pl.lit(f"no second {m.abbreviation} score"))
        for i, m in enumerate(measures)
    ]
    complete = pl.all_horizontal(
        *(
            pl.col(f"b{i}").is_not_null() & pl.col(f"l{i}").is_not_null()
            for i in range(len(measures))
        )
    )
    case_start = pl.any_horizontal(
        *(m.rule.caseness.is_case(pl.col(f"b{i}")) for i, m in enumerate(measures))
    )
    case_end = pl.any_horizontal(
        *(m.rule.caseness.is_case(pl.col(f"l{i}")) for i, m in enumerate(measures))
    )
    gains = [m.rule.improvement(pl.col(f"b{i}"), pl.col(f"l{i}")) for i, m in enumerate(measures)]
    decrease = pl.any_horizontal(
        *(gain >= m.rule.reliable_change for gain, m in zip(gains, measures, strict=True))
    )
    increase = pl.any_horizontal(
        *(-gain >= m.rule.reliable_change for gain, m in zip(gains, measures, strict=True))
    )
    improved = decrease & ~increase
    recovered = pl.when(case_start).then(~case_end)
    outcomes = [
        case_start.alias("case_at_baseline"),
        recovered.alias("recovered"),
        improved.alias("reliable_improvement"),
        increase.alias("reliable_deterioration"),
        pl.when(case_start).then(recovered & improved).alias("reliable_recovery"),
    ]
    return frame.select(
        "episode_id",
        *(
            pl.when(complete).then(outcome).alias(outcome.meta.output_name())
            for outcome in outcomes
        ),
        pl.concat_str(lacking, separator="; ", ignore_nulls=True)
        .replace("", None)
        .alias("missing"),
    )


@dataclass(frozen=True)
class Summary:
    """The paired outcome of a cohort: how many episodes had their scores, and each rate.

    ``episodes`` counts the cohort's episodes, ``paired`` those with both scores on
    every measure (the share that every rate rests on: show it first), ``cases`` the
    paired episodes that were a case at baseline; ``rates`` maps each
    :data:`METRICS` column to its share with a Wilson interval (an unavailable
    :class:`Estimate` when its denominator is empty). These are raw counts: a page
    shows them only through its privacy release.
    """

    episodes: int
    paired: int
    cases: int
    counts: dict[str, int]
    rates: dict[str, Estimate]


def summarise(outcomes: pl.DataFrame) -> Summary:
    """Counts and rates of :func:`episode_outcomes`' frame (see :data:`METRICS`).

    Examples
    --------
    >>> outcomes = pl.DataFrame({
    ...     "episode_id": [1, 2, 3],
    ...     "case_at_baseline": [True, False, None],
    ...     "recovered": [True, None, None],
    ...     "reliable_improvement": [True, False, None],
    ...     "reliable_deterioration": [False, True, None],
    ...     "reliable_recovery": [True, None, None],
    ...     "missing": [None, None, "no GAD-7 score"],
    ... })
    >>> s = summarise(outcomes)
    >>> s.episodes, s.paired, s.cases, s.counts["reliable_deterioration"]
    (3, 2, 1, 1)
    >>> s.rates["recovered"].estimate, s.rates["reliable_improvement"].estimate
    (1.0, 0.5)
    """
    paired_rows = outcomes.filter(pl.col("missing").is_null())
    paired = paired_rows.height
    cases = int(paired_rows["case_at_baseline"].sum())
    counts = {m.column: int(paired_rows[m.column].fill_null(False).sum()) for m in METRICS}
    rates = {
        m.column: proportion(
            counts[m.column], cases if m.denominator == "cases at baseline" else paired
        )
        for m in METRICS
    }
    return Summary(episodes=outcomes.height, paired=paired, cases=cases, counts=counts, rates=rates)
