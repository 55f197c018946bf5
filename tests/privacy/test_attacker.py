"""The attacker's script: every subtraction across groupings, periods and statistics, on the
demo's program overview and on random cohorts, finds no withheld value; on per-cell
suppression over free day ranges (the page before issue 11) it finds both of the issue's
attacks."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dashboard.cohorts.outcomes import episode_outcomes
from dashboard.cohorts.overview import build_overview
from dashboard.privacy import CubeSpec, Dimension, Split, release_of
from dashboard.privacy.periods import GRANULARITIES, Granularity, block_columns, cut_off
from dashboard.store.engine import read
from measures import load_catalog
from tests.conftest import viewer_of
from tests.privacy.attacker import Observation, attack
from tests.privacy.views import (
    PER_CELL_SPLITS,
    observe_overview,
    observe_release,
    per_cell_suppression,
    splits_of,
)

CATALOG = load_catalog()
TODAY = dt.date(2026, 11, 26)


@pytest.fixture(scope="module")
def demo_outcomes(demo_engine) -> pl.DataFrame:
    with read(demo_engine) as connection:
        return episode_outcomes(connection, viewer_of(demo_engine, "director"), discharged_to=TODAY)


def test_every_table_of_the_demo_overview_and_its_csv_gives_nothing_away(demo_outcomes):
    until = cut_off(TODAY)
    overview = build_overview(
        demo_outcomes.filter(pl.col("discharged_on") <= until), CATALOG, until=until
    )
    observation = observe_overview(overview)
    assert observation.shown  # it saw figures...
    assert observation.withheld_rates  # ...and some withheld
    assert attack(observation, splits_of(overview.release.spec), threshold=11) == []


def test_the_attacker_works_out_a_hidden_cell_from_its_margin_under_per_cell_suppression(
    demo_outcomes,
):
    """Issue 11: Hillcrest completed 59 of 100, Co-occurring and Substance use shown, so the
    hidden Mental health cell is the difference."""
    observation = per_cell_suppression(demo_outcomes, dt.date(2025, 11, 26), TODAY)
    found = {
        (f.cell.groups, f.cell.population): f.value
        for f in attack(observation, PER_CELL_SPLITS, threshold=11)
    }
    assert found[(("Hillcrest", "Mental health"), "completed")] == 18
    assert found[(("Hillcrest", "Mental health"), "not completed")] == 9


def test_the_attacker_finds_the_one_client_discharged_on_a_day_under_free_ranges(demo_outcomes):
    """Issue 11: moving the end of the range by one day shows that the one client
    discharged that day completed and improved."""
    observation = Observation()
    for end in (dt.date(2025, 12, 25), dt.date(2025, 12, 26)):
        observation.merge(per_cell_suppression(demo_outcomes, dt.date(2025, 5, 1), end))
    day = (dt.date(2025, 12, 26), dt.date(2025, 12, 26))
    found = {
        f.cell.population: f.value
        for f in attack(observation, PER_CELL_SPLITS, threshold=11)
        if f.cell.period == day and f.cell.groups == ("Hillcrest", None)
    }
    assert found == {"episodes": 1, "completed": 1, "improved": 1}


SITES = ["Hillcrest", "Riverside", "Lakeside"]
TRACKS = ["Co-occurring", "Mental health", "Substance use"]
REASONS = ["completed", "stepped_down", "left_early", "stepped_up", "other"]


@st.composite
def cohorts(draw: st.DrawFn) -> pl.DataFrame:
    """Episodes with random sites, tracks, discharge days and outcomes, consistent with
    how the outcomes are defined (recovery only for cases at start, and so on)."""
    sites = draw(st.integers(1, 3))
    size = draw(st.integers(0, 160))
    rows = []
    for _ in range(size):
        paired = draw(st.booleans())
        case = paired and draw(st.booleans())
        improved = paired and draw(st.booleans())
        recovered = case and draw(st.booleans())
        scored = draw(st.booleans())
        elevated = scored and draw(st.booleans())
        response = elevated and draw(st.booleans())
        rows.append(
            {
                "discharged_on": dt.date(2025, 1, 1)
                + dt.timedelta(days=draw(st.integers(0, 668))),  # to 31 Oct 2026
                "site": SITES[draw(st.integers(0, sites - 1))],
                "track_name": draw(st.sampled_from(TRACKS)),
                "discharge_reason": draw(st.sampled_from(REASONS)),
                "length_weeks": float(draw(st.integers(1, 12))),
                "reliable_improvement": improved if paired else None,
                "case_at_start": case if paired else None,
                "recovered": recovered if case else None,
                "reliable_recovery": (recovered and improved) if case else None,
                "index_elevated": elevated if scored else None,
                "response": response if elevated else None,
                "remission": (response and draw(st.booleans())) if elevated else None,
            }
        )
    schema = {
        "discharged_on": pl.Date,
        "site": pl.String,
        "track_name": pl.String,
        "discharge_reason": pl.String,
        "length_weeks": pl.Float64,
        **{
            c: pl.Boolean
            for c in (
                "reliable_improvement",
                "case_at_start",
                "recovered",
                "reliable_recovery",
                "index_elevated",
                "response",
                "remission",
            )
        },
    }
    return pl.DataFrame(rows, schema=schema)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cohorts())
def test_no_table_of_a_random_cohorts_overview_gives_anything_away(outcomes):
    overview = build_overview(outcomes, CATALOG, until=dt.date(2026, 10, 31))
    observation = observe_overview(overview)
    assert attack(observation, splits_of(overview.release.spec), threshold=11) == []


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cohorts(), st.integers(3, 15))
def test_months_quarters_years_and_any_threshold_give_nothing_away(outcomes, threshold):
    """The engine on its own: three period levels, a total of each grouping, every table."""
    rows = outcomes.with_columns(
        *block_columns("discharged_on", GRANULARITIES),
        pl.col("reliable_improvement").is_not_null().alias("paired"),
        pl.col("discharge_reason").is_in(["completed", "stepped_down"]).alias("completed"),
    )
    spec = CubeSpec(
        "episodes",
        (
            Dimension("period", ("month", "quarter", "year"), total=None),
            Dimension("site", ("site",)),
            Dimension("track", ("track_name",)),
        ),
        (
            Split.binary("completed", parent="episodes", column="completed"),
            Split.binary("paired", parent="episodes", column="paired", protected=False),
            Split.binary("improved", parent="paired", column="reliable_improvement"),
        ),
        threshold=threshold,
    )
    release = release_of(rows, spec)
    granularities = {g.value: g for g in Granularity}
    observation = observe_release(release, granularities, dt.date(2026, 10, 31))
    assert attack(observation, splits_of(spec), threshold=threshold) == []
