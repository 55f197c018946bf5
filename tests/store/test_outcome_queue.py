"""The stored episode outcomes stay equal to a full recomputation, whatever writes and in
whatever order, on both back ends: the triggers queue every episode a write touches (in
its transaction), the drain computes them again, and on PostgreSQL a write committed
while a drain computes is never lost."""

from __future__ import annotations

import datetime as dt
import itertools
import random
import time
from pathlib import Path

import polars as pl
import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal

from dashboard import clock
from dashboard.auth.accounts import create_user
from dashboard.auth.viewer import Role, operator_viewer
from dashboard.checkin.safety import record_safety_answer
from dashboard.checkin.submit import submit_checkin
from dashboard.cohorts.outcomes import OUTCOME_SCHEMA, episode_outcomes
from dashboard.demo import demo_program_config
from dashboard.imports import import_files
from dashboard.program_settings import APP_SECTIONS, AppSettings
from dashboard.review.follow_ups import Flag, record_follow_up
from dashboard.review.outcome_queue import (
    Refresher,
    compute_pass,
    queued,
    rebuild,
    refresh,
    rules_fingerprint,
    store_pass,
)
from dashboard.review.outcomes import episode_outcomes as compute_outcomes
from dashboard.review.outcomes import read_episode_data
from dashboard.store import outcome_triggers
from dashboard.store import tables as t
from dashboard.store.engine import read, write
from dashboard.store.reads import read_frame
from dashboard.synthetic import generate, write_fixtures
from measures import load_catalog
from measures.program import ProgramConfig
from tests.conftest import viewer_of
from tests.support.rescored_outcomes import rescored_outcomes

CATALOG = load_catalog()
PROGRAM = ProgramConfig.from_toml(
    demo_program_config(), catalog=CATALOG, other_sections=APP_SECTIONS
)
TODAY = dt.date.fromisoformat("2026-11-26")
OPERATOR = operator_viewer("test")
FILES = ("clinicians.csv", "episodes.csv", "care_levels.csv", "administrations.csv")
HEADER = "client_id,measure,administered_on," + ",".join(f"item_{n}" for n in range(1, 10))


def _polars_type(column: sa.Column[object]) -> object:
    for sql, polars in (
        (sa.Boolean, pl.Boolean),
        (sa.DateTime, pl.Datetime("us")),
        (sa.Date, pl.Date),
        (sa.Integer, pl.Int64),
        (sa.Float, pl.Float64),
        (sa.String, pl.String),
    ):
        if isinstance(column.type, sql):
            return polars
    raise TypeError(column.type)


def stored(engine: sa.Engine, table: sa.Table) -> pl.DataFrame:
    columns = list(table.columns)
    query = sa.select(
        *[
            sa.type_coerce(c, sa.String).label(c.name)
            if isinstance(c.type, sa.Date | sa.DateTime)
            else c
            for c in columns
        ]
    )
    with read(engine) as connection:
        return read_frame(connection, query, {c.name: _polars_type(c) for c in columns})


def recomputed(engine: sa.Engine) -> tuple[pl.DataFrame, pl.DataFrame]:
    with read(engine) as connection:
        ids = [int(i) for i in connection.execute(sa.select(t.episodes.c.id)).scalars()]
        data = read_episode_data(connection, CATALOG, ids)
    return compute_outcomes(data, CATALOG, PROGRAM)


def assert_current(engine: sa.Engine) -> None:
    """Nothing queued, and the stored rows are exactly a full recomputation's."""
    with read(engine) as connection:
        assert queued(connection) == 0
    outcomes, scores = recomputed(engine)
    for table, expected, key in (
        (t.episode_outcomes, outcomes, ["episode_id"]),
        (t.episode_scores, scores, ["episode_id", "measure", "score_id"]),
    ):
        got = stored(engine, table).sort(key)
        want = expected.select(got.columns).cast(dict(got.schema)).sort(key)  # type: ignore[arg-type]
        assert_frame_equal(got, want, check_exact=True)


def queue_of(engine: sa.Engine) -> list[int]:
    with read(engine) as connection:
        rows = connection.execute(sa.select(t.episode_outcome_queue.c.episode_id)).scalars()
        return sorted({int(e) for e in rows})


def do_import(engine: sa.Engine, *paths: Path) -> None:
    result = import_files(engine, paths, viewer=OPERATOR, catalog=CATALOG, program=PROGRAM)
    assert not result.unusable, [s.message for s in result.unusable]


