"""Reliable change (Jacobson & Truax 1991), the NHS Talking Therapies paired outcome and
PHQ-9 response and remission (NCQA HEDIS DRR-E, MN Community Measurement).

measures.md 2.1 and 2.2 and screening-instruments.md 7 and 8 give the rules and the
worked illustration reproduced here.
"""

from __future__ import annotations

import datetime as dt
import math

import polars as pl
import pytest

from measures import load_catalog
from measures.catalog import builtin_definitions_dir
from measures.change import (
    DETERIORATED,
    IMPROVED,
    NO_CHANGE,
    RESPONSE_TITLE,
    episode_change,
    reliable_change_index,
    response_remission,
    response_so_far,
    talking_therapies_outcome,
)
from measures.definition import ReliableChange

START = dt.datetime(2025, 1, 6)


def series(measure: str, *values: float, score_id: str = "score", every_days: int = 7):
    """One client's long score frame: ``values`` a fixed number of days apart."""
    return pl.DataFrame(
        {
            "client_id": ["C1"] * len(values),
            "measure": [measure] * len(values),
            "score_id": [score_id] * len(values),
            "administered_at": [
                START + dt.timedelta(days=every_days * k) for k in range(len(values))
            ],
            "value": [float(v) for v in values],
        }
    )


def change_of(measure: str, *values: float, score_id: str = "score", **kwargs) -> dict:
    [row] = episode_change(series(measure, *values, score_id=score_id), **kwargs).to_dicts()
    return row


def outcome(phq9_first, phq9_last, gad7_first, gad7_last, rule=None) -> dict:
    pairs = pl.DataFrame(
        {
            "phq9_first": [phq9_first],
            "phq9_last": [phq9_last],
            "gad7_first": [gad7_first],
            "gad7_last": [gad7_last],
        }
    )
    [row] = talking_therapies_outcome(pairs, rule=rule).to_dicts()
    return row


ILLUSTRATION = ReliableChange(source="jacobson_truax_1991", sd=5, reliability=0.80)


def test_the_jacobson_truax_illustration_standard_errors():
    assert ILLUSTRATION.se_difference / math.sqrt(2) == pytest.approx(2.24, abs=0.005)
    assert ILLUSTRATION.se_difference == pytest.approx(3.16, abs=0.005)
    assert 1.96 * ILLUSTRATION.se_difference == pytest.approx(6.2, abs=0.05)


def test_the_jacobson_truax_illustration_needs_a_change_of_seven_points():
    assert ILLUSTRATION.threshold == 7


def test_the_rci_of_seven_points_is_reliable_and_of_six_is_not():
    assert reliable_change_index(20, 13, sd=5, reliability=0.80) == pytest.approx(-2.21, abs=0.005)
    assert abs(reliable_change_index(20, 14, sd=5, reliability=0.80)) < 1.96
    assert abs(reliable_change_index(20, 13, sd=5, reliability=0.80)) > 1.96


def test_the_rci_sign_follows_the_direction_of_change():
    assert reliable_change_index(10, 17, sd=5, reliability=0.80) == pytest.approx(2.21, abs=0.005)


def test_a_published_threshold_in_points_is_used_as_published():
    assert ReliableChange(source="iapt", points=6).threshold == 6


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ((16, 10), IMPROVED),
        ((16, 11), NO_CHANGE),
        ((10, 16), DETERIORATED),
        ((10, 15), NO_CHANGE),
    ],
)
def test_phq9_reliable_change_is_a_change_of_at_least_six(values, expected):
    assert change_of("phq9", *values)["change_class"] == expected


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ((40, 50), IMPROVED),
        ((40, 48), NO_CHANGE),
        ((50, 40), DETERIORATED),
    ],
)
def test_who5_higher_is_better_so_a_rise_of_ten_is_reliable_improvement(values, expected):
    assert change_of("who5", *values)["change_class"] == expected


@pytest.mark.parametrize(
    ("values", "expected"),
    [((12, 8), IMPROVED), ((12, 9), NO_CHANGE), ((8, 12), DETERIORATED)],
)
def test_gad7_reliable_change_is_a_change_of_at_least_four(values, expected):
    assert change_of("gad7", *values)["change_class"] == expected


def test_change_is_latest_minus_baseline_whatever_lies_between():
    row = change_of("phq9", 18, 6, 20, 12)
    assert (row["n"], row["baseline"], row["latest"], row["change"]) == (4, 18, 12, -6)
    assert row["change_class"] == IMPROVED


