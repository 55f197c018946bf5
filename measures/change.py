"""Change over an episode: reliable change, recovery and trend, per client and score."""

from __future__ import annotations

import math
from dataclasses import dataclass

import polars as pl

from measures.catalog import Catalog, load_catalog
from measures.definition import Source
from measures.formatting import num

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


#: The scheme's name in the definitions' ``paired_outcome`` entries.
TALKING_THERAPIES_SCHEME = "nhs_talking_therapies"
#: The instruments the NHS Talking Therapies paired outcome is defined on, by name.
TALKING_THERAPIES_MEASURES = ("phq9", "gad7")
#: The columns :func:`talking_therapies_outcome` reads: first and last score of each.
TALKING_THERAPIES_COLUMNS = tuple(
    f"{measure}_{end}" for measure in TALKING_THERAPIES_MEASURES for end in ("first", "last")
)
#: The columns :func:`talking_therapies_outcome` adds.
TALKING_THERAPIES_OUTCOMES = (
    "case_at_start",
    "recovered",
    "reliable_improvement",
    "reliable_deterioration",
    "reliable_recovery",
)


@dataclass(frozen=True)
class TalkingTherapiesRule:
    """The NHS Talking Therapies (formerly IAPT) paired PHQ-9 + GAD-7 outcome definitions.

    The NHS Talking Therapies Manual and NHS England's measure definitions could
    not be retrieved; these are the definitions as published on the pages that
    could be read (screening-instruments.md section 8):

    - **Caseness**: "a referral that scores highly enough on measures of
      depression and anxiety so it can be classed as a clinical case ... above
      the clinical/non-clinical cut-off on one of the followings or both:
      anxiety score; depression score" (OHID Fingertips glossary,
      https://fingertips.phe.org.uk/profile/common-mental-disorders/supporting-information/Glossary).
      Cut-offs PHQ-9 >= 10 and GAD-7 >= 8 (the GAD-7 is 10 on its own, Spitzer
      2006), reliable change 6 and 4 points: "scores of 10 or above indicate
      clinical caseness for depression, and a reduction of 6 or more points is
      used to indicate reliable improvement (NHS Digital, 2016)" and for the
      GAD-7 "a cut-off of 8 or higher is used for caseness and 4 or more for
      reliable improvement" (PMC8411661, Table 1,
      https://pmc.ncbi.nlm.nih.gov/articles/PMC8411661/table/tbl0001).
    - **Recovery**: a case at the first score and not at the last (both below
      caseness): "defined as a clinical case at the start of their treatment and
      not at the end of their treatment" (RCPsych Mental Health Watch,
      https://mentalhealthwatch.rcpsych.ac.uk/indicators/nhstt-recovery-rate-).
    - **Reliable improvement**, verbatim: "A patient has shown 'reliable
      improvement' if there is both: a reliable decrease in one or both of the
      scores; no reliable increase in either of them". UK Government, Ethnicity
      facts and figures, "Outcomes for treatment for anxiety and depression",
      latest version (NHS Talking Therapies referrals that ended April 2022 to
      March 2023),
      https://www.ethnicity-facts-figures.service.gov.uk/health/mental-health/outcomes-for-treatment-for-anxiety-and-depression/latest/
      ; the same wording in version 3.2 (last updated 4 March 2021),
      https://www.ethnicity-facts-figures.service.gov.uk/health/mental-health/outcomes-for-treatment-for-anxiety-and-depression/3.2
      .
    - **Reliable deterioration**: no verbatim definition was found (the same
      page reports patients who "improved, deteriorated or showed no change").
      The reading used here: a reliable increase in one or both scores, the
      "reliable increase" the reliable-improvement definition excludes. So an
      episode is never both reliably improved and reliably deteriorated, and
      one with a reliable decrease on one measure and a reliable increase on
      the other counts as reliably deteriorated, not improved.
    - **Reliable recovery**: recovered and reliably improved (Gyani A, Shafran R,
      Layard R, Clark DM. Enhancing recovery rates: lessons from year one of
      IAPT. Behav Res Ther 2013;51:597-606).

    The numbers are read from the definitions' ``paired_outcome`` entries of the scheme
    :data:`TALKING_THERAPIES_SCHEME`, where they are cited (:meth:`from_catalog`).
    """

    phq9_caseness: float
    gad7_caseness: float
    phq9_reliable: float
    gad7_reliable: float

    @classmethod
    def from_catalog(cls, catalog: Catalog | None = None) -> TalkingTherapiesRule | None:
        """The rule as the catalog's definitions give it; None where a measure or its
        ``paired_outcome`` entry is missing (the outcome is then not computed).

        Examples
        --------
        >>> rule = TalkingTherapiesRule.from_catalog()
        >>> rule.phq9_caseness, rule.gad7_caseness, rule.phq9_reliable, rule.gad7_reliable
        (10.0, 8.0, 6.0, 4.0)
        """
        catalog = catalog or load_catalog()
        found = {}
        for measure in TALKING_THERAPIES_MEASURES:
            primary = catalog[measure].primary if measure in catalog else None
            entries = [] if primary is None else primary.paired_outcomes
            rules = [p for p in entries if p.scheme == TALKING_THERAPIES_SCHEME]
            if not rules:
                return None
            found[measure] = rules[0]
        phq9, gad7 = (found[m] for m in TALKING_THERAPIES_MEASURES)
        return cls(
            phq9_caseness=phq9.cutoff,
            gad7_caseness=gad7.cutoff,
            phq9_reliable=phq9.reliable_change,
            gad7_reliable=gad7.reliable_change,
        )


