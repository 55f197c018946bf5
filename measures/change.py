"""Change over an episode: reliable change, recovery and trend, per client and score."""

from __future__ import annotations

import math
from dataclasses import dataclass

import polars as pl

from measures.catalog import Catalog, load_catalog

IMPROVED = "reliably improved"
NO_CHANGE = "no reliable change"
DETERIORATED = "reliably deteriorated"

#: Long score frame: one row per administration and score.
LONG_KEYS = ("client_id", "measure", "score_id")


def reliable_change_index(before: float, after: float, *, sd: float, reliability: float) -> float:
    """Jacobson & Truax (1991) RCI: ``(after - before) / SE_diff``.

    ``SE_diff = sd * sqrt(2) * sqrt(1 - reliability)`` (Christensen & Mendoza
    1986 added the sqrt(2)); ``|RCI| > 1.96`` is reliable change (p < .05).

    Examples
    --------
    >>> round(reliable_change_index(20, 13, sd=5, reliability=0.8), 2)
    -2.21
    """
    se_diff = sd * math.sqrt(2.0) * math.sqrt(1.0 - reliability)
    return (after - before) / se_diff


def long_scores(scored: pl.DataFrame, catalog: Catalog | None = None) -> pl.DataFrame:
    """Reshape a scored frame to one row per administration and score.

    Columns: ``client_id, measure, score_id, administered_at, value`` plus any
    of ``episode_id`` present; ``score_id`` is ``score`` for the primary score
    and the subscale id otherwise. Rows without a value are dropped.
    """
    catalog = catalog or load_catalog()
    keep = [
        c for c in ("client_id", "episode_id", "measure", "administered_at") if c in scored.columns
    ]
    parts = []
    for instrument in catalog:
        rows = scored.filter(pl.col("measure") == instrument.id)
        if rows.is_empty():
            continue
        for score in instrument.scores:
            parts.append(
                rows.select(
                    *keep,
                    pl.lit(score.column).alias("score_id"),
                    pl.col(score.column).cast(pl.Float64).alias("value"),
                )
            )
    if not parts:
        schema = dict.fromkeys(keep, pl.String) | {"score_id": pl.String, "value": pl.Float64}
        return pl.DataFrame(schema=schema | {"administered_at": pl.Datetime("us")})
    return pl.concat(parts).filter(pl.col("value").is_not_null())


def score_parameters(catalog: Catalog | None = None) -> pl.DataFrame:
    """Direction, reliable-change threshold and cut-off for every score in the catalog."""
    catalog = catalog or load_catalog()
    rows = []
    for instrument in catalog:
        for score in instrument.scores:
            rc = score.reliable_change
            rows.append(
                {
                    "measure": instrument.id,
                    "score_id": score.column,
                    "higher_is_better": score.higher_is_better,
                    "rc_threshold": rc.threshold if rc else None,
                    "rc_se_diff": rc.se_difference if rc else None,
                    "case_cutoff": score.caseness.cutoff if score.caseness else None,
                    "case_at_or_above": score.caseness.rule == ">=" if score.caseness else None,
                }
            )
    return pl.DataFrame(
        rows,
        schema={
            "measure": pl.String,
            "score_id": pl.String,
            "higher_is_better": pl.Boolean,
            "rc_threshold": pl.Float64,
            "rc_se_diff": pl.Float64,
            "case_cutoff": pl.Float64,
            "case_at_or_above": pl.Boolean,
        },
    )


def episode_change(
    long: pl.DataFrame,
    catalog: Catalog | None = None,
    *,
    by: tuple[str, ...] = LONG_KEYS,
    last_n: int = 4,
) -> pl.DataFrame:
    """Baseline-to-latest change for each series in a long score frame.

    Each group of ``by`` (a client's series on one score, within one episode when
    ``episode_id`` is in ``by``) gives: ``n``, ``baseline`` (first value),
    ``latest``, ``change`` (latest - baseline), ``rci`` (where the definition has
    an SD and reliability), ``rc_threshold``, ``change_class`` (reliably
    improved / no reliable change / reliably deteriorated; null where no
    threshold is published or there is only one value), ``baseline_case``,
    ``latest_case``, ``recovered`` (case at baseline, not at latest),
    ``reliably_recovered`` and ``slope_per_week`` over the last ``last_n`` values.

    Examples
    --------
    >>> import datetime as dt
    >>> long = pl.DataFrame({
    ...     "client_id": ["C1"] * 3, "measure": ["phq9"] * 3, "score_id": ["score"] * 3,
    ...     "administered_at": [dt.datetime(2025, 1, d) for d in (6, 13, 20)],
    ...     "value": [16.0, 12.0, 8.0],
    ... })
    >>> row = episode_change(long).row(0, named=True)
    >>> row["change"], row["change_class"], row["recovered"], row["slope_per_week"]
    (-8.0, 'reliably improved', True, -4.0)
    """
    catalog = catalog or load_catalog()
    weeks = (pl.col("administered_at") - pl.col("administered_at").min()).dt.total_seconds() / (
        7 * 86400
    )
    x = weeks.tail(last_n)
    y = pl.col("value").tail(last_n)
    slope = pl.cov(x, y) / x.var()
    summary = (
        long.sort("administered_at")
        .group_by(list(by), maintain_order=True)
        .agg(
            pl.len().alias("n"),
            pl.col("administered_at").first().alias("baseline_at"),
            pl.col("value").first().alias("baseline"),
            pl.col("administered_at").last().alias("latest_at"),
            pl.col("value").last().alias("latest"),
            pl.when(pl.len() >= 2).then(slope).otherwise(None).alias("slope_per_week"),
        )
        .join(score_parameters(catalog), on=["measure", "score_id"], how="left")
    )
    change = pl.col("latest") - pl.col("baseline")
    better = pl.when(pl.col("higher_is_better")).then(change).otherwise(-change)
    threshold = pl.col("rc_threshold")
    cut = pl.col("case_cutoff")

    def is_case(value: pl.Expr) -> pl.Expr:
        return (
            pl.when(cut.is_null())
            .then(None)
            .when(pl.col("case_at_or_above"))
            .then(value >= cut)
            .otherwise(value <= cut)
        )

    classified = summary.with_columns(
        change.alias("change"),
        (change / pl.col("rc_se_diff")).alias("rci"),
        pl.when(threshold.is_null() | (pl.col("n") < 2))
        .then(None)
        .when(better >= threshold)
        .then(pl.lit(IMPROVED))
        .when(better <= -threshold)
        .then(pl.lit(DETERIORATED))
        .otherwise(pl.lit(NO_CHANGE))
        .alias("change_class"),
        is_case(pl.col("baseline")).alias("baseline_case"),
        is_case(pl.col("latest")).alias("latest_case"),
    )
    recovered = pl.when(pl.col("baseline_case") & (pl.col("n") >= 2)).then(~pl.col("latest_case"))
    return classified.with_columns(recovered.alias("recovered")).with_columns(
        (pl.col("recovered") & (pl.col("change_class") == IMPROVED)).alias("reliably_recovered")
    )