def test_recovered_when_a_case_at_baseline_and_not_at_latest():
    assert change_of("phq9", 12, 9)["recovered"] is True
    assert change_of("phq9", 12, 10)["recovered"] is False


def test_recovered_is_unknown_when_not_a_case_at_baseline():
    row = change_of("phq9", 8, 2)
    assert row["baseline_case"] is False
    assert row["recovered"] is None


def test_who5_caseness_is_at_or_below_fifty_for_recovery():
    row = change_of("who5", 40, 52)
    assert (row["baseline_case"], row["latest_case"], row["recovered"]) == (True, False, True)


def test_reliably_recovered_needs_recovery_and_reliable_improvement():
    assert change_of("phq9", 16, 9)["reliably_recovered"] is True
    assert change_of("phq9", 12, 9)["reliably_recovered"] is False
    assert change_of("phq9", 20, 12)["reliably_recovered"] is False


@pytest.mark.parametrize(
    ("measure", "score_id"),
    [
        ("craving_nrs", "score"),
        ("mood_nrs", "score"),
        ("gse", "score"),
        ("pacs", "score"),
        ("bam_r", "use"),
    ],
)
def test_scores_without_a_published_threshold_get_no_change_class(measure, score_id):
    row = change_of(measure, 9, 1, score_id=score_id)
    assert row["change"] == -8
    assert row["rc_threshold"] is None
    assert row["change_class"] is None


def test_the_slope_is_taken_over_the_last_n_values_per_week():
    row = change_of("phq9", 27, 27, 10, 8, 6, 4, last_n=4)
    assert row["slope_per_week"] == pytest.approx(-2.0)


def test_the_slope_is_per_week_whatever_the_spacing():
    long = series("phq9", 20, 16, 12, every_days=14)
    [row] = episode_change(long).to_dicts()
    assert row["slope_per_week"] == pytest.approx(-2.0)


def test_a_single_administration_gives_no_change_class():
    row = change_of("phq9", 16)
    assert row["n"] == 1
    assert row["change"] == 0
    assert row["change_class"] is None
    assert row["recovered"] is None
    assert row["slope_per_week"] is None


def test_each_client_series_is_summarised_on_its_own():
    improving = series("phq9", 20, 12)
    worsening = series("phq9", 4, 12).with_columns(client_id=pl.lit("C2"))
    rows = episode_change(pl.concat([worsening, improving])).sort("client_id").to_dicts()
    assert [(r["client_id"], r["change_class"]) for r in rows] == [
        ("C1", IMPROVED),
        ("C2", DETERIORATED),
    ]


def test_the_rci_is_not_reported_for_a_published_threshold_in_points():
    assert change_of("phq9", 16, 10)["rci"] is None


def test_a_definition_with_sd_and_reliability_uses_the_jacobson_truax_threshold(tmp_path):
    gse = (builtin_definitions_dir() / "gse.toml").read_text(encoding="utf-8")
    rc = 'reliable_change = { sd = 5, reliability = 0.80, source = "gse_items" }'
    own = gse.replace('id = "gse"', 'id = "gse_local"', 1)
    own = own.replace('source = "gse_items"\n', f'source = "gse_items"\n{rc}\n', 1)
    (tmp_path / "gse_local.toml").write_text(own, encoding="utf-8")
    catalog = load_catalog(tmp_path)
    seven = change_of("gse_local", 20, 27, catalog=catalog)
    six = change_of("gse_local", 20, 26, catalog=catalog)
    assert seven["rc_threshold"] == 7
    assert seven["rci"] == pytest.approx(2.21, abs=0.005)
    assert (seven["change_class"], six["change_class"]) == (IMPROVED, NO_CHANGE)


@pytest.mark.parametrize(
    ("phq9", "gad7", "case"),
    [(10, 0, True), (9, 8, True), (9, 7, False), (0, 21, True)],
)
def test_talking_therapies_caseness_is_phq9_10_or_gad7_8(phq9, gad7, case):
    assert outcome(phq9, phq9, gad7, gad7)["case_at_start"] is case


def test_gad7_of_8_is_a_talking_therapies_case_but_not_a_gad7_case(catalog):
    assert catalog["gad7"].primary.caseness.is_case(8) is False
    assert outcome(0, 0, 8, 8)["case_at_start"] is True


def test_talking_therapies_recovery_needs_both_measures_below_caseness_at_the_end():
    assert outcome(12, 8, 10, 7)["recovered"] is True
    assert outcome(12, 8, 10, 8)["recovered"] is False
    assert outcome(12, 10, 10, 2)["recovered"] is False


