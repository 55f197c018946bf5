"""The screening instruments an IOP uses: AUDIT-C, DAST-10, PCL-5, PHQ-8, BARC-10, C-SSRS.

Each expected value is worked out by hand from the published rule cited in the
instrument's definition file (measures/definitions/<id>.toml).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from measures import DefinitionError, load_catalog, load_definition, score_administrations
from measures.catalog import builtin_definitions_dir
from measures.fastpath import try_score_csv
from measures.parsing import parse_administrations
from measures.pipeline import score_csv, score_parsed
from tests.measures.conftest import administration, frame

NOW = dt.datetime(2025, 6, 30, 12, 0)


def scored(catalog, *rows):
    return score_administrations(frame(*rows), catalog).to_dicts()


def one(catalog, measure, *items):
    return scored(catalog, administration(measure, *items))[0]


# AUDIT-C: sum of questions 1-3, each 0-4 as the WHO form numbers them: 0-12.


@pytest.mark.parametrize(("items", "total"), [((0, 0, 0), 0), ((2, 1, 0), 3), ((4, 4, 4), 12)])
def test_audit_c_sums_three_questions_from_0_to_12(catalog, items, total):
    row = one(catalog, "audit_c", *items)
    assert (row["score"], row["severity"]) == (total, None)


@pytest.mark.parametrize("items", [(1, 1, 1), (2, 1, 1), (4, 4, 4)])
def test_audit_c_caseness_is_unknown_without_the_clients_sex(catalog, items):
    # 3 (positive for women only), 4 (positive for both), 12: without a recorded
    # sex neither published cut-off can be applied, so caseness stays unknown
    assert one(catalog, "audit_c", *items)["caseness"] is None


def test_audit_c_keeps_both_published_cut_offs_by_sex(catalog):
    total = catalog["audit_c"].primary
    assert total.caseness is None
    by_value = {(c.attribute, c.value): (c.rule, c.cutoff) for c in total.caseness_by}
    assert by_value == {("sex", "male"): (">=", 4), ("sex", "female"): (">=", 3)}
    assert all(c.source == "uscore_audit_c" for c in total.caseness_by)


def test_audit_c_skipped_questions_after_never_are_not_scored_as_0(catalog):
    # The WHO interview form skips 2 and 3 after "Never"; no published rule scores
    # them as 0, so the total is empty unless the 0s are recorded.
    skipped, recorded = scored(
        catalog, administration("audit_c", 0, None, None), administration("audit_c", 0, 0, 0)
    )
    assert skipped["score"] is None
    assert "2 of 3 items missing (items 2, 3)" in skipped["problems"][0]
    assert recorded["score"] == 0


# DAST-10: 1 = yes, 0 = no; 1 point per yes, except item 3 where "No" scores 1. NIDA CDE
# bands 0 / 1-2 / 3-5 / 6-8 / 9-10; LOINC 82667-7: 3 or above.


def dast(yes: int, *, item3: int) -> tuple[int, ...]:
    """Ten answers: ``yes`` of the nine forward items answered yes, item 3 as given."""
    forward = [1] * yes + [0] * (9 - yes)
    return (forward[0], forward[1], item3, *forward[2:])


def test_dast10_item3_is_reverse_keyed_so_no_scores_one(catalog):
    item3 = catalog["dast10"].item("item_3")
    assert item3.reverse
    assert (item3.scored_value(0), item3.scored_value(1)) == (1, 0)
    only_item3 = [one(catalog, "dast10", *dast(0, item3=a))["score"] for a in (0, 1)]
    assert only_item3 == [1, 0]


@pytest.mark.parametrize(
    ("yes", "item3", "total", "band", "case"),
    [
        (0, 1, 0, "No problems reported", False),  # the lowest total: item 3 "Yes"
        (0, 0, 1, "Low level", False),  # every answer "No": item 3 scores 1
        (2, 1, 2, "Low level", False),
        (2, 0, 3, "Moderate level", True),
        (5, 1, 5, "Moderate level", True),
        (6, 1, 6, "Substantial level", True),
        (8, 1, 8, "Substantial level", True),
        (9, 1, 9, "Severe level", True),  # every answer "Yes": item 3 scores 0
        (9, 0, 10, "Severe level", True),  # the highest total
    ],
)
def test_dast10_total_band_and_caseness(catalog, yes, item3, total, band, case):
    row = one(catalog, "dast10", *dast(yes, item3=item3))
    assert (row["score"], row["severity"], row["caseness"]) == (total, band, case)


# PCL-5: 20 items 0-4, total 0-80; clusters B 1-5, C 6-7, D 8-14, E 15-20.


def test_pcl5_total_and_clusters_at_the_range_ends(catalog):
    low, high = scored(
        catalog, administration("pcl5", *([0] * 20)), administration("pcl5", *([4] * 20))
    )
    clusters = ("pcl5_b", "pcl5_c", "pcl5_d", "pcl5_e")
    assert [low["score"], *(low[c] for c in clusters)] == [0, 0, 0, 0, 0]
    assert [high["score"], *(high[c] for c in clusters)] == [80, 20, 8, 28, 24]


def test_pcl5_clusters_sum_their_own_items(catalog):
    items = [1] * 5 + [2] * 2 + [3] * 7 + [4] * 6
    row = one(catalog, "pcl5", *items)
    assert (row["pcl5_b"], row["pcl5_c"], row["pcl5_d"], row["pcl5_e"]) == (5, 4, 21, 24)
    assert row["score"] == 54


@pytest.mark.parametrize("total", [30, 31, 33, 34])
def test_pcl5_has_no_single_cut_off_so_caseness_is_unknown(catalog, total):
    # Bovin 2016: 31-33 "optimally efficient"; a range is not one number
    items = [4] * (total // 4) + [total % 4] + [0] * (19 - total // 4)
    row = one(catalog, "pcl5", *items)
    assert row["score"] == total
    assert (row["caseness"], row["severity"]) == (None, None)
    assert all(s.caseness is None and not s.bands for s in catalog["pcl5"].scores)


def test_pcl5_makes_the_widest_instrument_20_items(catalog):
    assert catalog.max_items == 20
    assert catalog.item_columns[-1] == "item_20"


# PHQ-8: sum of PHQ-9 items 1-8, 0-24; current depression >= 10 (Kroenke 2009); bands
# 0-4, 5-9, 10-14, 15-19, 20-24 [S].


@pytest.mark.parametrize(
    ("items", "total", "band", "case"),
    [
        ((0,) * 8, 0, "None", False),
        ((1, 1, 1, 1, 0, 0, 0, 0), 4, "None", False),
        ((1, 1, 1, 1, 1, 0, 0, 0), 5, "Mild", False),
        ((2, 2, 2, 1, 1, 1, 0, 0), 9, "Mild", False),
        ((2, 2, 2, 2, 2, 0, 0, 0), 10, "Moderate", True),
        ((2, 2, 2, 2, 2, 2, 2, 0), 14, "Moderate", True),
        ((3, 3, 3, 3, 3, 0, 0, 0), 15, "Moderately severe", True),
        ((3, 3, 3, 3, 3, 2, 2, 0), 19, "Moderately severe", True),
        ((3, 3, 3, 3, 3, 3, 2, 0), 20, "Severe", True),
        ((3,) * 8, 24, "Severe", True),
    ],
)
def test_phq8_total_band_and_caseness(catalog, items, total, band, case):
    row = one(catalog, "phq8", *items)
    assert (row["score"], row["severity"], row["caseness"]) == (total, band, case)
    assert row["critical"] is None  # no self-harm item: not asked, never "no"


def test_phq8_items_are_the_first_eight_phq9_items(catalog):
    phq9 = [(i.label, i.text, i.anchors) for i in catalog["phq9"].items[:8]]
    assert [(i.label, i.text, i.anchors) for i in catalog["phq8"].items] == phq9
    assert not catalog["phq8"].critical_items


def test_phq8_has_no_missing_item_rule_unlike_the_phq9(catalog):
    row = one(catalog, "phq8", 1, 1, 1, 1, 1, 1, 1, None)
    assert (row["score"], row["prorated"]) == (None, False)


# BARC-10: ten statements 1-6, total 10-60, higher is better (PhenX).


@pytest.mark.parametrize(
    ("items", "total"), [((1,) * 10, 10), ((5,) * 9 + (2,), 47), ((6,) * 10, 60)]
)
def test_barc10_sums_from_10_to_60(catalog, items, total):
    row = one(catalog, "barc10", *items)
    assert row["score"] == total
    # the published cut-off 47 (sustained remission) has no stated operator
    assert (row["caseness"], row["severity"]) == (None, None)


def test_barc10_higher_is_better_and_answers_start_at_1(catalog):
    barc = catalog["barc10"]
    assert barc.higher_is_better
    assert {(i.min, i.max) for i in barc.items} == {(1, 6)}


# C-SSRS screener: risk level (Blueprint / Columbia): 1 or 2 yes -> Low; 3 or 6 yes -> Moderate;
# 4, 5 or 6b (item 7) yes -> High; highest wins; every answer no -> Low (HL7
# example). Items 3-5 are asked only after a yes to 2, 6b only after a yes to 6.

_ = None
CSSRS_PATTERNS = {
    "every answer no, 3-5 and 6b skipped": ((0, 0, _, _, _, 0, _), "Low", False),
    "every one of the seven answered no": ((0, 0, 0, 0, 0, 0, 0), "Low", False),
    "wish to be dead only": ((1, 0, _, _, _, 0, _), "Low", False),
    "thoughts of killing yourself, no method": ((1, 1, 0, 0, 0, 0, _), "Low", False),
    "thought about how": ((1, 1, 1, 0, 0, 0, _), "Moderate", False),
    "lifetime behaviour, not in the past 3 months": ((0, 0, _, _, _, 1, 0), "Moderate", False),
    "some intention of acting": ((1, 1, 1, 1, 0, 0, _), "High", True),
    "plan and intent": ((1, 1, 0, 0, 1, 0, _), "High", True),
    "behaviour in the past 3 months": ((0, 0, _, _, _, 1, 1), "High", True),
    "behaviour in the past 3 months beside moderate ideation": (
        (1, 1, 1, 0, 0, 1, 1),
        "High",
        True,
    ),
}
CSSRS_UNKNOWN = {
    "3-5 unanswered after a yes to 2": ((1, 1, _, _, _, 0, _), None),
    "4 unanswered after a yes to 2": ((1, 1, 1, _, 0, 0, _), None),
    "6b unanswered after a yes to 6": ((0, 0, _, _, _, 1, _), None),
    "question 6 unanswered": ((0, 0, _, _, _, _, _), None),
    # the safety items were skipped after the no to 2, so not flagged; the level needs 1
    "question 1 unanswered, all else no": ((_, 0, _, _, _, 0, _), False),
    "question 2 unanswered": ((0, _, _, _, _, 0, _), None),
    "nothing answered": ((_,) * 7, None),
}


@pytest.mark.parametrize("pattern", list(CSSRS_PATTERNS))
def test_cssrs_risk_level_of_each_published_pattern(catalog, pattern):
    items, level, critical = CSSRS_PATTERNS[pattern]
    row = one(catalog, "cssrs_screen", *items)
    assert (row["risk_level"], row["critical"]) == (level, critical)
    assert (row["score"], row["severity"], row["caseness"]) == (None, None, None)
    assert row["problems"] == []


@pytest.mark.parametrize("pattern", list(CSSRS_UNKNOWN))
def test_cssrs_an_unanswered_question_it_needs_is_unknown_never_low(catalog, pattern):
    items, critical = CSSRS_UNKNOWN[pattern]
    row = one(catalog, "cssrs_screen", *items)
    assert row["risk_level"] is None
    assert row["critical"] is critical
    assert any("C-SSRS Screener risk level unknown" in p for p in row["problems"])


def test_cssrs_the_unknown_level_names_the_unanswered_items(catalog):
    row = one(catalog, "cssrs_screen", 1, 1, 1, None, None, 1, None)
    assert row["problems"] == [
        "item 4 (Some intention of acting on the thoughts (past month)) unanswered: "
        "safety status unknown, follow up in person",
        "item 5 (Worked out details of a plan and intend to carry it out (past month)) "
        "unanswered: safety status unknown, follow up in person",
        "item 7 (Question 6b: was that within the past 3 months) unanswered: "
        "safety status unknown, follow up in person",
        "C-SSRS Screener risk level unknown: item(s) 4, 5, 7 unanswered; "
        "never read as low, follow up in person",
    ]


def test_cssrs_a_high_answer_is_high_even_with_other_answers_missing(catalog):
    row = one(catalog, "cssrs_screen", None, 1, None, 1, None, None, None)
    assert (row["risk_level"], row["critical"]) == ("High", True)


def test_cssrs_answers_given_after_a_no_still_count(catalog):
    # the form would have skipped question 4, but an answer given is read as given
    row = one(catalog, "cssrs_screen", 0, 0, None, 1, None, 0, None)
    assert (row["risk_level"], row["critical"]) == ("High", True)


def reference_level(row: dict[str, int | None]) -> str | None:
    """The published triage worked out row by row, independently of the engine."""
    asked_after = {3: 2, 4: 2, 5: 2, 7: 6}

    def endorsed(n: int) -> bool | None:
        value = row[f"item_{n}"]
        if value is not None:
            return value > 0
        if n in asked_after and endorsed(asked_after[n]) is False:
            return False  # skipped by the form
        return None

    for level, items in (("High", (4, 5, 7)), ("Moderate", (3, 6)), ("Low", (1, 2))):
        flags = [endorsed(n) for n in items]
        if True in flags:
            return level
        if None in flags:
            return None
    return "Low"


@settings(max_examples=60, deadline=None)
@given(
    rows=st.lists(
        st.fixed_dictionaries({f"item_{n}": st.sampled_from([0, 1, None]) for n in range(1, 8)}),
        min_size=1,
        max_size=20,
    )
)
def test_cssrs_risk_level_matches_the_rule_worked_out_row_by_row(catalog, rows):
    typed = pl.DataFrame(
        [{"measure": "cssrs_screen", **r} for r in rows],
        schema={"measure": pl.String} | dict.fromkeys(catalog.item_columns, pl.Int64),
    )
    out = score_administrations(typed, catalog)
    for row, level, critical in zip(rows, out["risk_level"], out["critical"], strict=True):
        assert level == reference_level(row), row
        if level == "High" and row["item_4"] != 1 and row["item_5"] != 1:
            assert row["item_7"] == 1
        if critical:
            assert level == "High"


def test_cssrs_has_no_total_and_refuses_a_stored_one(catalog):
    raw = pl.DataFrame(
        {
            "client_id": ["C1"],
            "measure": ["cssrs_screen"],
            "administered_on": ["2025-01-06"],
            "item_1": ["0"],
            "item_2": ["0"],
            "item_6": ["0"],
            "total": ["0"],
        }
    )
    run = score_parsed(parse_administrations(raw, catalog), catalog, now=NOW)
    [row] = run.table.to_dicts()
    assert row["rejected"]
    assert "C-SSRS Screener has no total score" in row["problems"][0]


def write_csv(folder: Path, *lines: str, width: int = 9) -> Path:
    items = ",".join(f"item_{n}" for n in range(1, width + 1))
    header = f"client_id,measure,administered_on,{items}"
    path = folder / "in.csv"
    path.write_text(header + "\n" + "\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_the_score_table_has_a_risk_level_only_where_a_screener_is_scored(tmp_path):
    catalog = load_catalog()
    phq9 = score_csv(write_csv(tmp_path, "C1,phq9,2025-01-06,1,1,1,1,1,1,1,1,1"), catalog, now=NOW)
    assert "risk_level" not in phq9.table.columns
    mixed = score_csv(
        write_csv(
            tmp_path,
            "C1,phq9,2025-01-06,1,1,1,1,1,1,1,1,1",
            "C1,cssrs_screen,2025-01-06,1,1,1,0,0,0,,,",
            "C2,cssrs_screen,2025-01-06,1,1,,,,0,,,",
        ),
        catalog,
        now=NOW,
    )
    assert mixed.table["risk_level"].to_list() == [None, "Moderate", None]
    # a screener whose level is unknown is not complete (counted as unscored)
    assert mixed.table["complete"].to_list() == [True, True, False]
    assert mixed.unscored == 1


def test_a_complete_screener_file_takes_the_fast_path_with_its_risk_level(tmp_path):
    catalog = load_catalog()
    lines = [f"C{n},cssrs_screen,2025-01-06,1,1,1,{n % 2},0,0,0" for n in range(4)]
    path = write_csv(tmp_path, *lines, width=7)
    assert try_score_csv(path, catalog, now=NOW) is not None
    run = score_csv(path, catalog, now=NOW)
    assert run.table["risk_level"].to_list() == ["Moderate", "High"] * 2
    assert run.table["critical"].to_list() == [False, True] * 2


def test_a_rejected_screener_row_keeps_its_risk_level_from_the_valid_answers(catalog):
    raw = pl.DataFrame(
        {
            "client_id": ["C1", "C1", "C2"],
            "measure": ["cssrs_screen"] * 3,
            "administered_on": ["2025-01-06", "2025-01-06", "2025-01-06"],
            "item_1": ["1", "1", "1"],
            "item_2": ["1", "1", "1"],
            "item_3": ["0", "0", "0"],
            "item_4": ["1", "1", "0"],
            "item_5": ["0", "0", "0"],
            # C2's question 6 is out of range: blanked, so its 6b is unknown too
            "item_6": ["0", "0", "2"],
        }
    )
    run = score_parsed(parse_administrations(raw, catalog), catalog, now=NOW)
    rows = run.table.select("rejected", "risk_level", "critical").rows()
    assert rows == [(False, "High", True), (True, "High", True), (True, None, None)]


# Loading checks of the new definition tables.

SCREENER = (builtin_definitions_dir() / "cssrs_screen.toml").read_text(encoding="utf-8")
AUDIT_C = (builtin_definitions_dir() / "audit_c.toml").read_text(encoding="utf-8")


def changed(text: str, old: str, new: str) -> str:
    assert old in text, old
    return text.replace(old, new, 1)


BROKEN = {
    "rule_on_an_unknown_level": (
        SCREENER,
        ('level = "Moderate"\nitems', 'level = "Medium"\nitems'),
        "triage: rule 'Medium': level is not one of ['Low', 'Moderate', 'High']",
    ),
    "otherwise_not_a_level": (
        SCREENER,
        ('otherwise = "Low"', 'otherwise = "None"'),
        "triage: otherwise 'None' is not one of the levels",
    ),
    "repeated_level": (
        SCREENER,
        ('levels = ["Low", "Moderate", "High"]', 'levels = ["Low", "High", "High"]'),
        "triage: levels ['Low', 'High', 'High'] must be a non-empty list without repeats",
    ),
    "rule_on_an_unknown_item": (
        SCREENER,
        ('items = ["item_4", "item_5", "item_7"]', 'items = ["item_4", "item_5", "item_8"]'),
        "triage: rule 'High': unknown item(s) ['item_8']",
    ),
    "rule_without_items": (
        SCREENER,
        ('items = ["item_4", "item_5", "item_7"]', "items = []"),
        "triage: rule 'High': no items",
    ),
    "items_not_a_list": (
        SCREENER,
        ('items = ["item_4", "item_5", "item_7"]', 'items = "item_4"'),
        "triage rule High items: must be a list of strings",
    ),
    "threshold_no_answer_can_meet": (
        SCREENER,
        ('items = ["item_4", "item_5", "item_7"]\nabove = 0', 'items = ["item_4"]\nabove = 1'),
        "triage: rule 'High': above 1 is outside item_4's range 0-1",
    ),
    "unlisted_rule_source": (
        SCREENER,
        ('above = 0\nsource = "blueprint_cssrs"', 'above = 0\nsource = "smith2020"'),
        "source 'smith2020' is cited but not listed under [sources]",
    ),
    "unknown_triage_key": (
        SCREENER,
        ('otherwise = "Low"', 'otherwise = "Low"\ndefault = "Low"'),
        "triage: unknown key(s) default",
    ),
    "unknown_rule_key": (
        SCREENER,
        ('above = 0\nsource = "columbia_triage"', 'above = 0\nbelow = 1\nsource = "x"'),
        "triage rule High: unknown key(s) below",
    ),
    "skip_rule_on_a_later_item": (
        SCREENER,
        ('asked_if = { item = "item_2", above = 0', 'asked_if = { item = "item_6", above = 0'),
        "item_3: asked_if names 'item_6', which is not an earlier item",
    ),
    "skip_rule_without_a_source": (
        SCREENER,
        ('item = "item_6", above = 0, source = "columbia_form"', 'item = "item_6", above = 0'),
        "missing 1 required positional argument: 'source'",
    ),
    "risk_level_code_without_a_codes_source": (
        SCREENER,
        ('[codes]\nsource = "hl7_bhp_cssrs"\n', ""),
        "LOINC codes need a source",
    ),
    "caseness_by_outside_the_range": (
        AUDIT_C,
        ('value = "female", cutoff = 3', 'value = "female", cutoff = 13'),
        "caseness_by sex=female: cut-off 13 is outside the range",
    ),
    "caseness_by_beside_caseness": (
        AUDIT_C,
        (
            "caseness_by = [",
            'caseness = { cutoff = 4, rule = ">=", source = "who2001" }\ncaseness_by = [',
        ),
        "caseness and caseness_by exclude each other",
    ),
    "caseness_by_repeated_value": (
        AUDIT_C,
        ('value = "female"', 'value = "male"'),
        "caseness_by lists an attribute value more than once",
    ),
}


@pytest.mark.parametrize("case", list(BROKEN))
def test_a_malformed_triage_or_cut_off_table_is_refused_naming_the_file(tmp_path, case):
    text, (old, new), problem = BROKEN[case]
    path = tmp_path / f"{case}.toml"
    path.write_text(changed(text, old, new), encoding="utf-8")
    with pytest.raises(DefinitionError) as error:
        load_definition(path)
    message = str(error.value)
    assert message.startswith(f"{path}: ")
    assert problem in message


def test_an_instrument_without_scores_needs_a_triage(tmp_path):
    start = SCREENER.index("# The [triage] table")
    end = SCREENER.index("# Safety-critical answers")
    path = tmp_path / "no_triage.toml"
    path.write_text(SCREENER[:start] + SCREENER[end:], encoding="utf-8")
    with pytest.raises(DefinitionError, match="no scores defined \\(and no triage\\)") as error:
        load_definition(path)
    assert str(path) in str(error.value)


@pytest.mark.parametrize("measure", ["audit_c", "dast10", "cssrs_screen"])
def test_restricted_wording_ships_as_labels_only(catalog, measure):
    instrument = catalog[measure]
    assert not instrument.show_item_wording
    assert all(item.text is None and item.label for item in instrument.items)