class Program:
    """A small synthetic program imported through the real import, with accounts, and the
    writes a test draws from."""

    def __init__(self, engine: sa.Engine, folder: Path) -> None:
        self.engine, self.folder = engine, folder
        data = generate(clients=16, seed=2, as_of=TODAY)
        paths = {p.name: p for p in write_fixtures(data, folder / "fixtures")}
        do_import(engine, *(paths[name] for name in (*FILES, "attendance.csv")))
        self.episodes = data.episodes
        sites = sorted(set(data.episodes["site"]))
        create_user(engine, OPERATOR, username="nurse", role=Role.CLINICIAN, password=None,
                    sites=sites)  # fmt: skip
        create_user(engine, OPERATOR, username="director", role=Role.DIRECTOR, password=None,
                    sites=sites)  # fmt: skip
        active = data.episodes.filter(pl.col("discharged_on").is_null())
        self.clients = active["client_id"].unique(maintain_order=True).head(3).to_list()
        for code in self.clients:
            create_user(engine, OPERATOR, username=f"u{code}", role=Role.CLIENT, password=None,
                        client_code=code)  # fmt: skip
        self.files = 0

    def csv(self, name: str, header: str, lines: list[str]) -> Path:
        self.files += 1
        path = self.folder / f"{self.files:03d}-{name}"
        path.write_text("\n".join([header, *lines]) + "\n", encoding="utf-8")
        return path

    def episode(self, rng: random.Random) -> dict[str, object]:
        return self.episodes.row(rng.randrange(self.episodes.height), named=True)

    @staticmethod
    def day_in(episode: dict[str, object], rng: random.Random) -> dt.date:
        start = episode["admitted_on"]
        end = episode["discharged_on"] or TODAY
        assert isinstance(start, dt.date)
        assert isinstance(end, dt.date)
        return start + dt.timedelta(days=rng.randint(0, (end - start).days))

    def write(self, kind: str, rng: random.Random) -> None:
        getattr(self, f"_{kind}")(rng)

    def _scores(self, rng: random.Random) -> None:
        lines = []
        for _ in range(rng.randint(1, 4)):
            episode = self.episode(rng)
            measure = rng.choice(["phq9", "gad7", "bam_r"])
            size = len(CATALOG[measure].items)
            answers = [rng.randint(0, 3) for _ in range(min(size, 9))]
            if measure == "bam_r":  # item 4 and 6: days drank, days used (bins 0-4)
                answers = [rng.randint(0, 4) for _ in range(9)]
            day = self.day_in(episode, rng)
            lines.append(f"{episode['client_id']},{measure},{day}," + ",".join(map(str, answers)))
        if rng.random() < 0.3:  # a correction of a stored row: a new version
            lines.append(lines[0].rsplit(",", 1)[0] + ",3")
        do_import(self.engine, self.csv("administrations.csv", HEADER, lines))

    def _discharge(self, rng: random.Random) -> None:
        episode = dict(self.episode(rng))
        if episode["discharged_on"] is None or rng.random() < 0.5:
            episode["discharged_on"] = self.day_in(episode, rng)
            episode["discharge_reason"] = rng.choice(["completed", "stepped_down", "left_early"])
        else:
            episode["track"] = rng.choice(["substance_use", "mental_health", "co_occurring"])
        header = ",".join(self.episodes.columns)
        line = ",".join("" if v is None else str(v) for v in episode.values())
        do_import(self.engine, self.csv("episodes.csv", header, [line]))

    def _care_level(self, rng: random.Random) -> None:
        episode = self.episode(rng)
        line = (
            f"{episode['client_id']},{episode['episode_id']},{episode['admitted_on']},"
            f"{rng.choice(['php', 'iop', 'op'])},from a file"
        )
        header = "client_id,episode_id,changed_on,level_of_care,reason"
        do_import(self.engine, self.csv("care_levels.csv", header, [line]))

    def _attendance(self, rng: random.Random) -> None:
        lines = []
        for _ in range(rng.randint(1, 5)):
            episode = self.episode(rng)
            attended = rng.choice(["true", "false"])
            lines.append(
                f"{episode['client_id']},{episode['episode_id']},{self.day_in(episode, rng)},"
                f"{rng.choice(['group', 'individual'])},{attended}"
            )
        header = "client_id,episode_id,session_on,session_type,attended"
        do_import(self.engine, self.csv("attendance.csv", header, lines))

    def _check_in(self, rng: random.Random) -> None:
        code = rng.choice(self.clients)
        answers = {f"item_{n}": rng.randint(0, 3) for n in range(1, 10)}
        done = submit_checkin(
            self.engine,
            viewer_of(self.engine, f"u{code}"),
            answers={"phq9": answers},
            triggers=[],
            coping=[],
            reflection="",
            catalog=CATALOG,
            now=clock.now().replace(hour=8, minute=rng.randint(0, 59), second=rng.randint(0, 59)),
        )
        assert done.saved, done.errors

    def _safety_answer(self, rng: random.Random) -> None:
        code = rng.choice(self.clients)
        record_safety_answer(
            self.engine,
            viewer_of(self.engine, f"u{code}"),
            measure="phq9",
            item="item_9",
            value=rng.randint(1, 3),
            catalog=CATALOG,
            settings=AppSettings(),
        )

    def _follow_up(self, rng: random.Random) -> None:
        a, c = t.safety_answers.c, t.clients.c
        with read(self.engine) as connection:
            flags = connection.execute(
                sa.select(c.code, a.instrument, a.answered_on).join(t.clients, c.id == a.client_id)
            ).all()
        if not flags:
            self._safety_answer(rng)
            return
        code, measure, day = rng.choice(flags)
        record_follow_up(
            self.engine,
            viewer_of(self.engine, "nurse"),
            Flag(code, measure, "endorsed", day),
            action=rng.choice(["contacted", "safety_plan_reviewed"]),
            outcome="no_current_risk",
            note="spoke with the client",
            catalog=CATALOG,
            now=dt.datetime.combine(day, dt.time(9)) + dt.timedelta(hours=rng.choice([2, 30])),
        )

    def _refresh(self, _rng: random.Random) -> None:
        refresh(self.engine, CATALOG, PROGRAM)


