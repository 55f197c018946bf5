"""The synthetic data generator: determinism, plausible data, and the committed fixtures."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal
from typer.testing import CliRunner

from dashboard.cli import app
from dashboard.cli.fixtures import DEFAULT_AS_OF, DEFAULT_CLIENTS, DEFAULT_SEED
from dashboard.synthetic import SyntheticData, generate, write_fixtures
from dashboard.synthetic.writer import CSV_FILES, MANIFEST, README
from measures import load_catalog
from measures.pipeline import score_csv

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "data" / "fixtures"
AS_OF = DEFAULT_AS_OF
END_OF_AS_OF = dt.datetime.combine(AS_OF, dt.time(23, 59, 59))
FRAMES = ("clinicians", "episodes", "care_levels", "attendance", "administrations", "bad_rows")


@pytest.fixture(scope="module")
def data() -> SyntheticData:
    """The committed fixtures' generation, in memory."""
    return generate(clients=DEFAULT_CLIENTS, seed=DEFAULT_SEED, as_of=AS_OF)


@pytest.fixture(scope="module")
def manifest() -> dict[str, object]:
    """The committed manifest."""
    return json.loads((FIXTURES / MANIFEST).read_text(encoding="utf-8"))


def good_rows(data: SyntheticData) -> pl.DataFrame:
    """Administrations without the deliberate bad rows, with a measure as text."""
    bad = data.bad_rows["line"] - 2
    return (
        data.administrations.with_row_index("index")
        .filter(~pl.col("index").is_in(bad.implode()))
        .with_columns(pl.col("measure").cast(pl.String))
    )


def with_episodes(data: SyntheticData) -> pl.DataFrame:
    """Good administrations joined to the episode they fall in, and its trajectory."""
    episodes = data.episodes.join(data.trajectories, on="episode_id")
    return (
        good_rows(data)
        .join(episodes, on="client_id")
        .filter(
            (pl.col("administered_on") >= pl.col("admitted_on"))
            & (
                pl.col("discharged_on").is_null()
                | (pl.col("administered_on") <= pl.col("discharged_on"))
            )
        )
    )


def test_same_seed_gives_identical_frames(data):
    again = generate(clients=DEFAULT_CLIENTS, seed=DEFAULT_SEED, as_of=AS_OF)
    for name in (*FRAMES, "trajectories"):
        assert_frame_equal(getattr(again, name), getattr(data, name))
    assert (again.demo_client_id, again.demo_episode_id) == (
        data.demo_client_id,
        data.demo_episode_id,
    )


def test_another_seed_gives_other_data(data):
    other = generate(clients=DEFAULT_CLIENTS, seed=DEFAULT_SEED + 1, as_of=AS_OF)
    assert not other.administrations.equals(data.administrations)
    assert not other.episodes.equals(data.episodes)


def test_cohort_shape(data):
    episodes = data.episodes
    assert episodes["client_id"].n_unique() == DEFAULT_CLIENTS
    assert DEFAULT_CLIENTS <= episodes.height <= 1.15 * DEFAULT_CLIENTS
    assert episodes["episode_id"].is_unique().all()
    assert set(episodes["site"]) == {"Riverside", "Hillcrest"}
    tracks = episodes["track"].value_counts(normalize=True)
    assert set(tracks["track"]) == {"substance_use", "mental_health", "co_occurring"}
    assert tracks["proportion"].min() > 0.2
    assert data.clinicians.height == 8
    assert data.clinicians.group_by("site").len()["len"].to_list() == [4, 4]
    clinician_site = dict(data.clinicians.select("clinician_id", "site").iter_rows())
    assert all(clinician_site[c] == s for c, s in episodes.select("clinician_id", "site").rows())
    names = episodes.unique("client_id")["display_name"]
    assert names.is_unique().all()
    assert names.str.contains(r"^[A-Z][a-z]+ [A-Z][a-z]+$").all()


