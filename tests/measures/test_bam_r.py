"""The BAM-R as it is administered: days in the past 30 scored into the VA form's bins."""

from __future__ import annotations

from pathlib import Path

import pytest

from measures import DefinitionError, load_catalog, load_definition, score_administrations
from tests.measures.conftest import administration, frame

CATALOG = load_catalog()
BAM = CATALOG["bam_r"]
DEFINITION = Path(BAM.path or "").read_text(encoding="utf-8")
DAY_ITEMS = ["item_2", "item_3", "item_4", "item_5", "item_6", "item_7"]
DAY_ITEMS += ["item_10", "item_11", "item_13", "item_16"]


# VA form [P]: "0 / 1-3 / 4-8 / 9-15 / 16-30"; codes 0-4 from a vendor summary [S]
@pytest.mark.parametrize(
    ("days", "code"),
    [(0, 0), (1, 1), (3, 1), (4, 2), (8, 2), (9, 3), (15, 3), (16, 4), (30, 4)],
)
def test_days_are_scored_into_the_va_forms_bins(days, code):
    assert BAM.day_bins is not None
    assert BAM.day_bins.code(days) == code


@pytest.mark.parametrize(("days", "reason"), [(31, "more than the 30 days"), (-1, "below 0")])
def test_days_outside_the_past_30_are_refused_with_the_reason(days, reason):
    with pytest.raises(ValueError, match=reason):
        BAM.codes_of_days({"item_2": days})


def test_the_day_items_are_those_the_va_form_asks_in_days():
    assert [i.id for i in BAM.items if i.days] == DAY_ITEMS
    # each day item's answer labels are the bins, so a code reads as its days
    for item in (BAM.item(i) for i in DAY_ITEMS):
        assert [item.option_label(c) for c in range(5)] == [
            "0 days",
            "1-3 days",
            "4-8 days",
            "9-15 days",
            "16-30 days",
        ]


def test_each_value_says_whether_a_primary_or_only_a_secondary_source_gives_it():
    assert BAM.day_bins is not None
    assert BAM.cite(BAM.day_bins.source).startswith("[P] Brief Addiction Monitor (BAM), VA")
    assert BAM.cite(BAM.day_bins.codes_source).startswith("[S]")
    for score in BAM.scores:
        assert BAM.cite(score.source).startswith("[S]")
        assert score.caseness is not None
        assert "[S]" in BAM.cite(score.caseness.source)
        assert "[S]" in (score.caseness.note or "")


def test_the_rating_items_carry_the_va_forms_labels():
    assert [BAM.item("item_1").option_label(c) for c in range(5)] == [
        "Excellent",
        "Very good",
        "Good",
        "Fair",
        "Poor",
    ]
    for item_id in ("item_8", "item_9", "item_12", "item_15", "item_17"):
        labels = [BAM.item(item_id).option_label(c) for c in range(5)]
        assert labels == ["Not at all", "Slightly", "Moderately", "Considerably", "Extremely"]


def bam(**answers: int | None) -> dict[str, object]:
    """A BAM-R administration: every scored item 0 (item 14 "No") unless given."""
    items = {f"item_{n}": 0 for n in range(1, 18) if n != 7} | {"item_7": None}
    items |= answers
    return administration("bam_r", *(items[f"item_{n}"] for n in range(1, 18)))


def test_item_5_skipped_after_no_drinking_counts_as_no_heavy_drinking_in_the_use_composite():
    # the form skips item 5 after 0 days of drinking (item 4); without item 4 the skip
    # is undecided and the composite stays empty
    rows = score_administrations(
        frame(
            bam(item_4=0, item_5=None, item_6=2),
            bam(item_4=None, item_5=None, item_6=2),
            bam(item_4=1, item_5=None, item_6=2),
        ),
        CATALOG,
    ).to_dicts()
    assert [r["use"] for r in rows] == [2, None, None]
    assert rows[0]["use_band"] == "Use reported"
    assert rows[0]["problems"] == []
    assert rows[0]["items_answered"] == 15  # the skipped item 5 stays unanswered
    assert "BAM-R Use: 1 of 3 items missing (item 5)" in rows[2]["problems"][0]


def test_item_7_is_skipped_after_no_drug_use():
    assert BAM.skipped("item_7", {"item_6": 0})
    assert not BAM.skipped("item_7", {"item_6": 1})
    assert not BAM.skipped("item_7", {})


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("{ min = 16, max = 30, code = 4 }", "{ min = 16, max = 28, code = 4 }", "cover 0-30"),
        ("{ min = 4, max = 8, code = 2 }", "{ min = 5, max = 8, code = 2 }", "gap or overlap"),
        ("{ min = 9, max = 15, code = 3 }", "{ min = 9, max = 15, code = 1 }", "codes must rise"),
        ("max_days = 30\n", "", "max_days"),
        ('codes_source = "bam_coding"', 'codes_source = "nowhere"', "'nowhere' is cited"),
        ("[day_bins]", "[bins_of_days]", "unknown key"),
        (", scored_as = 0, note = ", ", scored_as = 0, sayso = ", "unexpected keyword"),
        (", scored_as = 0,", ", scored_as = 9,", "scored_as 9 is not an answer"),
    ],
)
def test_a_definition_whose_day_bins_do_not_fit_is_refused(tmp_path, old, new, message):
    assert old in DEFINITION
    text = DEFINITION.replace(old, new, 1).replace('id = "bam_r"', 'id = "bam_copy"')
    path = tmp_path / "bam_copy.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(DefinitionError, match=message):
        load_definition(path)


def test_a_skip_scored_as_a_value_must_say_why(tmp_path):
    text = DEFINITION.replace('id = "bam_r"', 'id = "bam_copy"')
    start = text.index(", scored_as = 0, note = ")
    end = text.index("}", start)
    path = tmp_path / "bam_copy.toml"
    path.write_text(text[:start] + ", scored_as = 0 " + text[end:], encoding="utf-8")
    with pytest.raises(DefinitionError, match="scored_as needs a note"):
        load_definition(path)
