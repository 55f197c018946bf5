"""The directors' per-episode outcomes: the published paired rules, response and remission."""

from __future__ import annotations

import datetime as dt

import polars as pl

from dashboard import clock
from dashboard.cohorts.outcomes import episode_outcomes
from dashboard.store.engine import read
from measures import load_catalog
from tests.conftest import viewer_of


def outcomes(engine) -> pl.DataFrame:
    with read(engine) as connection:
        return episode_outcomes(
            connection,
            viewer_of(engine, "director"),
            load_catalog(),
            discharged_from=dt.date(2000, 1, 1),
            discharged_to=clock.today(),
        )


def test_every_discharged_episode_has_phq9_response_and_remission_so_far(demo_engine):
    frame = outcomes(demo_engine)
    assert {"index_elevated", "response", "remission"} <= set(frame.columns)
    paired = frame.filter(pl.col("phq9_first").is_not_null() & pl.col("phq9_last").is_not_null())
    assert paired.height > 0
    elevated = paired.filter(pl.col("phq9_first") > 9)
    assert elevated["index_elevated"].all()
    assert (
        elevated["response"].to_list()
        == (elevated["phq9_last"] <= elevated["phq9_first"] / 2).to_list()
    )
    assert elevated["remission"].to_list() == (elevated["phq9_last"] < 5).to_list()
    low = paired.filter(pl.col("phq9_first") <= 9)
    assert low["response"].is_null().all()
    assert low["remission"].is_null().all()


def test_no_episode_is_both_reliably_improved_and_reliably_deteriorated(demo_engine):
    frame = outcomes(demo_engine).filter(pl.col("reliable_improvement").is_not_null())
    assert frame.height > 0
    both = frame.filter(pl.col("reliable_improvement") & pl.col("reliable_deterioration"))
    assert both.is_empty()
