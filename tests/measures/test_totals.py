"""Stored totals: the scale each is on (WHO-5 raw or percentage) and totals that cannot be."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from measures import DefinitionError, load_catalog, load_definition, read_administrations_csv
from measures.pipeline import score_parsed

NOW = dt.datetime(2025, 6, 30, 12, 0)
HEADER = "client_id,measure,administered_on,item_1,item_2,item_3,item_4,item_5,total,total_scale"
BUILTIN = load_catalog()


def run(folder: Path, *lines: str, header: str = HEADER):
    path = folder / "administrations.csv"
    path.write_text(header + "\n" + "\n".join(lines) + "\n", encoding="utf-8")
    return score_parsed(read_administrations_csv(path, BUILTIN), BUILTIN, now=NOW)


def rows(folder: Path, *lines: str, header: str = HEADER) -> list[dict[str, object]]:
    return run(folder, *lines, header=header).table.to_dicts()


# measures.md 2.3 hazard 3: WHO-5 raw 0-25, percentage = raw x 4; cut-offs on the percentage


def test_a_raw_who5_total_is_read_as_its_percentage_not_as_a_percentage(tmp_path):
    # a raw 20 is 80%, "Above screening threshold"; read as 20% it would say "Likely depression"
    (row,) = rows(tmp_path, "C1,who5,2025-01-06,,,,,,20,raw")
    assert (row["score"], row["who5_raw"], row["severity"]) == (80, 20, "Above screening threshold")
    assert row["problems"] == ["total only (no item answers): item-level flags unknown"]


def test_a_percentage_who5_total_is_the_score_and_gives_the_raw_total(tmp_path):
    (row,) = rows(tmp_path, "C1,who5,2025-01-06,,,,,,28,Percentage")
    assert (row["score"], row["who5_raw"], row["severity"]) == (28, 7, "Likely depression")
    assert row["total_scale"] == "percentage"


def test_a_who5_total_that_does_not_say_its_scale_is_rejected(tmp_path):
    (row,) = rows(tmp_path, "C1,who5,2025-01-06,,,,,,20,")
    assert row["rejected"]
    assert row["score"] is None
    assert row["problems"] == [
        "total_scale is empty, but a WHO-5 total may be percentage (0-100) or raw (0-25): say which"
    ]


def test_a_who5_total_without_a_total_scale_column_is_rejected(tmp_path):
    header = "client_id,measure,administered_on,total"
    (row,) = rows(tmp_path, "C1,who5,2025-01-06,20", header=header)
    assert row["rejected"]
    assert "total_scale is empty" in row["problems"][0]


def test_a_percentage_that_is_not_a_multiple_of_4_is_rejected(tmp_path):
    (row,) = rows(tmp_path, "C1,who5,2025-01-06,,,,,,50,percentage")
    assert row["rejected"]
    assert row["problems"] == [
        "WHO-5 total 50 (percentage) is not a multiple of 4: a percentage is the raw total x 4"
    ]


def test_a_fractional_raw_total_and_a_raw_total_above_25_are_rejected(tmp_path):
    table = rows(tmp_path, "C1,who5,2025-01-06,,,,,,12.5,raw", "C2,who5,2025-01-06,,,,,,30,raw")
    assert [r["problems"] for r in table] == [
        ["WHO-5 total 12.5 (raw) is not a whole number: a raw total is a sum of whole answers"],
        ["total is 30; WHO-5 raw totals are 0-25"],
    ]


def test_a_fractional_total_of_a_sum_of_whole_answers_is_rejected(tmp_path):
    header = "client_id,measure,administered_on,total"
    table = rows(tmp_path, "C1,phq9,2025-01-06,12.5", "C2,gse,2025-01-06,25", header=header)
    assert table[0]["problems"] == [
        "PHQ-9 total 12.5 is not a whole number: the total is a sum of whole answers"
    ]
    assert table[1]["rejected"] is False  # the GSE total is a sum too: 25 is fine


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ("C1,who5,2025-01-06,,,,,,20,pct", "total_scale 'pct' is not a scale of WHO-5 totals"),
        ("C1,phq9,2025-01-06,,,,,,9,raw", "PHQ-9 totals have one scale; leave total_scale empty"),
        ("C1,who5,2025-01-06,1,1,1,1,1,,raw", "total_scale 'raw' is given without a total"),
    ],
)
def test_a_total_scale_that_does_not_fit_is_rejected_with_the_reason(tmp_path, line, reason):
    (row,) = rows(tmp_path, line)
    assert row["rejected"]
    assert any(reason in p for p in row["problems"]), row["problems"]


def test_a_stored_raw_total_that_disagrees_with_the_answers_is_reported_on_its_scale(tmp_path):
    (row,) = rows(tmp_path, "C1,who5,2025-01-06,3,3,3,3,3,14,raw")
    assert (row["rejected"], row["score"]) == (False, 60)
    assert row["problems"] == [
        "stored total 14 (raw) disagrees with the answers (15); the computed score is used"
    ]


def test_rejected_totals_keep_the_counts_adding_up(tmp_path):
    result = run(
        tmp_path,
        "C1,who5,2025-01-06,,,,,,20,raw",
        "C2,who5,2025-01-06,,,,,,20,",
        "C3,who5,2025-01-06,,,,,,50,percentage",
        "C4,who5,2025-01-06,1,1,1,1,1,20,raw",
    )
    assert (result.rows, result.rejected) == (4, 2)
    assert result.validation.valid.height + result.validation.rejected.height == result.rows


@settings(max_examples=40, deadline=None)
@given(answers=st.lists(st.integers(0, 5), min_size=5, max_size=5))
def test_a_total_on_either_scale_agrees_with_the_answers_and_gives_the_same_score(answers):
    raw = sum(answers)
    items = ",".join(map(str, answers))
    frame = pl.DataFrame(
        {
            "client_id": ["A", "B", "C", "D"],
            "measure": ["who5"] * 4,
            "administered_on": ["2025-01-06"] * 4,
        }
        | {f"item_{n}": [str(v), str(v), None, None] for n, v in enumerate(answers, start=1)}
        | {"total": [str(raw), str(raw * 4), str(raw), str(raw * 4)]}
        | {"total_scale": ["raw", "percentage", "raw", "percentage"]}
    )
    from measures import parse_administrations

    table = score_parsed(parse_administrations(frame, BUILTIN), BUILTIN, now=NOW).table
    assert table["rejected"].to_list() == [False] * 4, items
    assert table["score"].to_list() == [raw * 4] * 4
    assert table["who5_raw"].to_list() == [raw] * 4
    assert table["problems"][0].to_list() == []


# -- the definition: which scores a total may be given on --------------------------------

WHO5 = (Path(__file__).parents[2] / "measures" / "definitions" / "who5.toml").read_text()


def _definition(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "who5_copy.toml"
    path.write_text(text.replace('id = "who5"', 'id = "who5_copy"'), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (('total_scale = "percentage"\n', ""), "not on the primary score"),
        (('total_scale = "raw"', 'total_scale = "percentage"'), "repeat"),
        (('total_scale = "raw"', 'total_scale = "Raw scale"'), "must be a lower-case word"),
        (('items = "all"\nformula = "sum"\n', 'items = ["item_1"]\nformula = "sum"\n'), "sum"),
        (('total_unit = "%"', 'total_unit = "%"\nloinc = "1-1"'), "LOINC codes need a source"),
    ],
)
def test_a_definition_whose_total_scales_do_not_fit_is_refused(tmp_path, change, message):
    old, new = change
    assert old in WHO5
    with pytest.raises(DefinitionError, match=message):
        load_definition(_definition(tmp_path, WHO5.replace(old, new, 1)))


def test_the_who5_declares_its_two_scales():
    who5 = BUILTIN["who5"]
    assert [(s.id, s.total_scale) for s in who5.total_scales] == [
        ("who5_percent", "percentage"),
        ("who5_raw", "raw"),
    ]
    assert [i.id for i in BUILTIN if len(i.total_scales) > 1] == ["who5"]
