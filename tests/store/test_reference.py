"""The program's expected-response ranges: every episode, the same whatever the size of the
reads, stored under a fingerprint that changes with every administration."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from pathlib import Path

import polars as pl
from polars.testing import assert_frame_equal

from dashboard import clock
from dashboard.checkin.submit import submit_checkin
from dashboard.program_settings import APP_SECTIONS
from dashboard.review import reference
from dashboard.review.actions import record_decision
from dashboard.store.engine import read
from measures import load_catalog
from measures.program import ProgramConfig
from tests.conftest import viewer_of

PROGRAM = Path(__file__).resolve().parents[2] / "data" / "fixtures" / "demo_program.toml"


def test_ranges_do_not_depend_on_how_many_episodes_are_read_at_once(demo_engine, monkeypatch):
    catalog = load_catalog()
    program = ProgramConfig.from_toml(PROGRAM, catalog=catalog, other_sections=APP_SECTIONS)
    with read(demo_engine) as connection:
        whole = reference.program_reference(connection, catalog, program.expected_response)
        monkeypatch.setattr(reference, "EPISODES_PER_READ", 7)
        batched = reference.program_reference(connection, catalog, program.expected_response)
    assert whole.ranges.height > 0
    for before, after in ((whole.ranges, batched.ranges), (whole.gaps, batched.gaps)):
        columns = before.columns
        assert_frame_equal(before.sort(columns), after.sort(columns))
    assert whole.ranges.filter(pl.col("measure") == "phq9").height > 0


def stored_key(engine) -> str | None:
    with read(engine) as connection:
        return connection.exec_driver_sql("SELECT fingerprint FROM reference_cache").scalar()


def test_check_ins_refresh_the_stored_ranges_daily_and_a_decision_never(demo_copy):
    catalog = load_catalog()
    program = ProgramConfig.from_toml(PROGRAM, catalog=catalog, other_sections=APP_SECTIONS)
    config = program.expected_response
    reference.current_reference(demo_copy, catalog, config)
    before = stored_key(demo_copy)
    with read(demo_copy) as connection:
        assert reference.fingerprint(connection, catalog, config) == before
    record_decision(
        demo_copy,
        viewer_of(demo_copy, "clinician"),
        episode_id="E0234",
        decision="continue",
        note="",
    )
    with read(demo_copy) as connection:
        assert reference.fingerprint(connection, catalog, config) == before
    # every episode with a score that week is the reference, but one answer barely moves
    # the percentiles: check-ins refresh them the next day, not the next page view
    saved = submit_checkin(
        demo_copy,
        viewer_of(demo_copy, "client"),
        answers={"mood_nrs": {"item_1": 6}},
        triggers=[],
        coping=[],
        reflection="",
        catalog=catalog,
    )
    assert saved.saved
    tomorrow = clock.today() + dt.timedelta(days=1)
    with read(demo_copy) as connection:
        assert reference.fingerprint(connection, catalog, config) == before
        after = reference.fingerprint(connection, catalog, config, today=tomorrow)
    assert after != before


def test_the_ranges_rest_on_every_episode_and_on_each_track_with_enough(demo_engine):
    catalog = load_catalog()
    program = ProgramConfig.from_toml(PROGRAM, catalog=catalog, other_sections=APP_SECTIONS)
    with read(demo_engine) as connection:
        ranges = reference.program_reference(connection, catalog, program.expected_response).ranges
        discharged = connection.exec_driver_sql(
            "SELECT COUNT(*) FROM episodes WHERE discharge_reason IN ('completed', 'stepped_down')"
        ).scalar()
    week1 = ranges.filter(
        (pl.col("measure") == "phq9") & (pl.col("week") == 1) & (pl.col("track") == "all")
    )
    # more episodes than the completed ones stand behind the first week's ranges
    assert week1["n_episodes"].sum() > discharged
    assert set(ranges["track"].unique()) > {"all"}
    assert (ranges["n_episodes"] >= program.expected_response.min_reference_episodes).all()
    assert (ranges["n_clients"] <= ranges["n_episodes"]).all()


def test_a_new_day_serves_the_stored_ranges_at_once_and_computes_todays_beside(
    demo_copy, monkeypatch
):
    catalog = load_catalog()
    config = ProgramConfig.from_toml(
        PROGRAM, catalog=catalog, other_sections=APP_SECTIONS
    ).expected_response
    yesterday = reference.current_reference(demo_copy, catalog, config)
    stored = stored_key(demo_copy)
    monkeypatch.setenv("IOP_TODAY", (clock.today() + dt.timedelta(days=1)).isoformat())
    with read(demo_copy) as connection:
        today = reference.fingerprint(connection, catalog, config)
    assert today != stored
    # a writer holds the database: the background computation cannot store before we look
    holder = demo_copy.raw_connection()
    holder.execute("BEGIN IMMEDIATE")
    try:
        served = reference.current_reference(demo_copy, catalog, config, background=True)
        assert stored_key(demo_copy) == stored
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert_frame_equal(served.ranges, yesterday.ranges)
    reference.wait_for_background(timeout=120)
    assert stored_key(demo_copy) == today


def test_other_settings_are_never_served_the_stored_ranges(demo_copy, monkeypatch):
    catalog = load_catalog()
    config = ProgramConfig.from_toml(
        PROGRAM, catalog=catalog, other_sections=APP_SECTIONS
    ).expected_response
    reference.current_reference(demo_copy, catalog, config)
    monkeypatch.setenv("IOP_TODAY", (clock.today() + dt.timedelta(days=1)).isoformat())
    stricter = replace(config, min_reference_episodes=config.min_reference_episodes + 30)
    served = reference.current_reference(demo_copy, catalog, stricter, background=True)
    with read(demo_copy) as connection:
        assert stored_key(demo_copy) == reference.fingerprint(connection, catalog, stricter)
        computed = reference.program_reference(connection, catalog, stricter)
    assert_frame_equal(served.ranges, computed.ranges)
