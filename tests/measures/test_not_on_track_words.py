"""Not-on-track evidence and range gaps written by polars read as they did row by row.

The row-by-row words of main 40de92a are kept in ``tests/measures/reference`` as the
oracle: on hypothesis-made weekly scores, ranges and gaps, every row and every column
(verdict, weeks behind, evidence) is the same.
"""

from __future__ import annotations

import polars as pl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal

from measures import load_catalog
from measures.expected import ExpectedConfig, not_on_track
from measures.expected_words import gap_table
from tests.measures.reference import expected as reference

CATALOG = load_catalog()
#: Lower is better, higher is better, no bands, and a measure the catalog lacks.
MEASURES = ("phq9", "who5", "pacs", "homegrown")
BANDS = ("Mild", "Moderate", "all")
TRACKS = ("co_occurring", "mental_health")
WEEKLY = {
    "client_id": pl.String,
    "track": pl.String,
    "episode_id": pl.String,
    "measure": pl.String,
    "week": pl.Int64,
    "value": pl.Float64,
    "baseline_band": pl.String,
}
RANGES = {
    "measure": pl.String,
    "baseline_band": pl.String,
    "track": pl.String,
    "week": pl.Int64,
    "n_episodes": pl.Int64,
    "n_clients": pl.Int64,
    "p10": pl.Float64,
    "p50": pl.Float64,
    "p90": pl.Float64,
    "worse_than": pl.Float64,
}
GAPS = {"measure": pl.String, "baseline_band": pl.String, "week": pl.Int64, "n_episodes": pl.Int64}
values = st.one_of(
    st.integers(0, 30).map(float),
    st.sampled_from([0.15, 0.25, 10.05, 12.45, 40.5]),
    st.floats(0, 100, allow_nan=False),
)
limits = st.one_of(st.integers(5, 20).map(float), st.sampled_from([12.45, 60.0]))


@st.composite
def cases(draw: st.DrawFn) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame | None]:
    """Weekly scores of a few episodes, ranges (their track's, every track's or none) for
    their weeks, and gaps for some of the weeks without every track's range."""
    weekly = []
    for client in range(draw(st.integers(1, 4))):
        track = draw(st.sampled_from([*TRACKS, None]))
        for episode in range(draw(st.integers(1, 2))):
            for measure in draw(st.lists(st.sampled_from(MEASURES), max_size=3, unique=True)):
                band = draw(st.sampled_from(BANDS))
                weeks = draw(st.lists(st.integers(1, 8), min_size=1, max_size=6, unique=True))
                weekly += [
                    {
                        "client_id": f"C{client}",
                        "track": track,
                        "episode_id": f"E{client}.{episode}",
                        "measure": measure,
                        "week": week,
                        "value": draw(values),
                        "baseline_band": band,
                    }
                    for week in sorted(weeks)
                ]
    ranges, gap_rows = [], []
    for measure, band, week in sorted(
        {(r["measure"], r["baseline_band"], r["week"]) for r in weekly}
    ):
        group = {"measure": measure, "baseline_band": band, "week": week}
        tracks = draw(st.lists(st.sampled_from(["all", *TRACKS]), max_size=3, unique=True))
        ranges += [
            group
            | {"track": track, "n_episodes": draw(st.integers(1, 60))}
            | {"n_clients": draw(st.integers(1, 60)), "p10": draw(values)}
            | {"p50": draw(values), "p90": draw(values), "worse_than": draw(limits)}
            for track in tracks
        ]
        if "all" not in tracks and draw(st.booleans()):
            gap_rows.append(group | {"n_episodes": draw(st.integers(0, 19))})
    gaps = pl.DataFrame(gap_rows, schema=GAPS) if draw(st.booleans()) else None
    return pl.DataFrame(weekly, schema=WEEKLY), pl.DataFrame(ranges, schema=RANGES), gaps


configs = st.builds(
    ExpectedConfig,
    min_reference_episodes=st.integers(1, 30),
    percentile_for_off_track=st.sampled_from([51.0, 75.0, 80.0, 90.0, 92.5, 99.0]),
    consecutive_weeks=st.integers(1, 4),
)


def _sorted(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.sort("client_id", "episode_id", "measure", "baseline_band")


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=cases(), config=configs)
def test_every_row_reads_as_it_did_row_by_row(case, config):
    weekly, ranges, gaps = case
    words = None
    if gaps is not None:
        words = gap_table(gaps, CATALOG, config)
        assert_frame_equal(words, reference.gap_table(gaps, CATALOG, config))
    found = not_on_track(weekly, ranges, config=config, catalog=CATALOG, gaps=words)
    expected = reference.not_on_track(weekly, ranges, config=config, catalog=CATALOG, gaps=words)
    assert_frame_equal(_sorted(found), _sorted(expected))


def test_a_client_behind_for_two_weeks_in_words():
    weekly = pl.DataFrame(
        [
            {"client_id": "C1", "track": "co_occurring", "episode_id": "E1", "measure": "phq9"}
            | {"week": week, "value": value, "baseline_band": "Moderate"}
            for week, value in ((1, 12.0), (2, 15.0), (3, 14.5))
        ],
        schema=WEEKLY,
    )
    ranges = pl.DataFrame(
        [
            {"measure": "phq9", "baseline_band": "Moderate", "track": "all", "week": week}
            | {"n_episodes": 40, "n_clients": 39, "p10": 6.0, "p50": 10.0, "p90": 14.0}
            | {"worse_than": 14.0}
            for week in (1, 2, 3)
        ],
        schema=RANGES,
    )
    row = not_on_track(weekly, ranges, catalog=CATALOG).row(0, named=True)
    assert row["not_on_track"] is True
    assert row["evidence"] == (
        "not on track: PHQ-9 above the 90th percentile of the episodes (all tracks) with a "
        "Moderate PHQ-9 baseline and a score that week for 2 weeks in a row "
        "(week 2: 15 vs 14, n = 40; week 3: 14.5 vs 14, n = 40)"
    )
