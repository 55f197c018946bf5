"""The weekly review's agenda kept current in place equals a full rebuild, after any writes.

A program (a slice of the committed fixtures: every client in treatment today and
some discharged ones) is imported into a fresh database of each back end; then
Hypothesis draws sequences of what happens in a week: check-ins and safety answers
from clients, imports of scores, attendance, episodes (discharges, admissions, a
move to another site, a new name) and clinicians, the team's decisions and
follow-ups. After every write the agenda of the kept store (only the touched
clients rebuilt) is compared with a build of the whole caseload from scratch, for
a clinician of every site and one of a single site.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable, Iterator
from pathlib import Path

import polars as pl
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal

from dashboard import clock
from dashboard.auth.accounts import create_user
from dashboard.auth.viewer import Role, operator_viewer
from dashboard.checkin.safety import record_safety_answer
from dashboard.checkin.submit import submit_checkin
from dashboard.imports import import_files
from dashboard.program_settings import APP_SECTIONS, AppSettings
from dashboard.review.actions import record_decision
from dashboard.review.agenda import Agenda, build_agenda, build_caseload
from dashboard.review.agenda_store import AgendaStore
from dashboard.review.follow_ups import Flag, record_follow_up
from dashboard.review.reference import current_reference
from dashboard.store.engine import read
from measures import load_catalog
from measures.program import ProgramConfig
from measures.readiness import CaseloadReadiness
from tests.conftest import viewer_of

CATALOG = load_catalog()
FIXTURES = Path(__file__).resolve().parents[1] / "data" / "fixtures"
PROGRAM = ProgramConfig.from_toml(
    FIXTURES / "demo_program.toml", catalog=CATALOG, other_sections=APP_SECTIONS
)
TODAY = clock.today()
OPERATOR = operator_viewer("test")
#: Discharged clients imported besides the active ones (their episodes make the ranges).
DISCHARGED = 40
CLIENTS = ("client_a", "client_b", "client_c")
CLINICIANS = ("clinician", "riverside")
ADMINISTRATIONS = "client_id,measure,administered_on," + ",".join(f"item_{n}" for n in range(1, 10))
_names = itertools.count()


def _slice(folder: Path) -> tuple[list[Path], pl.DataFrame]:
    """The fixture files of the active clients and some discharged ones."""
    episodes = pl.read_csv(FIXTURES / "episodes.csv", infer_schema=False)
    day = TODAY.isoformat()
    active = episodes.filter(
        (pl.col("admitted_on") <= day)
        & (pl.col("discharged_on").is_null() | (pl.col("discharged_on") >= day))
    )
    others = episodes.filter(~pl.col("client_id").is_in(active["client_id"].implode()))
    chosen = [*active["client_id"].to_list(), *others["client_id"].unique().sort()[:DISCHARGED]]
    paths = []
    for name in ("clinicians.csv", "episodes.csv", "administrations.csv", "attendance.csv"):
        frame = pl.read_csv(FIXTURES / name, infer_schema=False)
        if "client_id" in frame.columns:
            frame = frame.filter(pl.col("client_id").is_in(chosen))
        frame.write_csv(folder / name)
        paths.append(folder / name)
    return paths, active


@pytest.fixture
def program(engine, tmp_path) -> pl.DataFrame:
    """The program imported, with two clinicians and three client accounts; its active
    episodes."""
    paths, active = _slice(tmp_path)
    result = import_files(engine, paths, viewer=OPERATOR, catalog=CATALOG, program=PROGRAM)
    assert not result.unusable
    create_user(
        engine,
        OPERATOR,
        username="clinician",
        role=Role.CLINICIAN,
        password=None,
        sites=["Riverside", "Hillcrest"],
    )
    create_user(
        engine,
        OPERATOR,
        username="riverside",
        role=Role.CLINICIAN,
        password=None,
        sites=["Riverside"],
    )
    clients = pl.concat(
        [
            active.filter(pl.col("site") == "Riverside").head(2),
            active.filter(pl.col("site") == "Hillcrest").head(1),
        ]
    )["client_id"].to_list()
    for username, code in zip(CLIENTS, clients, strict=True):
        create_user(
            engine, OPERATOR, username=username, role=Role.CLIENT, password=None, client_code=code
        )
    return active


def _reference(engine):
    return current_reference(engine, CATALOG, PROGRAM.expected_response)


def _full(engine, username: str) -> Agenda:
    with read(engine) as connection:
        return build_agenda(
            connection,
            viewer_of(engine, username),
            catalog=CATALOG,
            program=PROGRAM,
            reference=_reference(engine),
            as_of=TODAY,
        )


def _kept(store: AgendaStore, engine, username: str) -> Agenda:
    return store.agenda(
        engine,
        viewer_of(engine, username),
        catalog=CATALOG,
        program=PROGRAM,
        reference=_reference(engine),
        as_of=TODAY,
    )


def assert_same(kept: Agenda, full: Agenda) -> None:
    """Two agendas read the same: rows in the same order, the same details per client."""
    assert kept.rows.columns == full.rows.columns
    assert_frame_equal(kept.rows, full.rows, check_dtypes=False)
    for name in ("flags", "due", "off_track", "cells"):
        assert_frame_equal(getattr(kept, name), getattr(full, name), check_dtypes=False)
    assert kept.readiness == full.readiness
    assert kept.choices == full.choices


def _csv(folder: Path, header: str, lines: list[str]) -> Path:
    path = folder / f"f{next(_names)}.csv"
    path.write_text("\n".join([header, *lines]) + "\n")
    return path


def _import(engine, path: Path) -> None:
    import_files(engine, [path], viewer=OPERATOR, catalog=CATALOG, program=PROGRAM)


# --- what happens in a week ------------------------------------------------------------

phq9 = st.lists(st.integers(0, 3), min_size=9, max_size=9)
operations = st.one_of(
    st.tuples(st.just("check_in"), st.integers(0, 2), st.integers(0, 10), st.none() | phq9),
    st.tuples(st.just("safety"), st.integers(0, 2), st.integers(1, 3)),
    st.tuples(
        st.just("scores"),
        st.lists(
            st.tuples(
                st.integers(0, 200), st.sampled_from(["phq9", "gad7"]), st.integers(0, 40), phq9
            ),
            min_size=1,
            max_size=3,
        ),
    ),
    st.tuples(st.just("attendance"), st.integers(0, 200), st.integers(0, 13), st.booleans()),
    st.tuples(
        st.just("episode"),
        st.integers(0, 200),
        st.sampled_from(["discharge", "move", "rename", "admit"]),
    ),
    st.tuples(st.just("clinician"), st.integers(0, 7)),
    st.tuples(
        st.just("decision"),
        st.integers(0, 200),
        st.sampled_from(["continue", "step_up", "discuss_again", "step_down"]),
    ),
    st.tuples(st.just("follow_up"), st.integers(0, 200), st.booleans()),
)


def _apply(engine, folder: Path, operation: tuple, active: pl.DataFrame) -> None:
    kind, *args = operation
    agenda = _full(engine, "clinician")
    rows = agenda.rows
    if kind == "check_in":
        who, mood, answers = args
        drawn = {"mood_nrs": {"item_1": mood}}
        if answers is not None:
            drawn["phq9"] = {f"item_{n}": v for n, v in enumerate(answers, 1)}
        submit_checkin(
            engine,
            viewer_of(engine, CLIENTS[who]),
            answers=drawn,
            triggers=[],
            coping=[],
            reflection="",
            catalog=CATALOG,
        )
    elif kind == "safety":
        who, value = args
        record_safety_answer(
            engine,
            viewer_of(engine, CLIENTS[who]),
            measure="phq9",
            item="item_9",
            value=value,
            catalog=CATALOG,
            settings=AppSettings(),
        )
    elif kind == "scores":
        codes = [*active["client_id"].to_list(), "N900"]
        lines = []
        for index, measure, days, answers in args[0]:
            items = answers[: 9 if measure == "phq9" else 7]
            day = (TODAY - dt.timedelta(days=days)).isoformat()
            lines.append(
                ",".join([codes[index % len(codes)], measure, day, *map(str, items)])
                + "," * (9 - len(items))
            )
        _import(engine, _csv(folder, ADMINISTRATIONS, lines))
    elif kind == "attendance":
        index, days, attended = args
        episode = active.row(index % active.height, named=True)
        day = (TODAY - dt.timedelta(days=days)).isoformat()
        line = f"{episode['client_id']},{episode['episode_id']},{day},group,{str(attended).lower()}"
        _import(
            engine, _csv(folder, "client_id,episode_id,session_on,session_type,attended", [line])
        )
    elif kind == "episode":
        index, change = args
        row = dict(active.row(index % active.height, named=True))
        if change == "discharge":
            row |= {
                "discharged_on": (TODAY - dt.timedelta(days=1)).isoformat(),
                "discharge_reason": "completed",
            }
        elif change == "move":
            row["site"] = "Hillcrest" if row["site"] == "Riverside" else "Riverside"
        elif change == "rename":
            row["display_name"] = f"Renamed {next(_names)}"
        else:
            number = next(_names)
            row |= {
                "client_id": f"N{number}",
                "episode_id": f"NE{number}",
                "display_name": f"New {number}",
                "admitted_on": (TODAY - dt.timedelta(days=3)).isoformat(),
                "discharged_on": None,
                "discharge_reason": None,
            }
        frame = pl.DataFrame([row], schema=dict.fromkeys(active.columns, pl.String))
        path = folder / f"episodes{next(_names)}.csv"
        frame.write_csv(path)
        _import(engine, path)
    elif kind == "clinician":
        number = args[0] + 1
        site = "Riverside" if number <= 4 else "Hillcrest"
        line = f"CL0{number},Dr. Renamed {next(_names)},{site}"
        _import(engine, _csv(folder, "clinician_id,display_name,site", [line]))
    elif kind == "decision" and not rows.is_empty():
        index, decision = args
        episode = rows["episode_id"][index % rows.height]
        record_decision(
            engine,
            viewer_of(engine, "clinician"),
            episode_id=episode,
            decision=decision,
            note="Discussed at the weekly review.",
            today=TODAY,
        )
    elif kind == "follow_up":
        index, closes = args
        flags = agenda.flags.filter(~pl.col("closed"))
        if flags.is_empty():
            return
        flag = flags.row(index % flags.height, named=True)
        record_follow_up(
            engine,
            viewer_of(engine, "clinician"),
            Flag(flag["client_id"], flag["measure"], flag["kind"], flag["flagged_on"]),
            action="contacted" if closes else "tried_to_reach",
            outcome="no_current_risk" if closes else "not_reached",
            note="Called after group.",
            catalog=CATALOG,
        )


few = settings(
    max_examples=6,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.fixture
def stores() -> Iterator[tuple[AgendaStore, AgendaStore]]:
    """Two kept stores, as two server processes on one database have, for the whole
    test: each example goes on from the last one's writes."""
    first, second = AgendaStore(), AgendaStore()
    yield first, second
    first.flush()
    second.flush()