def test_trajectories_and_discharges_are_plausible(data):
    shares = dict(data.trajectories["trajectory"].value_counts(normalize=True).iter_rows())
    assert 0.3 < shares["responder"] < 0.5
    assert 0.1 < shares["slow_responder"] < 0.3
    assert 0.1 < shares["non_responder"] < 0.25
    assert 0.04 < shares["deteriorator"] < 0.15
    assert 0.1 < shares["early_dropout"] < 0.25
    ended = (
        data.episodes.join(data.trajectories, on="episode_id")
        .drop_nulls("discharged_on")
        .with_columns(
            ((pl.col("discharged_on") - pl.col("admitted_on")).dt.total_days() / 7).alias("weeks")
        )
    )
    assert set(ended["discharge_reason"]) == {
        "completed",
        "stepped_down",
        "left_early",
        "stepped_up",
        "other",
    }
    dropouts = ended.filter(pl.col("trajectory") == "early_dropout")
    assert (dropouts["discharge_reason"] == "left_early").all()
    assert dropouts["weeks"].is_between(1.0, 3.0).all()
    completed = ended.filter(pl.col("discharge_reason") == "completed")
    assert completed["weeks"].is_between(6.0, 12.0).all()
    responders = ended.filter(pl.col("trajectory") == "responder")
    finished_well = responders["discharge_reason"].is_in(["completed", "stepped_down"]).mean()
    assert finished_well > 0.9
    stepped_up = ended.filter(pl.col("discharge_reason") == "stepped_up")["trajectory"]
    assert set(stepped_up) <= {"non_responder", "deteriorator"}


def test_25_to_40_clients_active_at_as_of(data, manifest):
    active = data.episodes.filter(pl.col("discharged_on").is_null())
    assert 25 <= active.height <= 40
    assert active["discharge_reason"].null_count() == active.height
    assert manifest["episodes"]["active_at_as_of"] == active.height


def test_no_date_after_as_of_except_the_future_rows(data):
    assert data.episodes["admitted_on"].max() <= AS_OF
    assert data.episodes["discharged_on"].max() <= AS_OF
    assert data.care_levels["changed_on"].max() <= AS_OF
    assert data.attendance["session_on"].max() <= AS_OF
    assert good_rows(data)["administered_on"].max() <= AS_OF
    future = data.administrations.filter(pl.col("administered_on") > AS_OF)
    assert future.height == (data.bad_rows["kind"] == "future_date").sum()


def test_program_days_are_weekdays(data):
    assert (data.attendance["session_on"].dt.weekday() <= 5).all()
    assert (good_rows(data)["administered_on"].dt.weekday() <= 5).all()


def test_every_item_is_in_range_except_the_bad_rows(data):
    catalog = load_catalog()
    rows = good_rows(data)
    for (measure,), group in rows.group_by("measure"):
        instrument = catalog[str(measure)]
        for number, item in enumerate(instrument.items, start=1):
            values = group[f"item_{number}"].drop_nulls()
            assert values.is_in(list(item.allowed_values)).all(), (measure, item.id)
        for beyond in range(len(instrument.items) + 1, 18):
            assert group[f"item_{beyond}"].null_count() == group.height, (measure, beyond)


def test_measures_follow_the_track(data):
    rows = with_episodes(data)
    mental_health = rows.filter(pl.col("track") == "mental_health")["measure"].unique()
    assert not set(mental_health) & {"craving_nrs", "confidence_nrs", "pacs", "bam_r"}
    substance = rows.filter(pl.col("track") != "mental_health")["measure"].unique()
    assert set(substance) == set(data.instruments)
    bam_r = rows.filter(pl.col("measure") == "bam_r")
    at_admission = bam_r.filter(pl.col("administered_on") == pl.col("admitted_on")).height
    assert (
        at_admission
        > 0.9 * rows.filter(pl.col("track") != "mental_health")["episode_id"].n_unique()
    )


def test_item9_and_missing_items_are_occasional(data):
    rows = good_rows(data)
    phq9 = rows.filter(pl.col("measure") == "phq9")
    endorsed = (phq9["item_9"] > 0).mean()
    assert 0.01 < endorsed < 0.08
    catalog = load_catalog()
    multi = rows.filter(pl.col("measure").is_in(["phq9", "gad7", "pacs", "who5", "gse"]))
    missing = multi.select(
        pl.sum_horizontal(
            pl.when(pl.col("measure") == m)
            .then(pl.sum_horizontal(pl.col(f"item_{n}").is_null() for n in range(1, k + 1)))
            .otherwise(0)
            for m, k in (
                (m, len(catalog[m].items)) for m in ("phq9", "gad7", "pacs", "who5", "gse")
            )
        ).alias("missing")
    )["missing"]
    assert 0.005 < (missing == 1).mean() < 0.03
    assert (missing >= 3).sum() >= 1


def test_scores_move_with_the_trajectory(data):
    phq9 = (
        with_episodes(data)
        .filter(pl.col("measure") == "phq9")
        .with_columns(pl.sum_horizontal(f"item_{n}" for n in range(1, 10)).alias("total"))
        .sort("episode_id", "administered_on")
        .group_by("episode_id")
        .agg(
            pl.first("trajectory"), pl.len(), (pl.last("total") - pl.first("total")).alias("change")
        )
        .filter(pl.col("len") >= 4)
        .group_by("trajectory")
        .agg(pl.col("change").mean())
    )
    change = dict(phq9.iter_rows())
    assert change["responder"] < -5
    assert change["slow_responder"] < -2
    assert change["deteriorator"] > 2
    assert abs(change["non_responder"]) < 3