def test_talking_therapies_recovery_is_unknown_when_not_a_case_at_start():
    row = outcome(9, 2, 7, 0)
    assert row["case_at_start"] is False
    assert row["recovered"] is None
    assert row["reliable_recovery"] is None


@pytest.mark.parametrize(
    ("phq9", "gad7", "improved"),
    [((16, 10), (10, 10), True), ((16, 16), (12, 8), True), ((16, 11), (12, 9), False)],
)
def test_talking_therapies_reliable_improvement_on_either_measure(phq9, gad7, improved):
    assert outcome(*phq9, *gad7)["reliable_improvement"] is improved


def test_an_episode_is_never_both_reliably_improved_and_reliably_deteriorated():
    # "a reliable decrease in one or both of the scores; no reliable increase in either"
    row = outcome(12, 4, 5, 10)
    assert (row["reliable_improvement"], row["reliable_deterioration"]) == (False, True)
    assert row["reliable_recovery"] is False


@pytest.mark.parametrize(
    ("phq9", "gad7"),
    [((16, 10), (4, 8)), ((10, 16), (12, 8)), ((16, 10), (12, 8)), ((4, 10), (4, 8))],
)
def test_reliable_improvement_and_deterioration_exclude_each_other(phq9, gad7):
    row = outcome(*phq9, *gad7)
    assert not (row["reliable_improvement"] and row["reliable_deterioration"])


@pytest.mark.parametrize(
    ("phq9", "gad7", "deteriorated"),
    [((4, 10), (4, 4), True), ((4, 4), (4, 8), True), ((4, 9), (4, 7), False)],
)
def test_talking_therapies_reliable_deterioration_on_either_measure(phq9, gad7, deteriorated):
    assert outcome(*phq9, *gad7)["reliable_deterioration"] is deteriorated


def test_talking_therapies_reliable_recovery_is_recovery_with_reliable_improvement():
    assert outcome(15, 8, 9, 7)["reliable_recovery"] is True
    recovered_only = outcome(10, 9, 8, 7)
    assert recovered_only["recovered"] is True
    assert recovered_only["reliable_recovery"] is False


def test_a_reliable_change_on_one_measure_alone_is_improvement_or_deterioration():
    improved = outcome(16, 10, 8, 8)
    worse = outcome(4, 10, 8, 8)
    assert (improved["reliable_improvement"], improved["reliable_deterioration"]) == (True, False)
    assert (worse["reliable_improvement"], worse["reliable_deterioration"]) == (False, True)


def response(first: float, *later: float) -> dict:
    [row] = response_remission(episode_change(series("phq9", first, *later))).to_dicts()
    return row


@pytest.mark.parametrize(("first", "evaluated"), [(9, False), (10, True), (27, True)])
def test_response_and_remission_need_an_elevated_first_phq9_above_9(first, evaluated):
    row = response(first, 2)
    assert row["index_elevated"] is evaluated
    assert (row["response"] is not None, row["remission"] is not None) == (evaluated, evaluated)


@pytest.mark.parametrize(
    ("first", "latest", "responded"),
    [(16, 8, True), (16, 9, False), (11, 5, True), (20, 11, False)],
)
def test_response_is_a_fall_of_at_least_half_of_the_first_score(first, latest, responded):
    assert response(first, 14, latest)["response"] is responded


@pytest.mark.parametrize(("latest", "remitted"), [(4, True), (5, False), (0, True)])
def test_remission_is_a_latest_phq9_below_5(latest, remitted):
    assert response(18, 12, latest)["remission"] is remitted


def test_response_is_the_latest_score_not_the_best_one():
    row = response(20, 4, 12)
    assert (row["response"], row["remission"]) == (False, False)


def test_a_single_phq9_gives_no_response_or_remission_yet():
    row = response(18)
    assert row["index_elevated"] is True
    assert (row["response"], row["remission"]) == (None, None)


def test_response_so_far_says_what_it_is_and_is_not():
    assert RESPONSE_TITLE == (
        "PHQ-9 response and remission so far (not the HEDIS/MNCM measurement window)"
    )
    change = episode_change(series("phq9", 18, 12, 4))
    assert response_so_far(change) == (
        "PHQ-9 18 at the start, 4 now (78% lower): response so far (at least 50% lower); "
        "remission so far (below 5)"
    )
    low = episode_change(series("phq9", 8, 2))
    assert response_so_far(low) == (
        "not evaluated: the first PHQ-9 (8) is not above 9; response and remission are "
        "measured only from an elevated first score"
    )
    assert response_so_far(episode_change(series("gad7", 12, 4))) == "no PHQ-9 in this episode yet"
