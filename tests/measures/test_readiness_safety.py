"""Readiness's safety criterion: met only when every flag and unknown of its window has a
closing follow-up that found no elevated risk; unknown is never safe, not asked is not unknown."""

from __future__ import annotations

import datetime as dt

import polars as pl

from tests.measures.test_readiness import AS_OF, assess, at, doing_well, flags, row

RAISED = dt.date(2026, 11, 10)  # in the window of the review (11-20) and the previous one (11-13)


def follow_up(on: dt.date, *, closes: bool = True, elevated: bool = False, kind="endorsed"):
    return pl.DataFrame(
        {
            "measure": ["phq9"],
            "kind": [kind],
            "flagged_on": [RAISED],
            "recorded_at": [at(on)],
            "closes": [closes],
            "elevated": [elevated],
        }
    )


def raised(kind: str = "endorsed") -> pl.DataFrame:
    return flags(RAISED).with_columns(pl.lit("phq9").alias("measure"), pl.lit(kind).alias("kind"))


def safety(result):
    return result.criterion("safety")


def test_a_closing_follow_up_closes_the_flag_from_the_day_it_was_recorded(catalog):
    result = assess(
        doing_well(), safety=raised(), follow_ups=follow_up(dt.date(2026, 11, 17)), catalog=catalog
    )
    assert safety(result).met is True
    assert (
        safety(result).value
        == "every safety flag in the 14 days to 2026-11-20 closed by a follow-up"
    )
    assert safety(result).met_at_previous_review is False  # not yet recorded on 11-13
    assert result.status == "approaching"


def test_a_follow_up_that_does_not_close_leaves_the_flag_open(catalog):
    result = assess(
        doing_well(),
        safety=raised(),
        follow_ups=follow_up(dt.date(2026, 11, 11), closes=False),
        catalog=catalog,
    )
    assert safety(result).met is False
    assert result.status == "not ready"


def test_elevated_risk_keeps_the_criterion_unmet_for_the_window_though_closed(catalog):
    result = assess(
        doing_well(),
        safety=raised(),
        follow_ups=follow_up(dt.date(2026, 11, 11), elevated=True),
        catalog=catalog,
    )
    assert safety(result).met is False
    assert safety(result).value == (
        "1 safety flag in the 14 days to 2026-11-20 followed up with elevated risk"
    )
    later = assess(
        doing_well(),
        as_of=AS_OF + dt.timedelta(days=14),
        safety=raised(),
        follow_ups=follow_up(dt.date(2026, 11, 11), elevated=True),
        catalog=catalog,
    )
    assert safety(later).met is True  # out of the window


def test_a_flag_the_scores_show_counts_even_when_the_caller_passes_none(catalog):
    rows = [*doing_well(), row("phq9", dt.date(2026, 11, 18), 7.0, critical=True)]
    assert safety(assess(rows, catalog=catalog)).met is False


def test_an_unknown_is_closed_by_a_follow_up_too(catalog):
    rows = [*doing_well(), row("phq9", RAISED, 7.0, critical=None)]
    assert safety(assess(rows, catalog=catalog)).met is False
    done = follow_up(dt.date(2026, 11, 12), kind="unknown")
    assert safety(assess(rows, follow_ups=done, catalog=catalog)).met is True


def test_every_instrument_with_safety_items_can_be_unknown_and_one_without_is_not_asked(catalog):
    screener = next(i.id for i in catalog if i.critical_items and i.id != "phq9")
    unknown = [*doing_well(), row(screener, dt.date(2026, 11, 18), critical=None)]
    assert safety(assess(unknown, catalog=catalog)).met is False
    not_asked = [*doing_well(), row("gad7", dt.date(2026, 11, 18), 6.0, critical=None)]
    assert not catalog["gad7"].critical_items
    assert safety(assess(not_asked, catalog=catalog)).met is True


def test_a_check_in_answer_not_yet_submitted_counts_as_a_flag(catalog):
    result = assess(doing_well(), safety=raised(), catalog=catalog)
    assert safety(result).met is False
    assert safety(result).value.startswith("1 safety flag without a closing follow-up")
