"""Properties every scored or validated frame keeps, for every instrument in the catalog."""

from __future__ import annotations

import datetime as dt
import math
from fractions import Fraction
from pathlib import Path

import pandera.polars as pa
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from measures import (
    Catalog,
    Instrument,
    administration_schema,
    load_catalog,
    parse_administrations,
    score_administrations,
    validate_administrations,
)
from measures.scoring import RESULT_COLUMNS, safety_unknown
from measures.validation import administration_rules

BUILTIN = load_catalog()
CUSTOM = load_catalog(Path(__file__).parent / "data" / "custom_instruments")
REVERSE = CUSTOM["example_reverse"]
PHQ9 = BUILTIN["phq9"]
NOW = dt.datetime(2025, 6, 30, 12, 0)

per_instrument = pytest.mark.parametrize("instrument", list(BUILTIN), ids=BUILTIN.ids)


def typed_frame(rows: list[dict[str, object]], catalog: Catalog = BUILTIN) -> pl.DataFrame:
    schema = {
        "client_id": pl.String,
        "measure": pl.String,
        "administered_on": pl.String,
    } | dict.fromkeys(catalog.item_columns, pl.Int64)
    return pl.DataFrame(rows, schema=schema)


def score_rows(
    instrument: Instrument, rows: list[dict[str, int | None]], catalog: Catalog = BUILTIN
) -> list[dict[str, object]]:
    frame = typed_frame([{"measure": instrument.id, **row} for row in rows], catalog)
    return score_administrations(frame, catalog).to_dicts()


@st.composite
def answers(
    draw: st.DrawFn, instrument: Instrument, *, answered: tuple[str, ...] = ()
) -> dict[str, int | None]:
    """One administration's items: allowed values, any of them (but ``answered``) missing."""
    values = {i.id: draw(st.sampled_from(i.allowed_values)) for i in instrument.items}
    may_miss = [i.id for i in instrument.items if i.id not in answered]
    missing = draw(st.sets(st.sampled_from(may_miss))) if may_miss else set()
    return {k: None if k in missing else v for k, v in values.items()}


@st.composite
def raised_item(
    draw: st.DrawFn, instrument: Instrument, *, reverse: bool
) -> tuple[str, dict[str, int | None], dict[str, int | None]]:
    """An item, a row, and the same row with that item raised to a higher answer."""
    candidates = [
        i
        for i in instrument.items
        if i.scored and i.reverse == reverse and len(i.allowed_values) > 1
    ]
    item = draw(st.sampled_from(candidates))
    low, high = sorted(draw(st.sets(st.sampled_from(item.allowed_values), min_size=2, max_size=2)))
    row = draw(answers(instrument, answered=(item.id,)))
    before, after = row | {item.id: low}, row | {item.id: high}
    # an item the raise brings into the form (BAM-R item 5 after item 4 > 0) is answered
    for other in instrument.items:
        if after[other.id] is None and _unlocked(instrument, other.id, before, after):
            value = draw(st.sampled_from(other.allowed_values))
            before, after = before | {other.id: value}, after | {other.id: value}
    return item.id, before, after


def _unlocked(
    instrument: Instrument,
    item_id: str,
    before: dict[str, int | None],
    after: dict[str, int | None],
) -> bool:
    return instrument.skipped(item_id, before) and not instrument.skipped(item_id, after)


@per_instrument
@settings(max_examples=25, deadline=None)
@given(data=st.data())
def test_every_score_is_in_range_or_null_exactly_when_too_many_items_are_missing(instrument, data):
    rows = data.draw(st.lists(answers(instrument), min_size=1, max_size=8))
    for row, out in zip(rows, score_rows(instrument, rows), strict=True):
        for score in instrument.scores:
            # an item the form skipped counts as its rule's scored_as (BAM-R item 5)
            missing = sum(
                row[i] is None and not _scored_when_skipped(instrument, i, row) for i in score.items
            )
            value = out[score.column]
            if missing > score.missing.max_missing:
                assert value is None, (score.id, row)
            else:
                assert value is not None, (score.id, row)
                assert score.min <= value <= score.max, (score.id, row, value)