#: The instruments the NHS Talking Therapies paired outcome is defined on, by name.
TALKING_THERAPIES_MEASURES = ("phq9", "gad7")
#: The columns :func:`talking_therapies_outcome` reads: first and last score of each.
TALKING_THERAPIES_COLUMNS = tuple(
    f"{measure}_{end}" for measure in TALKING_THERAPIES_MEASURES for end in ("first", "last")
)


@dataclass(frozen=True)
class TalkingTherapiesRule:
    """The NHS Talking Therapies (IAPT) paired PHQ-9 + GAD-7 outcome definitions.

    Departures from the per-measure rule: GAD-7 caseness is 8 here (10 on its
    own, Spitzer 2006); a client is a case if either measure is; recovery needs
    both below caseness at the last score; reliable improvement needs a
    reliable drop on either measure. The extra condition "and no reliable change
    in the opposite direction on the other measure" is used by the service but
    was not verified from the Manual, so it is off unless asked for.

    Sources: PHE Fingertips IAPT glossary
    https://fingertips.phe.org.uk/profile/common-mental-disorders/supporting-information/Glossary ;
    NHS England service standards
    http://www.england.nhs.uk/mental-health/adults/iapt/service-standards/ ;
    reliable recovery, Gyani et al. 2013.
    """

    phq9_caseness: int = 10
    gad7_caseness: int = 8
    phq9_reliable: int = 6
    gad7_reliable: int = 4
    require_no_opposite_change: bool = False


def talking_therapies_outcome(
    pairs: pl.DataFrame, *, rule: TalkingTherapiesRule | None = None
) -> pl.DataFrame:
    """Paired PHQ-9 + GAD-7 outcome from first and last scores.

    ``pairs`` has ``phq9_first, phq9_last, gad7_first, gad7_last``; adds
    ``case_at_start``, ``recovered`` (null unless a case at start),
    ``reliable_improvement``, ``reliable_deterioration`` and
    ``reliable_recovery``.

    Examples
    --------
    >>> pairs = pl.DataFrame({"phq9_first": [15], "phq9_last": [8],
    ...                       "gad7_first": [9], "gad7_last": [7]})
    >>> talking_therapies_outcome(pairs).row(0, named=True)["reliable_recovery"]
    True
    """
    rule = rule or TalkingTherapiesRule()
    p0, p1 = pl.col("phq9_first"), pl.col("phq9_last")
    g0, g1 = pl.col("gad7_first"), pl.col("gad7_last")
    case_start = (p0 >= rule.phq9_caseness) | (g0 >= rule.gad7_caseness)
    case_end = (p1 >= rule.phq9_caseness) | (g1 >= rule.gad7_caseness)
    p_better, g_better = (p0 - p1) >= rule.phq9_reliable, (g0 - g1) >= rule.gad7_reliable
    p_worse, g_worse = (p1 - p0) >= rule.phq9_reliable, (g1 - g0) >= rule.gad7_reliable
    improved = p_better | g_better
    deteriorated = p_worse | g_worse
    if rule.require_no_opposite_change:
        improved, deteriorated = improved & ~deteriorated, deteriorated & ~(p_better | g_better)
    recovered = pl.when(case_start).then(~case_end)
    return pairs.with_columns(
        case_start.alias("case_at_start"),
        recovered.alias("recovered"),
        improved.alias("reliable_improvement"),
        deteriorated.alias("reliable_deterioration"),
        (recovered & improved).alias("reliable_recovery"),
    )