@pytest.fixture
def new_store() -> Iterator[Callable[[], AgendaStore]]:
    """Kept stores (a new process each); their snapshots are saved before the database goes."""
    made: list[AgendaStore] = []

    def make() -> AgendaStore:
        made.append(AgendaStore())
        return made[-1]

    yield make
    for store in made:
        store.flush()


@few
@given(week=st.lists(operations, min_size=1, max_size=4))
def test_the_kept_agenda_equals_a_full_rebuild_after_any_writes(
    engine, program, stores, tmp_path, week
):
    """The second store is asked after every other write only: it catches up on several."""
    first, second = stores
    for username in CLINICIANS:
        assert_same(_kept(first, engine, username), _full(engine, username))
    first.flush()  # the second starts from the first's saved builds, as a new process does
    for number, operation in enumerate(week):
        _apply(engine, tmp_path, operation, program)
        for username in CLINICIANS:
            full = _full(engine, username)
            assert_same(_kept(first, engine, username), full)
            event(f"{operation[0]}: {first.last_update.split()[0]}")
            if number % 2:
                assert_same(_kept(second, engine, username), full)


def test_a_write_rebuilds_only_the_rows_of_the_client_it_touched(
    engine, program, new_store, tmp_path
):
    store = new_store()
    assert_same(_kept(store, engine, "clinician"), _full(engine, "clinician"))
    assert store.last_update == "built"
    _apply(engine, tmp_path, ("check_in", 0, 4, [1] * 9), program)
    assert_same(_kept(store, engine, "clinician"), _full(engine, "clinician"))
    assert store.last_update == "updated 1"
    _apply(engine, tmp_path, ("decision", 0, "continue"), program)
    _kept(store, engine, "clinician")
    assert store.last_update == "updated 1"
    _apply(engine, tmp_path, ("safety", 1, 2), program)
    _apply(engine, tmp_path, ("check_in", 2, 6, None), program)
    assert_same(_kept(store, engine, "clinician"), _full(engine, "clinician"))
    assert store.last_update == "updated 2"
    _kept(store, engine, "clinician")
    assert store.last_update == "kept"
    # one version per scope: the old agendas are not kept
    assert store.kept == 1
    # the readiness is spliced as frames: no client's object is built by an update
    assert isinstance(_kept(store, engine, "clinician").readiness, CaseloadReadiness)