def talking_therapies_outcome(
    pairs: pl.DataFrame, *, rule: TalkingTherapiesRule | None = None
) -> pl.DataFrame:
    """Paired PHQ-9 + GAD-7 outcome from first and last scores (:class:`TalkingTherapiesRule`).

    ``pairs`` has ``phq9_first, phq9_last, gad7_first, gad7_last``; adds
    ``case_at_start``, ``recovered`` (null unless a case at start),
    ``reliable_improvement``, ``reliable_deterioration`` (never both true) and
    ``reliable_recovery``.

    Examples
    --------
    >>> pairs = pl.DataFrame({"phq9_first": [15, 12], "phq9_last": [8, 4],
    ...                       "gad7_first": [9, 5], "gad7_last": [7, 10]})
    >>> outcome = talking_therapies_outcome(pairs)
    >>> outcome["reliable_recovery"].to_list()
    [True, False]
    >>> outcome.select("reliable_improvement", "reliable_deterioration").rows()
    [(True, False), (False, True)]
    """
    rule = rule or TalkingTherapiesRule.from_catalog()
    if rule is None:
        msg = "the catalog defines no NHS Talking Therapies paired outcome (paired_outcome)"
        raise ValueError(msg)
    p0, p1 = pl.col("phq9_first"), pl.col("phq9_last")
    g0, g1 = pl.col("gad7_first"), pl.col("gad7_last")
    case_start = (p0 >= rule.phq9_caseness) | (g0 >= rule.gad7_caseness)
    case_end = (p1 >= rule.phq9_caseness) | (g1 >= rule.gad7_caseness)
    decrease = ((p0 - p1) >= rule.phq9_reliable) | ((g0 - g1) >= rule.gad7_reliable)
    increase = ((p1 - p0) >= rule.phq9_reliable) | ((g1 - g0) >= rule.gad7_reliable)
    improved = decrease & ~increase
    recovered = pl.when(case_start).then(~case_end)
    return pairs.with_columns(
        case_start.alias("case_at_start"),
        recovered.alias("recovered"),
        improved.alias("reliable_improvement"),
        increase.alias("reliable_deterioration"),
        (recovered & improved).alias("reliable_recovery"),
    )