WRITES = (
    "scores",
    "discharge",
    "care_level",
    "attendance",
    "check_in",
    "safety_answer",
    "follow_up",
    "refresh",
)


@pytest.fixture
def program(engine, tmp_path) -> Program:
    built = Program(engine, tmp_path)
    refresh(engine, CATALOG, PROGRAM)
    return built


def test_every_outcome_trigger_is_there_at_the_newest_schema(engine):
    with read(engine) as connection:
        assert outcome_triggers.installed(connection) == sorted(outcome_triggers.trigger_names())


def test_the_imported_program_is_stored_as_a_full_recomputation_gives_it(program):
    assert_current(program.engine)
    with read(program.engine) as connection:
        ready = connection.execute(
            sa.select(sa.func.count()).where(t.episode_outcomes.c.first_ready_on.is_not(None))
        ).scalar()
    assert ready, "no episode ever read ready: the readiness weeks test nothing"


@settings(
    max_examples=5,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(writes=st.lists(st.sampled_from(WRITES), min_size=1, max_size=8), seed=st.integers(0, 999))
def test_after_any_writes_the_stored_outcomes_equal_a_full_recomputation(program, writes, seed):
    rng = random.Random(seed)
    for kind in writes:
        program.write(kind, rng)
    refresh(program.engine, CATALOG, PROGRAM)
    assert_current(program.engine)
    director = viewer_of(program.engine, "director")
    with read(program.engine) as connection:
        now = episode_outcomes(connection, director, discharged_to=TODAY)
        then = rescored_outcomes(connection, director, CATALOG, discharged_to=TODAY)
    order = list(OUTCOME_SCHEMA)
    assert_frame_equal(
        now.sort(order, nulls_last=True),
        then.select(order).sort(order, nulls_last=True),
    )


def test_the_apps_refresher_thread_computes_what_a_write_queued_soon_after(program):
    program.write("check_in", random.Random(1))
    assert queue_of(program.engine)
    refresher = Refresher(program.engine, CATALOG, PROGRAM, poll_seconds=0.1).start()
    try:
        deadline = time.monotonic() + 120
        while queue_of(program.engine):
            assert time.monotonic() < deadline, "the refresher left episodes queued"
            time.sleep(0.1)
    finally:
        refresher.stop()
    assert_current(program.engine)


def test_a_write_queues_its_episodes_in_its_transaction_and_a_rolled_back_one_none(program):
    engine = program.engine
    e, a = t.episodes.c, t.administrations.c
    with read(engine) as connection:
        first, client = connection.execute(sa.select(e.id, e.client_id).order_by(e.id)).first()
        of_client = [
            int(i) for i in connection.execute(sa.select(e.id).where(e.client_id == client))
            .scalars()
        ]  # fmt: skip
        administration = connection.execute(
            sa.select(a.id).where(a.episode_id == first).limit(1)
        ).scalar_one()

    def failing_write() -> None:
        with write(engine) as connection:
            connection.execute(t.administrations.delete().where(a.id == administration))
            msg = "the write fails"
            raise RuntimeError(msg)

    with pytest.raises(RuntimeError):
        failing_write()
    assert queue_of(engine) == []
    with write(engine) as connection:
        connection.execute(t.administrations.delete().where(a.id == administration))
    assert queue_of(engine) == [first]
    with write(engine) as connection:
        connection.execute(
            t.safety_follow_ups.insert().values(
                client_id=client,
                instrument="phq9",
                kind="endorsed",
                flagged_on=TODAY,
                action="contacted",
                outcome="no_current_risk",
                note="n",
                recorded_by="test",
                recorded_at=clock.now(),
            )
        )
    assert queue_of(engine) == sorted({first, *of_client})
    refresh(engine, CATALOG, PROGRAM)
    assert_current(engine)


def test_other_rules_queue_every_episode_once(program):
    engine = program.engine
    stricter = ProgramConfig.from_toml(None, catalog=CATALOG)
    assert rules_fingerprint(CATALOG, stricter) != rules_fingerprint(CATALOG, PROGRAM)
    with read(engine) as connection:
        episodes = connection.execute(sa.select(sa.func.count()).select_from(t.episodes)).scalar()
    assert refresh(engine, CATALOG, stricter) == episodes
    assert refresh(engine, CATALOG, stricter) == 0
    assert refresh(engine, CATALOG, PROGRAM) == episodes
    assert_current(engine)
    assert rebuild(engine, CATALOG, PROGRAM) == episodes


def _postgres_only(engine: sa.Engine) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite drains under its write lock: no write can come between")


def _touch(program: Program, episode: dict[str, object], seed: int) -> None:
    """An import that adds a PHQ-9 to the episode (another each seed)."""
    rng = random.Random(seed)
    day = Program.day_in(episode, rng)
    answers = ",".join(str(rng.randint(0, 3)) for _ in range(8))
    line = f"{episode['client_id']},phq9,{day}T{rng.randint(0, 23):02d}:00,{answers},0"
    do_import(program.engine, program.csv("administrations.csv", HEADER, [line]))


def _pk(engine: sa.Engine, episode: dict[str, object]) -> int:
    with read(engine) as connection:
        return int(
            connection.execute(
                sa.select(t.episodes.c.id).where(t.episodes.c.code == episode["episode_id"])
            ).scalar_one()
        )


def test_a_write_committed_while_a_drain_computes_stays_queued(program):
    engine = program.engine
    _postgres_only(engine)
    episode = program.episode(random.Random(3))
    _touch(program, episode, 1)
    computing = compute_pass(engine, CATALOG, PROGRAM, up_to=10**12)
    assert computing is not None
    _touch(program, episode, 2)  # committed after the pass's snapshot
    assert _pk(engine, episode) in store_pass(engine, computing)
    assert queue_of(engine) == [_pk(engine, episode)]  # the second import's row stays
    refresh(engine, CATALOG, PROGRAM)
    assert_current(engine)


@pytest.mark.parametrize("order", ["earlier first", "later first"])
def test_of_two_drains_over_one_episode_the_later_snapshot_is_kept(program, order):
    engine = program.engine
    _postgres_only(engine)
    episode = program.episode(random.Random(5))
    _touch(program, episode, 1)
    earlier = compute_pass(engine, CATALOG, PROGRAM, up_to=10**12)
    _touch(program, episode, 2)
    later = compute_pass(engine, CATALOG, PROGRAM, up_to=10**12)
    assert earlier is not None
    assert later is not None
    first, second = (earlier, later) if order == "earlier first" else (later, earlier)
    store_pass(engine, first)
    store_pass(engine, second)
    assert queue_of(engine) == []
    assert_current(engine)


def test_a_sqlite_drain_holds_the_write_lock_for_one_episode_first_then_at_most_twice_as_many(
    program,
):
    engine = program.engine
    if engine.dialect.name != "sqlite":
        pytest.skip("PostgreSQL computes outside the lock, in passes of a fixed size")
    with write(engine) as connection:
        connection.execute(
            t.episodes.update().values(discharge_reason=t.episodes.c.discharge_reason)
        )
    passes: list[int] = []
    assert refresh(engine, CATALOG, PROGRAM, progress=passes.append) == sum(passes) > 1
    assert passes[0] == 1
    assert all(b <= 2 * a for a, b in itertools.pairwise(passes))
    assert_current(engine)