def _scored_when_skipped(instrument: Instrument, item_id: str, row: dict[str, int | None]) -> bool:
    condition = instrument.item(item_id).asked_if
    return (
        condition is not None
        and condition.scored_as is not None
        and instrument.skipped(item_id, row)
    )


@per_instrument
@settings(max_examples=20, deadline=None)
@given(data=st.data())
def test_raising_one_answered_item_never_lowers_a_score(instrument, data):
    item, before, after = data.draw(raised_item(instrument, reverse=False))
    low, high = score_rows(instrument, [before, after])
    for score in instrument.scores:
        if item not in score.items:
            continue
        if low[score.column] is None:
            assert high[score.column] is None
            continue
        assert high[score.column] >= low[score.column], (score.id, before, after)
        complete = all(before[i] is not None for i in score.items) and not any(
            _unlocked(instrument, i, before, after) for i in score.items
        )
        if complete and score.formula != "mean":
            step = (after[item] - before[item]) * score.multiplier
            assert high[score.column] - low[score.column] == step


@settings(max_examples=40, deadline=None)
@given(data=st.data())
def test_raising_a_reverse_keyed_item_never_raises_the_score(data):
    item, before, after = data.draw(raised_item(REVERSE, reverse=True))
    low, high = score_rows(REVERSE, [before, after], CUSTOM)
    if low["score"] is None:
        assert high["score"] is None
        return
    assert high["score"] <= low["score"]
    assert low["score"] - high["score"] == after[item] - before[item]


@settings(max_examples=40, deadline=None)
@given(rows=st.lists(answers(REVERSE, answered=("item_1", "item_2", "item_3")), min_size=1))
def test_a_reverse_keyed_item_counts_as_min_plus_max_minus_the_answer(rows):
    reverse = REVERSE.item("item_2")
    assert reverse.reverse
    for row, out in zip(rows, score_rows(REVERSE, rows, CUSTOM), strict=True):
        flipped = reverse.min + reverse.max - row["item_2"]
        assert out["score"] == row["item_1"] + flipped + row["item_3"]


@st.composite
def phq9_with_one_or_two_missing(draw: st.DrawFn) -> dict[str, int | None]:
    row = draw(answers(PHQ9, answered=tuple(i.id for i in PHQ9.items)))
    missing = draw(st.sets(st.sampled_from(list(row)), min_size=1, max_size=2))
    return {k: None if k in missing else v for k, v in row.items()}


@settings(max_examples=40, deadline=None)
@given(rows=st.lists(phq9_with_one_or_two_missing(), min_size=1, max_size=10))
def test_phq9_proration_stays_between_the_answered_sum_and_its_maximum(rows):
    for row, out in zip(rows, score_rows(PHQ9, rows), strict=True):
        answered = [v for v in row.values() if v is not None]
        n_missing = 9 - len(answered)
        mean_times_nine = Fraction(sum(answered) * 9, len(answered))
        assert sum(answered) <= out["score"] <= sum(answered) + 3 * n_missing
        assert out["score"] == math.floor(mean_times_nine + Fraction(1, 2))
        assert out["prorated"] is True
        if row["item_9"] is None:
            assert out["critical"] is None


@settings(max_examples=40, deadline=None)
@given(rows=st.lists(answers(PHQ9, answered=("item_9",)), min_size=1, max_size=10))
def test_critical_is_the_raw_item9_answer_above_zero_whatever_the_other_items(rows):
    for row, out in zip(rows, score_rows(PHQ9, rows), strict=True):
        assert out["critical"] is (row["item_9"] > 0)


@settings(max_examples=30, deadline=None)
@given(rows=st.lists(answers(PHQ9), min_size=1, max_size=10))
def test_an_unanswered_item9_makes_critical_unknown_never_false(rows):
    rows = [row | {"item_9": None} for row in rows]
    for out in score_rows(PHQ9, rows):
        assert out["critical"] is None
        assert any("safety status unknown" in p for p in out["problems"])


NO_SAFETY_ITEM = [i for i in BUILTIN if not i.critical_items]