def test_a_client_moved_to_another_site_leaves_the_clinicians_kept_agenda(
    engine, program, new_store, tmp_path
):
    store = new_store()
    riverside = program.filter(pl.col("site") == "Riverside")
    before = _kept(store, engine, "riverside")
    moved = riverside.row(0, named=True)["client_id"]
    assert moved in before.rows["client_id"].to_list()
    index = program["client_id"].to_list().index(moved)
    _apply(engine, tmp_path, ("episode", index, "move"), program)
    after = _kept(store, engine, "riverside")
    assert store.last_update == "updated 1"
    assert moved not in after.rows["client_id"].to_list()
    assert moved not in after.flags["client_id"].to_list()
    assert moved not in after.readiness
    assert after.rows.height == before.rows.height - 1
    assert_same(after, _full(engine, "riverside"))


def test_a_new_day_or_a_change_of_anything_builds_the_whole_caseload(
    engine, program, new_store, tmp_path
):
    store = new_store()
    viewer = viewer_of(engine, "clinician")

    def kept(day: dt.date) -> Agenda:
        return store.agenda(
            engine,
            viewer,
            catalog=CATALOG,
            program=PROGRAM,
            reference=_reference(engine),
            as_of=day,
        )

    kept(TODAY)
    kept(TODAY + dt.timedelta(days=1))
    assert store.last_update == "built"
    assert store.kept == 1
    _apply(engine, tmp_path, ("clinician", 2), program)
    assert kept(TODAY + dt.timedelta(days=1)).as_of == TODAY + dt.timedelta(days=1)
    assert store.last_update == "built"


