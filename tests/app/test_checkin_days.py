"""The BAM-R in a check-in: days asked as numbers, scored into the form's bins, skips honoured."""

from __future__ import annotations

import json

import polars as pl
import sqlalchemy as sa

from dashboard.checkin.submit import submit_checkin
from dashboard.store.engine import read
from dashboard.store.exports import scores_table
from measures import load_catalog
from tests.conftest import viewer_of

CATALOG = load_catalog()
BAM = CATALOG["bam_r"]
DAY_ITEMS = [i.id for i in BAM.items if i.days]


def _bam_check_in(open_app):
    """The client's check-in with the BAM-R due (set in the session, as a draft would)."""
    at = open_app("client")
    state = {"measures": ["bam_r"], "step": 0, "answers": {}, "days": {}, "notes": {}}
    at.session_state["checkin"] = state
    return at.run()


def _days(at, item_id):
    return at.number_input(key=f"days_bam_r_{item_id}")


def _shown(at) -> set[str]:
    keys = [w.key for w in [*at.number_input, *at.radio] if w.key]
    return {k.removeprefix("days_bam_r_").removeprefix("answer_bam_r_") for k in keys}


def test_day_items_are_number_inputs_and_the_forms_skips_hide_items_5_and_7(open_app):
    at = _bam_check_in(open_app)
    assert {w.key for w in at.number_input} == {f"days_bam_r_{i}" for i in DAY_ITEMS}
    assert all(w.value is None for w in at.number_input)  # nothing pre-filled
    assert "(0-30 days)" in _days(at, "item_2").label
    _days(at, "item_4").set_value(0)
    _days(at, "item_6").set_value(0)
    at.run()
    assert {"item_5", "item_7"}.isdisjoint(_shown(at))  # "0 (Skip to #6)", "If 0, skip to #8"
    _days(at, "item_4").set_value(3)
    at.run()
    assert "item_5" in _shown(at)
    assert at.session_state["checkin"]["answers"]["bam_r"]["item_4"] == 1  # 1-3 days


def test_a_bam_r_check_in_is_scored_from_the_days_and_keeps_them(open_app, app_db):
    at = _bam_check_in(open_app)
    entered = {"item_2": 12, "item_3": 4, "item_4": 0, "item_6": 0, "item_10": 30}
    entered |= {"item_11": 1, "item_13": 16, "item_16": 9}
    for item_id, days in entered.items():
        _days(at, item_id).set_value(days)
    at.run()
    for radio in at.radio:
        radio.set_value(radio.options and int(str(radio.options[-1]).split(" ")[0]))
    at.run()
    next(b for b in at.button if b.label == "Next").click().run()
    assert at.subheader[0].value == "Since your last check-in (optional)"
    next(b for b in at.button if b.label == "Next").click().run()
    review = "\n".join(m.value for m in at.markdown)
    assert "Nights with trouble sleeping: 12 days" in review
    assert "if female or over 65\\): not asked" in review  # item 5, skipped after 0 days
    next(b for b in at.button if b.label == "Submit").click().run()
    assert at.success[0].value == "Thank you. Your check-in is saved."
    with app_db.connect() as connection:
        items, raw = connection.execute(
            sa.text(
                "SELECT items, raw FROM administrations "
                "WHERE instrument = 'bam_r' AND source = 'self-report'"
            )
        ).one()
    # 12 nights -> 9-15 (3), 4 -> 4-8 (2), 0 -> 0, 30 -> 16-30 (4), 1 -> 1-3 (1), 16 -> 4, 9 -> 3
    codes = json.loads(items)
    assert [codes[n - 1] for n in (2, 3, 4, 5, 6, 7, 10, 11, 13, 16)] == [
        3,
        2,
        0,
        None,
        0,
        None,
        4,
        1,
        4,
        3,
    ]
    assert json.loads(raw)["days"] == entered  # the days as entered, nothing lost
    with read(app_db) as connection:
        scored = scores_table(connection, CATALOG).filter(pl.col("source") == "self-report")
    use = scored.filter(pl.col("measure") == "bam_r")["use"].to_list()
    assert use == [0]  # no drinking, so no heavy drinking (item 5 skipped), no drug use


def test_days_outside_the_past_30_reject_the_check_in_with_the_reason(demo_copy):
    result = submit_checkin(
        demo_copy,
        viewer_of(demo_copy, "client"),
        answers={"bam_r": {}},
        days={"bam_r": {"item_2": 31}},
        triggers=[],
        coping=[],
        reflection="",
        catalog=CATALOG,
    )
    assert not result.saved
    assert result.errors == (
        "BAM-R item 2 (Nights with trouble sleeping): 31 days is more than the 30 days asked about",
    )
