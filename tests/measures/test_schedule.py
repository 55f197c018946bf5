"""Due and overdue measures on hand-made calendars."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from measures.config import ConfigError
from measures.schedule import InstrumentSchedule, ScheduleConfig, due_measures

ADMITTED = dt.date(2026, 11, 2)  # a Monday
MON_WED_FRI = [1, 3, 5]


def day(n: int) -> dt.date:
    """The date ``n`` days after admission (0 = Monday 2026-11-02)."""
    return ADMITTED + dt.timedelta(days=n)


def episodes(track: str | None = "substance_use", days: list[int] | None = MON_WED_FRI):
    return pl.DataFrame(
        {"client_id": ["C1"], "admitted_on": [ADMITTED], "track": [track], "program_days": [days]},
        schema={
            "client_id": pl.String,
            "admitted_on": pl.Date,
            "track": pl.String,
            "program_days": pl.List(pl.Int64),
        },
    )


def last(**measures: dt.date) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "client_id": ["C1"] * len(measures),
            "measure": list(measures),
            "last_at": [dt.datetime.combine(d, dt.time(10)) for d in measures.values()],
        },
        schema={"client_id": pl.String, "measure": pl.String, "last_at": pl.Datetime("us")},
    )


def due(as_of: dt.date, done: pl.DataFrame | None = None, *, config=None, **episode) -> dict:
    table = due_measures(
        last() if done is None else done, episodes(**episode), as_of=as_of, config=config
    )
    return {row["measure"]: row for row in table.iter_rows(named=True)}


def test_daily_ratings_are_due_on_a_program_day_until_done():
    rows = due(day(2), last(craving_nrs=day(0), mood_nrs=day(2)))  # Wednesday
    craving = rows["craving_nrs"]
    assert (craving["due"], craving["due_since"], craving["overdue_days"]) == (True, day(2), 0)
    assert craving["reason"] == "every program day; not done today (last 2026-11-02)"
    mood = rows["mood_nrs"]
    assert (mood["due"], mood["next_due"]) == (False, day(4))
    assert mood["reason"] == "every program day; done today; next 2026-11-06"


def test_daily_ratings_are_not_due_on_other_days():
    rows = due(day(1))  # Tuesday
    craving = rows["craving_nrs"]
    assert craving["due"] is False
    assert craving["next_due"] == day(2)
    assert craving["reason"] == "every program day; today is not a program day; next 2026-11-04"


def test_a_missed_daily_rating_is_never_counted_as_overdue():
    craving = due(day(9), last(craving_nrs=day(0)))["craving_nrs"]  # Wednesday, a week later
    assert (craving["due"], craving["overdue_days"]) == (True, 0)


def test_weekly_questionnaires_are_due_from_admission_when_never_done():
    rows = due(day(0))
    assert (rows["phq9"]["due"], rows["phq9"]["overdue_days"]) == (True, 0)
    assert rows["phq9"]["reason"] == "weekly; not done since admission on 2026-11-02; due today"
    late = due(day(3))["gad7"]
    assert (late["due_since"], late["overdue_days"]) == (day(0), 3)
    assert late["reason"] == "weekly; not done since admission on 2026-11-02; overdue by 3 days"


def test_overdue_counts_days_past_the_due_date():
    phq9 = due(day(24), last(phq9=day(10)))["phq9"]  # done 11-12, seen 11-26
    assert (phq9["due"], phq9["due_since"], phq9["overdue_days"]) == (True, day(17), 7)
    assert phq9["reason"] == "weekly; last done 2026-11-12 (14 days ago); overdue by 7 days"


def test_not_yet_due():
    phq9 = due(day(18), last(phq9=day(14)))["phq9"]
    assert (phq9["due"], phq9["due_since"], phq9["next_due"]) == (False, None, day(21))
    assert phq9["reason"] == "weekly; last done 2026-11-16 (4 days ago); next due 2026-11-23"


def test_grace_days_delay_overdue_but_not_due():
    config = ScheduleConfig.from_mapping({"phq9": {"grace_days": 2}})
    within = due(day(15), last(phq9=day(7)), config=config)["phq9"]
    assert (within["due"], within["overdue_days"]) == (True, 0)
    assert within["reason"] == "weekly; last done 2026-11-09 (8 days ago); due since 2026-11-16"
    beyond = due(day(17), last(phq9=day(7)), config=config)["phq9"]
    assert beyond["overdue_days"] == 3


def test_every_two_and_four_weeks():
    rows = due(day(14), last(who5=day(0), bam_r=day(0)))
    assert (rows["who5"]["due"], rows["who5"]["reason"]) == (
        True,
        "every 2 weeks; last done 2026-11-02 (14 days ago); due today",
    )
    assert (rows["bam_r"]["due"], rows["bam_r"]["next_due"]) == (False, day(28))
    assert rows["bam_r"]["reason"].startswith("every 4 weeks; last done 2026-11-02")


def test_not_offered_again_within_the_minimum_interval_after_a_pre_admission_score():
    bam_r = due(day(0), last(bam_r=day(-10)))["bam_r"]
    assert (bam_r["due"], bam_r["next_due"]) == (False, day(18))
    assert bam_r["reason"] == (
        "every 4 weeks; last done 2026-10-23, before admission on 2026-11-02; next due 2026-11-20"
    )


def test_a_minimum_interval_longer_than_the_cadence_wins():
    weekly_but_rested = InstrumentSchedule(every_days=7, min_interval_days=14)
    config = ScheduleConfig(instruments={"phq9": weekly_but_rested})
    phq9 = due(day(10), last(phq9=day(0)), config=config)["phq9"]
    assert (phq9["due"], phq9["next_due"]) == (False, day(14))


def test_at_admission_only_is_not_due_again_once_done():
    config = ScheduleConfig(instruments={"gse": InstrumentSchedule()})
    assert due(day(0), config=config)["gse"]["due"] is True
    done = due(day(30), last(gse=day(1)), config=config)["gse"]
    assert (done["due"], done["next_due"]) == (False, None)
    assert done["reason"] == (
        "at admission; last done 2026-11-03 (29 days ago); not due again this episode"
    )


def test_a_mental_health_client_is_not_asked_about_substance_use():
    rows = due(day(0), track="mental_health")
    assert sorted(rows) == ["gad7", "gse", "mood_nrs", "phq9", "who5"]
    assert len(due(day(0), track=None)) == 9


def test_program_days_fall_back_to_the_program_setting_or_say_they_are_missing():
    unknown = due(day(0), days=None)["mood_nrs"]
    assert (unknown["due"], unknown["next_due"]) == (False, None)
    assert unknown["reason"] == "every program day; program days not recorded for this episode"
    config = ScheduleConfig.from_mapping({"program_days": [1, 2, 3, 4, 5]})
    assert due(day(1), days=None, config=config)["mood_nrs"]["due"] is True


def test_a_past_date_ignores_later_administrations():
    phq9 = due(day(10), last(phq9=day(14)))["phq9"]
    assert phq9["reason"] == "weekly; not done since admission on 2026-11-02; overdue by 10 days"


def test_nothing_is_due_before_admission():
    rows = due(day(-3))
    assert not any(r["due"] for r in rows.values())
    assert rows["phq9"]["next_due"] == ADMITTED
    assert rows["mood_nrs"]["next_due"] == ADMITTED


def test_schedule_config_switches_cadence_and_rejects_mistakes():
    config = ScheduleConfig.from_mapping({"who5": {"program_day": True, "min_interval_days": 1}})
    assert config.instruments["who5"].program_day
    assert config.instruments["who5"].every_days is None
    assert (
        ScheduleConfig.from_mapping({"mood_nrs": {"every_days": 7}}).instruments["mood_nrs"].cadence
        == "weekly"
    )
    with pytest.raises(ConfigError, match=r"\[schedule.phq9\] unknown key 'every'"):
        ScheduleConfig.from_mapping({"phq9": {"every": 7}})
    with pytest.raises(ConfigError, match=r"\[schedule\] unknown key 'grace'"):
        ScheduleConfig.from_mapping({"grace": 2})
    with pytest.raises(ConfigError, match="program_days are ISO weekdays"):
        ScheduleConfig.from_mapping({"program_days": [0, 1]})
    with pytest.raises(ConfigError, match="either program_day = true or every_days"):
        ScheduleConfig.from_mapping({"phq9": {"program_day": True, "every_days": 7}})