@pytest.mark.parametrize("instrument", NO_SAFETY_ITEM, ids=[i.id for i in NO_SAFETY_ITEM])
@settings(max_examples=10, deadline=None)
@given(data=st.data())
def test_an_instrument_without_a_safety_item_leaves_critical_empty_never_false(instrument, data):
    # a PHQ-2 or a GAD-7 never asked about self-harm: "not asked", not "no self-harm"
    rows = data.draw(st.lists(answers(instrument), min_size=1, max_size=5))
    for out in score_rows(instrument, rows):
        assert out["critical"] is None
        assert not any("safety" in p for p in out["problems"])


def test_safety_unknown_tells_an_unanswered_safety_item_from_one_never_asked():
    rows = [
        {"measure": "phq9", **{f"item_{n}": 1 for n in range(1, 9)}, "item_9": None},
        {"measure": "gad7", **{f"item_{n}": 1 for n in range(1, 8)}},
        {"measure": "phq9", **{f"item_{n}": 0 for n in range(1, 10)}},
    ]
    scored = score_administrations(typed_frame(rows), BUILTIN)
    assert scored["critical"].to_list() == [None, None, False]
    assert scored.select(safety_unknown(BUILTIN))["critical"].to_list() == [True, False, False]


@st.composite
def mixed_rows(draw: st.DrawFn) -> list[dict[str, object]]:
    instruments = draw(st.lists(st.sampled_from(list(BUILTIN)), min_size=1, max_size=12))
    return [
        {"client_id": f"C{n}", "measure": i.id, **draw(answers(i))}
        for n, i in enumerate(instruments)
    ]


@settings(max_examples=30, deadline=None)
@given(rows=mixed_rows())
def test_mixed_instruments_come_back_in_input_order_with_their_own_scores(rows):
    frame = typed_frame(rows)
    scored = score_administrations(frame, BUILTIN)
    assert scored["client_id"].to_list() == frame["client_id"].to_list()
    assert scored["measure"].to_list() == frame["measure"].to_list()
    for measure in set(frame["measure"]):
        instrument = BUILTIN[measure]
        columns = [*RESULT_COLUMNS, *(s.column for s in instrument.subscales)]
        alone = score_administrations(frame.filter(pl.col("measure") == measure), BUILTIN)
        mixed = scored.filter(pl.col("measure") == measure)
        assert mixed.select(columns).to_dicts() == alone.select(columns).to_dicts()


FAULTS = (
    "out_of_range",
    "beyond_count",
    "unknown_measure",
    "no_measure",
    "future_date",
    "no_date",
    "duplicate",
    "no_client",
)
PAST = st.dates(dt.date(2024, 1, 1), NOW.date()).map(dt.date.isoformat)
FUTURE = st.dates(NOW.date() + dt.timedelta(days=1), dt.date(2030, 1, 1)).map(dt.date.isoformat)
SHORT = [i for i in BUILTIN if len(i.items) < BUILTIN.max_items]


def disallowed(draw: st.DrawFn, instrument: Instrument) -> tuple[str, int]:
    item = draw(st.sampled_from(instrument.items))
    inside = [v for v in range(item.min, item.max + 1) if v not in item.allowed_values]
    return item.id, draw(st.sampled_from([item.min - 1, item.max + 1, *inside]))


@st.composite
def administrations_with_faults(
    draw: st.DrawFn, *, faults: tuple[str, ...] = FAULTS
) -> list[dict[str, object]]:
    rows: list[dict[str, object]] = []
    for n in range(draw(st.integers(1, 12))):
        fault = draw(st.one_of(st.none(), st.sampled_from(faults))) if faults else None
        instrument = draw(st.sampled_from(SHORT if fault == "beyond_count" else list(BUILTIN)))
        row: dict[str, object] = {
            "client_id": f"C{n}",
            "measure": instrument.id,
            "administered_on": draw(PAST),
            **draw(answers(instrument)),
        }
        if fault == "out_of_range":
            row.__setitem__(*disallowed(draw, instrument))
        elif fault == "beyond_count":
            beyond = BUILTIN.item_columns[len(instrument.items) :]
            row[draw(st.sampled_from(beyond))] = draw(st.integers(0, 4))
        elif fault == "unknown_measure":
            row["measure"] = draw(st.sampled_from(["phq10", "k10", "dass21"]))
        elif fault == "no_measure":
            row["measure"] = None
        elif fault == "future_date":
            row["administered_on"] = draw(FUTURE)
        elif fault == "no_date":
            row["administered_on"] = None
        elif fault == "duplicate" and rows:
            first = draw(st.sampled_from(rows))
            row |= {k: first[k] for k in ("client_id", "measure", "administered_on")}
        elif fault == "no_client":
            row["client_id"] = None
        rows.append(row)
    return rows


