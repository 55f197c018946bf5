"""The NHS Talking Therapies paired outcome on small constructed cohorts: thresholds from
the catalog, a non-case excluded from recovery, a missing GAD-7 named, and one measure
improving while the other deteriorates counted as deteriorated."""

from __future__ import annotations

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dashboard.cohorts.talking_therapies import (
    METRICS,
    OUTCOME_COLUMNS,
    episode_outcomes,
    paired_measures,
    summarise,
)
from measures import Catalog, load_catalog
from measures.change import TalkingTherapiesRule, talking_therapies_outcome

CATALOG = load_catalog()


def _scores(*episodes: tuple[int, tuple[float, float] | None, tuple[float, float] | None]):
    """Rows of ``episode_scores``: per episode, (baseline, latest) of the PHQ-9 and GAD-7."""
    rows = []
    for episode, phq, gad in episodes:
        for measure, pair in (("phq9", phq), ("gad7", gad)):
            if pair is not None:
                rows.append((episode, measure, f"{measure}_total", 2, *pair))
    return pl.DataFrame(
        rows,
        schema=["episode_id", "measure", "score_id", "n", "baseline", "latest"],
        orient="row",
    )


def _by_episode(frame: pl.DataFrame) -> dict[int, dict[str, object]]:
    return {row["episode_id"]: row for row in frame.iter_rows(named=True)}


def test_the_thresholds_come_from_the_catalog_with_their_citation() -> None:
    measures = {m.measure: m for m in paired_measures(CATALOG)}
    assert set(measures) == {"phq9", "gad7"}
    assert (measures["phq9"].rule.cutoff, measures["phq9"].rule.reliable_change) == (10, 6)
    # the GAD-7's own caseness is 10; the paired outcome uses 8
    assert CATALOG["gad7"].score("gad7_total").caseness.cutoff == 10
    assert (measures["gad7"].rule.cutoff, measures["gad7"].rule.reliable_change) == (8, 4)
    for m in measures.values():
        assert m.citation == "NHS Talking Therapies, paired outcome thresholds"
        assert "PMC8411661" in CATALOG[m.measure].source(m.rule.source).text


def test_the_stored_outcomes_read_the_same_rule_from_the_catalog() -> None:
    """measures.change's rule, behind the stored episode outcomes, has no numbers of its
    own: it reads the same paired_outcome entries, and none without them."""
    rule = TalkingTherapiesRule.from_catalog(CATALOG)
    measures = {m.measure: m.rule for m in paired_measures(CATALOG)}
    assert rule is not None
    assert (rule.phq9_caseness, rule.phq9_reliable) == (
        measures["phq9"].cutoff,
        measures["phq9"].reliable_change,
    )
    assert (rule.gad7_caseness, rule.gad7_reliable) == (
        measures["gad7"].cutoff,
        measures["gad7"].reliable_change,
    )
    without_gad7 = Catalog({i.id: i for i in CATALOG if i.id != "gad7"})
    assert TalkingTherapiesRule.from_catalog(without_gad7) is None
    (row,) = episode_outcomes(_scores((1, (16, 7), None)), without_gad7).iter_rows(named=True)
    assert row["recovered"] is None
    assert row["missing"] == (
        "the catalog defines the nhs_talking_therapies outcome on PHQ-9 only: it pairs "
        "at least two measures"
    )


