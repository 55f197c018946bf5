"""Golden values from the published scoring rules, one block per instrument.

Each expected value is worked out by hand from the rule cited next to it.
"""

from __future__ import annotations

import polars as pl
import pytest

from measures import score_administrations
from tests.measures.conftest import administration, frame


def scored(catalog, *rows):
    return score_administrations(frame(*rows), catalog).to_dicts()


# PHQ-9: sum of items 1-9 (Kroenke 2001); bands 0-4, 5-9, 10-14, 15-19, 20-27;
# caseness >= 10 (Kroenke 2001).
@pytest.mark.parametrize(
    ("items", "total", "band", "case"),
    [
        ((0,) * 9, 0, "Minimal", False),
        ((1, 1, 1, 1, 0, 0, 0, 0, 0), 4, "Minimal", False),
        ((1, 1, 1, 1, 1, 0, 0, 0, 0), 5, "Mild", False),
        ((1, 1, 1, 1, 1, 1, 1, 1, 1), 9, "Mild", False),
        ((2, 2, 2, 2, 2, 0, 0, 0, 0), 10, "Moderate", True),
        ((2, 2, 2, 2, 2, 2, 2, 0, 0), 14, "Moderate", True),
        ((3, 3, 3, 3, 3, 0, 0, 0, 0), 15, "Moderately severe", True),
        ((3, 3, 3, 3, 3, 2, 2, 0, 0), 19, "Moderately severe", True),
        ((3, 3, 3, 3, 3, 3, 2, 0, 0), 20, "Severe", True),
        ((3,) * 9, 27, "Severe", True),
    ],
)
def test_phq9_total_band_and_caseness(catalog, items, total, band, case):
    row = scored(catalog, administration("phq9", *items))[0]
    assert (row["score"], row["severity"], row["caseness"]) == (total, band, case)
    assert row["items_answered"] == 9
    assert row["prorated"] is False


def test_phq9_prorates_one_or_two_missing_items_with_the_mean_of_the_rest(catalog):
    # NHS Data Dictionary: 1-2 missing items are substituted with the mean of the
    # answered items. 8 answered items summing to 13: 13 + 13/8 = 14.625 -> 15.
    one_missing = administration("phq9", 2, 2, 2, 2, 2, 1, 1, 1, None)
    # 7 answered summing to 7: 7 + 2 * 1 = 9.
    two_missing = administration("phq9", 1, 1, 1, 1, 1, 1, 1, None, None)
    # 3 missing: no score.
    three_missing = administration("phq9", 1, 1, 1, 1, 1, 1, None, None, None)
    rows = scored(catalog, one_missing, two_missing, three_missing)
    assert [r["score"] for r in rows] == [15, 9, None]
    assert [r["prorated"] for r in rows] == [True, True, False]
    assert [r["items_answered"] for r in rows] == [8, 7, 6]
    assert "3 of 9 items missing (items 7, 8, 9)" in rows[2]["problems"][0]


def test_phq9_proration_rounds_half_up(catalog):
    # 8 answered items summing to 4: 4 x 9 / 8 = 4.5 -> 5 (half up), "Mild".
    row = scored(catalog, administration("phq9", 1, 1, 1, 1, 0, 0, 0, None, 0))[0]
    assert (row["score"], row["severity"]) == (5, "Mild")


def test_phq9_item9_is_read_from_the_raw_answer_never_imputed(catalog):
    # measures.md 2.3 hazard 6: a missing item 9 is "unknown", never 0.
    endorsed = administration("phq9", 0, 0, 0, 0, 0, 0, 0, 0, 1)
    denied = administration("phq9", 3, 3, 3, 3, 3, 3, 3, 3, 0)
    missing = administration("phq9", 3, 3, 3, 3, 3, 3, 3, 3, None)
    rows = scored(catalog, endorsed, denied, missing)
    assert [r["critical"] for r in rows] == [True, False, None]
    assert rows[0]["score"] == 1  # a low total does not hide the flag
    assert rows[2]["score"] == 27
    assert rows[2]["prorated"]
    assert any("safety status unknown" in p for p in rows[2]["problems"])


def test_phq2_sum_and_screen_cutoff(catalog):
    # Kroenke 2003 / Arroll 2010: >= 3 is a positive screen.
    rows = scored(catalog, administration("phq2", 1, 1), administration("phq2", 2, 1))
    assert [(r["score"], r["caseness"]) for r in rows] == [(2, False), (3, True)]
    assert rows[1]["severity"].startswith("Screen positive")


@pytest.mark.parametrize(
    ("items", "total", "band", "case"),
    [
        ((0,) * 7, 0, "Minimal", False),
        ((1, 1, 1, 1, 1, 0, 0), 5, "Mild", False),
        ((2, 2, 2, 2, 1, 0, 0), 9, "Mild", False),
        ((2, 2, 2, 2, 2, 0, 0), 10, "Moderate", True),
        ((3, 3, 3, 3, 2, 1, 0), 15, "Severe", True),
        ((3,) * 7, 21, "Severe", True),
    ],
)
def test_gad7_total_band_and_caseness(catalog, items, total, band, case):
    # Spitzer 2006: bands 0-4, 5-9, 10-14, 15-21; caseness >= 10.
    row = scored(catalog, administration("gad7", *items))[0]
    assert (row["score"], row["severity"], row["caseness"]) == (total, band, case)
    assert row["critical"] is None  # the GAD-7 has no safety item: not asked, never "no"