#: The instrument the US depression response and remission measures are defined on.
RESPONSE_MEASURE = "phq9"
#: The columns :func:`response_remission` adds.
RESPONSE_COLUMNS = ("index_elevated", "response", "remission")
#: How the app names them: within an IOP episode the published windows are never reached.
RESPONSE_TITLE = "PHQ-9 response and remission so far (not the HEDIS/MNCM measurement window)"
#: The rule in one line, shown beside the verdict with :data:`RESPONSE_CITATIONS`.
RESPONSE_RULE = (
    "Response: the latest PHQ-9 at least 50% lower than a first score above 9; remission: "
    "the latest below 5. Those measures look 4 to 12 months after the first score; here the "
    "episode's latest score is compared with its first."
)
#: The sources of the rule (:class:`ResponseRemissionRule` quotes them).
RESPONSE_CITATIONS = (
    Source(
        label="NCQA HEDIS, Depression Remission or Response (DRR-E)",
        text=(
            "NCQA HEDIS Depression Remission or Response for Adolescents and Adults (DRR-E): "
            "measure description "
            "https://ncqa.org/report-cards/health-plans/state-of-health-care-quality-report/"
            "measures-list/depression-remission-or-response-for-adolescents-and-adults-drr-e ; "
            "numerator as quoted by the Horizon BCBSNJ MY2023 provider tip sheet "
            "https://www.horizonblue.com/providers/resources/hedis-resources/"
            "hedis-measurement-year-my-2023-provider-tips-optimizing-hedis-results/"
            "depression-remission-or-response-adolescents-and-adults-drr-e"
        ),
    ),
    Source(
        label="MN Community Measurement, NQF 0710, 1884, 1885",
        text=(
            "MN Community Measurement depression measures: CMS159 Depression Remission at "
            "Twelve Months (NQF 0710) https://ecqi.healthit.gov/ecqm/measures/cms159v4 and "
            "https://ecqi.healthit.gov/ecqm/ec/2023/cms159v11 ; response at six months "
            "(NQF 1884) https://p4qm.org/measures/1884 and twelve months (NQF 1885) "
            "https://p4qm.org/measures/1885"
        ),
    ),
)


@dataclass(frozen=True)
class ResponseRemissionRule:
    """PHQ-9 response and remission as NCQA HEDIS and MN Community Measurement define them.

    - **Index score**: elevated means "initial PHQ-9 score greater than nine"
      (MNCM / CMS eCQM CMS159 "Depression Remission at Twelve Months", NQF 0710,
      v4 https://ecqi.healthit.gov/ecqm/measures/cms159v4 and v12; NQF 1884 and
      1885, https://p4qm.org/measures/1884 , https://p4qm.org/measures/1885).
      NCQA HEDIS DRR-E says only "an elevated PHQ-9 score": its numeric
      threshold was not found, so the MNCM > 9 is used. Response and remission
      are evaluated only from an elevated index score.
    - **Response**: "the most recent PHQ-9 total score being at least 50 percent
      lower than the PHQ-9 score associated with the IESD" (HEDIS DRR-E
      numerator, Horizon BCBSNJ MY2023 provider tip sheet,
      https://www.horizonblue.com/providers/resources/hedis-resources/hedis-measurement-year-my-2023-provider-tips-optimizing-hedis-results/depression-remission-or-response-adolescents-and-adults-drr-e
      ); "PHQ-9 score that is reduced by 50% or greater from the initial PHQ-9
      score" (NQF 1884, MNCM).
    - **Remission**: "the most recent PHQ-9 score of <5 during the depression
      follow-up period" (HEDIS DRR-E, same tip sheet); "PHQ-9 score of less than
      five" (CMS159 / NQF 0710).
    - **Measurement windows as published**: HEDIS DRR-E, "within 120-240 days
      (4-8 months) of the elevated score"
      (https://ncqa.org/report-cards/health-plans/state-of-health-care-quality-report/measures-list/depression-remission-or-response-for-adolescents-and-adults-drr-e
      ); MNCM, response at six months (+/- 30 days, NQF 1884) and twelve months
      (+/- 60 days, NQF 1885), remission at twelve months (+/- 30 days in CMS159
      v4-v6, +/- 60 days from v7,
      https://ecqi.healthit.gov/ecqm/ec/2023/cms159v11 ). A 6-12 week IOP
      episode never reaches these windows: the app compares the episode's latest
      score with its first and calls the result response or remission *so far*
      (:data:`RESPONSE_TITLE`), never the HEDIS or MNCM measure.
    """

    index_above: float = 9
    response_fraction: float = 0.5
    remission_below: float = 5


