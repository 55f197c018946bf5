"""Expected response bands and not-on-track on tiny reference sets with known answers."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from measures.config import ConfigError
from measures.expected import (
    ExpectedConfig,
    expected_ranges,
    not_on_track,
    range_gaps,
    ranges_for,
    track_ranges,
    weekly_scores,
)

ADMITTED = dt.date(2026, 1, 5)  # a Monday
FIVE = ExpectedConfig(min_reference_episodes=5)


def administrations(episode: str, measure: str, scores: dict[int, float], **extra: object) -> list:
    """One score per program week (given on day 7 * (week - 1) after admission)."""
    return [
        {
            "episode_id": episode,
            "measure": measure,
            "score": score,
            "admitted_on": ADMITTED,
            "administered_at": dt.datetime.combine(
                ADMITTED + dt.timedelta(weeks=w - 1), dt.time(9)
            ),
        }
        | extra
        for w, score in scores.items()
    ]


def reference(
    measure: str,
    series: list[dict[int, float]],
    reason: str | None = "completed",
    *,
    track: str | None = None,
    prefix: str = "R",
):
    rows = [
        r
        for n, scores in enumerate(series)
        for r in administrations(
            f"{prefix}{n}", measure, scores, discharge_reason=reason, track=track
        )
    ]
    return weekly_scores(
        pl.DataFrame(rows, schema_overrides={"discharge_reason": pl.String, "track": pl.String})
    )


def client(measure: str, scores: dict[int, float]) -> pl.DataFrame:
    rows = administrations("E1", measure, scores, client_id="C1")
    return weekly_scores(pl.DataFrame(rows))


# Five episodes with a Moderate PHQ-9 baseline (12): week 2 scores 10..14,
# week 3 scores 6..10, so the percentiles are known by hand.
MODERATE = [{1: 12, 2: 10 + n, 3: 6 + n, 4: 5 + n} for n in range(5)]


def test_weekly_scores_average_daily_ratings_and_band_the_first_score():
    rows = [
        *administrations("E1", "phq9", {1: 16, 2: 11}),
        *[
            {
                "episode_id": "E1",
                "measure": "craving_nrs",
                "score": v,
                "admitted_on": ADMITTED,
                "administered_at": dt.datetime.combine(ADMITTED + dt.timedelta(days=d), dt.time(9)),
            }
            for d, v in [(-2, 9.0), (0, 6.0), (2, 4.0), (4, 2.0), (6, 3.0), (7, 1.0)]
        ],
    ]
    weekly = weekly_scores(pl.DataFrame(rows)).select(
        "measure", "week", "value", "n_scores", "baseline", "baseline_band"
    )
    assert weekly.rows() == [
        ("craving_nrs", 1, 3.75, 4, 6.0, "all"),
        ("craving_nrs", 2, 1.0, 1, 6.0, "all"),
        ("phq9", 1, 16.0, 1, 16.0, "Moderately severe"),
        ("phq9", 2, 11.0, 1, 16.0, "Moderately severe"),
    ]


def test_weekly_scores_keep_episodes_that_are_still_open():
    rows = administrations("E1", "phq9", {1: 16, 2: 11}, discharge_reason=None, track=None)
    weekly = weekly_scores(
        pl.DataFrame(rows, schema_overrides={"discharge_reason": pl.String, "track": pl.String})
    )
    assert weekly["value"].to_list() == [16.0, 11.0]


def test_percentiles_of_a_tiny_known_set():
    ranges = expected_ranges(reference("phq9", MODERATE), config=FIVE)
    week2 = ranges.filter(pl.col("week") == 2).row(0, named=True)
    assert week2["baseline_band"] == "Moderate"
    assert week2["n_episodes"] == 5
    assert (week2["p10"], week2["p50"], week2["p90"]) == pytest.approx((10.4, 12.0, 13.6))
    assert week2["worse_than"] == pytest.approx(13.6)
    assert ranges["week"].to_list() == [1, 2, 3, 4]


def test_too_few_reference_episodes_show_no_range_and_say_why():
    weekly = reference("phq9", MODERATE[:3])
    assert expected_ranges(weekly, config=FIVE).is_empty()
    gaps = range_gaps(weekly, config=FIVE)
    assert gaps.filter(pl.col("week") == 2)["reason"].to_list() == [
        "only 3 episodes (all tracks) with a Moderate PHQ-9 baseline have a score in week 2; "
        "at least 5 needed"
    ]


def test_the_default_minimum_is_20_episodes():
    nineteen = reference("phq9", [{1: 12, 2: 10 + n % 5} for n in range(19)])
    assert ExpectedConfig().min_reference_episodes == 20
    assert expected_ranges(nineteen).is_empty()
    twenty = reference("phq9", [{1: 12, 2: 10 + n % 5} for n in range(20)])
    assert expected_ranges(twenty)["n_episodes"].to_list() == [20, 20]


def test_every_episode_with_a_score_that_week_is_the_reference_whatever_its_outcome():
    # completers only made the ranges optimistic (issue 10): those who left early,
    # stepped up or are still in the program count too
    weekly = pl.concat(
        [
            reference("phq9", MODERATE),
            reference("phq9", MODERATE, reason="left_early", prefix="L"),
            reference("phq9", MODERATE[:2], reason=None, prefix="A"),
        ]
    )
    ranges = expected_ranges(weekly, config=FIVE)
    assert ranges.filter(pl.col("week") == 2)["n_episodes"].to_list() == [12]


def test_an_episode_counts_only_in_the_weeks_it_has_a_score():
    stayed = [{1: 12, 2: 10, 3: 6 + n} for n in range(5)]
    left_in_week_2 = [{1: 12, 2: 20} for _ in range(3)]
    weekly = pl.concat(
        [reference("phq9", stayed), reference("phq9", left_in_week_2, "left_early", prefix="L")]
    )
    ranges = expected_ranges(weekly, config=FIVE)
    assert ranges.select("week", "n_episodes").rows() == [(1, 8), (2, 8), (3, 5)]
    week2 = ranges.filter(pl.col("week") == 2).row(0, named=True)
    assert week2["p90"] == pytest.approx(20.0)  # the ones who left early were doing worst


def tracks_reference() -> pl.DataFrame:
    """Six co-occurring episodes scoring high in week 2, four mental-health ones scoring low."""
    co = reference("phq9", [{1: 12, 2: 14 + n % 2} for n in range(6)], track="co_occurring")
    mental = reference(
        "phq9", [{1: 12, 2: 8 + n % 2} for n in range(4)], track="mental_health", prefix="M"
    )
    return pl.concat([co, mental])


def test_a_track_with_enough_episodes_gets_its_own_range_the_others_the_program_wide():
    ranges = expected_ranges(tracks_reference(), config=FIVE).filter(pl.col("week") == 2)
    assert ranges.select("track", "n_episodes").rows() == [("all", 10), ("co_occurring", 6)]
    clients = pl.DataFrame(
        {
            "measure": ["phq9"] * 3,
            "baseline_band": ["Moderate"] * 3,
            "week": [2] * 3,
            "track": ["co_occurring", "mental_health", None],
        }
    )
    chosen = ranges_for(clients, ranges).select("track", "reference_track", "n_episodes")
    assert chosen.rows() == [
        ("co_occurring", "co_occurring", 6),
        ("mental_health", "all", 10),
        (None, "all", 10),
    ]
    assert track_ranges(ranges, "co_occurring")["n_episodes"].to_list() == [6]


def test_not_on_track_compares_a_client_with_their_own_track_and_says_so():
    weekly = tracks_reference()
    ranges = expected_ranges(weekly, config=FIVE)
    client_rows = administrations(
        "E1", "phq9", {1: 12, 2: 14}, client_id="C1", track="co_occurring"
    )
    mine = weekly_scores(pl.DataFrame(client_rows))
    row = not_on_track(mine, ranges, config=FIVE).row(0, named=True)
    assert row["evidence"] == (
        "PHQ-9 14 in week 2 is not above the 90th percentile (15) of the 6 co-occurring-track "
        "episodes with a Moderate PHQ-9 baseline and a score in week 2; their median is 14.5"
    )
    other = weekly_scores(
        pl.DataFrame(
            administrations("E2", "phq9", {1: 12, 2: 14}, client_id="C2", track="mental_health")
        )
    )
    row = not_on_track(other, ranges, config=FIVE).row(0, named=True)
    assert row["evidence"].startswith(
        "PHQ-9 14 in week 2 is not above the 90th percentile (15) of the 10 episodes (all "
        "tracks) with a Moderate PHQ-9 baseline"
    )


def test_not_on_track_only_after_two_consecutive_worse_weeks():
    ranges = expected_ranges(reference("phq9", MODERATE), config=FIVE)
    one_week = not_on_track(client("phq9", {1: 12, 2: 15}), ranges, config=FIVE)
    row = one_week.row(0, named=True)
    assert row["not_on_track"] is False
    assert row["weeks"] == [2]
    assert row["evidence"] == (
        "PHQ-9 15 in week 2 is above the 90th percentile (13.6) of the 5 episodes (all tracks) "
        "with a Moderate PHQ-9 baseline and a score in week 2; 1 of 2 weeks in a row so far"
    )
    two_weeks = not_on_track(client("phq9", {1: 12, 2: 15, 3: 11}), ranges, config=FIVE)
    row = two_weeks.row(0, named=True)
    assert row["not_on_track"] is True
    assert row["weeks"] == [2, 3]
    assert row["evidence"] == (
        "not on track: PHQ-9 above the 90th percentile of the episodes (all tracks) with a "
        "Moderate PHQ-9 baseline and a score that week for 2 weeks in a row "
        "(week 2: 15 vs 13.6, n = 5; week 3: 11 vs 9.6, n = 5)"
    )


def test_a_better_week_ends_the_run():
    ranges = expected_ranges(reference("phq9", MODERATE), config=FIVE)
    row = not_on_track(client("phq9", {1: 12, 2: 15, 3: 8}), ranges, config=FIVE).row(0, named=True)
    assert row["not_on_track"] is False
    assert row["weeks"] == []
    assert row["evidence"] == (
        "PHQ-9 8 in week 3 is not above the 90th percentile (9.6) of the 5 episodes (all tracks) "
        "with a Moderate PHQ-9 baseline and a score in week 3; their median is 8"
    )


def test_a_week_without_a_score_breaks_the_run():
    ranges = expected_ranges(reference("phq9", MODERATE), config=FIVE)
    row = not_on_track(client("phq9", {1: 12, 2: 15, 4: 12}), ranges, config=FIVE).row(
        0, named=True
    )
    assert row["not_on_track"] is False
    assert row["weeks"] == [4]


def test_higher_is_better_measures_are_worse_below_the_10th_percentile():
    who5 = [{1: 40, 2: 44 + 4 * n, 3: 48 + 4 * n} for n in range(5)]  # 'Poor well-being' baseline
    ranges = expected_ranges(reference("who5", who5), config=FIVE)
    week2 = ranges.filter(pl.col("week") == 2).row(0, named=True)
    assert week2["higher_is_better"] is True
    assert week2["worse_than"] == pytest.approx(week2["p10"])
    high = not_on_track(client("who5", {1: 40, 2: 80, 3: 90}), ranges, config=FIVE)
    assert high["not_on_track"].to_list() == [False]
    low = not_on_track(client("who5", {1: 40, 2: 40, 3: 44}), ranges, config=FIVE)
    row = low.row(0, named=True)
    assert row["not_on_track"] is True
    assert "below the 10th percentile" in row["evidence"]
    assert "Poor well-being WHO-5 baseline" in row["evidence"]


def test_no_range_for_the_latest_week_gives_no_verdict_and_the_reason():
    weekly = reference("phq9", MODERATE)
    ranges = expected_ranges(weekly, config=FIVE).filter(pl.col("week") < 4)
    row = not_on_track(client("phq9", {1: 12, 2: 15, 3: 11, 4: 16}), ranges, config=FIVE).row(
        0, named=True
    )
    assert row["not_on_track"] is None
    assert row["evidence"] == (
        "PHQ-9 16 in week 4: no expected range (fewer than 5 episodes (all tracks) with a "
        "Moderate PHQ-9 baseline have a score in week 4)"
    )


def test_gaps_make_the_missing_range_reason_exact():
    weekly = reference("phq9", MODERATE[:3])
    config = ExpectedConfig(min_reference_episodes=5)
    ranges = expected_ranges(weekly, config=config)
    gaps = range_gaps(weekly, config=config)
    row = not_on_track(client("phq9", {1: 12, 2: 15}), ranges, config=config, gaps=gaps)
    assert row["evidence"].to_list() == [
        "PHQ-9 15 in week 2: no expected range (only 3 episodes (all tracks) with a Moderate "
        "PHQ-9 baseline have a score in week 2; at least 5 needed)"
    ]


def test_a_measure_without_bands_uses_one_baseline_group():
    pacs = [{1: 10 + n, 2: 8 + n} for n in range(5)]
    ranges = expected_ranges(reference("pacs", pacs), config=FIVE)
    assert ranges["baseline_band"].unique().to_list() == ["all"]
    row = not_on_track(client("pacs", {1: 20, 2: 19}), ranges, config=FIVE).row(0, named=True)
    assert row["not_on_track"] is True
    assert "of the episodes (all tracks) with a score that week for 2 weeks" in row["evidence"]


def test_the_off_track_percentile_is_configurable():
    config = ExpectedConfig(min_reference_episodes=5, percentile_for_off_track=75)
    week2 = expected_ranges(reference("phq9", MODERATE), config=config).row(1, named=True)
    assert week2["worse_than"] == pytest.approx(13.0)


def test_config_from_the_expected_response_table():
    config = ExpectedConfig.from_mapping({"consecutive_weeks": 3, "percentile_for_off_track": 80})
    assert (config.consecutive_weeks, config.percentile_for_off_track) == (3, 80.0)
    with pytest.raises(ConfigError, match="percentile_for_off_track should be above 50"):
        ExpectedConfig.from_mapping({"percentile_for_off_track": 10})
    with pytest.raises(ConfigError, match=r"\[expected_response\] unknown key 'min_episodes'"):
        ExpectedConfig.from_mapping({"min_episodes": 10})


def test_completed_reasons_is_refused_with_the_reason():
    with pytest.raises(ConfigError, match="completed_reasons is no longer used: the expected"):
        ExpectedConfig.from_mapping({"completed_reasons": ["completed"]})