def invalid_rows(rows: list[dict[str, object]]) -> set[int]:
    """The rows (numbered from 1) that break a rule, worked out row by row."""
    bad: set[int] = set()
    seen: set[tuple[object, ...]] = set()
    for number, row in enumerate(rows, start=1):
        client, measure, day = row["client_id"], row["measure"], row["administered_on"]
        if client is None or measure is None or day is None or measure not in BUILTIN:
            bad.add(number)
        if day is not None:
            if dt.date.fromisoformat(str(day)) > NOW.date() or (client, measure, day) in seen:
                bad.add(number)
            seen.add((client, measure, day))
        if measure in BUILTIN:
            items = {i.id: i for i in BUILTIN[str(measure)].items}
            answered = {c: v for c in BUILTIN.item_columns if (v := row.get(c)) is not None}
            if any(c not in items or v not in items[c].allowed_values for c, v in answered.items()):
                bad.add(number)
    return bad


def pandera_rows(frame: pl.DataFrame) -> set[int]:
    schema = administration_schema(BUILTIN, frame.columns, now=NOW)
    try:
        schema.validate(frame, lazy=True)
    except pa.errors.SchemaErrors as exc:
        index = exc.failure_cases["index"].drop_nulls()
        return set(frame["row"].gather(index).to_list())
    return set()


@settings(max_examples=25, deadline=None)
@given(rows=administrations_with_faults())
def test_the_fast_pre_screen_and_pandera_reject_the_same_rows(rows):
    parsed = parse_administrations(typed_frame(rows), BUILTIN)
    assert parsed.errors.is_empty()
    validation = validate_administrations(parsed, BUILTIN, now=NOW)
    rejected = set(validation.rejected["row"].to_list())
    assert rejected == pandera_rows(parsed.frame) == invalid_rows(rows)
    assert set(validation.errors["row"].to_list()) == rejected
    assert validation.valid.height + validation.rejected.height == len(rows)


@settings(max_examples=10, deadline=None)
@given(rows=administrations_with_faults(faults=()))
def test_a_frame_with_no_invalid_cell_passes_both(rows):
    parsed = parse_administrations(typed_frame(rows), BUILTIN)
    validation = validate_administrations(parsed, BUILTIN, now=NOW)
    assert validation.errors.is_empty()
    assert validation.valid.height == len(rows)
    assert pandera_rows(parsed.frame) == set()


@settings(max_examples=40, deadline=None)
@given(rows=administrations_with_faults())
def test_a_rules_whole_frame_screen_is_true_whenever_a_row_fails_it(rows):
    frame = parse_administrations(typed_frame(rows), BUILTIN).frame
    present = frame["measure"].drop_nulls().unique().to_list()
    for measures in (None, present):
        for rule in administration_rules(BUILTIN, frame.columns, now=NOW, measures=measures):
            fails, screened = frame.select(
                rule.fails.fill_null(False).any().alias("fails"), rule.any_screen.alias("screen")
            ).row(0)
            assert screened or not fails, rule.name


@per_instrument
def test_the_range_rules_whole_frame_screen_catches_each_item_just_out_of_range(instrument):
    valid = {"client_id": "C1", "measure": instrument.id, "administered_on": "2025-01-06"}
    valid |= {i.id: i.allowed_values[0] for i in instrument.items}
    for item in instrument.items:
        for value in (item.min - 1, item.max + 1):
            frame = parse_administrations(
                typed_frame([valid, valid | {"client_id": "C2", item.id: value}]), BUILTIN
            ).frame
            rules = administration_rules(BUILTIN, frame.columns, now=NOW, measures=[instrument.id])
            [in_range] = [r for r in rules if r.name == f"{item.id}_in_range"]
            assert frame.select(in_range.any_screen).item(), (item.id, value)
