"""`iop db outcomes`: the directors' episode outcomes that imports queued, computed by the
operator (from cron when no app serves), once; `--all` computes every episode again."""

from __future__ import annotations

import sqlalchemy as sa

from dashboard.store import tables as t
from dashboard.store.engine import make_engine, read
from tests.cli.test_cli import FIXTURES, iop


def _counts(url: str) -> tuple[int, int, int]:
    engine = make_engine(url)
    try:
        with read(engine) as connection:
            return tuple(  # type: ignore[return-value]
                int(connection.execute(sa.select(sa.func.count()).select_from(table)).scalar_one())
                for table in (t.episodes, t.episode_outcomes, t.episode_outcome_queue)
            )
    finally:
        engine.dispose()


def test_imported_episodes_are_computed_once_and_all_again_when_asked(db):
    for name in ("clinicians.csv", "episodes.csv", "administrations.csv"):
        assert iop("import", str(FIXTURES / name), "--db", db).returncode in (0, 3)
    episodes, stored, queued = _counts(db)
    assert episodes > 0
    assert stored == 0  # an import queues its episodes, it does not compute them
    assert queued > 0

    first = iop("db", "outcomes", "--db", db)
    assert first.returncode == 0, first.stderr
    assert f"episode outcomes: {episodes:,} episode(s) computed" in first.stdout
    assert _counts(db) == (episodes, episodes, 0)

    again = iop("db", "outcomes", "--db", db)
    assert again.returncode == 0, again.stderr
    assert again.stdout == ""  # nothing queued, nothing said

    everything = iop("db", "outcomes", "--all", "--db", db)
    assert f"episode outcomes: {episodes:,} episode(s) computed" in everything.stdout
    assert _counts(db) == (episodes, episodes, 0)