def test_gad7_has_no_published_missing_item_rule(catalog):
    row = scored(catalog, administration("gad7", 1, 1, 1, None, 1, 1, 1))[0]
    assert row["score"] is None
    assert row["prorated"] is False
    assert "no published rule for filling in missing items" in row["problems"][0]


def test_who5_percentage_is_raw_times_four_and_higher_is_better(catalog):
    # WHO-5: raw 0-25, percentage = raw x 4; <= 50 poor well-being (Topp 2015),
    # <= 28 likely depression.
    rows = scored(
        catalog,
        administration("who5", 5, 5, 5, 5, 5),
        administration("who5", 3, 3, 3, 2, 2),  # raw 13 -> 52
        administration("who5", 3, 3, 2, 2, 2),  # raw 12 -> 48
        administration("who5", 2, 1, 1, 1, 2),  # raw 7 -> 28
    )
    assert [(r["score"], r["who5_raw"]) for r in rows] == [(100, 25), (52, 13), (48, 12), (28, 7)]
    assert [r["severity"] for r in rows] == [
        "Above screening threshold",
        "Above screening threshold",
        "Poor well-being",
        "Likely depression",
    ]
    assert [r["caseness"] for r in rows] == [False, False, True, True]


def test_pacs_sum_and_research_cutoff(catalog):
    # Flannery 1999 sum of 5 items 0-6; Hartwell 2019 cut-off >= 15; no bands.
    rows = scored(
        catalog, administration("pacs", 3, 3, 3, 3, 2), administration("pacs", 3, 3, 3, 3, 3)
    )
    assert [(r["score"], r["caseness"], r["severity"]) for r in rows] == [
        (14, False, None),
        (15, True, None),
    ]


@pytest.mark.parametrize("measure", ["craving_nrs", "confidence_nrs", "mood_nrs"])
def test_single_ratings_have_no_invented_cutoffs(catalog, measure):
    row = scored(catalog, administration(measure, 7))[0]
    assert (row["score"], row["severity"], row["caseness"]) == (7, None, None)
    assert catalog[measure].primary.reliable_change is None


def test_gse_sums_ten_items_from_10_to_40(catalog):
    rows = scored(catalog, administration("gse", *([1] * 10)), administration("gse", *([4] * 10)))
    assert [r["score"] for r in rows] == [10, 40]
    assert catalog["gse"].higher_is_better


def test_bam_r_has_three_composites_and_no_total(catalog):
    # Cacciola 2013: Use = 4+5+6; Risk = 1+2+3+8+11+15; Protective =
    # 9+10+12+13+14+16; items 7 and 17 not scored. Cut-offs Use >= 1, Risk >= 12,
    # Protective <= 12.
    items = {n: 0 for n in range(1, 18)}
    items |= {
        4: 1,
        5: 0,
        6: 2,
        1: 2,
        2: 2,
        3: 2,
        8: 2,
        11: 2,
        15: 2,
        9: 4,
        10: 4,
        12: 4,
        13: 4,
        14: 0,
        16: 4,
        7: 4,
        17: 4,
    }
    row = scored(catalog, administration("bam_r", *[items[n] for n in range(1, 18)]))[0]
    assert row["score"] is None
    assert row["severity"] is None
    assert (row["use"], row["risk"], row["protective"]) == (3, 12, 20)
    assert (row["use_case"], row["risk_case"], row["protective_case"]) == (True, True, False)
    assert row["use_band"] == "Use reported"
    assert row["problems"] == []


def test_bam_r_item_7_is_optional_and_unscored(catalog):
    items = [1] * 17
    items[6] = None  # item 7 left blank
    row = scored(catalog, administration("bam_r", *items))[0]
    assert (row["use"], row["risk"], row["protective"]) == (3, 6, 6)
    assert row["problems"] == []


def test_a_stored_total_that_disagrees_is_reported_and_ours_is_used(catalog):
    row = scored(catalog, administration("phq9", *([1] * 9), total=12.0))[0]
    assert row["score"] == 9
    assert row["problems"] == [
        "stored total 12 disagrees with the answers (9); the computed score is used"
    ]


def test_a_total_only_administration_scores_with_unknown_flags(catalog):
    row = scored(catalog, administration("phq9", *([None] * 9), total=16.0))[0]
    assert (row["score"], row["severity"], row["critical"]) == (16, "Moderately severe", None)
    assert row["problems"] == ["total only (no item answers): item-level flags unknown"]


def test_rows_keep_their_input_order_across_instruments(catalog):
    rows = scored(
        catalog,
        administration("gad7", *([1] * 7)),
        administration("phq9", *([2] * 9)),
        administration("gad7", *([3] * 7)),
    )
    assert [r["score"] for r in rows] == [7, 18, 21]


def test_scores_are_floats_and_frame_is_empty_safe(catalog):
    empty = frame(administration("phq9", *([1] * 9))).clear()
    assert score_administrations(empty, catalog).height == 0
    assert (
        score_administrations(frame(administration("phq9", *([1] * 9))), catalog).schema["score"]
        == pl.Float64
    )
