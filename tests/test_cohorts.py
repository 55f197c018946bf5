"""The directors' per-episode outcomes: the published paired rules, response and remission,
read from the stored outcomes, and the same as rescoring every administration."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from dashboard import clock
from dashboard.access.outcomes import stored_outcomes, stored_scores
from dashboard.cohorts.outcomes import OUTCOME_SCHEMA, episode_outcomes
from dashboard.store.engine import read
from measures import load_catalog
from tests.conftest import viewer_of
from tests.support.rescored_outcomes import rescored_outcomes

EVER = dt.date(2000, 1, 1)


def outcomes(engine) -> pl.DataFrame:
    with read(engine) as connection:
        return episode_outcomes(
            connection,
            viewer_of(engine, "director"),
            discharged_from=EVER,
            discharged_to=clock.today(),
        )


def with_phq9(engine) -> pl.DataFrame:
    """Each discharged episode's stored response and remission beside its stored first and
    last PHQ-9 (episodes with at least two)."""
    director = viewer_of(engine, "director")
    with read(engine) as connection:
        frame = stored_outcomes(
            connection,
            director,
            columns=["episode_id", "index_elevated", "response", "remission"],
            discharged_to=clock.today(),
        )
        phq9 = stored_scores(
            connection, director, measure="phq9", score_id="score", discharged_to=clock.today()
        )
    return frame.join(phq9.filter(pl.col("n") >= 2), on="episode_id")


def test_every_discharged_episode_has_phq9_response_and_remission_so_far(demo_engine):
    paired = with_phq9(demo_engine)
    assert paired.height > 0
    elevated = paired.filter(pl.col("baseline") > 9)
    assert elevated["index_elevated"].all()
    assert (
        elevated["response"].to_list() == (elevated["latest"] <= elevated["baseline"] / 2).to_list()
    )
    assert elevated["remission"].to_list() == (elevated["latest"] < 5).to_list()
    low = paired.filter(pl.col("baseline") <= 9)
    assert low["response"].is_null().all()
    assert low["remission"].is_null().all()


def test_stored_scores_reads_the_columns_asked_for_with_the_same_values(demo_engine):
    director = viewer_of(demo_engine, "director")
    asked = ["episode_id", "n", "change_class", "change"]
    with read(demo_engine) as connection:
        whole = stored_scores(
            connection, director, measure="phq9", score_id="score", discharged_to=clock.today()
        )
        narrow = stored_scores(
            connection,
            director,
            measure="phq9",
            score_id="score",
            discharged_to=clock.today(),
            columns=asked,
        )
        with pytest.raises(ValueError, match="not a stored score column: diagnosis"):
            stored_scores(
                connection, director, measure="phq9", score_id="score", columns=["diagnosis"]
            )
    assert narrow.columns == asked
    assert narrow.height > 0
    assert narrow.sort("episode_id").equals(whole.select(asked).sort("episode_id"))


def test_no_episode_is_both_reliably_improved_and_reliably_deteriorated(demo_engine):
    frame = outcomes(demo_engine).filter(pl.col("reliable_improvement").is_not_null())
    assert frame.height > 0
    both = frame.filter(pl.col("reliable_improvement") & pl.col("reliable_deterioration"))
    assert both.is_empty()


def rescored(engine, **period) -> pl.DataFrame:
    with read(engine) as connection:
        frame = rescored_outcomes(
            connection, viewer_of(engine, "director"), load_catalog(), **period
        )
    return frame.select(list(OUTCOME_SCHEMA))


def same_rows(stored: pl.DataFrame, oracle: pl.DataFrame) -> None:
    order = list(OUTCOME_SCHEMA)
    assert_frame_equal(stored.sort(order, nulls_last=True), oracle.sort(order, nulls_last=True))


def test_the_stored_outcomes_are_what_rescoring_every_administration_gives(demo_engine):
    period = {"discharged_from": EVER, "discharged_to": clock.today()}
    stored = outcomes(demo_engine)
    assert stored.height > 100
    same_rows(stored, rescored(demo_engine, **period))


def test_the_client_attributes_a_program_imported_narrow_a_cohort(demo_engine):
    """The demo's client attributes (data/fixtures/client_attributes.csv) reach the
    directors' episodes, and a cohort keeps the episodes of the clients that have them."""
    import sqlalchemy as sa

    from dashboard.cohorts.definition import Cohort
    from dashboard.demo import FIXTURES
    from dashboard.privacy.periods import Granularity

    with read(demo_engine) as connection:
        frame = stored_outcomes(
            connection,
            viewer_of(demo_engine, "director"),
            columns=["episode_id", "client_id", "admitted_on", "discharged_on", "track", "payer"],
            discharged_to=clock.today(),
        )
        codes = dict(connection.execute(sa.text("SELECT id, code FROM clients")).all())
    imported = pl.read_csv(FIXTURES / "client_attributes.csv", infer_schema=False)
    payer_of = dict(imported.select("client_id", "payer").iter_rows())
    stored = [(codes[client], payer) for client, payer in frame.select("client_id", "payer").rows()]
    assert stored == [(code, payer_of[code]) for code, _ in stored]
    assert frame["payer"].null_count() < frame.height

    year = str(frame["discharged_on"].max().year)
    cohort = Cohort(
        name="Co-occurring on Medicaid",
        granularity=Granularity.YEAR,
        block=year,
        categories={"track": ("co_occurring",), "payer": ("medicaid",)},
    )
    kept = frame.filter(cohort.episode_filter())
    assert kept.height > 0
    assert set(kept["payer"]) == {"medicaid"}
    assert set(kept["track"]) == {"co_occurring"}
    assert (kept["discharged_on"].dt.year() == int(year)).all()
