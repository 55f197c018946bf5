"""On the demo database, the weekly review's readiness and not-on-track, computed over the
whole caseload with polars, equal today's client-by-client and row-by-row results.

The inputs are read as the agenda reads them (every active client of a clinician of every
site, their episode's scores, attendance, safety flags and follow-ups); the oracles are
kept in ``tests/measures/reference``.
"""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from dashboard import access, clock
from dashboard.program_settings import APP_SECTIONS
from dashboard.review.agenda import build_agenda
from dashboard.review.flags import readiness_frames, safety_flags
from dashboard.review.reference import current_reference
from dashboard.store.engine import read
from measures import load_catalog
from measures.expected import not_on_track, weekly_scores
from measures.program import ProgramConfig
from measures.readiness import assess_caseload
from measures.readiness_config import ReadinessConfig
from tests.conftest import viewer_of
from tests.measures.reference import expected as reference_expected
from tests.measures.reference import readiness as reference_readiness
from tests.measures.test_readiness_caseload import assert_same

CATALOG = load_catalog()
PROGRAM = ProgramConfig.from_toml(
    "data/fixtures/demo_program.toml", catalog=CATALOG, other_sections=APP_SECTIONS
)
TODAY = clock.today()


def _in_episode(frame: pl.DataFrame, window: pl.DataFrame, column: str, as_of: dt.date):
    day = pl.col(column).cast(pl.Date)
    return (
        frame.drop("client_id", strict=False)
        .join(window, on="client_pk")
        .filter((day >= pl.col("admitted_on")) & (day <= as_of))
    )


def caseload_inputs(engine, as_of: dt.date) -> dict[str, pl.DataFrame]:
    """The active caseload's frames on ``as_of``, read as ``build_agenda`` reads them."""
    viewer = viewer_of(engine, "clinician")
    with read(engine) as connection:
        episodes = access.episodes(connection, viewer, active_on=as_of, caseload=True)
        pks = episodes["client_pk"].to_list()
        window = episodes.select("client_pk", "client_id", "episode_id", "admitted_on", "track")
        since = episodes["admitted_on"].min()
        scored = access.scored_administrations(
            connection, viewer, CATALOG, client_pks=pks, since=since
        ).drop("episode_id", strict=False)
        scored = _in_episode(scored, window, "administered_at", as_of)
        attendance = access.attendance(connection, viewer, client_pks=pks, since=since)
        pending = access.safety_answers(connection, viewer, client_pks=pks, since=since)
        follow_ups = access.follow_ups(connection, viewer, client_pks=pks).join(
            window.select("client_pk", "client_id"), on="client_pk"
        )
        flags = safety_flags(
            scored,
            CATALOG,
            pending=_in_episode(pending, window, "answered_at", as_of),
            follow_ups=follow_ups,
            acknowledgements=access.acknowledgements(connection, viewer, client_pks=pks),
        )
    raised, followed = readiness_frames(flags, follow_ups)
    return {
        "scored": scored,
        "episodes": window.select("client_id", "admitted_on", "track"),
        "attendance": _in_episode(attendance, window, "session_on", as_of).select(
            "client_id", "session_on", "attended"
        ),
        "flags": raised,
        "follow_ups": followed,
    }


@pytest.mark.parametrize("days_ago", [0, 3, 12, 40])
@pytest.mark.parametrize(
    "config", [PROGRAM.readiness, ReadinessConfig()], ids=["demo program", "nothing set"]
)
def test_readiness_of_the_demo_caseload_is_the_same_client_by_client(demo_engine, days_ago, config):
    as_of = TODAY - dt.timedelta(days=days_ago)
    inputs = caseload_inputs(demo_engine, as_of)
    assert inputs["episodes"].height > 10
    arguments = (inputs["scored"], inputs["episodes"], inputs["attendance"], inputs["flags"])
    options = {"follow_ups": inputs["follow_ups"], "as_of": as_of, "config": config}
    found = assess_caseload(*arguments, **options, catalog=CATALOG)
    expected = reference_readiness.assess_caseload(*arguments, **options, catalog=CATALOG)
    assert_same(found, expected)


def test_the_demo_caseload_has_every_status_and_verdict(demo_engine):
    """The comparison above is not vacuous: the demo caseload reaches every kind of answer."""
    inputs = caseload_inputs(demo_engine, TODAY)
    found = assess_caseload(
        inputs["scored"],
        inputs["episodes"],
        inputs["attendance"],
        inputs["flags"],
        follow_ups=inputs["follow_ups"],
        as_of=TODAY,
        config=PROGRAM.readiness,
        catalog=CATALOG,
    )
    assert set(found.statuses["status"]) >= {"not ready", "approaching", "not enough data"}
    marks = {c.mark for client in found for c in found[client].criteria}
    assert marks >= {"Met", "Not met", "Not enough recent data", "Not applicable"}


@pytest.mark.parametrize("days_ago", [0, 12])
def test_not_on_track_of_the_demo_caseload_reads_as_it_did_row_by_row(demo_engine, days_ago):
    as_of = TODAY - dt.timedelta(days=days_ago)
    weekly = weekly_scores(caseload_inputs(demo_engine, as_of)["scored"], catalog=CATALOG)
    stored = current_reference(demo_engine, CATALOG, PROGRAM.expected_response)
    config = PROGRAM.expected_response
    options = {"config": config, "catalog": CATALOG, "gaps": stored.gaps}
    found = not_on_track(weekly, stored.ranges, **options)
    expected = reference_expected.not_on_track(weekly, stored.ranges, **options)
    keys = ["client_id", "episode_id", "measure", "baseline_band"]
    assert found.height == expected.height > 0
    assert_frame_equal(found.sort(keys), expected.sort(keys))


def test_the_agenda_reads_the_statuses_without_building_every_client(demo_engine):
    with read(demo_engine) as connection:
        agenda = build_agenda(
            connection,
            viewer_of(demo_engine, "clinician"),
            catalog=CATALOG,
            program=PROGRAM,
            reference=current_reference(demo_engine, CATALOG, PROGRAM.expected_response),
            as_of=TODAY,
        )
    statuses = dict(agenda.rows.select("client_id", "readiness").iter_rows())
    assert statuses
    for client, status in statuses.items():
        assert agenda.readiness[client].status == status
