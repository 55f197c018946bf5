"""Reads of many episodes: a list of ids in chunks, or a select of them, on both back ends."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from dashboard import access
from dashboard.access import program
from dashboard.auth.viewer import Role, Viewer
from dashboard.cohorts.outcomes import episode_outcomes
from dashboard.review.outcome_queue import refresh
from dashboard.store.engine import read
from measures import load_catalog
from measures.program import ProgramConfig
from tests.store.conftest import HEADER
from tests.store.test_import_tables import CLINICIANS, EPISODES

CATALOG = load_catalog()
# E1 (C1) is under way, E2 (C2) and E3 (C3) completed
THREE_EPISODES = (
    EPISODES.splitlines()[0]
    + "\nC1,Fern Test,Riverside,substance_use,CL1,E1,2025-01-06,,"
    + "\nC2,Moss Test,Riverside,substance_use,CL1,E2,2025-01-06,2025-03-03,completed"
    + "\nC3,Reed Test,Riverside,mental_health,CL1,E3,2025-01-06,2025-03-10,completed\n"
)
# PHQ-9 totals 18 -> 4 (C2), 12 -> 14 (C3), 9 -> 9 (C1)
ANSWERS = f"{HEADER}\n" + "".join(
    f"{client},phq9,{on},"
    + ",".join(map(str, [total // 9 + (n < total % 9) for n in range(9)]))
    + "\n"
    for client, on, total in (
        ("C1", "2025-01-07", 9),
        ("C1", "2025-02-07", 9),
        ("C2", "2025-01-07", 18),
        ("C2", "2025-02-25", 4),
        ("C3", "2025-01-08", 12),
        ("C3", "2025-03-01", 14),
    )
)


@pytest.fixture
def three(engine, write_csv, run_import):
    run_import(write_csv("clinicians.csv", CLINICIANS), write_csv("episodes.csv", THREE_EPISODES))
    run_import(write_csv("answers.csv", ANSWERS))
    return engine


def director(engine) -> Viewer:
    with engine.connect() as connection:
        sites = connection.exec_driver_sql("SELECT id FROM sites").scalars().all()
    return Viewer(
        user_id=1, username="d", role=Role.DIRECTOR, display_name="D", site_ids=frozenset(sites)
    )


def administrations(engine, episode_pks) -> pl.DataFrame:
    with read(engine) as connection:
        frame = access.episode_administrations(connection, CATALOG, episode_pks=episode_pks)
    return frame.sort("episode_id", "administered_at")


def test_a_list_read_in_chunks_or_a_select_read_the_same_rows(three, monkeypatch):
    with three.connect() as connection:
        pks = connection.exec_driver_sql("SELECT id FROM episodes ORDER BY id").scalars().all()
    whole = administrations(three, pks)
    assert whole.height == 6
    monkeypatch.setattr(program, "IDS_PER_READ", 2)
    assert_frame_equal(administrations(three, pks), whole)
    closed = access.discharged_episode_pks(director(three), discharged_to=dt.date(2025, 12, 31))
    by_select = administrations(three, closed)
    assert sorted(by_select["episode_id"].unique()) == ["E2", "E3"]
    assert_frame_equal(by_select, whole.filter(pl.col("episode_id") != "E1"))
    assert administrations(three, []).is_empty()


def test_a_list_of_more_ids_than_a_statement_may_bind_reads_on_both_back_ends(three):
    # PostgreSQL binds at most 65,535 parameters in one statement; and each id used to
    # rebuild every parameter (quadratic): the list is read in chunks of parameters built once
    with three.connect() as connection:
        pks = connection.exec_driver_sql("SELECT id FROM episodes").scalars().all()
    many = [*pks, *range(10**6, 10**6 + 70_000)]
    assert_frame_equal(administrations(three, many), administrations(three, pks))


def test_the_cohort_outcomes_are_those_of_the_discharged_episodes_of_the_period(three):
    refresh(three, CATALOG, ProgramConfig())  # the stored outcomes the cohorts read
    with read(three) as connection:
        frame = episode_outcomes(
            connection,
            director(three),
            discharged_from=dt.date(2025, 3, 1),
            discharged_to=dt.date(2025, 3, 31),
        ).sort("discharged_on")
    assert frame["discharged_on"].to_list() == [dt.date(2025, 3, 3), dt.date(2025, 3, 10)]
    # PHQ-9 18 -> 4 and 12 -> 14 (the paired Talking Therapies outcome needs a GAD-7 too)
    assert frame["index_elevated"].to_list() == [True, True]
    assert frame["response"].to_list() == [True, False]
    assert frame["remission"].to_list() == [True, False]