def test_a_small_cohort_by_hand() -> None:
    scores = _scores(
        (1, (16, 7), (12, 6)),  # case, below both at the end, both reliably down: all four
        (2, (6, 4), (5, 3)),  # not a case at baseline: excluded from recovery
        (3, (14, 6), (6, 11)),  # PHQ-9 down 8, GAD-7 up 5: deteriorated, not improved
        (4, (15, 12), (10, 9)),  # case, no reliable change, still a case
        (5, (18, 8), None),  # no GAD-7 at all
        (6, (12, 5), (9, 9)),  # case; PHQ-9 down 7 and GAD-7 the same; GAD-7 still 9 >= 8
    )
    out = _by_episode(episode_outcomes(scores, CATALOG, episodes=[1, 2, 3, 4, 5, 6, 7]))
    columns = ("missing", *OUTCOME_COLUMNS)
    assert tuple(out[1][c] for c in columns) == (None, True, True, True, False, True)
    assert tuple(out[2][c] for c in columns) == (None, False, None, False, False, None)
    assert tuple(out[3][c] for c in columns) == (None, True, False, False, True, False)
    assert tuple(out[4][c] for c in columns) == (None, True, False, False, False, False)
    assert tuple(out[5][c] for c in columns) == ("no GAD-7 score", None, None, None, None, None)
    assert tuple(out[6][c] for c in columns) == (None, True, False, True, False, False)
    assert out[7]["missing"] == "no PHQ-9 score; no GAD-7 score"

    summary = summarise(episode_outcomes(scores, CATALOG, episodes=[1, 2, 3, 4, 5, 6, 7]))
    assert (summary.episodes, summary.paired, summary.cases) == (7, 5, 4)
    assert summary.counts == {
        "case_at_baseline": 4,
        "recovered": 1,
        "reliable_improvement": 2,
        "reliable_deterioration": 1,
        "reliable_recovery": 1,
    }
    assert summary.rates["recovered"].estimate == pytest.approx(1 / 4)  # of the cases
    assert summary.rates["reliable_improvement"].estimate == pytest.approx(2 / 5)  # of all paired
    assert summary.rates["reliable_recovery"].n == 4
    assert [m.column for m in METRICS] == list(OUTCOME_COLUMNS)


def test_a_latest_score_that_is_the_baseline_is_no_pair() -> None:
    scores = _scores((1, (16, 16), (12, 12))).with_columns(
        pl.when(pl.col("measure") == "gad7").then(1).otherwise(pl.col("n")).alias("n")
    )
    (row,) = episode_outcomes(scores, CATALOG).iter_rows(named=True)
    assert row["missing"] == "no second GAD-7 score"
    assert row["case_at_baseline"] is None


def test_a_cohort_without_paired_scores_has_no_rates() -> None:
    summary = summarise(episode_outcomes(_scores((1, (16, 7), None)), CATALOG))
    assert (summary.paired, summary.cases) == (0, 0)
    assert all(not rate.available for rate in summary.rates.values())
    assert summary.rates["recovered"].missing == "no episodes in the denominator"


pair = st.tuples(st.integers(0, 27), st.integers(0, 27))
gad_pair = st.tuples(st.integers(0, 21), st.integers(0, 21))


@settings(deadline=None)
@given(st.lists(st.tuples(pair, gad_pair), min_size=1, max_size=30))
def test_the_same_verdicts_as_the_stored_outcomes(episodes) -> None:
    """Agrees with measures.change.talking_therapies_outcome, which fills episode_outcomes."""
    scores = _scores(*((i, phq, gad) for i, (phq, gad) in enumerate(episodes)))
    ours = episode_outcomes(scores, CATALOG).sort("episode_id")
    pairs = pl.DataFrame(
        [(p[0], p[1], g[0], g[1]) for p, g in episodes],
        schema=["phq9_first", "phq9_last", "gad7_first", "gad7_last"],
        orient="row",
    )
    stored = talking_therapies_outcome(pairs, rule=TalkingTherapiesRule.from_catalog(CATALOG))
    assert ours["case_at_baseline"].to_list() == stored["case_at_start"].to_list()
    for column in ("recovered", "reliable_improvement", "reliable_deterioration"):
        assert ours[column].to_list() == stored[column].to_list()
    # the stored reliable recovery is False, not null, for a non-case; here it is null
    assert (
        ours["reliable_recovery"].fill_null(False).to_list()
        == stored["reliable_recovery"].fill_null(False).to_list()
    )