def test_a_new_process_starts_from_the_saved_build_and_catches_up(
    engine, program, new_store, tmp_path
):
    first = new_store()
    _kept(first, engine, "clinician")
    first.flush()
    _apply(engine, tmp_path, ("check_in", 0, 3, [2] * 9), program)
    _apply(engine, tmp_path, ("decision", 3, "continue"), program)
    second = new_store()
    assert_same(_kept(second, engine, "clinician"), _full(engine, "clinician"))
    assert second.last_update == "loaded, updated 2"
    # another scope, or other program settings, never read it
    assert_same(_kept(second, engine, "riverside"), _full(engine, "riverside"))
    assert second.last_update == "built"
    other = PROGRAM.__class__.from_toml(None, catalog=CATALOG, other_sections=APP_SECTIONS)
    third = new_store()
    third.agenda(
        engine,
        viewer_of(engine, "clinician"),
        catalog=CATALOG,
        program=other,
        reference=_reference(engine),
        as_of=TODAY,
    )
    assert third.last_update == "built"


def test_a_saved_build_reads_back_the_same(engine, program):
    from dashboard.review.agenda_snapshot import Snapshot, _packed, _unpacked

    with read(engine) as connection:
        caseload = build_caseload(
            connection,
            viewer_of(engine, "clinician"),
            catalog=CATALOG,
            program=PROGRAM,
            reference=_reference(engine),
            as_of=TODAY,
        )
    snapshot = Snapshot(TODAY, 7, _reference(engine), caseload)
    back = _unpacked(_packed(snapshot), as_of=TODAY, version=7)
    assert_same(back.caseload.agenda, caseload.agenda)
    assert_frame_equal(back.caseload.weekly, caseload.weekly)
    assert_frame_equal(back.caseload.episodes, caseload.episodes)
    assert_frame_equal(back.reference.ranges, snapshot.reference.ranges)


_BUILD_AND_EXIT = """
import sys
from dashboard.store.engine import make_engine
from tests.test_agenda_incremental import CATALOG, PROGRAM, TODAY, _reference
from tests.conftest import viewer_of
from dashboard.review.agenda_store import AgendaStore

engine = make_engine(sys.argv[1])
AgendaStore().agenda(
    engine,
    viewer_of(engine, "clinician"),
    catalog=CATALOG,
    program=PROGRAM,
    reference=_reference(engine),
    as_of=TODAY,
)
"""


def test_a_process_that_ends_right_after_a_build_leaves_it_saved(engine, program, new_store):
    """A restart soon after the first review: the next process starts from that build."""
    import subprocess
    import sys

    url = engine.url.render_as_string(hide_password=False)
    root = Path(__file__).resolve().parents[1]
    subprocess.run([sys.executable, "-c", _BUILD_AND_EXIT, url], cwd=root, check=True)
    store = new_store()
    assert_same(_kept(store, engine, "clinician"), _full(engine, "clinician"))
    assert store.last_update == "loaded, kept"