def test_demo_client_is_an_improving_co_occurring_client_weeks_in(data, manifest):
    assert manifest["demo_client_id"] == data.demo_client_id
    episode = data.episodes.filter(pl.col("episode_id") == data.demo_episode_id).row(0, named=True)
    assert episode["client_id"] == data.demo_client_id
    assert episode["track"] == "co_occurring"
    assert episode["discharged_on"] is None
    assert 28 <= (AS_OF - episode["admitted_on"]).days <= 56
    totals = (
        good_rows(data)
        .filter((pl.col("client_id") == data.demo_client_id) & (pl.col("measure") == "phq9"))
        .select(pl.sum_horizontal(f"item_{n}" for n in range(1, 10)))
        .to_series()
    )
    assert totals.len() >= 4
    assert totals[0] - totals[-1] >= 6
    assert data.demo_client_id not in set(data.bad_rows["client_id"].drop_nulls())


def test_committed_fixtures_equal_a_fresh_generation(data, tmp_path):
    written = write_fixtures(data, tmp_path)
    assert [p.name for p in written] == [*CSV_FILES, MANIFEST, README]
    for path in written:
        committed = FIXTURES / path.name
        assert committed.read_bytes() == path.read_bytes(), f"{committed} is out of date"
    sizes = sum((FIXTURES / p.name).stat().st_size for p in written)
    assert sizes < 4_000_000


def test_committed_administrations_score_except_exactly_the_bad_rows(manifest):
    run = score_csv(FIXTURES / "administrations.csv", now=END_OF_AS_OF)
    rejected = run.table.filter("rejected")
    bad = {row["line"]: row["kind"] for row in manifest["bad_rows"]}
    assert sorted(rejected["row"]) == sorted(bad)
    assert len(set(bad.values())) == 7
    assert run.rows == manifest["rows"]["administrations.csv"]
    unscored = run.table.filter(~pl.col("rejected") & ~pl.col("complete"))
    assert unscored.height < 0.01 * run.rows
    assert (unscored["items_answered"].is_not_null()).all()


def test_instruments_restrict_only_the_administrations():
    full = generate(clients=60, seed=5, as_of=AS_OF)
    phq9 = generate(clients=60, seed=5, as_of=AS_OF, instruments=["phq9"])
    assert set(phq9.administrations["measure"].cast(pl.String)) == {"phq9", "ors"}
    assert phq9.instruments == ("phq9",)
    assert_frame_equal(phq9.episodes, full.episodes)
    assert_frame_equal(phq9.attendance, full.attendance)
    keys = ["client_id", "administered_on"]
    both = (
        good_rows(full)
        .filter(pl.col("measure") == "phq9")
        .join(good_rows(phq9), on=keys, suffix="_restricted")
    )
    assert both.height > 0.9 * good_rows(phq9).height
    for n in range(1, 10):
        assert (both[f"item_{n}"] == both[f"item_{n}_restricted"]).all()


def test_unknown_instrument_or_no_clients_is_an_error():
    with pytest.raises(ValueError, match="unknown instrument"):
        generate(clients=10, seed=1, as_of=AS_OF, instruments=["k10"])
    with pytest.raises(ValueError, match="at least 1"):
        generate(clients=0, seed=1, as_of=AS_OF)


def test_cli_writes_the_files(tmp_path):
    out = tmp_path / "small"
    arguments = ["--clients", "30", "--seed", "9", "--as-of", "2026-03-02"]
    result = CliRunner().invoke(
        app, ["fixtures", "--out", str(out), *arguments, "--instruments", "phq9,gad7"]
    )
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == sorted([*CSV_FILES, MANIFEST, README])
    manifest = json.loads((out / MANIFEST).read_text(encoding="utf-8"))
    assert manifest["command"] == (
        "iop fixtures --clients 30 --seed 9 --as-of 2026-03-02 --instruments phq9,gad7"
    )
    assert manifest["instruments"] == ["phq9", "gad7"]


def test_cli_rejects_an_unknown_instrument(tmp_path):
    result = CliRunner().invoke(
        app, ["fixtures", "--out", str(tmp_path), "--instruments", "phq9,k10"]
    )
    assert result.exit_code == 2
    assert "unknown instrument(s) k10" in result.output