def response_remission(
    frame: pl.DataFrame,
    *,
    first: str = "baseline",
    last: str = "latest",
    count: str | None = "n",
    rule: ResponseRemissionRule | None = None,
) -> pl.DataFrame:
    """PHQ-9 response and remission so far (:class:`ResponseRemissionRule`) of each row.

    ``first`` is the index (first) score of the episode and ``last`` the latest;
    ``count`` (None: every row has a later score) the number of scores. Adds
    ``index_elevated`` (the first score above 9), and ``response`` and
    ``remission``: null unless the index is elevated and a later score exists.

    Examples
    --------
    >>> scores = pl.DataFrame({"baseline": [22.0, 16.0, 8.0, 18.0],
    ...                        "latest": [4.0, 9.0, 2.0, 18.0], "n": [6, 6, 6, 1]})
    >>> response_remission(scores).select(RESPONSE_COLUMNS).rows()
    [(True, True, True), (True, False, False), (False, None, None), (True, None, None)]
    """
    rule = rule or ResponseRemissionRule()
    index, latest = pl.col(first), pl.col(last)
    elevated = index > rule.index_above
    later = elevated & (pl.col(count) >= 2) if count is not None else elevated
    return frame.with_columns(
        elevated.alias("index_elevated"),
        pl.when(later).then(latest <= index * (1 - rule.response_fraction)).alias("response"),
        pl.when(later).then(latest < rule.remission_below).alias("remission"),
    )


def response_so_far(change: pl.DataFrame, *, rule: ResponseRemissionRule | None = None) -> str:
    """:data:`RESPONSE_TITLE`'s verdict in words, from :func:`episode_change` of one episode.

    Examples
    --------
    >>> import datetime as dt
    >>> long = pl.DataFrame({
    ...     "client_id": ["C1"] * 2, "measure": ["phq9"] * 2, "score_id": ["score"] * 2,
    ...     "administered_at": [dt.datetime(2026, 1, 5), dt.datetime(2026, 2, 9)],
    ...     "value": [22.0, 9.0]})
    >>> for part in response_so_far(episode_change(long)).split("; "):
    ...     print(part)
    PHQ-9 22 at the start, 9 now (59% lower): response so far (at least 50% lower)
    no remission so far (below 5)
    """
    rule = rule or ResponseRemissionRule()
    rows = change.filter((pl.col("measure") == RESPONSE_MEASURE) & (pl.col("score_id") == "score"))
    if rows.is_empty():
        return "no PHQ-9 in this episode yet"
    row = response_remission(rows.head(1), rule=rule).row(0, named=True)
    first, latest = float(row["baseline"]), float(row["latest"])
    if not row["index_elevated"]:
        return (
            f"not evaluated: the first PHQ-9 ({num(first)}) is not above {num(rule.index_above)}; "
            "response and remission are measured only from an elevated first score"
        )
    if row["response"] is None:
        return f"PHQ-9 {num(first)} at the start; response and remission need a later score"
    fall = (first - latest) / first
    moved = f"{fall:.0%} lower" if fall >= 0 else f"{-fall:.0%} higher"
    response = "response so far" if row["response"] else "no response so far"
    remission = "remission so far" if row["remission"] else "no remission so far"
    return (
        f"PHQ-9 {num(first)} at the start, {num(latest)} now ({moved}): {response} "
        f"(at least {rule.response_fraction:.0%} lower); {remission} "
        f"(below {num(rule.remission_below)})"
    )
